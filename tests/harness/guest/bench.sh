#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make bench` and of the make check smoke step: null_blk
# devices without memory backing (the CPU path dominates), 256 tags each:
#   nullb0  irqmode=0: completes inside submit_bio(), in the submitter's
#           context: measures the path length of submission + completion
#   nullb1  irqmode=1: completes from a softirq
#   nullb2  irqmode=2: completes from a timer after 10 us
#   nullb3  irqmode=2: completes from a timer after 100 us
# and brd's /dev/ram0 (its size: BENCH_BRD_KB in lib.sh); then dmio_bench
# measures dmio (both completion modes), the kernel's dm-io and a bare bio
# loop on them, and dmio_copy() against the kernel's dm_kcopyd_copy() on
# nullb1, nullb2 and ram0, and its results are copied to the console
# between markers.
# bench_ms, bench_reps, bench_only and bench_counts come from the kernel
# command line (init's environment).
ms=${bench_ms:-50}
reps=${bench_reps:-3}
only=${bench_only:-}
counts=${bench_counts:-0}

# make_nullb NAME IRQMODE [COMPLETION_NSEC]
make_nullb() {
	nb=/sys/kernel/config/nullb/$1
	if mkdir "$nb" 2>/dev/null; then
		echo 512 >"$nb/blocksize"
		echo 4096 >"$nb/size"
		echo 0 >"$nb/memory_backed"
		echo "$2" >"$nb/irqmode"
		[ -z "${3:-}" ] || echo "$3" >"$nb/completion_nsec"
		echo 256 >"$nb/hw_queue_depth"
		echo 1 >"$nb/power"
	fi
	[ -b "/dev/$1" ] || echo "dmio-guest: could not make /dev/$1"
}
make_nullb nullb0 0
make_nullb nullb1 1
make_nullb nullb2 2 10000
make_nullb nullb3 2 100000

insmod /dmio/dmio.ko || echo "dmio-guest: insmod dmio.ko failed"
# dm-io's request objects come from its slab cache "io" (dm-mod).
obj=$(cat /sys/kernel/slab/io/object_size 2>/dev/null || echo 0)
echo "dmio-bench: dm-io struct io object size: $obj"
insmod /dmio/dmio_bench.ko null_dev=/dev/nullb0 soft_dev=/dev/nullb1 \
	t10_dev=/dev/nullb2 t100_dev=/dev/nullb3 brd_dev=/dev/ram0 \
	ms="$ms" reps="$reps" only="$only" counts="$counts" dm_io_obj_size="$obj" ||
	echo "dmio-guest: insmod dmio_bench.ko failed"
echo "dmio-bench-results-begin"
cat /sys/kernel/debug/dmio_bench/results
echo "dmio-bench-results-end"
rmmod dmio_bench
rmmod dmio
