#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make check-debug`, on the debug kernel (everything built
# in: brd, null_blk, loop, dm, dm-flakey, dm-delay, configfs):
#  1. the checkers are there (KASAN, lockdep, kmemleak, fault injection);
#  2. the selftest and difftest, exactly as `make check` runs them
#     (/dmio/check.sh, which ends with dmio unloaded);
#  3. the torture phase (dmio_torture.ko) with failslab and fail_page_alloc
#     on its threads, fail_make_request and dm-flakey failing I/O on some
#     regions, a null_blk device removed in the middle of the I/O and the
#     free memory held down;
#  4. the chain phase (dmio_torture.ko phase=chain): hundreds of cache-fill
#     chains submitting I/O from their callbacks, on clients with a
#     one-request reserve, with every allocation from dmio's request cache
#     inside a dmio call failed (failslab: slub_debug=...A,dmio_io marks
#     the cache on the kernel command line);
#  5. the copy phase (dmio_torture.ko phase=copy): many concurrent
#     dmio_copy()/dmio_zero() calls on several copy clients, to healthy
#     and failing devices, chains of copies started from copy callbacks,
#     allocations from dmio's caches and pages failed at random in every
#     task; then the memory-pressure case (pressure=1): every allocation
#     from dmio's caches and every page allocation failed everywhere, so
#     copies live on nothing but the reserves;
#  6. module unload and kmemleak scans; every report fails the run.
# The hung-task detector watches 3 to 6 at 30 s.
# DEBUG_ONLY=selftest|torture|chain|copy runs that phase only (with 1 and 6).
# Results are KTAP; the host also scans the console for any checker report.
TORTURE_SECONDS=${TORTURE_SECONDS:-60}
CHAIN_SECONDS=${CHAIN_SECONDS:-60}
# Module parameters of the chain phase, comma-separated (spaces cannot
# cross the kernel command line).
CHAIN_PARAMS=$(echo "${CHAIN_PARAMS:-}" | tr ',' ' ')
# Percentage of allocations from dmio's request cache failed in the chain
# phase: 100 leaves only the clients' reserves.
CHAIN_FAILSLAB=${CHAIN_FAILSLAB:-100}
COPY_SECONDS=${COPY_SECONDS:-60}
COPY_PRESSURE_SECONDS=${COPY_PRESSURE_SECONDS:-20}
# Percentage of the allocations from dmio's caches, and of all page
# allocations, failed in every task in the copy phase; and of all page
# allocations in its memory-pressure case.
COPY_FAILSLAB=${COPY_FAILSLAB:-50}
COPY_PAGE_FAIL=${COPY_PAGE_FAIL:-1}
COPY_PRESSURE_PAGE_FAIL=${COPY_PRESSURE_PAGE_FAIL:-100}
COPY_PARAMS=$(echo "${COPY_PARAMS:-}" | tr ',' ' ')
DEBUG_ONLY=${DEBUG_ONLY:-}
DBG=/sys/kernel/debug
CFG=/sys/kernel/config/nullb
# Injected faults are counted down from this (fault_attr "times").
TIMES=1000000000
export DM_DISABLE_UDEV=1

# shellcheck source=tests/harness/ktap.sh
. /dmio/ktap.sh

phase_wanted() {
	[ -z "$DEBUG_ONLY" ] || [ "$DEBUG_ONLY" = "$1" ]
}

# Forget what kmemleak knows from boot: only leaks after this point count.
if [ -w $DBG/kmemleak ]; then
	echo scan >$DBG/kmemleak
	echo clear >$DBG/kmemleak
fi

# --- 2. the selftest and difftest, as make check runs them ---
phase_wanted selftest && /bin/sh /dmio/check.sh

# --- the debug guest's own results ---
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

# A task blocked for 30 s is a hang (the phases only sleep interruptibly).
echo 30 >/proc/sys/kernel/hung_task_timeout_secs
[ "$(cat /proc/sys/kernel/hung_task_timeout_secs 2>/dev/null)" = 30 ]
result $? "hung_task_detector_armed_30s"

# null_blk devices with 512-byte blocks, completing from a timer so that
# requests stay in flight a while (IRQMODE 2, the default; 0 completes
# them at once, in the submitter's context):
# make_nullb512 NAME COMPLETION_NS SIZE_MB [IRQMODE]
make_nullb512() {
	d=$CFG/$1
	mkdir "$d" || return 1
	echo 512 >"$d/blocksize"
	echo "$3" >"$d/size"
	echo 1 >"$d/memory_backed"
	echo "${4:-2}" >"$d/irqmode"
	echo "$2" >"$d/completion_nsec"
	echo 1 >"$d/power"
	[ -b "/dev/$1" ]
}

