#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sparse over dmio.ko, tests/selftest and examples/ (when present), through
# Kbuild (C=2 CHECK=sparse), against one tier-1 suite's kernel headers with
# that suite's own sparse, inside its build chroot. Prints KTAP.
#
#   sparse.sh SUITE [BUILT]
#
# BUILT is a tree already built in the chroot (the matrix passes the one it
# booted; sparse then only re-checks, nothing is recompiled). Without it the
# tree is copied into the chroot and built first.
#
# Only warnings located in our files count. Warnings located in the kernel's
# own headers (/usr/src/linux-headers-*, include/, arch/) are not ours to fix:
# they are counted and listed as "#" lines, never fail the gate.
set -uo pipefail
. "$(dirname "$0")/../harness/lib.sh"

suite=$1
built=${2:-}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "KTAP version 1"
echo "1..4"

fail_all() {
	local i=1 t
	for t in sparse_build sparse_dmio sparse_selftest sparse_examples; do
		echo "not ok $i $t # $1"
		i=$((i + 1))
	done
	echo "dmio-guest: done"
	exit 1
}

[ "$(id -u)" = 0 ] || fail_all "needs root (the suite's chroot)"
chroot_ensure "$suite"
[ -x "$(chroot_dir "$suite")/usr/bin/sparse" ] || chroot_install "$suite" sparse
abi=$(chroot_kernel_abi "$suite")
[ -n "$abi" ] || fail_all "no kernel headers in the $suite chroot"
kdir=/usr/src/linux-headers-$abi

if [ -z "$built" ]; then
	# A folder of its own, so a concurrent `make check` of this tree keeps
	# its build.
	built="$(chroot_dir "$suite")/build/dmio-lint-$(tree_tag)"
	tree_copy "$built"
	if ! in_chroot "$suite" make -C "/build/$(basename "$built")" \
		KDIR="$kdir" tests >"$log" 2>&1; then
		sed 's/^/# /' "$log" | tail -n 30
		fail_all "the build failed in $suite"
	fi
fi
top="/build/$(basename "$built")"
echo "# sparse $(in_chroot "$suite" sparse --version) on $suite ($abi), tree $top"

# C=2 checks every file of the targets, whether or not it is rebuilt.
# KBUILD_CHECKSRC=2 as well: newer Makefiles first run
# scripts/checker-valid.sh, which Debian's headers packages (sid, 7.x) do
# not ship, and then turn the checker off; a command-line value wins.
check=(C=2 KBUILD_CHECKSRC=2 CHECK=sparse)
[ -e "$(chroot_dir "$suite")$kdir/scripts/checker-valid.sh" ] ||
	! grep -qs checker-valid "$(chroot_dir "$suite")$kdir/Makefile" \
		"$(chroot_dir "$suite")/usr/src/linux-headers-${abi%-amd64}-common/Makefile" ||
	echo "# $kdir lacks scripts/checker-valid.sh: forcing KBUILD_CHECKSRC=2"
status=0
in_chroot "$suite" make -C "$top" KDIR="$kdir" "${check[@]}" tests \
	>"$log" 2>&1 || status=$?
examples=no
if ls "$built"/examples/*/Kbuild >/dev/null 2>&1; then
	examples=yes
	in_chroot "$suite" make -C "$top" KDIR="$kdir" "${check[@]}" \
		examples >>"$log" 2>&1 || status=$?
fi

bad=0
checked=$(grep -c '^  CHECK ' "$log")
if [ "$status" -eq 0 ] && [ "$checked" -eq 0 ]; then
	sed 's/^/# /' "$log" | tail -n 30
	echo "not ok 1 sparse_build # Kbuild ran no CHECK: sparse did not run"
	bad=1
elif [ "$status" -eq 0 ]; then
	echo "ok 1 sparse_build # $checked files checked"
else
	sed 's/^/# /' "$log" | tail -n 30
	echo "not ok 1 sparse_build # make C=2 exited with $status"
	bad=1
fi

# "FILE:LINE:COL: warning|error: ..." lines (and their continuation lines,
# indented, are context only). Our files are under $top; strip that prefix.
diag=$(grep -E '^[^ :]+:[0-9]+:[0-9]+: (warning|error): ' "$log" | sort -u)
ours=$(echo "$diag" | grep -E "^$top/" | sed "s|^$top/||" | grep -v '^\.build/' || true)
theirs=$(echo "$diag" | grep -Ev "^$top/" | grep -v '^$' || true)
if [ -n "$theirs" ]; then
	echo "# $(echo "$theirs" | wc -l) sparse warning(s) located in the kernel's headers, not counted:"
	echo "$theirs" | sed 's/^/#   /'
fi

report() {
	local n=$1 name=$2 hits=$3
	if [ -z "$hits" ]; then
		echo "ok $n $name"
	else
		echo "$hits" | sed 's/^/# /'
		echo "not ok $n $name # $(echo "$hits" | wc -l) sparse warning(s) in our files"
		bad=1
	fi
}
report 2 sparse_dmio "$(echo "$ours" | grep -Ev '^(tests/|examples/)' | grep -v '^$' || true)"
report 3 sparse_selftest "$(echo "$ours" | grep -E '^tests/' || true)"
if [ "$examples" = yes ]; then
	report 4 sparse_examples "$(echo "$ours" | grep -E '^examples/' || true)"
else
	echo "ok 4 sparse_examples # SKIP no examples/ in the tree"
fi
echo "dmio-guest: done"
exit $bad
