#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print, sorted, the files the DKMS source tree /usr/src/dmio-<version>/
# holds in both packages: dkms.conf and what `make` needs to build dmio.ko.
# With TOP a git tree: the tracked and new (not ignored) files, so build
# products never count; otherwise every file.
#
#   dkms-files.sh [TOP]
set -eu
top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -co --exclude-standard -- dkms.conf Makefile Kbuild src compat include
else
	find dkms.conf Makefile Kbuild src compat include -type f
fi | while read -r f; do
	[ -f "$f" ] && echo "$f"
done | LC_ALL=C sort