# setup_fault NAME PERCENT TASK_FILTER
setup_fault() {
	a=$DBG/$1
	echo "$2" >"$a/probability"
	echo 1 >"$a/interval"
	echo $TIMES >"$a/times"
	echo 0 >"$a/space"
	echo 0 >"$a/verbose"
	echo "$3" >"$a/task-filter"
}

# fault_counts PHASE FAULT...: print what each injected, then disarm it.
fault_counts() {
	p=$1
	shift
	for f in "$@"; do
		if left=$(cat "$DBG/$f/times" 2>/dev/null); then
			echo "# faults injected by $f ($p): $((TIMES - left))"
			echo 0 >"$DBG/$f/probability"
		else
			echo "# faults injected by $f ($p): unavailable"
		fi
	done
}

# kmemleak: an object must be older than 5 s and unreferenced in two scans.
# Only the first records are read: thousands take minutes to print (the
# kernel logs the number found, "kmemleak: N new suspected memory leaks").
# leak_check NAME: a result; what it reported is forgotten afterwards, so
# each check answers for what happened since the previous one.
leak_check() {
	if [ ! -w $DBG/kmemleak ]; then
		echo "# no kmemleak"
		result 1 "$1"
		return
	fi
	sleep 6
	echo scan >$DBG/kmemleak
	echo scan >$DBG/kmemleak
	head -n 60 $DBG/kmemleak >/tmp/leaks
	if [ -s /tmp/leaks ]; then
		echo "# kmemleak report (the first records):"
		sed 's/^/# /' /tmp/leaks
		result 1 "$1"
	else
		result 0 "$1"
	fi
	echo clear >$DBG/kmemleak
}

# --- 3. the torture phase ---
torture_phase() {
	# nullb1 healthy, nullb2 failed by fail_make_request, nullb3 removed
	# during the run.
	devs=0
	make_nullb512 nullb1 200000 32 || devs=1
	make_nullb512 nullb2 200000 32 || devs=1
	make_nullb512 nullb3 2000000 32 || devs=1
	# /dev/loop0 is the selftest's (check.sh); without it
	# (DEBUG_ONLY=torture), one of its own over a tmpfs file.
	if [ ! -e /sys/block/loop0/loop/backing_file ]; then
		mkdir -p /mnt/torture
		{ mount -t tmpfs -o size=80m tmpfs /mnt/torture &&
			dd if=/dev/zero of=/mnt/torture/loop.img bs=1M count=0 seek=64 2>/dev/null &&
			{ [ -b /dev/loop0 ] || mknod /dev/loop0 b 7 0; } &&
			losetup /dev/loop0 /mnt/torture/loop.img; } || devs=1
	fi
	# dm-flakey over the loop device, always down: every write fails.
	dmsetup create dmio-flakey --noudevsync \
		--table "0 131072 flakey /dev/loop0 0 0 1 1 error_writes" || devs=1
	[ -b /dev/mapper/dmio-flakey ] || devs=1
	echo 1 >/sys/block/nullb2/make-it-fail || devs=1
	# Touch every page of the memory-backed devices now, so that their
	# own allocations are done before the memory is held down.
	for d in /dev/ram0 /dev/ram1 /dev/nullb1 /dev/nullb3; do
		dd if=/dev/zero of=$d bs=1M 2>/dev/null
	done
	sync
	result $devs "torture_devices_made"

	# Allocations fail only in the torture threads, only while they are
	# inside dmio (the module sets make_it_fail around each call), and
	# only when they do not sleep (ignore-gfp-wait): mempool fast paths,
	# the reserves' job.
	setup_fault failslab 10 Y
	setup_fault fail_page_alloc 10 Y
	echo 0 >$DBG/fail_page_alloc/min-order
	# Every bio to nullb2 fails.
	setup_fault fail_make_request 100 N

	insmod /dmio/dmio_torture.ko good=/dev/ram0,/dev/ram1,/dev/nullb1 \
		werr=/dev/mapper/dmio-flakey err=/dev/nullb2 gone=/dev/nullb3 \
		seconds="$TORTURE_SECONDS" threads=4 inject=1 min_ios=4 \
		hog_leave_mb="${TORTURE_HOG_LEAVE_MB:-48}" &
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
	fault_counts torture failslab fail_page_alloc fail_make_request
	echo 0 >/sys/block/nullb2/make-it-fail

	# The first scan while dmio is still loaded, so that the backtraces
	# of what it leaked name its functions.
	rmmod dmio_torture
	result $? "rmmod_dmio_torture_after_torture"
	leak_check "kmemleak_clean_after_torture"
}

