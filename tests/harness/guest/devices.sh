# SPDX-License-Identifier: GPL-2.0
# Sourced by guest scripts: make the test devices besides brd's /dev/ram0-1.
#   /dev/nullb0          null_blk: 4 KiB blocks, memory backed, write cache
#   /dev/mapper/dmio-err dm-error: every I/O fails
#   $MQ_ERR_DEV          null_blk, bad blocks: I/O to its first 512 sectors fails (blk-mq)
#   /dev/loop0           loop over a tmpfs file: has write zeroes (if the
#                        kernel's loop has it)
#   /dev/mapper/dmio-slow dm-delay over /dev/ram1 (last 8 MiB): 300 ms
# Old kernels lack some of what these need; each device is made when the
# kernel has the feature and skipped, with the reason, when it has not (the
# tests using it then skip themselves). device_results, after ktap.sh, turns
# the outcomes into one KTAP result per device.
export DM_DISABLE_UDEV=1
DEVICES_STATUS=/tmp/dmio-devices
: >"$DEVICES_STATUS"

# Record a device's outcome: NAME ok|skip|fail [REASON].
device_status() {
	echo "$*" >>"$DEVICES_STATUS"
}

make_nullb() {
	nb=/sys/kernel/config/nullb/nullb0
	if [ ! -d /sys/module/null_blk ]; then
		device_status nullb0 skip "the kernel has no null_blk"
		return 0
	fi
	# Devices with their own block size and memory came with null_blk's
	# configfs interface (4.14); its module parameters make only devices
	# that drop the data written.
	if [ ! -d /sys/kernel/config/nullb ]; then
		device_status nullb0 skip "null_blk has no configfs interface (memory-backed devices need it)"
		return 0
	fi
	mkdir "$nb" || { device_status nullb0 fail "mkdir $nb"; return 1; }
	if [ ! -f "$nb/memory_backed" ]; then
		rmdir "$nb"
		device_status nullb0 skip "null_blk has no memory_backed attribute"
		return 0
	fi
	echo 4096 >"$nb/blocksize"
	echo 256 >"$nb/size"
	echo 1 >"$nb/memory_backed"
	if [ -f "$nb/cache_size" ]; then
		echo 16 >"$nb/cache_size"
	else
		echo "# nullb0: null_blk has no cache_size: a device without write cache"
	fi
	echo 1 >"$nb/power"
	[ -b /dev/nullb0 ] && device_status nullb0 ok ||
		{ device_status nullb0 fail "no /dev/nullb0 after power on"; return 1; }
}

# null_blk device whose first 512 sectors are bad blocks: a
# blk-mq device failing reads, where a bio's iterator is consumed by the
# time its end_io runs. Its name is its configfs item's where the kernel
# names disks so, else nullb<index>; MQ_ERR_DEV says which.
MQ_ERR_DEV=
make_nullb_mqerr() {
	nb=/sys/kernel/config/nullb/dmio-mqerr
	if [ ! -d /sys/kernel/config/nullb ]; then
		device_status mqerr skip "null_blk has no configfs interface"
		return 0
	fi
	mkdir "$nb" || { device_status mqerr fail "mkdir $nb"; return 1; }
	if [ ! -f "$nb/badblocks" ]; then
		rmdir "$nb"
		device_status mqerr skip "null_blk has no badblocks attribute"
		return 0
	fi
	echo 512 >"$nb/blocksize"
	echo 16 >"$nb/size"
	# One entry (at most 512 sectors): longer ranges upset 6.1's table.
	echo "+0-511" >"$nb/badblocks"
	echo 1 >"$nb/power"
	if [ -b /dev/dmio-mqerr ]; then
		MQ_ERR_DEV=/dev/dmio-mqerr
	else
		MQ_ERR_DEV=/dev/nullb$(cat "$nb/index")
	fi
	[ -b "$MQ_ERR_DEV" ] && device_status mqerr ok ||
		{ device_status mqerr fail "no $MQ_ERR_DEV after power on"; return 1; }
}

# Take it away again (check-debug makes null_blk devices of its own).
remove_nullb_mqerr() {
	nb=/sys/kernel/config/nullb/dmio-mqerr
	[ -d "$nb" ] || return 0
	echo 0 >"$nb/power"
	rmdir "$nb"
}

make_dm_error() {
	dmsetup create dmio-err --noudevsync --table "0 131072 error" &&
		[ -b /dev/mapper/dmio-err ] && device_status dmio-err ok ||
		{ device_status dmio-err fail; return 1; }
}

make_loop() {
	mkdir -p /mnt/tmpfs
	mount -t tmpfs -o size=80m tmpfs /mnt/tmpfs ||
		{ device_status loop0 fail "tmpfs"; return 1; }
	dd if=/dev/zero of=/mnt/tmpfs/loop.img bs=1M count=0 seek=64 2>/dev/null
	[ -b /dev/loop0 ] || mknod /dev/loop0 b 7 0
	losetup /dev/loop0 /mnt/tmpfs/loop.img && device_status loop0 ok ||
		{ device_status loop0 fail "losetup"; return 1; }
}

make_dm_delay() {
	# dm-delay may be missing from a kernel's module set.
	if ! dmsetup targets | grep -q '^delay '; then
		device_status dmio-slow skip "the kernel has no dm-delay target"
		return 0
	fi
	dmsetup create dmio-slow --noudevsync \
		--table "0 16384 delay /dev/ram1 114688 300" &&
		[ -b /dev/mapper/dmio-slow ] && device_status dmio-slow ok ||
		{ device_status dmio-slow fail; return 1; }
}

# One KTAP result per device (5): made, skipped with the reason, or failed.
device_results() {
	while read -r name status reason; do
		case $status in
		ok) result 0 "device_$name" ;;
		skip) result_skip "device_$name" "$reason" ;;
		*) result 1 "device_$name${reason:+ ($reason)}" ;;
		esac
	done <"$DEVICES_STATUS"
}

make_loop || echo "dmio-guest: could not make /dev/loop0"
make_nullb || echo "dmio-guest: could not make /dev/nullb0"
make_nullb_mqerr || echo "dmio-guest: could not make the failing null_blk device"
make_dm_error || echo "dmio-guest: could not make /dev/mapper/dmio-err"
make_dm_delay || echo "dmio-guest: could not make /dev/mapper/dmio-slow"
