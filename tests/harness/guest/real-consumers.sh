#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of the real-consumers step (tests/steps/suite/25-real-consumers.sh):
# run the real dm-io consumers the host built against the drop-in
# <dmio/dm-io.h> and <dmio/dm-kcopyd.h> (rapiddisk-cache, and the kernel's
# own dm-snapshot, dm-integrity, dm-writecache and dm-mirror) over brd
# ramdisks, beside dm-mod, with
# workloads whose every byte is compared with what was written. Data goes
# in and out with O_DIRECT, so the page cache never answers for a device.
#
# A consumer the host could not build has no .ko here and is left out (the
# host reports it). Each check prints one line for the host to turn into KTAP:
#   dmio-real: result NAME STATUS DETAIL	(STATUS 0: passed)
# and everything worth a look (status counters, dd's errors) as "# " lines.
#
# Devices (brd: rd_nr=11, 32 MiB each):
#   ram0 ram1  rapiddisk-cache: origin, cache (as /dev/rd0: it wants /dev/rd*)
#   ram2 ram3  dm-snapshot: origin, persistent exception store (COW)
#   ram4 ram5  dm-integrity: data, metadata (meta_device: data stays at its
#              own offsets on ram4, so a sector can be corrupted there)
#   ram6 ram7  dm-writecache: origin, cache (SSD mode)
#   ram8 ram9 ram10  dm-mirror: three legs, ram8 the primary
export DM_DISABLE_UDEV=1

# Units of the dd helpers: 64 KiB.
U=65536

res() {
	name=$1
	st=$2
	shift 2
	[ "$st" = 0 ] || st=1
	echo "dmio-real: result $name $st $*"
}

note() {
	echo "# $*"
}

# rand FILE N: N units of random data.
rand() {
	dd if=/dev/urandom of="$1" bs=$U count="$2" 2>/dev/null
}

# put FILE DEV UNIT: write FILE to DEV at UNIT, O_DIRECT.
put() {
	dd if="$1" of="$2" bs=$U seek="$3" oflag=direct conv=notrunc 2>/tmp/dd.err ||
		{ note "dd to $2: $(cat /tmp/dd.err)"; return 1; }
}

# get DEV UNIT N FILE: read N units of DEV from UNIT into FILE, O_DIRECT.
get() {
	dd if="$1" of="$4" bs=$U skip="$2" count="$3" iflag=direct 2>/tmp/dd.err ||
		{ note "dd from $1: $(cat /tmp/dd.err)"; return 1; }
}

# same DEV UNIT N EXPECTED: DEV's N units from UNIT are EXPECTED, byte for
# byte; on a mismatch say where the first difference is.
same() {
	get "$1" "$2" "$3" /tmp/same.got || return 1
	cmp /tmp/same.got "$4" >/tmp/cmp.out 2>&1 && return 0
	note "$1 (from unit $2) differs from $4: $(cat /tmp/cmp.out)"
	return 1
}

# bound MODULE: the module uses dmio's exports (it is one of dmio's holders).
bound() {
	[ -d "/sys/module/dmio/holders/$1" ] && return 0
	note "$1 is not a holder of dmio (holders: $(ls /sys/module/dmio/holders | tr '\n' ' '))"
	return 1
}

ds() {
	dmsetup "$@" --noudevsync
}

# Load a consumer; on failure show why (the kernel says it in dmesg).
load() {
	insmod "/dmio/$1.ko" && return 0
	note "insmod $1.ko failed:"
	dmesg | tail -n 5 | sed 's/^/#   /'
	return 1
}

unloaded=0

# rapiddisk-cache: write-through cache of ram0 on ram1. Write 4 MiB at
# 1 MiB, read it back twice; the second pass must come from the cache (its
# hit counter grows by one per 4 KiB block read), and the origin must hold
# the data.
rc_hits() {
	dmsetup status rc | sed -n 's/.*cache hits(\([0-9]*\)).*/\1/p'
}

