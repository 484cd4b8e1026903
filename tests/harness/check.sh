#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel matrix behind `make check`. For each suite, tier 1 (Debian's
# current suites) then tier 2 (Ubuntu LTS kernels standing in for older
# kernel APIs; the table is in lib.sh): build dmio and its tests in that
# suite's chroot (its gcc, its headers, as DKMS would), boot the suite's
# kernel under QEMU with them, parse the KTAP the guest prints, and scan the
# console for oopses and warnings. Then the enterprise tier: the RHEL trees
# in DMIO_KERNELS_DIR (tests/harness/enterprise.sh; skipped, with the
# reason, when it is not set).
#
#   KERNELS=bookworm,sid tests/harness/check.sh   a subset
#   KERNELS=tier1 tests/harness/check.sh          the Debian suites only
#   KERNELS=tier2,sid tests/harness/check.sh      the Ubuntu suites and sid
#   KERNELS=enterprise tests/harness/check.sh     the RHEL releases only
#   KERNELS=rhel-9.6 tests/harness/check.sh       one RHEL release
#
# Needs root. Downloads and chroots are cached in $DMIO_CACHE.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/enterprise.sh"
KERNELS=${KERNELS:-tier1,tier2,enterprise}

# Console lines that fail a run whatever the tests said.
BAD_CONSOLE='BUG:|BUG [a-z_0-9-]+ \(|Objects remaining|Oops|WARNING:|Call Trace|blocked for more than|Kernel panic|general protection fault|UBSAN:|KASAN:'

# Judge a console log: echo a reason and fail when the run is not clean.
console_verdict() {
	console_verdict_for "$BAD_CONSOLE" "$@"
}

# Judge a step's log (KTAP inside) and its exit code; record a row.
judge_step() {
	local suite=$1 abi=$2 step=$3 log=$4 status=$5 start=$6 counts reason
	local passed failed skipped planned
	counts=$(awk -f "$DMIO_TOP/tests/harness/ktap.awk" "$log" 2>/dev/null || echo "0 0 0 0")
	read -r passed failed skipped planned <<<"$counts"
	if [ "$status" -ne 0 ]; then
		reason="step exited with $status"
	elif reason=$(console_verdict "$log" "$passed" "$failed" "$skipped" "$planned"); then
		record "$suite" "$abi" "$step" ok "$passed" "$failed" "$skipped" "$start" ""
		return 0
	fi
	say "$suite: $step FAILED: $reason; log tail ($log):"
	grep -Ev '^\s*$' "$log" | tail -n 40 | sed 's/^/    /' >&2
	record "$suite" "$abi" "$step" fail "$passed" "$failed" "$skipped" "$start" "$reason"
	return 1
}

