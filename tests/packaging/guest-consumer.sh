#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of the dkms step: load the dmio.ko that DKMS built and the
# consumer module DKMS built against its published Module.symvers. The
# consumer prints its own KTAP (write + read through dmio_sync()); this
# script checks from userspace that the block is on the device, and that
# both modules unload.
SECTOR=64
BYTES=4096

. /dmio/ktap.sh

insmod /dmio/dmio.ko
s1=$?
insmod /dmio/dmio_consumer.ko dev=/dev/ram0 sector=$SECTOR
s2=$?
# Let the consumer's console lines come out before ours.
sleep 1

echo "KTAP version 1"
echo "# Subtest: dkms-guest"
echo "1..5"
result $s1 insmod_dkms_built_dmio
result $s2 insmod_dkms_built_consumer
i=0
while [ $i -lt $BYTES ]; do
	printf 'dmio-consumer byte %010u..\n' $i
	i=$((i + 32))
done >/tmp/expected
dd if=/dev/ram0 of=/tmp/actual bs=512 skip=$SECTOR count=$((BYTES / 512)) \
	2>/dev/null
cmp -s /tmp/expected /tmp/actual
result $? userspace_dd_sees_consumer_block
rmmod dmio_consumer
result $? rmmod_consumer
rmmod dmio
result $? rmmod_dmio
