#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: dmio against the kernel's dm-io and a bare bio loop, in ONE
# guest run per kernel and number of virtual CPUs (tests/selftest/bench.c).
# Builds dmio and dmio_bench in the suite's chroot, boots the suite's kernel
# under QEMU, and turns the samples into a table, JSON and a plot
# (tests/harness/bench_report.py):
#
#   results/bench/table.txt      the table (also printed)
#   results/bench/bench.json     every sample, the medians, ratios, reserves
#   results/bench/regions-SUITE.png   CPU per request against region count
#
#   KERNELS=sid (default) | KERNELS=bullseye,bookworm,trixie,sid
#   BENCH_MS=50 BENCH_REPS=3    per engine, per repetition of a cell (guest
#                               time: instructions under icount, see lib.sh)
#   BENCH_ONLY=4k,mem-          only the cells whose name contains one of these
#   BENCH_COUNTS=1              also count kernel events per measurement
#                               (kprobes on bio submission, bio_add_page,
#                               page allocation, work items, schedule());
#                               the probes cost time: a run for the counts
#   BENCH_CMDLINE=init_on_alloc=0   more arguments for the guest kernel
#   BENCH_SMPS="1 2"            virtual CPUs, one guest run each. 1 counts
#                               instructions (icount); QEMU 7.2 hangs with
#                               -smp 2 under -icount, so more than one vCPU
#                               runs on the host's clock (BENCH_ICOUNT=)
#
# Absolute numbers under TCG mean little; the ratios, measured in one run
# with the engines interleaved, are the result.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

BENCH_MS=${BENCH_MS:-50}
BENCH_REPS=${BENCH_REPS:-3}
BENCH_SMPS=${BENCH_SMPS:-1 2}
KERNELS=${KERNELS:-sid}
out="$DMIO_RESULTS/bench"

need_root
ensure_host_tools
ensure_host_pkgs gnuplot:gnuplot-nox python3:python3
mkdir -p "$out"
rc=0
raws=()

# One guest run: SUITE ABI KDEST BUILT SMP; adds its results to raws.
bench_one() {
	local suite=$1 abi=$2 kdest=$3 built=$4 smp=$5 clock=icount
	local dir="$out/$suite/smp$smp" icount=${BENCH_ICOUNT-shift=0,sleep=off}
	# QEMU 7.2 hangs with -smp 2 and -icount: the host's clock there.
	[ "$smp" -gt 1 ] && icount=
	[ -n "$icount" ] || clock=host
	mkdir -p "$dir"
	say "$suite: benchmark in $abi under QEMU (TCG), $smp vCPU(s), $clock clock, ${BENCH_MS} ms x $BENCH_REPS reps per engine and cell"
	BENCH_SMP=$smp BENCH_ICOUNT=$icount BOOT_TIMEOUT=${BOOT_TIMEOUT:-5400} \
		bench_boot "$abi" "$kdest" "$built" "$dir/console.log" \
		"$BENCH_MS" "$BENCH_REPS"
	sed -n '/^dmio-bench-results-begin/,/^dmio-bench-results-end/p' \
		"$dir/console.log" | tr -d '\r' >"$dir/raw.txt"
	if ! grep -q '^end$' "$dir/raw.txt"; then
		say "$suite: no complete results ($smp vCPUs); console tail:"
		tail -n 30 "$dir/console.log" >&2
		return 1
	fi
	raws+=("$suite=$abi=$smp=$clock=$dir/raw.txt")
	if grep -Eq 'BUG:|Oops|WARNING:|Call Trace|blocked for more than|not ok ' \
		"$dir/console.log"; then
		say "$suite: the console shows a failure ($smp vCPUs):"
		grep -Em3 'BUG:|Oops|WARNING:|Call Trace|blocked for more than|not ok ' \
			"$dir/console.log" >&2
		return 1
	fi
}
for suite in $(tier1_suites); do
	mkdir -p "$out/$suite"
	say "$suite: preparing the build chroot"
	chroot_ensure "$suite"
	abi=$(chroot_kernel_abi "$suite")
	[ -n "$abi" ] || { say "$suite: no kernel headers"; rc=1; continue; }
	say "$suite: building dmio and dmio_bench for $abi"
	if ! built=$(build_in_chroot "$suite" "$abi" "$out/$suite/build.log"); then
		tail -n 25 "$out/$suite/build.log" >&2
		rc=1
		continue
	fi
	kdest=$(kernel_fetch "$suite" "$abi") || { rc=1; continue; }
	for smp in $BENCH_SMPS; do
		bench_one "$suite" "$abi" "$kdest" "$built" "$smp" || rc=1
	done
done
[ ${#raws[@]} -gt 0 ] || { say "no results"; exit 1; }
python3 "$DMIO_TOP/tests/harness/bench_report.py" "$out" "${raws[@]}" || rc=1
for dat in "$out"/regions-*.gp; do
	[ -f "$dat" ] && (cd "$out" && gnuplot "$(basename "$dat")") || rc=1
done
cat "$out/table.txt"
ls "$out"/*.png 2>/dev/null | sed 's/^/plot: /'
exit $rc
