#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make demo`: a write-through cache (examples/wtcache) on a
# RAM disk in front of a slow disk, doing its I/O through dmio, then the
# same cache in write-back mode, cleaned to the slow disk with dmio's
# kcopyd. Narrates on lines starting with "dmio-demo:", which the host
# shows as the transcript.
. /dmio/cache.sh
say() { echo "dmio-demo: $*"; }
fail() { say "RESULT: failure ($*)"; exit 1; }
# The value of NAME=... in the cache workload's line of the kernel log.
log_value() { dmesg | sed -n "s/.*dmio-cachetest: .*$1=\([0-9]*\).*/\1/p" | tail -n 1; }
# The workload's summary line of run NAME, from the kernel log.
run_summary() { dmesg | sed -n "s/^# $1: \(.*bytes checked.*\)/\1/p" | tail -n 1; }
now_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
# The workload in write-back mode: the same seeds replay it (mode=verify).
wb_load() {
	insmod /dmio/dmio_cachetest.ko seed=8 ops_seed=8 ops=500 area_mib=4 "$@" &&
		rmmod dmio_cachetest
}

say "guest kernel $(uname -r) is up"
say ""
say "step 1: load dmio.ko and the example cache target dm-wtcache.ko"
insmod /dmio/dmio.ko || fail "insmod dmio.ko"
insmod /dmio/dm-wtcache.ko || fail "insmod dm-wtcache.ko"
say "        dmio $(cat /sys/module/dmio/version) is loaded; dm-wtcache uses it"
say "        through the drop-in <dmio/dm-io.h> (dm_io_get, struct io_region,"
say "        dm_io() with bi_rw), as flashcache-era code does"
say ""
say "step 2: build the stack"
dmsetup create slow --noudevsync --table "0 131072 delay /dev/ram0 0 10" ||
	fail "dm-delay"
say "        origin: /dev/mapper/slow = 64 MiB RAM disk behind dm-delay (10 ms per I/O)"
wt_setup /dev/mapper/slow "0 8192 linear /dev/ram1 0" || fail "dmsetup create wtc"
say "        cache:  /dev/mapper/wtc-cache = 4 MiB of a second RAM disk"
say "        target: /dev/mapper/wtc = wtcache <origin> <cache>"
say ""
say "step 3: read the same 1 MiB (256 blocks of 4 KiB) twice through the cache"
insmod /dmio/dmio_cachetest.ko dev=/dev/mapper/wtc mode=readset name=demo_reread ||
	fail "workload"
rmmod dmio_cachetest
p1=$(log_value pass1_ms)
p2=$(log_value pass2_ms)
say "        first pass:  ${p1} ms (every block a miss: read from the slow disk, then filled)"
say "        second pass: ${p2} ms (every block a hit: read from the cache)"
[ "${p2:-0}" -gt 0 ] && say "        speedup of the second pass: $((p1 / p2))x"
say "        counters: $(dmsetup status wtc | cut -d' ' -f4-)"
say ""
say "step 4: random writes and reads (512 B to 1 MiB, every sector checked),"
say "        and one second in, the cache device fails for good"
insmod /dmio/dmio_cachetest.ko dev=/dev/mapper/wtc origin=/dev/ram0 \
	name=demo_cache_fails seed=7 ops=500 area_mib=4 &
workload=$!
sleep 1
wt_cache_table "0 8192 error" || fail "swapping in dm-error"
say "        ... cache device replaced by dm-error while the workload runs"
wait $workload || fail "workload"
rmmod dmio_cachetest
dmesg | sed -n 's/^# demo_cache_fails: /dmio-demo:         workload: /p'
say "        counters: $(dmsetup status wtc | cut -d' ' -f4-)"
if dmesg | grep -q '^not ok'; then
	say "RESULT: failure (data check failed)"
	exit 1
fi
say "        every byte read back was right, through the target and on the"
say "        origin itself: the failed cache legs were counted and skipped"
say ""
say "step 5: the same cache in write-back mode, cleaned with kcopyd"
wt_cache_table "0 8192 linear /dev/ram1 0" || fail "restoring the cache device"
wt_mode writeback 0 || fail "reloading wtc in write-back mode"
say "        the cache device is healthy again; table reloaded:"
say "        wtcache <origin> <cache> $(dmsetup table wtc | cut -d' ' -f6-)"
say "        (writes go to the cache alone and leave their blocks dirty; with"
say "        a clean delay of 0 ms nothing is cleaned until asked)"
wb_load dev=/dev/mapper/wtc name=demo_writeback || fail "write-back workload"
say "        random writes and reads through the cache, every sector checked:"
say "          $(run_summary demo_writeback)"
say "        before cleaning: $(wt_stat dirty) dirty blocks, $(wt_stat clean) clean, $(wt_stat cleaned) cleaned"
wb_load mode=verify dev=/dev/ram0 name=demo_origin_before_clean
say "        the origin read directly (/dev/ram0, under dm-delay) lacks them:"
say "          $(run_summary demo_origin_before_clean) (sectors)"
t0=$(now_ms)
dmsetup message wtc 0 clean || fail "dmsetup message wtc 0 clean"
t1=$(now_ms)
say "        dmsetup message wtc 0 clean: dm_kcopyd_copy() from each dirty slot"
say "        to its origin block, through dmio's kcopyd drop-in, in $((t1 - t0)) ms"
say "        after cleaning:  $(wt_stat dirty) dirty blocks, $(wt_stat clean) clean, $(wt_stat cleaned) cleaned, $(wt_stat clean_errors) errors"
wb_load mode=verify dev=/dev/ram0 name=demo_origin_after_clean ||
	fail "origin check"
say "        the origin read directly now holds every byte:"
say "          $(run_summary demo_origin_after_clean)"
if ! dmesg | grep -q '^ok 1 demo_origin_after_clean_device_holds_every_byte' ||
   ! dmesg | grep -q '^ok 1 demo_writeback_random_io_through_target'; then
	say "RESULT: failure (write-back data check failed)"
	exit 1
fi
say ""
say "step 6: tear down"
wt_teardown && dmsetup remove --noudevsync slow && rmmod dm_wtcache &&
	rmmod dmio || fail "teardown"
say "        target removed, modules unloaded"
say "RESULT: success"