rapiddisk_cache() {
	local sz hits0 hits1 hits2 ok
	load rapiddisk-cache || { res rapiddisk_cache_target_loads 1 "insmod failed"; return; }
	ln -sf /dev/ram1 /dev/rd0
	sz=$(blockdev --getsz /dev/ram0)
	ds create rc --table "0 $sz rapiddisk-cache /dev/ram0 /dev/rd0" && bound rapiddisk_cache
	res rapiddisk_cache_target_loads $? "(table: 0 $sz rapiddisk-cache /dev/ram0 /dev/rd0)"
	[ -b /dev/mapper/rc ] || { unloaded=1; return; }

	rand /tmp/rc.data 64
	put /tmp/rc.data /dev/mapper/rc 16
	ok=$?
	hits0=$(rc_hits)
	[ $ok = 0 ] && same /dev/mapper/rc 16 64 /tmp/rc.data
	ok=$?
	hits1=$(rc_hits)
	res rapiddisk_cache_write_read_back $ok "(4 MiB; cache hits $hits0 -> $hits1)"

	same /dev/mapper/rc 16 64 /tmp/rc.data
	ok=$?
	hits2=$(rc_hits)
	# 4 MiB is 1024 blocks of 4 KiB, each a hit in the second pass.
	[ $ok = 0 ] && [ $((hits2 - hits1)) -ge 1024 ]
	res rapiddisk_cache_second_pass_hits_cache $? \
		"(cache hits $hits1 -> $hits2: +$((hits2 - hits1)) for 1024 blocks)"
	note "rapiddisk-cache status after the second pass:"
	dmsetup status rc | sed 's/^/#   /'

	same /dev/ram0 16 64 /tmp/rc.data
	res rapiddisk_cache_origin_has_data $? "(ram0 read directly)"

	ds remove rc && rmmod rapiddisk-cache || unloaded=1
}

# dm-snapshot with the persistent store: A is on the origin before the
# snapshot; then B goes to the origin (through snapshot-origin: A's chunks
# are copied to the COW device first) and C to the snapshot. The origin
# must read A+B, the snapshot A+C; and after the snapshot is torn down and
# the module reloaded, the same COW device must bring A+C back from the
# store's metadata (which dm-snap-persistent.c writes through dm-io).
# The snapshot first: snapshot-origin splits writes at the chunk size of
# the snapshots there when it resumes (LVM suspends and resumes it), and
# copies only the first chunk of a longer write.
snap_tables() {
	ds create sn --table "0 $sz snapshot /dev/ram2 /dev/ram3 P 8" &&
		ds create so --table "0 $sz snapshot-origin /dev/ram2"
}

dm_snapshot() {
	local sz ok st1 st2
	load dm-snapshot || { res dm_snapshot_target_loads 1 "insmod failed"; return; }
	sz=$(blockdev --getsz /dev/ram2)
	rand /tmp/sn.a 16
	put /tmp/sn.a /dev/ram2 0
	snap_tables && bound dm_snapshot
	res dm_snapshot_target_loads $? "(snapshot /dev/ram2 /dev/ram3 P 8)"
	[ -b /dev/mapper/sn ] || { unloaded=1; return; }

	rand /tmp/sn.b 8
	rand /tmp/sn.c 8
	put /tmp/sn.b /dev/mapper/so 4 && put /tmp/sn.c /dev/mapper/sn 16
	ok=$?
	# Expected: origin = A with B over units 4-11; snapshot = A then C.
	cp /tmp/sn.a /tmp/sn.origin
	dd if=/tmp/sn.b of=/tmp/sn.origin bs=$U seek=4 conv=notrunc 2>/dev/null
	cat /tmp/sn.a /tmp/sn.c >/tmp/sn.snap
	[ $ok = 0 ] && same /dev/mapper/so 0 16 /tmp/sn.origin &&
		same /dev/ram2 0 16 /tmp/sn.origin &&
		same /dev/mapper/sn 0 24 /tmp/sn.snap
	ok=$?
	st1=$(dmsetup status sn)
	res dm_snapshot_origin_and_snapshot_data $ok "(status: $st1)"

	ds remove sn && ds remove so && rmmod dm-snapshot && load dm-snapshot &&
		snap_tables
	ok=$?
	st2=$(dmsetup status sn)
	[ $ok = 0 ] && same /dev/mapper/sn 0 24 /tmp/sn.snap &&
		same /dev/mapper/so 0 16 /tmp/sn.origin && [ "$st1" = "$st2" ]
	res dm_snapshot_persistent_reload $? "(after remove, rmmod, insmod, create: $st2)"

	ds remove sn && ds remove so && rmmod dm-snapshot || unloaded=1
}

