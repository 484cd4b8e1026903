#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the dmio debug kernel: Debian bookworm's linux-source-6.1,
# `make tinyconfig` + tests/debug/debug-kernel.config (KASAN, UBSAN,
# lockdep, kmemleak, debug objects, slub_debug, fault injection; brd,
# null_blk, loop, dm, dm-flakey, dm-delay built in), then
# `make modules_prepare`, so out-of-tree modules build against the tree.
#
# The source, the build tools and the build happen in a THROWAWAY overlay of
# the cached bookworm chroot (never in the shared chroot itself). The result
# lives in $DMIO_CACHE/debug/kernel-<key>/, where <key> is a hash of the
# config fragment (and of DEBUG_RECIPE below): editing it rebuilds.
#
#   tests/harness/debug-kernel.sh           build when missing; print the dir
#   tests/harness/debug-kernel.sh --cached  print the dir, or fail if unbuilt
#
# Inside the overlay chroot the cache folder $DMIO_CACHE/debug is /mnt and
# the kernel tree is /mnt/kernel-<key>/linux (its KDIR there).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

DEBUG_SUITE=${DEBUG_SUITE:-bookworm}
DEBUG_SRCPKG=${DEBUG_SRCPKG:-linux-source-6.1}
DEBUG_FRAGMENT="$DMIO_TOP/tests/debug/debug-kernel.config"
DEBUG_DIR="$DMIO_CACHE/debug"
DEBUG_BUILD_PKGS="$DEBUG_SRCPKG bc bison flex libelf-dev libssl-dev cpio xz-utils kmod python3 rsync"

# Bump when the build recipe below changes in a way that changes the kernel.
DEBUG_RECIPE=1

debug_key() {
	{ echo "$DEBUG_SUITE $DEBUG_SRCPKG recipe $DEBUG_RECIPE"; cat "$DEBUG_FRAGMENT"; } |
		sha256sum | cut -c1-12
}

KEY=$(debug_key)
KOUT="$DEBUG_DIR/kernel-$KEY"

if [ -f "$KOUT/.complete" ]; then
	echo "$KOUT"
	exit 0
fi
if [ "${1:-}" = "--cached" ]; then
	say "no debug kernel for this config in $KOUT (build it with 'make debug-kernel')"
	exit 1
fi

need_root
ensure_host_tools
chroot_ensure "$DEBUG_SUITE"
mkdir -p "$DEBUG_DIR"
# One builder at a time per cache.
exec 9>"$DEBUG_DIR/.lock"
flock 9
[ -f "$KOUT/.complete" ] && { echo "$KOUT"; exit 0; }

rm -rf "$KOUT"
mkdir -p "$KOUT"
cp "$DEBUG_FRAGMENT" "$KOUT/fragment.config"
log="$KOUT/build.log"
say "debug kernel $KEY: building from $DEBUG_SUITE's $DEBUG_SRCPKG (log: $log)"
say "this takes long (roughly 10-20 min on 2 cores); later runs reuse it"
start=$(date +%s)
overlay_chroot "$DEBUG_SUITE" "$DEBUG_DIR/overlay-$DEBUG_SUITE" "$DEBUG_DIR" sh -ec "
	dpkg -s $DEBUG_BUILD_PKGS >/dev/null 2>&1 || {
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends $DEBUG_BUILD_PKGS >/dev/null
	}
	cd /mnt/kernel-$KEY
	tar -xaf /usr/src/$DEBUG_SRCPKG.tar.xz
	mv $DEBUG_SRCPKG linux
	cd linux
	make -s ARCH=x86_64 tinyconfig
	scripts/kconfig/merge_config.sh -m .config ../fragment.config >/dev/null
	make -s ARCH=x86_64 olddefconfig
	# Every option the fragment asks for must have survived olddefconfig.
	grep -E '^(CONFIG_[A-Z0-9_]+=.*|# CONFIG_[A-Z0-9_]+ is not set)\$' ../fragment.config >../wanted
	bad=0
	while read -r line; do
		grep -qxF \"\$line\" .config || { echo \"config: not applied: \$line\"; bad=1; }
	done <../wanted
	[ \$bad = 0 ]
	nice -n 19 make -j\$(nproc) ARCH=x86_64 all
	nice -n 19 make ARCH=x86_64 modules_prepare
	cp arch/x86/boot/bzImage ../bzImage
	make -s kernelrelease >../kernelrelease
" >"$log" 2>&1
status=$?
end=$(date +%s)
if [ $status -ne 0 ] || [ ! -f "$KOUT/bzImage" ]; then
	grep -E 'config: not applied|error' "$log" | head -n 20 >&2
	tail -n 30 "$log" >&2
	die "debug kernel build failed (log: $log)"
fi
echo "$((end - start))" >"$KOUT/build-seconds"
touch "$KOUT/.complete"
say "debug kernel $(cat "$KOUT/kernelrelease") built in $((end - start)) s"
echo "$KOUT"
