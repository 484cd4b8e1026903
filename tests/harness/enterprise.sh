# SPDX-License-Identifier: GPL-2.0
# The enterprise tier of `make check` (sourced by check.sh): RHEL kernel
# trees, each built with its release's compiler generation, from a folder
# of kernel-devel material named by DMIO_KERNELS_DIR (see
# docs/COMPAT.md). Per release in that folder:
#
#   rhel-X.Y-<kernelrelease>-src.tar.xz   the sources a tree is prepared from
#   rhel-X.Y.config                       the release's official config
#   rhel-X.Y-boot.config, -boot-bzImage, -boot-Module.symvers
#                                         optional: a small bootable kernel
#
# Rows: "build" (dmio, the selftests, the era consumers and, from 4.18 on,
# the example cache, against the tree prepared from the official config; no
# compiler diagnostic), "probes" (every probe answer held to the kernel
# version and to the backports this release has, tests/steps/enterprise/)
# and, where a bootable kernel is given, "selftest" (the Debian rows' guest
# on that kernel: selftest, difftest against its own dm-io, era consumers,
# example cache workload).
#
# Each release builds in an overlayfs copy of one of the matrix's cached
# chroots (the compiler generation of the release) with the kernel build's
# extra packages installed in the copy; prepared trees are cached under
# $DMIO_CACHE/enterprise/tree/ by the content of what made them.

# release  chroot  CC        examples  packages besides the chroot's own
# CC "-" is the chroot's default gcc. RHEL 7.9 builds with gcc 4.8.5: here
# xenial's gcc-4.8, which lacks two features RHEL's has (see
# ent_config_fixup). RHEL 7's device-mapper target API predates the example
# cache target's (4.18).
DMIO_ENT_TABLE='
7.9   xenial  gcc-4.8  no   gcc-4.8,flex,bison,bc,libelf-dev,libssl-dev
8.10  bionic  gcc-8    yes  gcc-8,flex,bison,bc,libelf-dev,libssl-dev,python3
9.6   jammy   -        yes  flex,bison,bc,libelf-dev,libssl-dev,python3,dwarves
10.0  trixie  -        yes  flex,bison,bc,libelf-dev,libssl-dev,python3,dwarves
'
# Bump when the way a tree is prepared changes: cached trees are redone.
DMIO_ENT_RECIPE=1

# Echo one field of a release's row: suite cc examples pkgs.
ent_field() {
	local rel=$1 field=$2 row
	row=$(echo "$DMIO_ENT_TABLE" | awk -v r="$rel" '$1 == r')
	[ -n "$row" ] || return 1
	set -- $row
	case $field in
	suite) echo "$2" ;;
	cc) echo "$3" ;;
	examples) echo "$4" ;;
	pkgs) echo "$5" ;;
	*) die "ent_field: no field $field" ;;
	esac
}

# The releases DMIO_KERNELS_DIR holds a source tarball of, oldest first.
ent_releases() {
	ls "$DMIO_KERNELS_DIR"/rhel-*-src.tar.xz 2>/dev/null |
		sed -E 's|.*/rhel-([0-9]+\.[0-9]+)-.*|\1|' | sort -uV
}

ent_tarball() {
	ls "$DMIO_KERNELS_DIR"/rhel-"$1"-*-src.tar.xz 2>/dev/null | head -n 1
}

# The release's kernelrelease (uname -r), from the tarball's name.
ent_krel() {
	basename "$(ent_tarball "$1")" -src.tar.xz | sed "s/^rhel-$1-//"
}

# The release's compiler command.
ent_cc() {
	ent_field "$1" cc | sed 's/^-$/gcc/'
}

# make's variables for a release: its compiler for target and host.
ent_make_vars() {
	local cc
	cc=$(ent_field "$1" cc)
	[ "$cc" = - ] || echo "CC=$cc HOSTCC=$cc"
}

ent_root() { echo "$DMIO_CACHE/enterprise"; }

# The overlay state of a release's chroot: keyed by the cached chroot's
# package set, so a refreshed chroot gets a fresh copy (an old upper layer
# would hide the lower one's new package database).
ent_overlay_state() {
	local suite=$1 key
	key=$(cksum <"$(chroot_dir "$suite")/var/lib/dpkg/status" | cut -d' ' -f1)
	echo "$(ent_root)/chroot/$suite-$key"
}

