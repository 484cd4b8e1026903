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

# Prefetch: one background pass, in table order, makes every Debian and
# Ubuntu suite's chroot and fetches its kernel image (network and disk
# bound), at low CPU and I/O priority so builds and guests keep the
# processors. It only warms the cache: run_suite makes the same calls,
# which find the work done or wait on its cache lock, and reports any
# failure itself. Its output: results/prefetch.log.
PREFETCH_PID=
prefetch_start() {
	local log="$DMIO_RESULTS/prefetch.log"
	[ "${DMIO_PREFETCH:-1}" = 1 ] && [ $# -gt 0 ] || return 0
	say "preparing $* in the background ($log)"
	(
		renice -n 10 -p "$BASHPID" >/dev/null 2>&1
		ionice -c 3 -p "$BASHPID" >/dev/null 2>&1
		for suite in "$@"; do
			chroot_ensure "$suite"
			abi=$(chroot_kernel_abi "$suite")
			[ -n "$abi" ] && kernel_fetch "$suite" "$abi" >/dev/null
		done
	) </dev/null >"$log" 2>&1 &
	PREFETCH_PID=$!
}

run_suite() {
	local suite=$1 start abi kdest built rc=0
	local out="$DMIO_RESULTS/$suite"
	mkdir -p "$out"
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
		>>"$DMIO_RESULTS/.rows/${JOB_INDEX:-000}"
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

# --- Running the rows side by side ------------------------------------------
#
# The static checks, each suite and each RHEL release are jobs, run
# DMIO_JOBS at a time (default: one per CPU). Most of a job keeps one CPU
# busy (a compiler, a guest's busy vCPU, a packaging tool), so two jobs on
# two CPUs take little more than one. The table keeps its order whatever
# order jobs finish in: each job writes its rows to results/.rows/INDEX.
# A RHEL release builds in an overlay of a Debian or Ubuntu chroot, which
# must not change under a mounted overlay: it waits for that suite's job.

# The jobs of this run, in table order: "static", suites, "rhel-X.Y", or
# "enterprise" alone when there are no RHEL trees (its row says why).
job_list() {
	local item rel
	echo static
	for item in $(matrix_suites); do
		case $item in
		enterprise)
			if [ -n "${DMIO_KERNELS_DIR:-}" ] && [ -n "$(ent_releases)" ]; then
				for rel in $(ent_releases); do echo "rhel-$rel"; done
			else
				echo enterprise
			fi
			;;
		*) echo "$item" ;;
		esac
	done
}

# The job that must finish before JOB starts (none: empty).
job_needs() {
	case $1 in
	rhel-*) ent_field "${1#rhel-}" suite 2>/dev/null ;;
	esac
}

job_run() {
	case $1 in
	static) static_checks ;;
	enterprise) run_enterprise_tier ;;
	rhel-*) run_enterprise "$1" ;;
	*) run_suite "$1" ;;
	esac
}

# Start JOB (table position INDEX) in the background; its exit status
# lands in results/.jobs/JOB.
job_start() {
	local job=$1 index=$2
	(
		local status start
		JOB_INDEX=$(printf '%03d' "$index")
		start=$(date +%s)
		# Its own subshell: a helper that exits (die) ends the job
		# only, which then still reports.
		(job_run "$job")
		status=$?
		if [ $status -ne 0 ] && [ ! -s "$DMIO_RESULTS/.rows/$JOB_INDEX" ]; then
			record "$job" - "$job" fail 0 0 0 "$start" \
				"stopped with $status before its first row: see the messages above"
		fi
		echo $status >"$DMIO_RESULTS/.jobs/$job.tmp"
		mv "$DMIO_RESULTS/.jobs/$job.tmp" "$DMIO_RESULTS/.jobs/$job"
	) </dev/null &
}

job_done() { [ -f "$DMIO_RESULTS/.jobs/$1" ]; }

# Run JOBS..., at most MAX at a time, each once its predecessor is done.
# A predecessor that is not in this run counts as done.
# Usage: run_jobs MAX JOB...
run_jobs() {
	local max=$1
	shift
	local jobs=("$@") queued=() started=() i job need running
	queued=("${!jobs[@]}")
	while :; do
		running=0
		for job in "${started[@]}"; do
			job_done "$job" || running=$((running + 1))
		done
		[ ${#queued[@]} -gt 0 ] || [ $running -gt 0 ] || break
		job=
		if [ $running -lt "$max" ]; then
			for i in "${!queued[@]}"; do
				need=$(job_needs "${jobs[${queued[$i]}]}")
				[ -n "$need" ] && [[ " ${jobs[*]} " == *" $need "* ]] &&
					! job_done "$need" && continue
				job=${jobs[${queued[$i]}]}
				job_start "$job" "${queued[$i]}"
				started+=("$job")
				unset "queued[$i]"
				break
			done
		fi
		[ -n "$job" ] || sleep 1
	done
	wait
}

main() {
	local rc=0 t0 job max_jobs jobs=() suites=()
	need_root
	ensure_host_tools
	mkdir -p "$DMIO_RESULTS"
	rm -rf "$DMIO_RESULTS/.rows" "$DMIO_RESULTS/.jobs"
	mkdir -p "$DMIO_RESULTS/.rows" "$DMIO_RESULTS/.jobs"
	max_jobs=${DMIO_JOBS:-$(nproc)}
	[ "$max_jobs" -ge 1 ] 2>/dev/null ||
		die "DMIO_JOBS must be a number of jobs, not '$max_jobs'"
	t0=$(date +%s)
	mapfile -t jobs < <(job_list)
	for job in "${jobs[@]}"; do
		case $job in static|enterprise|rhel-*) ;; *) suites+=("$job") ;; esac
	done
	prefetch_start "${suites[@]}"
	say "running ${#jobs[@]} jobs, $max_jobs at a time (DMIO_JOBS)"
	run_jobs "$max_jobs" "${jobs[@]}"
	[ -z "$PREFETCH_PID" ] || wait "$PREFETCH_PID"
	for job in "${jobs[@]}"; do
		[ "$(cat "$DMIO_RESULTS/.jobs/$job" 2>/dev/null)" = 0 ] || rc=1
	done
	printf '%-9s %-24s %-14s %-6s %6s %6s %7s %7s  %s\n' suite kernel step result \
		passed failed skipped time note >"$DMIO_RESULTS/summary.txt"
	cat "$DMIO_RESULTS"/.rows/* >>"$DMIO_RESULTS/summary.txt" 2>/dev/null
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
