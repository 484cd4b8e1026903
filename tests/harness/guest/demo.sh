#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make demo`: narrate each step on lines starting with
# "dmio-demo:", which the host shows as the transcript.
say() { echo "dmio-demo: $*"; }

say "guest kernel $(uname -r) is up"
size=$(blockdev --getsize64 /dev/ram0)
say "a RAM disk /dev/ram0 of $((size / 1048576)) MiB stands in for a disk"
say ""
say "step 1: load dmio.ko"
insmod /dmio/dmio.ko || { say "RESULT: failure (insmod dmio.ko)"; exit 1; }
say "        dmio $(cat /sys/module/dmio/version) is loaded beside the kernel's own modules"
say ""
say "step 2: a kernel module (the selftest) uses dmio's API to write 64 KiB"
say "        of text to sectors 8..135 of /dev/ram0, read it back and compare;"
say "        it also reads past the end of the disk, which must fail cleanly"
insmod /dmio/dmio_selftest.ko dev=/dev/ram0 pattern_sector=8 pattern_sectors=128 ||
	{ say "RESULT: failure (selftest did not load)"; exit 1; }
say ""
say "step 3: look at the disk from userspace with dd: sector 8 begins with"
dd if=/dev/ram0 bs=512 skip=8 count=1 2>/dev/null | head -n 2 | sed 's/^/dmio-demo:          | /'
say "        and sector 135 (the last one written) begins with"
dd if=/dev/ram0 bs=512 skip=135 count=1 2>/dev/null | head -n 1 | sed 's/^/dmio-demo:          | /'
say ""
say "step 4: unload the modules"
rmmod dmio_selftest && rmmod dmio || { say "RESULT: failure (rmmod)"; exit 1; }
if dmesg | grep -q '^not ok'; then
	say "RESULT: failure (a selftest case failed)"
	exit 1
fi
say "RESULT: success"
