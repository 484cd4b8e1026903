#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make check-debug`, on the debug kernel (everything built
# in: brd, null_blk, loop, dm, dm-flakey, dm-delay, configfs):
#  1. the checkers are there (KASAN, lockdep, kmemleak, fault injection);
#  2. the selftest and difftest, exactly as `make check` runs them
#     (/dmio/check.sh, which ends with dmio unloaded);
#  3. the torture run (dmio_torture.ko) with failslab and fail_page_alloc
#     on its threads, fail_make_request and dm-flakey failing I/O on some
#     regions, a null_blk device removed in the middle of the I/O and the
#     free memory held down;
#  4. module unload and a kmemleak scan; every report fails the run.
# Results are KTAP; the host also scans the console for any checker report.
TORTURE_SECONDS=${TORTURE_SECONDS:-60}
DBG=/sys/kernel/debug
CFG=/sys/kernel/config/nullb
# Injected faults are counted down from this (fault_attr "times").
TIMES=1000000000
export DM_DISABLE_UDEV=1

. /dmio/ktap.sh

# Forget what kmemleak knows from boot: only leaks after this point count.
if [ -w $DBG/kmemleak ]; then
	echo scan >$DBG/kmemleak
	echo clear >$DBG/kmemleak
fi

# --- 2. the selftest and difftest, as make check runs them ---
/bin/sh /dmio/check.sh

# --- 3. the torture run ---
echo "KTAP version 1"
echo "# Subtest: dmio-debug-guest"

checkers=0
for f in $DBG/kmemleak $DBG/failslab/probability $DBG/fail_page_alloc/probability \
	$DBG/fail_make_request/probability /proc/lockdep; do
	[ -e "$f" ] || { echo "# missing: $f"; checkers=1; }
done
dmesg | grep -q 'KernelAddressSanitizer initialized' ||
	{ echo "# KASAN is not initialized"; checkers=1; }
result $checkers "debug_checkers_present"

# null_blk devices with 512-byte blocks, completing from a timer so that
# requests stay in flight a while: nullb1 healthy, nullb2 failed by
# fail_make_request, nullb3 removed during the run.
make_nullb512() {
	d=$CFG/$1
	mkdir "$d" || return 1
	echo 512 >"$d/blocksize"
	echo 32 >"$d/size"
	echo 1 >"$d/memory_backed"
	echo 2 >"$d/irqmode"
	echo "$2" >"$d/completion_nsec"
	echo 1 >"$d/power"
	[ -b "/dev/$1" ]
}
devs=0
make_nullb512 nullb1 200000 || devs=1
make_nullb512 nullb2 200000 || devs=1
make_nullb512 nullb3 2000000 || devs=1
# dm-flakey over the loop device, always down: every write fails.
dmsetup create dmio-flakey --noudevsync \
	--table "0 131072 flakey /dev/loop0 0 0 1 1 error_writes" || devs=1
[ -b /dev/mapper/dmio-flakey ] || devs=1
echo 1 >/sys/block/nullb2/make-it-fail || devs=1
# Touch every page of the memory-backed devices now, so that their own
# allocations are done before the memory is held down.
for d in /dev/ram0 /dev/ram1 /dev/nullb1 /dev/nullb3; do
	dd if=/dev/zero of=$d bs=1M 2>/dev/null
done
sync
result $devs "torture_devices_made"

setup_fault() {
	a=$DBG/$1
	echo "$2" >$a/probability
	echo 1 >$a/interval
	echo $TIMES >$a/times
	echo 0 >$a/space
	echo 0 >$a/verbose
	echo "$3" >$a/task-filter
}
# Allocations fail only in the torture threads, only while they are inside
# dmio (the module sets make_it_fail around each call), and only when they
# do not sleep (ignore-gfp-wait): mempool fast paths, the reserves' job.
setup_fault failslab 10 Y
setup_fault fail_page_alloc 10 Y
echo 0 >$DBG/fail_page_alloc/min-order
# Every bio to nullb2 fails.
setup_fault fail_make_request 100 N

insmod /dmio/dmio.ko || echo "dmio-guest: insmod dmio.ko failed"
insmod /dmio/dmio_torture.ko good=/dev/ram0,/dev/ram1,/dev/nullb1 \
	werr=/dev/mapper/dmio-flakey err=/dev/nullb2 gone=/dev/nullb3 \
	seconds=$TORTURE_SECONDS threads=4 inject=1 min_ios=4 \
	hog_leave_mb=${TORTURE_HOG_LEAVE_MB:-48} &
tpid=$!
# Pull nullb3 out from under the I/O half way through.
sleep $((TORTURE_SECONDS / 2))
echo "# removing nullb3 with requests in flight"
echo 0 >$CFG/nullb3/power
rmdir $CFG/nullb3
removed=$?
wait $tpid
result $? "torture_ran"
result $removed "nullb3_removed_mid_run"

for f in failslab fail_page_alloc fail_make_request; do
	if left=$(cat $DBG/$f/times 2>/dev/null); then
		echo "# faults injected by $f: $((TIMES - left))"
		echo 0 >$DBG/$f/probability
	else
		echo "# faults injected by $f: unavailable"
	fi
done
echo 0 >/sys/block/nullb2/make-it-fail

# --- 4. unload and leak check ---
# kmemleak: an object must be older than 5 s and unreferenced in two scans.
# The first scan runs while dmio is still loaded, so that the backtraces
# of what it leaked name its functions; the second after it is gone.
# Only the first records are read: thousands take minutes to print (the
# kernel logs the number found, "kmemleak: N new suspected memory leaks").
leak_scan() {
	[ -w $DBG/kmemleak ] && [ ! -s /tmp/leaks ] || return 0
	sleep 6
	echo scan >$DBG/kmemleak
	echo scan >$DBG/kmemleak
	head -n 60 $DBG/kmemleak >/tmp/leaks
}
: >/tmp/leaks
rmmod dmio_torture
result $? "rmmod_dmio_torture"
leak_scan
rmmod dmio
result $? "rmmod_dmio"
! dmesg | grep -q 'Objects remaining'
result $? "no_request_objects_left_at_unload"
leak_scan
if [ ! -w $DBG/kmemleak ]; then
	echo "# no kmemleak"
	result 1 "kmemleak_clean"
elif [ -s /tmp/leaks ]; then
	echo "# kmemleak report (the first records):"
	sed 's/^/# /' /tmp/leaks
	result 1 "kmemleak_clean"
else
	result 0 "kmemleak_clean"
fi
echo "1..$n"
echo "# dmio-debug-guest: $((n - failed)) passed, $failed failed"
