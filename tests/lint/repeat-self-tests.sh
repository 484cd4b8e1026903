#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Are the lint row's self-tests deterministic? Runs `lint.sh self-test` N
# times and checks that every run gives the same verdict on every test, and
# that the verdict is "ok" (each self-test plants a defect its checker must
# find, and clean code it must pass).
#
#   repeat-self-tests.sh [-n N] [--empty-cache] [--load]
#
#   -n N           runs (default 20)
#   --empty-cache  every run starts on its own empty cache folder, so the
#                  kernel's scripts are downloaded and unpacked each time
#                  (the first run on a fresh machine)
#   --load         keep every CPU busy and the disk writing meanwhile
#
# Prints one line per self-test ("ok 20/20 kernel_doc_self_test") and the
# first differing output of any run that disagreed. Exits non-zero when a
# test failed or the runs disagreed. Needs root the first time (installs
# coccinelle when it is missing).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=20
empty=0
load=0
while [ $# -gt 0 ]; do
	case $1 in
	-n) runs=$2; shift ;;
	--empty-cache) empty=1 ;;
	--load) load=1 ;;
	*) echo "usage: $0 [-n N] [--empty-cache] [--load]" >&2; exit 2 ;;
	esac
	shift
done

work=$(mktemp -d)
hogs=()
cleanup() {
	[ ${#hogs[@]} -eq 0 ] || kill "${hogs[@]}" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

if [ $load = 1 ]; then
	for _ in $(seq "$(nproc)"); do
		( while :; do :; done ) &
		hogs+=($!)
	done
	( while :; do
		dd if=/dev/zero of="$work/io" bs=1M count=256 conv=fsync status=none
	  done ) &
	hogs+=($!)
fi

for i in $(seq "$runs"); do
	cache=
	if [ $empty = 1 ]; then
		cache=$work/cache.$i
		mkdir -p "$cache"
	fi
	# Only the verdict lines are compared: diagnostics name temporary
	# files and differ from run to run by design.
	DMIO_CACHE=${cache:-${DMIO_CACHE:-}} "$here/lint.sh" self-test \
		>"$work/out.$i" 2>"$work/err.$i"
	echo "$?" >"$work/rc.$i"
	grep -E '^(not )?ok [0-9]+ ' "$work/out.$i" |
		sed -E 's/^(not ok|ok) [0-9]+ ([^ ]+).*/\1 \2/' >"$work/verdict.$i"
	[ -z "$cache" ] || rm -rf "$cache"
	printf 'run %d/%d: exit %s, %s\n' "$i" "$runs" "$(cat "$work/rc.$i")" \
		"$(grep -c '^ok' "$work/verdict.$i") ok, $(grep -c '^not ok' "$work/verdict.$i") not ok" >&2
done

rc=0
for i in $(seq 2 "$runs"); do
	if ! cmp -s "$work/verdict.1" "$work/verdict.$i"; then
		echo "run $i disagrees with run 1:"
		diff "$work/verdict.1" "$work/verdict.$i" | sed 's/^/    /'
		sed 's/^/    /' "$work/out.$i" | head -n 40
		rc=1
	fi
done
cat "$work"/verdict.* | sort | uniq -c |
	awk -v n="$runs" '{ v = $2 == "ok" ? "ok" : "FAIL"; t = $NF;
		c[t, v] += $1; seen[t] = 1 }
	END { for (t in seen) printf "%-4s %d/%d %s\n",
		c[t, "FAIL"] ? "FAIL" : "ok", c[t, "ok"], n, t }' | sort -k3
grep -q '^not ok' "$work"/verdict.* && rc=1
for i in $(seq "$runs"); do
	[ "$(cat "$work/rc.$i")" = 0 ] || rc=1
done
[ $rc = 0 ] && echo "all $runs runs agree: every self-test ok" ||
	echo "self-tests not deterministic or failing (see above)"
exit $rc