# Run a command in the release's chroot, with $(ent_root) on /mnt: a
# read-only overlay of the installed packages (the state's upper layer)
# over the cached chroot, with a fresh /tmp. Read-only, so any number of
# builds (other releases, other trees' runs) use one state at once; what
# a build writes goes to /mnt.
# Usage: ent_run REL CMD...
ent_run() {
	local suite state merged rc
	suite=$(ent_field "$1" suite)
	shift
	state=$(ent_overlay_state "$suite")
	merged=$(mktemp -d)
	unshare --mount --propagation private -- sh -c '
		lower=$1 upper=$2 m=$3 io=$4
		shift 4
		mount -t overlay overlay -o "lowerdir=$upper:$lower" "$m" || exit 1
		mount -t proc proc "$m/proc" || exit 1
		mount --bind /dev "$m/dev" || exit 1
		mount -t tmpfs tmpfs "$m/tmp" || exit 1
		mount --bind "$io" "$m/mnt" || exit 1
		exec chroot "$m" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 "$@"
	' sh "$(chroot_dir "$suite")" "$state/upper" "$merged" "$(ent_root)" "$@"
	rc=$?
	rmdir "$merged"
	return $rc
}

# Make the release's overlay state: the matrix's chroot plus the kernel
# build's packages, installed once (under a lock, in a writable overlay).
ent_chroot_ensure() {
	local rel=$1 suite
	suite=$(ent_field "$rel" suite)
	chroot_ensure "$suite"
	cache_locked "enterprise-$suite" ent_chroot_ensure_unlocked "$rel" "$suite"
}

ent_chroot_ensure_unlocked() {
	local rel=$1 suite=$2 state pkgs old
	state=$(ent_overlay_state "$suite")
	[ -f "$state/.ready" ] && return 0
	pkgs=$(ent_field "$rel" pkgs | tr , ' ')
	# Copies made for an older package set of this chroot go.
	for old in "$(ent_root)/chroot/$suite"-*; do
		[ "$old" = "$state" ] || rm -rf "$old"
	done
	say "rhel-$rel: installing $pkgs in an overlay of the $suite chroot"
	mkdir -p "$(ent_root)"
	overlay_chroot "$suite" "$state" "$(ent_root)" sh -c \
		"apt-get update -qq && apt-get install -y -qq $pkgs >/dev/null" || return 1
	touch "$state/.ready"
}

# RHEL 7.9's config asks for two things Ubuntu's gcc 4.8 has not (RHEL's
# own 4.8.5 has them): retpolines and -fstack-protector-strong. Turned off
# before olddefconfig; nothing a module's API depends on changes.
ent_config_fixup() {
	local rel=$1 tree=$2
	case "$rel:$(ent_field "$rel" cc)" in
	7.9:gcc-4.8)
		ent_run "$rel" sh -c "cd '$tree' && ./scripts/config --disable RETPOLINE \
			--disable CC_STACKPROTECTOR_STRONG --enable CC_STACKPROTECTOR_REGULAR"
		;;
	esac
}

# Prepare (once per content) the release's tree for out-of-tree modules:
# KIND "official" with the release's config, "boot" with the bootable
# kernel's config and the Module.symvers of its build. Echo the tree's path
# as seen inside the chroot (under /mnt).
# Usage: ent_prepare REL KIND
ent_prepare() {
	local rel=$1 kind=$2 cfg key gccv
	cfg="$DMIO_KERNELS_DIR/rhel-$rel.config"
	[ "$kind" = boot ] && cfg="$DMIO_KERNELS_DIR/rhel-$rel-boot.config"
	gccv=$(ent_run "$rel" sh -c "$(ent_cc "$rel") --version | head -n 1")
	[ -n "$gccv" ] || { say "rhel-$rel: no compiler in the chroot"; return 1; }
	key=$( {
		echo "$DMIO_ENT_RECIPE $kind $gccv"
		cksum <"$(ent_tarball "$rel")"
		cat "$cfg"
		[ "$kind" = boot ] && cksum <"$DMIO_KERNELS_DIR/rhel-$rel-boot-Module.symvers"
	} | cksum | cut -d' ' -f1)
	cache_locked "enterprise-tree-$rel-$kind" ent_prepare_unlocked "$rel" "$kind" "$cfg" "$key"
}

