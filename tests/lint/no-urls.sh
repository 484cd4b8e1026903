#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# House rule: no archive host and no URL default is written in the tree.
# Mirrors come from the machine (apt's configuration, debootstrap's own
# defaults) or from the environment (DMIO_MIRROR=, DMIO_UBUNTU_MIRROR=), so
# the tree works behind any mirror or proxy and never pins a host that
# moves. Flags every URL (scheme://) and every bare host name of a
# distribution's domain, in every file, except the lines tests/lint/urls.allow
# lists (FILE and the exact URL, with a reason). Prints offenders, exits 1.
#
#   no-urls.sh [TREE]        check TREE (default: the project)
#   no-urls.sh --self-test   prove the check can fail and pass
set -u
here=$(cd "$(dirname "$0")" && pwd)
allow="$here/urls.allow"
# Put together here so that this file is not a hit itself.
s=:/
urls="[a-z][a-z0-9+.-]*${s}/[^[:space:]\"'<>)\`]+"
hosts="[a-z0-9-]+(\\.[a-z0-9-]+)*\\.(debian|ubuntu|kernel|centos|fedoraproject|opensuse|launchpad|rockylinux|almalinux)\\.(org|com|net)"

# FILE:LINE:TEXT for every hit in TREE, minus the allowed ones.
hits() {
	(cd "$1" && grep -rnoIE "$urls|$hosts" --exclude-dir=.git --exclude-dir=.build \
		--exclude-dir=results --exclude=urls.allow . 2>/dev/null) | sed 's|^\./||' |
		while IFS= read -r line; do
			file=${line%%:*}
			text=${line#*:*:}
			text=${text%/}
			if [ -f "$allow" ] && grep -v '^#' "$allow" |
				awk -v f="$file" -v t="$text" '$1 == f && ($2 == t || $2 == t "/") { ok = 1 } END { exit !ok }'; then
				continue
			fi
			echo "$line"
		done
}

check() {
	out=$(hits "$1")
	if [ -n "$out" ]; then
		echo "URLs or archive hosts written in the tree (take them from the machine or the environment):"
		echo "$out"
		return 1
	fi
	return 0
}

if [ "${1:-}" = --self-test ]; then
	t=$(mktemp -d)
	mkdir -p "$t/tests"
	echo 'MIRROR=${MIRROR:-$(apt_mirror)}' >"$t/tests/ok.sh"
	check "$t" >/dev/null || { echo "self-test: a clean tree was flagged"; rm -rf "$t"; exit 1; }
	d=debian.org
	u=ubuntu.com
	for bad in "http${s}/deb.example.net/debian" "see security.$d" \
		   "https${s}/mirror.example/ubuntu" "archive.$u"; do
		echo "MIRROR=$bad" >"$t/tests/bad.sh"
		check "$t" >/dev/null && { echo "self-test: missed $bad"; rm -rf "$t"; exit 1; }
	done
	rm -rf "$t"
	echo "no-urls: self-test ok"
	exit 0
fi
check "${1:-$here/../..}" && echo "no-urls: no URL or archive host in the tree"
