#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Matrix step (global): dkms.conf's rules, the one version, and the
# dmio-dkms .deb: built once per tree (the per-suite dkms step reuses it),
# lintian-clean, holding exactly the DKMS source tree.
#
#   20-deb.sh OUTDIR
set -uo pipefail
. "$(dirname "$0")/../../harness/lib.sh"
conf="$DMIO_TOP/dkms.conf"
# What dpkg-buildpackage and the checks need on a fresh machine.
ensure_host_pkgs dpkg-buildpackage:dpkg-dev dh:debhelper dh_dkms:dh-dkms \
	lintian:lintian fakeroot:fakeroot >&2

n=0
ktap() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fi
}

echo "KTAP version 1"
echo "# Subtest: deb"
echo "1..9"

"$DMIO_TOP/tests/packaging/check-versions.sh" "$DMIO_TOP"
ktap $? versions_agree

# dkms.conf: no deprecated directives, no build-host kernel, the rules of
# DESIGN 4b present.
! grep -En '^[[:space:]]*(CLEAN|REMAKE_INITRD)[[:space:]]*=' "$conf" &&
	! grep -n 'uname' "$conf" &&
	grep -q '^NO_WEAK_MODULES="yes"' "$conf" &&
	grep -q '^AUTOINSTALL="yes"' "$conf" &&
	grep -q '^MAKE\[0\]=.*KDIR=\${kernel_source_dir}' "$conf" &&
	grep -q '^POST_BUILD=' "$conf" && [ -x "$DMIO_TOP/Makefile" ]
ktap $? dkms_conf_rules

# BUILD_EXCLUSIVE_KERNEL: 3.10 and later but 4.8/4.9, as dkms tests it.
bad=$(bash -c '
	. "$1"
	for k in 3.10.0-1160.el7.x86_64 4.4.0-210-generic 4.15.0-213-generic \
		 4.18.0-553.el8_10.x86_64 4.19.0-27-amd64 5.4.0-216-generic \
		 5.14.0-427.el9.x86_64 6.1.0-50-amd64 7.2.13+deb14-amd64 10.0.1; do
		[[ $k =~ $BUILD_EXCLUSIVE_KERNEL ]] || echo "rejects $k"
	done
	for k in 2.6.32-754.el6.x86_64 3.0.101 3.2.0-4-amd64 3.9.11 \
		 4.8.17 4.9.0-19-amd64; do
		[[ $k =~ $BUILD_EXCLUSIVE_KERNEL ]] && echo "accepts $k"
	done' sh "$conf")
echo "$bad" | sed '/^$/d; s/^/# BUILD_EXCLUSIVE_KERNEL /'
[ -z "$bad" ]
ktap $? build_exclusive_kernel_3_10_and_later

deb=$(pkg_deb)
ktap $? deb_builds
echo "# $deb"
cat "$DMIO_TOP/.build/pkg/deb.log" 2>/dev/null | grep -E '^dpkg-(deb|buildpackage)' | sed 's/^/# /'

lint=$(lintian --pedantic --info --display-info "$(dirname "$deb")"/dmio_*.changes 2>&1 |
	grep -v 'running with root privileges')
echo "$lint" | sed '/^$/d; s/^/# lintian: /'
! echo "$lint" | grep -Eq '^[EWIP]:'
ktap $? lintian_clean

ver=$(dpkg-deb -f "$deb" Version)
want=$("$DMIO_TOP/tests/packaging/dkms-files.sh" "$DMIO_TOP")
got=$(dpkg-deb --fsys-tarfile "$deb" | tar -tf - | sed -n "s|^\./usr/src/dmio-$ver/||p" |
	grep -v '/$' | grep -v '^$' | LC_ALL=C sort)
diff <(echo "$want") <(echo "$got") | sed 's/^/# /'
[ "$want" = "$got" ]
ktap $? deb_holds_the_dkms_tree

others=$(dpkg-deb --fsys-tarfile "$deb" | tar -tf - | grep -v '/$' |
	grep -v "^\./usr/src/dmio-$ver/" | grep -v '^\./usr/share/doc/dmio-dkms/' |
	grep -vx '\./usr/share/lintian/overrides/dmio-dkms')
echo "$others" | sed '/^$/d; s/^/# unexpected: /'
[ -z "$others" ]
ktap $? deb_has_nothing_else

dpkg-deb --fsys-tarfile "$deb" | tar -tvf - "./usr/src/dmio-$ver/Makefile" | grep -q '^-rwxr-xr-x'
ktap $? makefile_hook_executable

ctl=$(mktemp -d)
dpkg-deb -e "$deb" "$ctl"
grep -q 'dkms remove -m $DKMS_NAME -v $DKMS_VERSION --all' "$ctl/prerm" &&
	grep -q "/usr/src/dmio-$ver/\*/" "$ctl/prerm" &&
	grep -q 'common.postinst' "$ctl/postinst" &&
	dpkg-deb -f "$deb" Depends | grep -q 'dkms'
ktap $? maintainer_scripts_add_and_remove
rm -rf "$ctl"
echo "dmio-guest: done"
