#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Matrix step (per suite): the benchmark module (tests/selftest/bench.c),
# once, on tiny sizes, so that it cannot rot: a subset of the cells of
# `make bench` that still covers every engine (dmio in both completion
# modes, the kernel's dm-io, the bare loop) and every device (null_blk
# completing inline, from a softirq and from timers; brd), 2 ms each: the
# memory types and a 4-region write on the inline devices, 64 KiB at
# queue depth 8 (one and four regions) everywhere, and two copy cells
# (dmio_copy() and the kernel's dm_kcopyd_copy(): 64 KiB to 8 destinations,
# 1 MiB to one, so both engines split a copy) on the copy devices (null_blk
# softirq and 10 us timer, brd). Its KTAP (one case per
# device and cell: every engine completed I/O without an error) is in the
# guest console, shown here whole. The timings are meaningless and not
# judged; `make bench` measures.
#
#   40-bench-smoke.sh SUITE ABI KDEST BUILT OUTDIR
#
# The tier-1 kernels already keep the bench module from rotting, and its
# devices (null_blk through configfs) are missing on the oldest tier-2 ones:
# tier-2: skip bench-smoke runs on tier 1
set -uo pipefail
abi=$2 kdest=$3 built=$4 outdir=$5
. "$(dirname "$0")/../../harness/lib.sh"

log="$outdir/bench-smoke-console.log"
rm -f "$log"
BENCH_ONLY=mem-,regions-4-4k,async-64k-qd8,copy-64k-qd8-d8,copy-1m-qd8-d1 \
	BOOT_TIMEOUT=120 bench_boot "$abi" "$kdest" "$built" "$log" 2 1
[ -f "$log" ] || { echo "no console log"; exit 1; }
tr -d '\r' <"$log"
