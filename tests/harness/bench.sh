#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: dmio against the kernel's dm-io and a bare bio loop, in ONE
# guest run per kernel (tests/selftest/bench.c). Builds dmio and dmio_bench
# in the suite's chroot, boots the suite's kernel under QEMU, and turns the
# samples into a table, JSON and a plot (tests/harness/bench_report.py):
#
#   results/bench/table.txt      the table (also printed)
#   results/bench/bench.json     every sample, the medians, ratios, reserves
#   results/bench/regions-SUITE.png   CPU per request against region count
#
#   KERNELS=sid (default) | KERNELS=bullseye,bookworm,trixie,sid
#   BENCH_MS=50 BENCH_REPS=3    per engine, per repetition of a cell (guest
#                               time: instructions under icount, see lib.sh)
#   BENCH_ONLY=4k               only the cells whose name contains this
#
# Absolute numbers under TCG mean little; the ratios, measured in one run
# with the engines interleaved, are the result.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

BENCH_MS=${BENCH_MS:-50}
BENCH_REPS=${BENCH_REPS:-3}
KERNELS=${KERNELS:-sid}
out="$DMIO_RESULTS/bench"

need_root
ensure_host_tools
ensure_host_pkgs gnuplot:gnuplot-nox python3:python3
mkdir -p "$out"
rc=0
raws=()
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
	say "$suite: benchmark in $abi under QEMU (TCG), ${BENCH_MS} ms x $BENCH_REPS reps per engine and cell"
	BOOT_TIMEOUT=${BOOT_TIMEOUT:-1800} bench_boot "$abi" "$kdest" "$built" \
		"$out/$suite/console.log" "$BENCH_MS" "$BENCH_REPS"
	sed -n '/^dmio-bench-results-begin/,/^dmio-bench-results-end/p' \
		"$out/$suite/console.log" | tr -d '\r' >"$out/$suite/raw.txt"
	if ! grep -q '^end$' "$out/$suite/raw.txt"; then
		say "$suite: no complete results; console tail:"
		tail -n 30 "$out/$suite/console.log" >&2
		rc=1
		continue
	fi
	if grep -Eq 'BUG:|Oops|WARNING:|Call Trace|blocked for more than|not ok ' \
		"$out/$suite/console.log"; then
		say "$suite: the console shows a failure:"
		grep -Em3 'BUG:|Oops|WARNING:|Call Trace|blocked for more than|not ok ' \
			"$out/$suite/console.log" >&2
		rc=1
	fi
	raws+=("$suite=$abi=$out/$suite/raw.txt")
done
[ ${#raws[@]} -gt 0 ] || { say "no results"; exit 1; }
python3 "$DMIO_TOP/tests/harness/bench_report.py" "$out" "${raws[@]}" || rc=1
for dat in "$out"/regions-*.gp; do
	[ -f "$dat" ] && (cd "$out" && gnuplot "$(basename "$dat")") || rc=1
done
cat "$out/table.txt"
ls "$out"/*.png 2>/dev/null | sed 's/^/plot: /'
exit $rc