ent_prepare_unlocked() {
	local rel=$1 kind=$2 cfg=$3 key=$4 name dir top tree vars log old
	name="rhel-$rel-$kind-$key"
	dir="$(ent_root)/tree/$name"
	top="rhel-$rel-$(ent_krel "$rel")"
	tree="/mnt/tree/$name/$top"
	if [ -f "$dir/.complete" ]; then
		echo "$tree"
		return 0
	fi
	for old in "$(ent_root)/tree/rhel-$rel-$kind"-*; do
		[ "$old" = "$dir" ] || rm -rf "$old"
	done
	say "rhel-$rel: preparing the $kind tree (first run only, 1-3 minutes)"
	rm -rf "$dir"
	mkdir -p "$dir"
	tar -C "$dir" -xJf "$(ent_tarball "$rel")" || return 1
	cp "$cfg" "$dir/$top/.config"
	ent_config_fixup "$rel" "$tree" || return 1
	vars=$(ent_make_vars "$rel")
	log="$dir/prepare.log"
	ent_run "$rel" sh -c "cd '$tree' && make $vars olddefconfig && \
		make $vars -j2 modules_prepare" >"$log" 2>&1 ||
		{ tail -n 30 "$log" >&2; return 1; }
	if [ "$kind" = boot ]; then
		cp "$DMIO_KERNELS_DIR/rhel-$rel-boot-Module.symvers" "$dir/$top/Module.symvers"
	elif [ -f "$dir/$top/almalinux/Module.kabi_x86_64" ]; then
		# The kABI list has the real CRCs of the symbols it names,
		# as a kernel-devel package's Module.symvers would.
		cp "$dir/$top/almalinux/Module.kabi_x86_64" "$dir/$top/Module.symvers"
	fi
	touch "$dir/.complete"
	echo "$tree"
}

# The host's path of a tree ent_prepare echoed.
ent_host_path() { echo "$(ent_root)${1#/mnt}"; }

# Build dmio, the selftests, the era consumers and (where the table says)
# the examples against TREE; LOG gets make's output. Echo the build folder
# (host path). Fails on any compiler diagnostic.
# Usage: ent_build REL KIND TREE LOG
ent_build() {
	local rel=$1 kind=$2 tree=$3 log=$4 name dir targets=tests vars
	[ "$(ent_field "$rel" examples)" = yes ] && targets="tests examples"
	name="dmio-$(tree_tag)-rhel-$rel-$kind"
	dir="$(ent_root)/build/$name"
	tree_copy "$dir"
	vars=$(ent_make_vars "$rel")
	# Without the full kernel's Module.symvers, modpost cannot resolve
	# every symbol: it says so (warnings), which is all it can say.
	[ "$kind" = official ] && vars="$vars KBUILD_MODPOST_WARN=1"
	ent_run "$rel" make -C "/mnt/build/$name" KDIR="$tree" $vars $targets \
		>"$log" 2>&1 || return 1
	if grep -E '(warning|error):' "$log" | grep -v 'Skipping BTF' >/dev/null; then
		say "rhel-$rel: the build printed warnings:"
		grep -E '(warning|error):' "$log" >&2
		return 1
	fi
	echo "$dir"
}

# Boot the release's bootable kernel with the modules built in BUILT and
# the selftest guest; the console goes to LOG. Its drivers are built in:
# their parameters go on the command line.
# Usage: ent_boot REL BUILT LOG
ent_boot() {
	local rel=$1 built=$2 log=$3 kdest abi extra ko initrd
	abi=$(ent_krel "$rel")
	# initramfs_build's view of a kernel: an image and a module index
	# (empty: nothing to load).
	kdest=$(mktemp -d)
	mkdir -p "$kdest/boot" "$kdest/lib/modules/$abi"
	: >"$kdest/lib/modules/$abi/modules.dep"
	extra="$built/dmio.ko:dmio/dmio.ko"
	for ko in "$built"/tests/selftest/*.ko "$built"/tests/consumers/*.ko \
		  "$built"/examples/*/*.ko; do
		[ -f "$ko" ] && extra="$extra $ko:dmio/$(basename "$ko")"
	done
	initrd=$(mktemp)
	EXTRA_FILES="$extra" initramfs_build "$initrd" "$kdest" "$abi" \
		"$DMIO_TOP/tests/harness/guest/check.sh"
	qemu_boot "$DMIO_KERNELS_DIR/rhel-$rel-boot-bzImage" "$initrd" "$log" \
		"brd.rd_nr=2 brd.rd_size=65536 null_blk.nr_devices=0"
	rm -rf "$initrd" "$kdest"
}

