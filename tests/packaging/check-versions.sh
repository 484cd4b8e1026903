#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The version lives in dkms.conf (PACKAGE_VERSION); the Makefile passes it to
# MODULE_VERSION. debian/changelog and the rpm spec must carry the same
# upstream version. Exit 1 and say which one differs when they do not.
#
#   check-versions.sh [TOP]
set -eu
top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}

dkms=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$top/dkms.conf")
# First changelog entry: "dmio (VERSION[-REVISION]) suite; urgency=...".
deb=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$top/debian/changelog")
deb_upstream=${deb%-*}
deb_upstream=${deb_upstream#*:}
rpm=$(sed -n 's/^Version:[[:space:]]*\([^[:space:]]*\).*/\1/p' "$top/rpm/dmio-dkms.spec")

status=0
[ -n "$dkms" ] || { echo "check-versions: no PACKAGE_VERSION in dkms.conf"; exit 1; }
if [ "$deb_upstream" != "$dkms" ]; then
	echo "check-versions: debian/changelog has $deb, dkms.conf has $dkms"
	status=1
fi
if [ "$rpm" != "$dkms" ]; then
	echo "check-versions: rpm/dmio-dkms.spec has '$rpm', dkms.conf has $dkms"
	status=1
fi
[ $status -eq 0 ] && echo "check-versions: dkms.conf, debian/changelog and rpm spec agree on $dkms"
exit $status