# Extra steps of the matrix (see tests/steps/README.md), run per suite with
# SUITE ABI KDEST BUILT OUTDIR, or once with OUTDIR for global ones. A step
# with a "# tier-2: skip REASON" line does not run on tier-2 suites: its row
# says skip and why. One with "# only-on: SUITE,..." runs on those suites
# only, and has no row elsewhere.
run_steps() {
	local dir=$1 suite=$2 abi=$3
	shift 3
	local step name start status why only rc=0
	for step in "$dir"/*.sh; do
		[ -f "$step" ] || continue
		name=$(basename "$step" .sh)
		name=${name#[0-9][0-9]-}
		start=$(date +%s)
		only=$(sed -n 's/^# only-on: //p' "$step" | head -n 1)
		case ",${only// /}," in
		,,|*",$suite,"*) ;;
		*) continue ;;
		esac
		why=$(sed -n 's/^# tier-2: skip //p' "$step" | head -n 1)
		if [ -n "$why" ] && [ "$(suite_field "$suite" tier)" = 2 ]; then
			say "$suite: step $name skipped on tier 2: $why"
			record "$suite" "$abi" "$name" skip 0 0 0 "$start" "tier 2: $why"
			continue
		fi
		say "$suite: step $name"
		bash "$step" "$@" >"$DMIO_RESULTS/$suite/$name.log" 2>&1
		status=$?
		judge_step "$suite" "$abi" "$name" "$DMIO_RESULTS/$suite/$name.log" \
			"$status" "$start" || rc=1
	done
	return $rc
}

# Prefetch: while one suite builds, boots and runs its steps (CPU bound),
# the next suite's chroot and kernel image are made (network and disk
# bound), at low CPU and I/O priority so the guest keeps the processor.
# It only warms the cache: run_suite makes the same calls, which find the
# work done or wait on its cache lock, and reports any failure itself, in
# table order. Its output: results/SUITE/prefetch.log.
PREFETCH_PID=
PREFETCH_SUITE=
prefetch_start() {
	local suite=$1 log="$DMIO_RESULTS/$1/prefetch.log"
	[ "${DMIO_PREFETCH:-1}" = 1 ] || return 0
	mkdir -p "$DMIO_RESULTS/$suite"
	say "$suite: preparing in the background ($log)"
	(
		renice -n 10 -p "$BASHPID" >/dev/null 2>&1
		ionice -c 3 -p "$BASHPID" >/dev/null 2>&1
		chroot_ensure "$suite"
		abi=$(chroot_kernel_abi "$suite")
		[ -n "$abi" ] && kernel_fetch "$suite" "$abi" >/dev/null
	) </dev/null >"$log" 2>&1 &
	PREFETCH_PID=$!
	PREFETCH_SUITE=$suite
}

# Before SUITE starts: let its prefetch finish; drop an old prefetch log.
prefetch_wait() {
	if [ "$PREFETCH_SUITE" = "$1" ] && [ -n "$PREFETCH_PID" ]; then
		wait "$PREFETCH_PID" || say "$1: background preparation failed; retrying in order"
		PREFETCH_PID=
		PREFETCH_SUITE=
	else
		rm -f "$DMIO_RESULTS/$1/prefetch.log"
	fi
}

run_suite() {
	local suite=$1 next=${2:-} start abi kdest built rc=0
	local out="$DMIO_RESULTS/$suite"
	mkdir -p "$out"
	prefetch_wait "$suite"
	start=$(date +%s)
	find "$out" -maxdepth 1 -name '*.log' ! -name prefetch.log -delete

	say "$suite: preparing the build chroot"
	chroot_ensure "$suite"
	abi=$(chroot_kernel_abi "$suite")
	[ -n "$abi" ] || { record "$suite" "?" build fail 0 0 0 "$start" "no kernel headers in chroot"; return 1; }
	say "$suite: building dmio for $abi"
	if ! built=$(build_in_chroot "$suite" "$abi" "$out/build.log"); then
		# The first diagnostics tell more than make's last words (a
		# kernel without an API the module uses fails in many places).
		if grep -qE '(error|warning):' "$out/build.log"; then
			say "$suite: first compiler diagnostics ($out/build.log):"
			grep -E '(error|warning):' "$out/build.log" | head -n 20 >&2
		else
			tail -n 25 "$out/build.log" >&2
		fi
		record "$suite" "$abi" build fail 0 0 0 "$start" "see $out/build.log"
		return 1
	fi
	kdest=$(kernel_fetch "$suite" "$abi") ||
		{ record "$suite" "$abi" boot fail 0 0 0 "$start" "no kernel image"; return 1; }
	[ -z "$next" ] || prefetch_start "$next"
	say "$suite: booting $abi under QEMU (TCG)"
	boot_guest "$abi" "$kdest" "$built" \
		"$DMIO_TOP/tests/harness/guest/check.sh" "$out/console.log"
	judge_step "$suite" "$abi" selftest "$out/console.log" 0 "$start" || rc=1
	run_steps "$DMIO_TOP/tests/steps/suite" "$suite" "$abi" \
		"$suite" "$abi" "$kdest" "$built" "$out" || rc=1
	return $rc
}

record() {
	local suite=$1 abi=$2 step=$3 result=$4 passed=$5 failed=$6 skipped=$7 start=$8 note=$9
	printf '%-9s %-24s %-14s %-6s %6s %6s %7s %6ss  %s\n' "$suite" "$abi" "$step" \
		"$result" "$passed" "$failed" "$skipped" "$(($(date +%s) - start))" "$note" \
		>>"$DMIO_RESULTS/summary.txt"
}

# Checks that need no kernel: the house rules of the tree.
static_checks() {
	local start log="$DMIO_RESULTS/static/version-gates.log" status
	start=$(date +%s)
	mkdir -p "$DMIO_RESULTS/static"
	say "static: version-gates"
	{
		echo "KTAP version 1"
		echo "1..2"
		"$DMIO_TOP/tests/lint/version-gates.sh" --self-test &&
			echo "ok 1 version_gates_rule_self_test" ||
			echo "not ok 1 version_gates_rule_self_test"
		"$DMIO_TOP/tests/lint/version-gates.sh" &&
			echo "ok 2 no_version_gates_outside_compat" ||
			echo "not ok 2 no_version_gates_outside_compat"
		echo "dmio-guest: done"
	} >"$log" 2>&1
	status=0
	judge_step static - version-gates "$log" 0 "$start" || status=1
	run_steps "$DMIO_TOP/tests/steps/global" static - "$DMIO_RESULTS/static" || status=1
	return $status
}

main() {
	local suite next rc=0 t0 i suites
	need_root
	ensure_host_tools
	mkdir -p "$DMIO_RESULTS"
	printf '%-9s %-24s %-14s %-6s %6s %6s %7s %7s  %s\n' suite kernel step result \
		passed failed skipped time note >"$DMIO_RESULTS/summary.txt"
	t0=$(date +%s)
	static_checks || rc=1
	suites=($(matrix_suites))
	for i in "${!suites[@]}"; do
		suite=${suites[$i]}
		next=${suites[$((i + 1))]:-}
		# Only a Debian or Ubuntu suite has a chroot and image to prefetch.
		case $next in enterprise|rhel-*) next= ;; esac
		case $suite in
		enterprise) run_enterprise_tier || rc=1 ;;
		rhel-*) run_enterprise "$suite" || rc=1 ;;
		*) run_suite "$suite" "$next" || rc=1 ;;
		esac
	done
	# A suite that stopped early leaves its successor's prefetch running.
	[ -z "$PREFETCH_PID" ] || wait "$PREFETCH_PID"
	echo
	echo "dmio kernel matrix ($(($(date +%s) - t0)) s; logs in $DMIO_RESULTS):"
	cat "$DMIO_RESULTS/summary.txt"
	totals=$(awk 'NR > 1 { p += $5; f += $6; s += $7 } END { printf "%d passed, %d failed, %d skipped", p, f, s }' "$DMIO_RESULTS/summary.txt")
	echo
	echo "$totals"
	[ $rc -eq 0 ] && echo "make check: all green" || echo "make check: FAILED"
	return $rc
}

main "$@"