# dm-integrity, journaled, crc32c tags on a separate metadata device: write
# 2 MiB and read it back. Then in direct mode: write it again, check the
# data device holds it at the same offsets; overwrite one sector there and
# reading it through the target must fail (a checksum error: EILSEQ), while
# its neighbours still read right.
integ_mismatches() {
	dmsetup status integ | awk '{ print $4 }'
}

dm_integrity() {
	local ok placed m0 m1 err table
	table="0 16384 integrity /dev/ram4 0 4 J 2 meta_device:/dev/ram5 internal_hash:crc32c"
	load dm-integrity || { res dm_integrity_target_loads 1 "insmod failed"; return; }
	ds create integ --table "$table" && bound dm_integrity
	res dm_integrity_target_loads $? "($table)"
	[ -b /dev/mapper/integ ] || { unloaded=1; return; }

	rand /tmp/in.data 32
	put /tmp/in.data /dev/mapper/integ 0 && same /dev/mapper/integ 0 32 /tmp/in.data
	res dm_integrity_write_read_back $? "(2 MiB)"

	# The corruption check wants the data at its own offsets on ram4: in
	# direct mode ('D', no journal) it goes there at once; the journal of
	# 'J' may still hold it. A fresh metadata device formats anew.
	ds remove integ
	dd if=/dev/zero of=/dev/ram5 bs=4096 count=16 oflag=direct 2>/dev/null
	table="0 16384 integrity /dev/ram4 0 4 D 2 meta_device:/dev/ram5 internal_hash:crc32c"
	ds create integ --table "$table" || note "dmsetup create ($table) failed"
	put /tmp/in.data /dev/mapper/integ 0 && same /dev/ram4 0 32 /tmp/in.data
	placed=$?
	ok=$placed
	m0=$(integ_mismatches)
	# Overwrite unit 1 (sectors 128-255) on the data device, as put writes
	# (whole units, O_DIRECT: brd and the target see the same bytes).
	rand /tmp/in.junk 1
	put /tmp/in.junk /dev/ram4 1 || { note "corrupting ram4 failed"; ok=1; }
	if dd if=/dev/mapper/integ of=/tmp/in.bad bs=512 skip=200 count=1 \
		iflag=direct 2>/tmp/dd.err; then
		note "reading a corrupted sector succeeded"
		ok=1
	fi
	err=$(grep -v records /tmp/dd.err | head -n 1)
	m1=$(integ_mismatches)
	# The units around it are still right.
	dd if=/tmp/in.data of=/tmp/in.unit0 bs=$U count=1 2>/dev/null
	dd if=/tmp/in.data of=/tmp/in.rest bs=$U skip=2 2>/dev/null
	[ $ok = 0 ] && [ "${m1:-0}" -gt "${m0:-0}" ] &&
		same /dev/mapper/integ 0 1 /tmp/in.unit0 &&
		same /dev/mapper/integ 2 30 /tmp/in.rest
	res dm_integrity_corrupt_sector_fails_read $? \
		"(data on ram4: $([ $placed = 0 ] && echo yes || echo no); dd: ${err:-no error}; mismatches $m0 -> $m1)"
	note "dm-integrity status: $(dmsetup status integ)"

	ds remove integ && rmmod dm-integrity || unloaded=1
}

