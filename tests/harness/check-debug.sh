#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-debug`: dmio on a debug kernel (KASAN, UBSAN, lockdep,
# kmemleak, debug objects, slub_debug, fault injection) under QEMU/TCG:
# the whole selftest and difftest, then a torture run with injected
# allocation failures, failing devices, a device removed mid-I/O and little
# free memory, then the chain phase (cache fills submitted from completion
# callbacks, on one-request reserves, every allocation from dmio's request
# cache failed), then the copy phase (concurrent dmio_copy()/dmio_zero() to
# healthy and failing devices, chains of copies from copy callbacks,
# allocations from dmio's caches failed in every task, and a memory-pressure
# case), then unload and kmemleak scans. Any checker report, any
# failed KTAP test, any hang (hung-task detector at 30 s) fails the run,
# with the report quoted.
#
#   tests/harness/check-debug.sh                build the kernel if needed
#   DMIO_DEBUG_CACHED_ONLY=1 tests/harness/check-debug.sh
#                                               skip (exit 0, with a message)
#                                               when the kernel is not cached
#   TORTURE_SECONDS=120 ...                     a longer torture (default 60)
#   CHAIN_SECONDS=120 ...                       a longer chain phase (60)
#   CHAIN_PARAMS="chains=320 sleep_ms=2" ...    chain-phase module parameters
#   CHAIN_FAILSLAB=50 ...                       fail that percentage of the
#                                               request-cache allocations in
#                                               the chain phase (100)
#   COPY_SECONDS=120 ...                        a longer copy phase (60)
#   COPY_PRESSURE_SECONDS=60 ...                a longer memory-pressure
#                                               case of the copy phase (20)
#   COPY_FAILSLAB=100 ...                       fail that percentage of the
#                                               allocations from dmio's
#                                               caches in the copy phase (50)
#   COPY_PAGE_FAIL=5 ...                        ... and of all page
#                                               allocations (1)
#   COPY_PRESSURE_PAGE_FAIL=50 ...              ... and in its memory-pressure
#                                               case (100)
#   COPY_PARAMS="copy_depth=16 max_chain=2" ... copy-phase module parameters
#   DEBUG_ONLY=selftest|torture|chain|copy ...  run that phase only
#   CACHE_FLAKY_OPS=2500 ...                    the example cache's flaky
#                                               case as long as in make
#                                               check (default 400 here)
#
# Needs root. The kernel is cached in $DMIO_CACHE/debug (debug-kernel.sh);
# the console log and a summary go to $DMIO_RESULTS/debug.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

OUT="$DMIO_RESULTS/debug"
TORTURE_SECONDS=${TORTURE_SECONDS:-60}
CHAIN_SECONDS=${CHAIN_SECONDS:-60}
CHAIN_PARAMS=${CHAIN_PARAMS:-}
CHAIN_FAILSLAB=${CHAIN_FAILSLAB:-100}
COPY_SECONDS=${COPY_SECONDS:-60}
COPY_PRESSURE_SECONDS=${COPY_PRESSURE_SECONDS:-20}
COPY_FAILSLAB=${COPY_FAILSLAB:-50}
COPY_PAGE_FAIL=${COPY_PAGE_FAIL:-1}
COPY_PRESSURE_PAGE_FAIL=${COPY_PRESSURE_PAGE_FAIL:-100}
COPY_PARAMS=${COPY_PARAMS:-}
DEBUG_ONLY=${DEBUG_ONLY:-}
# The example cache's flaky case checks 166 MB in make check's 2500
# operations; on this kernel (KASAN, TCG) that alone took 10 of the
# guest's 19 minutes. Its point here is the checkers' view of the error
# path, which a few hundred operations across dm-flakey's up and down
# periods already cover; make check keeps the long one.
CACHE_FLAKY_OPS=${CACHE_FLAKY_OPS:-400}
DEBUG_SUITE=${DEBUG_SUITE:-bookworm}

case $DEBUG_ONLY in
"" | selftest | torture | chain | copy) ;;
*) die "DEBUG_ONLY=$DEBUG_ONLY: selftest, torture, chain or copy" ;;
esac
# The guest gets them on the kernel command line: one word each.
case $TORTURE_SECONDS$CHAIN_SECONDS$CHAIN_FAILSLAB$COPY_SECONDS$COPY_PRESSURE_SECONDS$COPY_FAILSLAB$COPY_PAGE_FAIL$COPY_PRESSURE_PAGE_FAIL in
*[!0-9]*) die "TORTURE_SECONDS, CHAIN_SECONDS, CHAIN_FAILSLAB and COPY_* (but COPY_PARAMS) are numbers" ;;
esac
chain_params=$(echo "$CHAIN_PARAMS" | tr -s ' \t' ',,' | sed 's/^,//; s/,$//')
case $chain_params in
*[!A-Za-z0-9_=,]*) die "CHAIN_PARAMS=$CHAIN_PARAMS: name=number module parameters" ;;
esac
copy_params=$(echo "$COPY_PARAMS" | tr -s ' \t' ',,' | sed 's/^,//; s/,$//')
case $copy_params in
*[!A-Za-z0-9_=,]*) die "COPY_PARAMS=$COPY_PARAMS: name=number module parameters" ;;
esac

