#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# House rule: kernel version and distribution tests live in compat/ only;
# everything else asks a DMIO_HAVE_* probe. Prints offenders, exits 1.
#
#   version-gates.sh [TREE]        check TREE (default: the project)
#   version-gates.sh --self-test   prove the check can fail and pass
set -u
here=$(cd "$(dirname "$0")" && pwd)
# The names are put together here so that this file is not itself a hit
# of `git grep` for them.
v=VERSION
r=RHEL
gates="LINUX_${v}_CODE|KERNEL_${v}[[:space:]]*\\(|${r}_MAJOR|${r}_MINOR|${r}_RELEASE_CODE"
gates="$gates|${r}_RELEASE_${v}|UTS_${r#RHEL}UBUNTU|SUSE_PRODUCT_CODE"
gate_line="#if LINUX_${v}_CODE >= KERNEL_${v}(5, 18, 0)"

check() {
	hits=$(cd "$1" && grep -rnE "$gates" --exclude-dir=.build --exclude-dir=results \
		--exclude-dir=.git --include='*.c' --include='*.h' \
		--include='Kbuild' --include='Makefile' . 2>/dev/null |
		grep -v '^\./compat/')
	if [ -n "$hits" ]; then
		echo "version or distribution tests outside compat/ (use a probe):"
		echo "$hits"
		return 1
	fi
	return 0
}

if [ "${1:-}" = --self-test ]; then
	t=$(mktemp -d)
	mkdir -p "$t/src" "$t/compat"
	echo "$gate_line" >"$t/compat/ok.h"
	check "$t" >/dev/null || { echo "self-test: compat/ was flagged"; rm -rf "$t"; exit 1; }
	echo "$gate_line" >"$t/src/bad.c"
	check "$t" >/dev/null && { echo "self-test: a gate in src/ was missed"; rm -rf "$t"; exit 1; }
	rm -rf "$t"
	echo "version-gates: self-test ok"
	exit 0
fi
check "${1:-$here/../..}" && echo "version-gates: no version tests outside compat/"
