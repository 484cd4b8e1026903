#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel matrix behind `make check`. For each tier-1 Debian suite:
# build dmio and its tests in that suite's chroot (its gcc, its headers, as
# DKMS would), boot the suite's kernel under QEMU with them, parse the KTAP
# the guest prints, and scan the console for oopses and warnings.
#
#   KERNELS=bookworm,sid tests/harness/check.sh   a subset
#
# Needs root. Downloads and chroots are cached in $DMIO_CACHE.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# Console lines that fail a run whatever the tests said.
BAD_CONSOLE='BUG:|Oops|WARNING:|Call Trace|blocked for more than|Kernel panic|general protection fault|UBSAN:|KASAN:'

# Judge a console log: echo a reason and fail when the run is not clean.
console_verdict() {
	local log=$1 passed=$2 failed=$3 skipped=$4 planned=$5
	if ! grep -q 'dmio-guest: done' "$log"; then
		echo "guest did not finish (boot failure or timeout)"
		return 1
	fi
	if grep -Eq "$BAD_CONSOLE" "$log"; then
		echo "console shows: $(grep -Em1 "$BAD_CONSOLE" "$log")"
		return 1
	fi
	if [ "$planned" -eq 0 ]; then
		echo "no KTAP output"
		return 1
	fi
	if [ $((passed + failed + skipped)) -ne "$planned" ]; then
		echo "$((passed + failed + skipped)) results for $planned planned tests"
		return 1
	fi
	if [ "$failed" -ne 0 ]; then
		echo "$failed test(s) failed"
		return 1
	fi
	return 0
}

run_suite() {
	local suite=$1 start abi kdest built counts reason rc=0
	local out="$DMIO_RESULTS/$suite"
	local passed=0 failed=0 skipped=0 planned=0 build=fail boot=-
	start=$(date +%s)
	mkdir -p "$out"
	rm -f "$out"/*.log

	say "$suite: preparing the build chroot"
	chroot_ensure "$suite"
	abi=$(chroot_kernel_abi "$suite")
	[ -n "$abi" ] || { record "$suite" "?" fail - 0 0 0 "$start" "no kernel headers in chroot"; return 1; }
	say "$suite: building dmio for $abi"
	if built=$(build_in_chroot "$suite" "$abi" "$out/build.log"); then
		build=ok
	else
		tail -n 25 "$out/build.log" >&2
		record "$suite" "$abi" fail - 0 0 0 "$start" "build failed (see $out/build.log)"
		return 1
	fi
	kdest=$(kernel_fetch "$suite" "$abi") || { record "$suite" "$abi" ok fail 0 0 0 "$start" "no kernel image"; return 1; }
	say "$suite: booting $abi under QEMU (TCG)"
	boot_guest "$abi" "$kdest" "$built" \
		"$DMIO_TOP/tests/harness/guest/check.sh" "$out/console.log"
	counts=$(awk -f "$DMIO_TOP/tests/harness/ktap.awk" "$out/console.log")
	read -r passed failed skipped planned <<<"$counts"
	if reason=$(console_verdict "$out/console.log" "$passed" "$failed" "$skipped" "$planned"); then
		boot=ok
		reason=""
	else
		boot=fail
		rc=1
		say "$suite: FAILED: $reason; console tail:"
		grep -Ev '^\s*$' "$out/console.log" | tail -n 40 | sed 's/^/    /' >&2
	fi
	record "$suite" "$abi" "$build" "$boot" "$passed" "$failed" "$skipped" "$start" "$reason"
	return $rc
}

record() {
	local suite=$1 abi=$2 build=$3 boot=$4 passed=$5 failed=$6 skipped=$7 start=$8 note=$9
	printf '%-9s %-24s %-5s %-5s %6s %6s %7s %6ss  %s\n' "$suite" "$abi" "$build" \
		"$boot" "$passed" "$failed" "$skipped" "$(($(date +%s) - start))" "$note" \
		>>"$DMIO_RESULTS/summary.txt"
}

# Checks that need no kernel: the house rules of the tree.
static_checks() {
	say "static checks"
	"$DMIO_TOP/tests/lint/version-gates.sh" --self-test >&2 &&
		"$DMIO_TOP/tests/lint/version-gates.sh" >&2
}

main() {
	local suite rc=0 t0
	need_root
	ensure_host_tools
	mkdir -p "$DMIO_RESULTS"
	static_checks || rc=1
	printf '%-9s %-24s %-5s %-5s %6s %6s %7s %7s  %s\n' suite kernel build boot \
		passed failed skipped time note >"$DMIO_RESULTS/summary.txt"
	t0=$(date +%s)
	for suite in $(tier1_suites); do
		run_suite "$suite" || rc=1
	done
	echo
	echo "dmio kernel matrix ($(($(date +%s) - t0)) s; logs in $DMIO_RESULTS):"
	cat "$DMIO_RESULTS/summary.txt"
	totals=$(awk 'NR > 1 { p += $5; f += $6; s += $7 } END { printf "%d passed, %d failed, %d skipped", p, f, s }' "$DMIO_RESULTS/summary.txt")
	echo
	echo "$totals"
	[ $rc -eq 0 ] && echo "make check: all kernels green" || echo "make check: FAILED"
	return $rc
}

main "$@"
