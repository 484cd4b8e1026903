#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Matrix step (global): the noarch dmio-dkms .rpm: built with rpmbuild on
# this (Debian) machine, rpmlint-clean, its file list exactly the DKMS
# source tree, and DKMS driven from its scriptlets as EPEL packages do.
#
#   30-rpm.sh OUTDIR
set -uo pipefail
. "$(dirname "$0")/../../harness/lib.sh"

n=0
ktap() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fi
}

echo "KTAP version 1"
echo "# Subtest: rpm"
echo "1..6"

for pair in rpmbuild:rpm rpmlint:rpmlint; do
	command -v "${pair%%:*}" >/dev/null 2>&1 && continue
	say "installing ${pair#*:}"
	DEBIAN_FRONTEND=noninteractive host_apt_get install -y -qq "${pair#*:}" >/dev/null ||
		{ host_apt_get update -qq >/dev/null &&
		  DEBIAN_FRONTEND=noninteractive host_apt_get install -y -qq "${pair#*:}" >/dev/null; }
done

say "make rpm"
make -C "$DMIO_TOP" rpm >"$1/rpmbuild.log" 2>&1
status=$?
rpm=$(ls "$DMIO_TOP"/.build/pkg/rpm/RPMS/noarch/dmio-dkms-*.noarch.rpm 2>/dev/null | head -n 1)
[ $status -eq 0 ] && [ -n "$rpm" ] || { tail -n 20 "$1/rpmbuild.log"; status=1; }
ktap $status rpm_builds
echo "# ${rpm:-no rpm}"
[ -n "$rpm" ] || rpm=/nonexistent

ver=$(rpm -qp --qf '%{VERSION}' "$rpm" 2>/dev/null)
[ "$(rpm -qp --qf '%{NAME} %{ARCH}' "$rpm" 2>/dev/null)" = "dmio-dkms noarch" ] &&
	[ "$ver" = "$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$DMIO_TOP/dkms.conf")" ]
ktap $? rpm_is_noarch_with_dkms_conf_version

want=$( {
	"$DMIO_TOP/tests/packaging/dkms-files.sh" "$DMIO_TOP" |
		sed "s|^|/usr/src/dmio-$ver/|"
	echo "/usr/share/licenses/dmio-dkms-$ver/LICENSE"
	echo "/usr/share/doc/dmio-dkms-$ver/README.md"
} | LC_ALL=C sort)
# Files only (directories have mode d...).
got=$(rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" 2>/dev/null |
	awk '$1 !~ /^d/ { print $2 }' | LC_ALL=C sort)
diff <(echo "$want") <(echo "$got") | sed 's/^/# /'
[ "$want" = "$got" ]
ktap $? rpm_file_list_is_the_dkms_tree

# The listing is taken whole first: under pipefail, grep -q leaving early
# would kill rpm with SIGPIPE (exit 141) in some runs and fail the test.
modes=$(rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" 2>/dev/null)
echo "$modes" | grep -qx -- "-rwxr-xr-x /usr/src/dmio-$ver/Makefile"
ktap $? makefile_hook_executable

scripts=$(rpm -qp --scripts "$rpm" 2>/dev/null)
echo "$scripts" | grep -q "dkms add -m dmio -v $ver" &&
	echo "$scripts" | grep -q "dkms build -m dmio -v $ver" &&
	echo "$scripts" | grep -q "dkms install -m dmio -v $ver" &&
	echo "$scripts" | grep -q "dkms remove -m dmio -v $ver -q --all" &&
	rpm -qpR "$rpm" 2>/dev/null | grep -x dkms >/dev/null
ktap $? scriptlets_drive_dkms

lint=$(rpmlint -r "$DMIO_TOP/rpm/dmio-dkms.rpmlintrc" "$rpm" \
	"$DMIO_TOP/rpm/dmio-dkms.spec" 2>&1)
echo "$lint" | sed '/^$/d; s/^/# rpmlint: /'
echo "$lint" | grep -q ' 0 errors, 0 warnings'
ktap $? rpmlint_clean
echo "dmio-guest: done"
