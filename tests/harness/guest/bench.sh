#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make bench` and of the make check smoke step: a null_blk
# device without memory backing that completes in the submitter's context
# (irqmode=0), so the CPU path dominates, and brd's /dev/ram0; then
# dmio_bench measures dmio, the kernel's dm-io and a bare bio loop on both
# and its results are copied to the console between markers.
# bench_ms and bench_reps come from the kernel command line (init's
# environment).
ms=${bench_ms:-50}
reps=${bench_reps:-3}
only=${bench_only:-}

nb=/sys/kernel/config/nullb/nullb0
if mkdir "$nb" 2>/dev/null; then
	echo 512 >"$nb/blocksize"
	echo 4096 >"$nb/size"
	echo 0 >"$nb/memory_backed"
	echo 0 >"$nb/irqmode"
	echo 256 >"$nb/hw_queue_depth"
	echo 1 >"$nb/power"
fi
[ -b /dev/nullb0 ] || echo "dmio-guest: could not make /dev/nullb0"

insmod /dmio/dmio.ko || echo "dmio-guest: insmod dmio.ko failed"
# dm-io's request objects come from its slab cache "io" (dm-mod).
obj=$(cat /sys/kernel/slab/io/object_size 2>/dev/null || echo 0)
echo "dmio-bench: dm-io struct io object size: $obj"
insmod /dmio/dmio_bench.ko null_dev=/dev/nullb0 brd_dev=/dev/ram0 \
	ms="$ms" reps="$reps" only="$only" dm_io_obj_size="$obj" ||
	echo "dmio-guest: insmod dmio_bench.ko failed"
echo "dmio-bench-results-begin"
cat /sys/kernel/debug/dmio_bench/results
echo "dmio-bench-results-end"
rmmod dmio_bench
rmmod dmio