# --- 4. the chain phase ---
chain_phase() {
	# The origin the chains read, the cache they fill.
	devs=0
	make_nullb512 nullb4 100000 32 || devs=1
	make_nullb512 nullb5 100000 64 || devs=1
	dd if=/dev/zero of=/dev/nullb5 bs=1M 2>/dev/null
	sync
	result $devs "chain_devices_made"

	# The kernel command line's slub_debug=...A,dmio_io marks dmio's
	# request cache for failslab's cache filter.
	marked=$(cat /sys/kernel/slab/dmio_io/failslab 2>/dev/null)
	[ "$marked" = 1 ] || echo "# /sys/kernel/slab/dmio_io/failslab: ${marked:-missing}"
	[ "$marked" = 1 ]
	result $? "failslab_marks_dmio_request_cache"

	# Every allocation from dmio's request cache made inside a dmio call
	# of the chains (the module sets make_it_fail around each), sleeping
	# or not: only the clients' reserves are left. Page allocations fail
	# as in the torture phase.
	setup_fault failslab "$CHAIN_FAILSLAB" Y
	echo Y >$DBG/failslab/cache-filter
	echo N >$DBG/failslab/ignore-gfp-wait
	setup_fault fail_page_alloc 10 Y
	echo 0 >$DBG/fail_page_alloc/min-order

	# shellcheck disable=SC2086 # CHAIN_PARAMS: one word per parameter
	insmod /dmio/dmio_torture.ko phase=chain origin=/dev/nullb4 \
		cache=/dev/nullb5 seconds="$CHAIN_SECONDS" inject=1 $CHAIN_PARAMS
	result $? "chain_ran"
	fault_counts chain failslab fail_page_alloc
	echo N >$DBG/failslab/cache-filter
	echo Y >$DBG/failslab/ignore-gfp-wait

	rmmod dmio_torture
	result $? "rmmod_dmio_torture_after_chain"
	leak_check "kmemleak_clean_after_chain"
}

# --- 5. the copy phase ---
# copy_insmod NAME PARAMS...: load the copy phase in the background; once
# it is set up (ready=Y) arm the faults (arm_copy_faults, set by the
# caller), tell it (armed=Y) and wait for it. failslab fails dmio's
# allocations in every task, so the clients must exist before.
copy_insmod() {
	name=$1
	shift
	# shellcheck disable=SC2086 # COPY_PARAMS: one word per parameter
	insmod /dmio/dmio_torture.ko phase=copy wait_armed=1 inject=1 "$@" $COPY_PARAMS &
	cpid=$!
	mp=/sys/module/dmio_torture/parameters
	while [ "$(cat $mp/ready 2>/dev/null)" != Y ] && kill -0 $cpid 2>/dev/null; do
		sleep 1
	done
	if [ "$(cat $mp/ready 2>/dev/null)" = Y ]; then
		arm_copy_faults
		echo Y >$mp/armed
	fi
	wait $cpid
	rc=$?
	# Disarm at once, before this shell runs anything else: with page
	# allocations failing its own commands fault (a cat that segfaulted
	# left failslab armed, and the next setup failed). A write may fail
	# too while armed: try again.
	for f in failslab fail_page_alloc fail_make_request; do
		for try in 1 2 3 4 5 6 7 8; do
			echo 0 >"$DBG/$f/probability" 2>/dev/null && break
		done
	done
	result $rc "${name}_ran"
}

