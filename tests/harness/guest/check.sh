#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make check`: load dmio and its selftest (KTAP from the
# kernel), then check from userspace, also as KTAP, that the bytes the
# selftest wrote really are on the device, and that both modules unload.
PATTERN_SECTOR=8
PATTERN_SECTORS=128

n=0
failed=0
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}

. /dmio/devices.sh
insmod /dmio/dmio.ko || echo "dmio-guest: insmod dmio.ko failed"
insmod /dmio/dmio_selftest.ko dev=/dev/ram0 dev2=/dev/ram1 \
	dev4k=/dev/nullb0 err_dev=/dev/mapper/dmio-err zero_dev=/dev/loop0 \
	slow_dev=/dev/mapper/dmio-slow \
	pattern_sector=$PATTERN_SECTOR pattern_sectors=$PATTERN_SECTORS ||
	echo "dmio-guest: insmod dmio_selftest.ko failed"

insmod /dmio/dmio_difftest.ko dev=/dev/ram0 dev2=/dev/ram1 \
	err_dev=/dev/mapper/dmio-err nodiscard_dev=/dev/nullb0 ||
	echo "dmio-guest: insmod dmio_difftest.ko failed"
rmmod dmio_difftest

# One consumer per dm-io API era, through the drop-in <dmio/dm-io.h>.
ERAS="era_2_6_18 era_2_6_26 era_4x era_6x era_7x"
for era in $ERAS; do
	insmod /dmio/$era.ko dev=/dev/ram0 dev2=/dev/ram1 \
		err_dev=/dev/mapper/dmio-err nodiscard_dev=/dev/nullb0 ||
		echo "dmio-guest: insmod $era.ko failed"
done
consumer_holders=$(ls /sys/module/dmio/holders 2>/dev/null | tr '\n' ' ')
dm_mod_holders=$(ls /sys/module/dm_mod/holders 2>/dev/null | tr '\n' ' ')
for era in $ERAS; do
	rmmod $era
done

# The same text the selftest wrote: 16 lines of 32 bytes per sector.
make_pattern() {
	s=$PATTERN_SECTOR
	end=$((PATTERN_SECTOR + PATTERN_SECTORS))
	while [ $s -lt $end ]; do
		l=0
		while [ $l -lt 16 ]; do
			printf 'dmio sector %010d line %02d.\n' $s $l
			l=$((l + 1))
		done
		s=$((s + 1))
	done
}

echo "KTAP version 1"
echo "# Subtest: dmio-guest"
echo "1..6"
make_pattern >/tmp/expected
dd if=/dev/ram0 of=/tmp/actual bs=512 skip=$PATTERN_SECTOR \
	count=$PATTERN_SECTORS 2>/dev/null
cmp -s /tmp/expected /tmp/actual
result $? "userspace_dd_sees_pattern"
# The sectors before the pattern were never written: still zero.
dd if=/dev/ram0 bs=512 count=$PATTERN_SECTOR 2>/dev/null | od -An -tx1 -v |
	grep -qv '^\( 00\)*$'
[ $? -ne 0 ]
result $? "sectors_before_pattern_untouched"
rmmod dmio_selftest
result $? "rmmod_dmio_selftest"
# The era consumers bound to dmio's exports, none to dm-mod's dm_io.
bound=0
for era in $ERAS; do
	case " $consumer_holders " in *" $era "*) ;; *) bound=1 ;; esac
	case " $dm_mod_holders " in *" $era "*) bound=1 ;; esac
done
echo "# dmio holders: $consumer_holders; dm_mod holders: $dm_mod_holders"
result $bound "era_consumers_use_dmio_not_dm_mod"
rmmod dmio
result $? "rmmod_dmio"
# Destroying dmio's request cache reports any object never given back.
! dmesg | grep -q 'Objects remaining'
result $? "no_request_objects_left_at_unload"
echo "# dmio-guest: $((n - failed)) passed, $failed failed"