# dm-writecache, SSD mode, ram6 cached on ram7: write 2 MiB at 512 KiB and
# read it back; after "flush" the origin must hold it.
dm_writecache() {
	local sz table
	load dm-writecache || { res dm_writecache_target_loads 1 "insmod failed"; return; }
	sz=$(blockdev --getsz /dev/ram6)
	table="0 $sz writecache s /dev/ram6 /dev/ram7 4096 0"
	ds create wc --table "$table" && bound dm_writecache
	res dm_writecache_target_loads $? "($table)"
	[ -b /dev/mapper/wc ] || { unloaded=1; return; }

	rand /tmp/wc.data 32
	put /tmp/wc.data /dev/mapper/wc 8 && same /dev/mapper/wc 8 32 /tmp/wc.data
	res dm_writecache_write_read_back $? "(2 MiB; status: $(dmsetup status wc))"
	# Only to show the cache held the data: not a check, since writeback
	# may start on its own.
	get /dev/ram6 8 32 /tmp/wc.before &&
		! cmp -s /tmp/wc.before /tmp/wc.data &&
		note "before the flush the origin does not hold the data yet"

	dmsetup message wc 0 flush && same /dev/ram6 8 32 /tmp/wc.data
	res dm_writecache_flush_to_origin $? "(status: $(dmsetup status wc))"

	ds remove wc && rmmod dm-writecache || unloaded=1
}

# dm-mirror (dm-raid1.c), three legs with a core log: ram8 holds data
# before the mirror exists and the other legs hold other bytes; the resync
# copies every region from ram8 to both other legs through kcopyd (one
# source, two destinations). Then a write through the mirror (one dm-io
# request to all three legs) must reach every leg.
mirror_synced() {
	# "0 SZ mirror 3 DEV DEV DEV 64/64 1 AAA 1 core": in sync when N/N.
	dmsetup status mir | awk '{ i = 5 + $4; n = split($i, a, "/")
		exit !(n == 2 && a[1] == a[2] && a[2] > 0) }'
}

dm_mirror() {
	local sz table t=0 leg ok
	load dm-mirror || { res dm_mirror_target_loads 1 "insmod failed"; return; }
	sz=$(blockdev --getsz /dev/ram8)
	rand /tmp/mir.data 512
	rand /tmp/mir.junk 512
	put /tmp/mir.data /dev/ram8 0 && put /tmp/mir.junk /dev/ram9 0 &&
		put /tmp/mir.junk /dev/ram10 0
	table="0 $sz mirror core 1 1024 3 /dev/ram8 0 /dev/ram9 0 /dev/ram10 0"
	ds create mir --table "$table" && bound dm_mirror
	res dm_mirror_target_loads $? "($table)"
	[ -b /dev/mapper/mir ] || { unloaded=1; return; }

	while ! mirror_synced && [ $t -lt 180 ]; do
		sleep 1
		t=$((t + 1))
	done
	ok=0
	mirror_synced || { ok=1; note "not in sync after ${t}s"; }
	for leg in /dev/ram9 /dev/ram10; do
		[ $ok = 0 ] && same $leg 0 512 /tmp/mir.data || ok=1
	done
	res dm_mirror_resync_copies_to_legs $ok \
		"(32 MiB to 2 legs in ${t}s; status: $(dmsetup status mir))"

	rand /tmp/mir.new 32
	put /tmp/mir.new /dev/mapper/mir 64
	ok=$?
	for leg in /dev/ram8 /dev/ram9 /dev/ram10; do
		[ $ok = 0 ] && same $leg 64 32 /tmp/mir.new || ok=1
	done
	res dm_mirror_write_reaches_every_leg $ok "(2 MiB at 4 MiB, each leg read directly)"

	ds remove mir && rmmod dm-mirror || unloaded=1
}

note "real consumers present: $(cd /dmio && ls *.ko | tr '\n' ' ')"
insmod /dmio/dmio.ko || echo "dmio-guest: insmod dmio.ko failed"
[ -f /dmio/rapiddisk-cache.ko ] && rapiddisk_cache
[ -f /dmio/dm-snapshot.ko ] && dm_snapshot
[ -f /dmio/dm-writecache.ko ] && dm_writecache
[ -f /dmio/dm-mirror.ko ] && dm_mirror
[ -f /dmio/dm-integrity.ko ] && dm_integrity
rmmod dmio || unloaded=1
# Destroying dmio's request cache reports any object never given back.
dmesg | grep -q 'Objects remaining' && unloaded=1
res consumers_and_dmio_unload $unloaded "(devices removed, modules unloaded)"