# The tier: one set of rows per release in DMIO_KERNELS_DIR, or one row
# saying why there is none.
run_enterprise_tier() {
	local start rel rc=0
	start=$(date +%s)
	if [ -z "${DMIO_KERNELS_DIR:-}" ]; then
		say "enterprise: skipped (DMIO_KERNELS_DIR is not set)"
		record enterprise - tier skip 0 0 0 "$start" \
			"DMIO_KERNELS_DIR not set: no RHEL kernel trees to build on"
		return 0
	fi
	if [ -z "$(ent_releases)" ]; then
		record enterprise - tier fail 0 0 0 "$start" \
			"no rhel-*-src.tar.xz in $DMIO_KERNELS_DIR"
		return 1
	fi
	for rel in $(ent_releases); do
		run_enterprise "rhel-$rel" || rc=1
	done
	return $rc
}

# One release's rows. Usage: run_enterprise rhel-X.Y
run_enterprise() {
	local suite=$1 rel=${1#rhel-} start abi tree built out rc=0
	out="$DMIO_RESULTS/$suite"
	start=$(date +%s)
	mkdir -p "$out"
	rm -f "$out"/*.log
	abi=$(ent_krel "$rel")
	if [ -z "${DMIO_KERNELS_DIR:-}" ] || [ -z "$(ent_tarball "$rel")" ]; then
		record "$suite" - build fail 0 0 0 "$start" \
			"no rhel-$rel tarball in ${DMIO_KERNELS_DIR:-(DMIO_KERNELS_DIR not set)}"
		return 1
	fi
	if [ -z "$(ent_field "$rel" suite)" ]; then
		record "$suite" "$abi" build fail 0 0 0 "$start" \
			"no chroot known for RHEL $rel (DMIO_ENT_TABLE in enterprise.sh)"
		return 1
	fi
	say "$suite: preparing the $(ent_field "$rel" suite) chroot and the $abi tree"
	if ! ent_chroot_ensure "$rel" >"$out/prepare.log" 2>&1 ||
	   ! tree=$(ent_prepare "$rel" official 2>>"$out/prepare.log"); then
		tail -n 25 "$out/prepare.log" >&2
		record "$suite" "$abi" build fail 0 0 0 "$start" "tree not prepared: see $out/prepare.log"
		return 1
	fi
	say "$suite: building dmio for $abi"
	if ! built=$(ent_build "$rel" official "$tree" "$out/build.log"); then
		grep -E '(error|warning):' "$out/build.log" | head -n 20 >&2 ||
			tail -n 25 "$out/build.log" >&2
		record "$suite" "$abi" build fail 0 0 0 "$start" "see $out/build.log"
		return 1
	fi
	record "$suite" "$abi" build ok 0 0 0 "$start" \
		"$(ent_cc "$rel") in $(ent_field "$rel" suite)"
	run_steps "$DMIO_TOP/tests/steps/enterprise" "$suite" "$abi" \
		"$suite" "$abi" "$(ent_host_path "$tree")" "$built" "$out" || rc=1

	[ -f "$DMIO_KERNELS_DIR/rhel-$rel-boot-bzImage" ] || return $rc
	start=$(date +%s)
	say "$suite: building dmio for the bootable $abi kernel"
	if ! tree=$(ent_prepare "$rel" boot 2>>"$out/prepare.log") ||
	   ! built=$(ent_build "$rel" boot "$tree" "$out/build-boot.log"); then
		grep -E '(error|warning):' "$out/build-boot.log" 2>/dev/null | head -n 20 >&2
		record "$suite" "$abi" selftest fail 0 0 0 "$start" \
			"no build for the bootable kernel: see $out/build-boot.log"
		return 1
	fi
	say "$suite: booting $abi under QEMU (TCG)"
	ent_boot "$rel" "$built" "$out/console.log"
	judge_step "$suite" "$abi" selftest "$out/console.log" 0 "$start" || rc=1
	return $rc
}