need_root
ensure_host_tools
mkdir -p "$OUT"
rm -f "$OUT"/*.log "$OUT/summary.txt"
t0=$(date +%s)

if [ "${DMIO_DEBUG_CACHED_ONLY:-0}" = 1 ]; then
	if ! kout=$("$DMIO_TOP/tests/harness/debug-kernel.sh" --cached 2>/dev/null); then
		echo "make check-debug: SKIPPED: no debug kernel cached for this config in $DMIO_CACHE/debug" \
			"(run 'make debug-kernel' once: about 10-15 min on 2 cores)"
		exit 0
	fi
else
	kout=$("$DMIO_TOP/tests/harness/debug-kernel.sh") || die "no debug kernel"
fi
krel=$(cat "$kout/kernelrelease")
key=$(basename "$kout")
say "debug kernel $krel ($kout)"

# Build dmio, its tests and the torture module against the debug tree, in
# the same throwaway overlay of the bookworm chroot that built the kernel.
name="build/dmio-$(tree_tag)"
built="$DMIO_CACHE/debug/$name"
tree_copy "$built"
say "building dmio, selftests and torture against $krel"
# One user of the overlay's upper layer at a time (debug-kernel.sh too).
(
	flock 9
	overlay_chroot "$DEBUG_SUITE" "$DMIO_CACHE/debug/overlay-$DEBUG_SUITE" "$DMIO_CACHE/debug" \
		nice -n 19 make -C "/mnt/$name" KDIR="/mnt/$key/linux" tests examples torture
) 9>"$DMIO_CACHE/debug/.lock" >"$OUT/build.log" 2>&1 ||
	{ tail -n 30 "$OUT/build.log" >&2; die "build failed (see $OUT/build.log)"; }
if grep -E '(warning|error):' "$OUT/build.log" | grep -v 'Skipping BTF' >/dev/null; then
	grep -E '(warning|error):' "$OUT/build.log" >&2
	die "the build against the debug kernel printed warnings"
fi

# The kernel has no modules of its own: an empty module map for the
# initramfs builder.
mkdir -p "$kout/lib/modules/$krel"
: >"$kout/lib/modules/$krel/modules.dep"
initrd=$(mktemp)
extra="$built/dmio.ko:dmio/dmio.ko $DMIO_TOP/tests/harness/guest/check.sh:dmio/check.sh"
for ko in "$built"/tests/selftest/*.ko "$built"/tests/consumers/*.ko \
	  "$built"/examples/*/*.ko "$built"/tests/torture/*.ko; do
	[ -f "$ko" ] && extra="$extra $ko:dmio/$(basename "$ko")"
done
EXTRA_FILES="$extra" \
	GUEST_MODULES="" initramfs_build "$initrd" "$kout" "$krel" \
	"$DMIO_TOP/tests/harness/guest/check-debug.sh"
# The guest script reads its knobs from the kernel command line (init
# passes unknown key=value words into the environment). slub_debug keeps
# the full debugging (FZPU) on dmio's caches (dmio_io, the request cache,
# and dmio_copy_job, the copy engine's) and marks them for failslab's cache
# filter (A).
say "booting the debug kernel under QEMU (TCG);${DEBUG_ONLY:+ only the $DEBUG_ONLY phase;}" \
	"the torture runs ${TORTURE_SECONDS}s, the chains ${CHAIN_SECONDS}s," \
	"the copies ${COPY_SECONDS}s + ${COPY_PRESSURE_SECONDS}s"
start=$(date +%s)
# A whole run took 40 min on a loaded 2-core machine before it reached the
# chain phase: an hour in all.
GUEST_MEM=${GUEST_MEM:-1024} BOOT_TIMEOUT=${BOOT_TIMEOUT:-3600} qemu_boot "$kout/bzImage" "$initrd" \
	"$OUT/console.log" "brd.rd_nr=2 brd.rd_size=65536 null_blk.nr_devices=0 \
	kmemleak=on slub_debug=FZPUA,dmio_* TORTURE_SECONDS=$TORTURE_SECONDS \
	CHAIN_SECONDS=$CHAIN_SECONDS CHAIN_FAILSLAB=$CHAIN_FAILSLAB \
	COPY_SECONDS=$COPY_SECONDS COPY_PRESSURE_SECONDS=$COPY_PRESSURE_SECONDS \
	COPY_FAILSLAB=$COPY_FAILSLAB COPY_PAGE_FAIL=$COPY_PAGE_FAIL \
	COPY_PRESSURE_PAGE_FAIL=$COPY_PRESSURE_PAGE_FAIL \
	CACHE_FLAKY_OPS=$CACHE_FLAKY_OPS \
	${chain_params:+CHAIN_PARAMS=$chain_params }${copy_params:+COPY_PARAMS=$copy_params }${DEBUG_ONLY:+DEBUG_ONLY=$DEBUG_ONLY}"
rm -f "$initrd"
boot_s=$(($(date +%s) - start))

counts=$(awk -f "$DMIO_TOP/tests/harness/ktap.awk" "$OUT/console.log" 2>/dev/null || echo "0 0 0 0")
read -r passed failed skipped planned <<<"$counts"
echo
echo "dmio check-debug on $krel${DEBUG_ONLY:+ ($DEBUG_ONLY only)}: guest ran ${boot_s}s," \
	"$passed passed, $failed failed, $skipped skipped of $planned"
grep -E '# (torture:|chain:|copy:|faults injected)' "$OUT/console.log" | sed 's/^/  /'
if reason=$(debug_console_verdict "$OUT/console.log" "$passed" "$failed" "$skipped" "$planned"); then
	echo "ok $krel $passed/$planned $(($(date +%s) - t0))s" >"$OUT/summary.txt"
	echo "make check-debug: all green (console: $OUT/console.log)"
	exit 0
fi
echo "fail $krel: $(echo "$reason" | head -n 1)" >"$OUT/summary.txt"
echo "make check-debug: FAILED: $reason"
echo "(console: $OUT/console.log)"
exit 1
