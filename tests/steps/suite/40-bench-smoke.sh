#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Matrix step (per suite): the benchmark module (tests/selftest/bench.c),
# once, on tiny sizes, so that it cannot rot: every cell of `make bench` on
# null_blk and brd through dmio, the kernel's dm-io and the bare loop, for
# 2 ms each. Its KTAP (one case per device and cell: every engine completed
# I/O without an error) is in the guest console, shown here whole. The
# timings are meaningless and not judged; `make bench` measures.
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
BOOT_TIMEOUT=120 bench_boot "$abi" "$kdest" "$built" "$log" 2 1
[ -f "$log" ] || { echo "no console log"; exit 1; }
tr -d '\r' <"$log"