copy_phase() {
	# The origin the copies read; good destinations completing from a
	# timer, at once (irqmode 0) and bio-based (brd); nullb9 fails every
	# bio (fail_make_request); dm-flakey over nullb10 fails every write.
	devs=0
	make_nullb512 nullb6 100000 32 || devs=1
	make_nullb512 nullb7 50000 32 || devs=1
	make_nullb512 nullb8 0 32 0 || devs=1
	make_nullb512 nullb9 50000 16 || devs=1
	make_nullb512 nullb10 50000 16 || devs=1
	dmsetup create dmio-copy-flakey --noudevsync \
		--table "0 32768 flakey /dev/nullb10 0 0 1 1 error_writes" || devs=1
	[ -b /dev/mapper/dmio-copy-flakey ] || devs=1
	echo 1 >/sys/block/nullb9/make-it-fail || devs=1
	# The copy engine's job cache must be marked for failslab too.
	marked=$(cat /sys/kernel/slab/dmio_copy_job/failslab 2>/dev/null)
	[ "$marked" = 1 ] || { echo "# /sys/kernel/slab/dmio_copy_job/failslab: ${marked:-missing}"; devs=1; }
	for d in /dev/nullb7 /dev/nullb8 /dev/nullb10; do
		dd if=/dev/zero of=$d bs=1M 2>/dev/null
	done
	dd if=/dev/zero of=/dev/ram1 bs=1M count=32 2>/dev/null
	sync
	result $devs "copy_devices_made"

	# failslab on dmio's caches (slub_debug=...A,dmio_* marks
	# them) and fail_page_alloc, in every task (dmio's workers too, where
	# the copy engine allocates), sleeping allocations too; every bio to
	# nullb9 fails. The module allocates nothing while they are armed.
	arm_copy_faults() {
		setup_fault failslab "$COPY_FAILSLAB" N
		echo Y >$DBG/failslab/cache-filter
		echo N >$DBG/failslab/ignore-gfp-wait
		setup_fault fail_page_alloc "$COPY_PAGE_FAIL" N
		echo N >$DBG/fail_page_alloc/ignore-gfp-wait
		echo 0 >$DBG/fail_page_alloc/min-order
		setup_fault fail_make_request 100 N
	}
	copy_insmod copy origin=/dev/nullb6 good=/dev/nullb7,/dev/nullb8,/dev/ram1 \
		err=/dev/nullb9 werr=/dev/mapper/dmio-copy-flakey \
		seconds="$COPY_SECONDS" threads=4
	fault_counts copy failslab fail_page_alloc fail_make_request
	echo 0 >/sys/block/nullb9/make-it-fail
	rmmod dmio_torture
	result $? "rmmod_dmio_torture_after_copy"
	leak_check "kmemleak_clean_after_copy"

	# Memory pressure: every allocation from dmio's caches fails, and
	# every page allocation that does not sleep, in every task. (Failing
	# sleeping ones too, where the engine takes its pages, also fails
	# this shell: it could neither tell the module nor disarm.) Only good
	# devices, and one copy client, as a device-mapper target has one
	# kcopyd client for all its copies.
	arm_copy_faults() {
		setup_fault failslab 100 N
		echo Y >$DBG/failslab/cache-filter
		echo N >$DBG/failslab/ignore-gfp-wait
		echo Y >$DBG/fail_page_alloc/ignore-gfp-wait
		echo 0 >$DBG/fail_page_alloc/min-order
		setup_fault fail_page_alloc "$COPY_PRESSURE_PAGE_FAIL" N
	}
	copy_insmod copy_pressure pressure=1 origin=/dev/nullb6 \
		good=/dev/nullb7,/dev/nullb8,/dev/ram1 seconds="$COPY_PRESSURE_SECONDS" \
		threads=2 copy_clients=1
	fault_counts copy-pressure failslab fail_page_alloc
	echo N >$DBG/failslab/cache-filter
	echo Y >$DBG/failslab/ignore-gfp-wait
	echo Y >$DBG/fail_page_alloc/ignore-gfp-wait
	rmmod dmio_torture
	result $? "rmmod_dmio_torture_after_copy_pressure"
	leak_check "kmemleak_clean_after_copy_pressure"

	# Give the memory back.
	dmsetup remove --noudevsync dmio-copy-flakey
	for d in nullb6 nullb7 nullb8 nullb9 nullb10; do
		echo 0 >$CFG/$d/power
		rmdir $CFG/$d
	done
}

insmod /dmio/dmio.ko || echo "dmio-guest: insmod dmio.ko failed"
phase_wanted torture && torture_phase
phase_wanted chain && chain_phase
phase_wanted copy && copy_phase

# --- 6. unload and leak check ---
rmmod dmio
result $? "rmmod_dmio"
! dmesg | grep -q 'Objects remaining'
result $? "no_request_objects_left_at_unload"
leak_check "kmemleak_clean_after_unload"
echo "1..$n"
echo "# dmio-debug-guest: $((n - failed)) passed, $failed failed"
