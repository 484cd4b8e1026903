# SPDX-License-Identifier: GPL-2.0
# Sourced by guest scripts: make the test devices besides brd's /dev/ram0-1.
#   /dev/nullb0          null_blk: 4 KiB blocks, memory backed, write cache
#   /dev/mapper/dmio-err dm-error: every I/O fails
#   /dev/loop0           loop over a tmpfs file: has write zeroes
#   /dev/mapper/dmio-slow dm-delay over /dev/ram1 (last 8 MiB): 300 ms
export DM_DISABLE_UDEV=1

make_nullb() {
	nb=/sys/kernel/config/nullb/nullb0
	[ -d /sys/kernel/config/nullb ] || return 1
	mkdir "$nb" || return 1
	echo 4096 >"$nb/blocksize"
	echo 256 >"$nb/size"
	echo 1 >"$nb/memory_backed"
	echo 16 >"$nb/cache_size"
	echo 1 >"$nb/power"
	[ -b /dev/nullb0 ]
}

make_dm_error() {
	dmsetup create dmio-err --noudevsync --table "0 131072 error" &&
		[ -b /dev/mapper/dmio-err ]
}

make_loop() {
	mkdir -p /mnt/tmpfs
	mount -t tmpfs -o size=80m tmpfs /mnt/tmpfs || return 1
	dd if=/dev/zero of=/mnt/tmpfs/loop.img bs=1M count=0 seek=64 2>/dev/null
	[ -b /dev/loop0 ] || mknod /dev/loop0 b 7 0
	losetup /dev/loop0 /mnt/tmpfs/loop.img
}

make_dm_delay() {
	dmsetup create dmio-slow --noudevsync \
		--table "0 16384 delay /dev/ram1 114688 300" &&
		[ -b /dev/mapper/dmio-slow ]
}

make_loop || echo "dmio-guest: could not make /dev/loop0"
make_nullb || echo "dmio-guest: could not make /dev/nullb0"
make_dm_error || echo "dmio-guest: could not make /dev/mapper/dmio-err"
make_dm_delay || echo "dmio-guest: could not make /dev/mapper/dmio-slow"
