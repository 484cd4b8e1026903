# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the kernel-matrix harness: host tools, per-suite build
# chroots, the suite's kernel image, the initramfs and the QEMU boot.
# Sourced by the harness scripts; every function prints what it is doing.

DMIO_TOP=${DMIO_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DMIO_CACHE=${DMIO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dmio}
# No archive host is written in the tree: the Debian mirror is the one the
# machine's apt uses, else debootstrap's own default (see debian_mirror);
# the Ubuntu one is debootstrap's default for each suite (ubuntu_mirror).
# DMIO_MIRROR= and DMIO_UBUNTU_MIRROR= override them.
DMIO_RESULTS=${DMIO_RESULTS:-$DMIO_TOP/results}
# Packages every build chroot carries: the suite's own compiler and headers
# (as DKMS would build there), kmod for modinfo, sparse for the lint gate.
DMIO_CHROOT_PKGS=${DMIO_CHROOT_PKGS:-build-essential,linux-headers-amd64,kmod,sparse}
# Kernel modules every test guest loads (with their dependencies).
GUEST_MODULES=${GUEST_MODULES:-configfs brd null_blk loop dm-mod dm-delay dm-flakey}
export MODPARAMS_brd=${MODPARAMS_brd:-"rd_nr=2 rd_size=65536"}
# null_blk devices are made through configfs by the guest scripts.
export MODPARAMS_null_blk=${MODPARAMS_null_blk:-"nr_devices=0"}
# Host programs copied, with their libraries, into every guest.
GUEST_PROGRAMS=${GUEST_PROGRAMS:-/sbin/dmsetup}
# Refresh a chroot's package lists and headers when older than this (s).
DMIO_REFRESH_AGE=${DMIO_REFRESH_AGE:-21600}

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# The Debian archive this machine's apt fetches from: apt's own view of its
# sources (one-line or deb822, any file), the first whose Release says
# origin and label "Debian" (the main archive, not -security or backports).
# Needs the package lists (apt-get update); prints nothing without them.
apt_debian_mirror() {
	LC_ALL=C apt-cache policy 2>/dev/null | awk '
		$1 ~ /^[0-9-]+$/ && $2 ~ /^(https?|ftp):\/\// { uri = $2; next }
		$1 == "release" && uri != "" {
			if ($2 ~ /(^|,)o=Debian(,|$)/ && $2 ~ /(^|,)l=Debian(,|$)/) {
				print uri
				exit
			}
			uri = ""
		}'
}

# The mirror debootstrap uses for SUITE when given none: the suite script's
# default_mirror (Ubuntu's scripts set one, per architecture and release),
# else debootstrap's DEF_MIRROR. The script is read by debootstrap's own
# rules: sourced in a subshell where its other calls do nothing.
debootstrap_default_mirror() {
	local suite=$1 dir=${DEBOOTSTRAP_DIR:-/usr/share/debootstrap} bin m
	bin=$(PATH="$PATH:/usr/sbin:/sbin" command -v debootstrap)
	if [ -f "$dir/scripts/$suite" ]; then
		m=$(
			ARCH=amd64 SUITE=$suite DEBOOTSTRAP_DIR=$dir
			default_mirror() { echo "$1"; }
			command_not_found_handle() { return 0; }
			doing_variant() { return 1; }
			set +eu
			. "$dir/scripts/$suite" 2>/dev/null | tail -n 1
		)
	fi
	[ -n "$m" ] || m=$(sed -n 's/^DEF_MIRROR="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "${bin:-/usr/sbin/debootstrap}" 2>/dev/null)
	echo "$m"
}

# DMIO_MIRROR, else apt's Debian archive, else debootstrap's default.
debian_mirror() {
	local m=${DMIO_MIRROR:-}
	[ -n "$m" ] || m=$(apt_debian_mirror)
	[ -n "$m" ] || m=$(debootstrap_default_mirror sid)
	echo "${m%/}"
}

# DMIO_UBUNTU_MIRROR, else debootstrap's default for the Ubuntu SUITE.
ubuntu_mirror() {
	local m=${DMIO_UBUNTU_MIRROR:-}
	[ -n "$m" ] || m=$(debootstrap_default_mirror "$1")
	echo "${m%/}"
}

# Resolved once: the harness's steps inherit it.
DMIO_MIRROR=$(debian_mirror)
export DMIO_MIRROR

need_root() {
	[ "$(id -u)" = 0 ] || die "the harness needs root (debootstrap, chroot, mounts); run it as root"
}

# Install the Debian packages that provide missing commands.
# Usage: ensure_host_pkgs COMMAND:PACKAGE...
ensure_host_pkgs() {
	local missing=() pair
	for pair in "$@"; do
		PATH="$PATH:/usr/sbin:/sbin" command -v "${pair%%:*}" >/dev/null 2>&1 ||
			missing+=("${pair#*:}")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	install_host_pkgs "${missing[@]}"
}

# Install the host tools the harness needs when they are missing.
ensure_host_tools() {
	local missing=()
	ensure_host_pkgs debootstrap:debootstrap qemu-system-x86_64:qemu-system-x86 \
		cpio:cpio xz:xz-utils zstd:zstd unshare:util-linux \
		dpkg-deb:dpkg dmsetup:dmsetup readelf:binutils
	[ -x /bin/busybox ] && file_is_static /bin/busybox || missing+=(busybox-static)
	[ ${#missing[@]} -eq 0 ] && return 0
	install_host_pkgs "${missing[@]}"
}

install_host_pkgs() {
	need_root
	say "installing host tools: $*"
	export DEBIAN_FRONTEND=noninteractive
	host_apt_get update -qq >/dev/null || die "apt-get update failed"
	host_apt_get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

# apt-get on the host, waiting while another apt or dpkg holds the package
# system's locks: a fresh machine may be running unattended-upgrades when
# the harness starts, or a second harness run may be installing a tool, and
# apt gives up at once on a held lock ("Could not get lock
# /var/lib/dpkg/lock-frontend"), which failed a whole step. dpkg's locks
# are waited for by apt itself (DPkg::Lock::Timeout); the package lists'
# lock (apt-get update) is not, so a lock failure is retried, for up to
# ten minutes. Other failures return at once, with apt's message.
host_apt_get() {
	local err rc tries=0
	err=$(mktemp)
	while :; do
		apt-get -o DPkg::Lock::Timeout=600 "$@" 2>"$err"
		rc=$?
		[ $rc -ne 0 ] || break
		grep -Eq 'Could not get lock|Unable to (lock|acquire)' "$err" || break
		tries=$((tries + 1))
		[ $tries -le 120 ] || break
		[ $tries -gt 1 ] || say "apt is busy (another apt or dpkg holds its lock): waiting"
		sleep 5
	done
	cat "$err" >&2
	rm -f "$err"
	return $rc
}

file_is_static() {
	# A static busybox has no program interpreter.
	! LC_ALL=C readelf -l "$1" 2>/dev/null | grep 'interpreter' >/dev/null
}

# The suites of the kernel matrix, one row each:
#   suite  tier  distro  components  headers-package  ABI-suffix  modules  examples
# Tier 1 are Debian's current suites. Tier 2 are Ubuntu LTS kernels that
# stand in for older kernel APIs (see docs/COMPAT.md): xenial 4.4, bionic
# 4.15, focal 5.4, jammy 5.15. "modules" names the package (completed with
# -<ABI>) holding the modules linux-image leaves out (brd, null_blk,
# dm-delay, dm-flakey, ...); "-" when there is none. "examples" says
# whether examples/ builds there: the example cache target is written for
# the device-mapper target API of 4.18 and later (the dm-io part of it is
# dmio's drop-in, which every suite builds through tests/consumers/). A
# suite not listed here is taken for a Debian one with the tier-1 settings.
DMIO_SUITE_TABLE='
bullseye 1 debian main          linux-headers-amd64   amd64   -                   yes
bookworm 1 debian main          linux-headers-amd64   amd64   -                   yes
trixie   1 debian main          linux-headers-amd64   amd64   -                   yes
sid      1 debian main          linux-headers-amd64   amd64   -                   yes
jammy    2 ubuntu main,universe linux-headers-generic generic linux-modules-extra yes
focal    2 ubuntu main,universe linux-headers-generic generic linux-modules-extra yes
bionic   2 ubuntu main,universe linux-headers-generic generic linux-modules-extra no
xenial   2 ubuntu main,universe linux-headers-generic generic linux-modules-extra no
'
DMIO_UBUNTU_MIRROR=${DMIO_UBUNTU_MIRROR:-}
# Packages of an Ubuntu chroot besides its headers package (from the table
# above); no sparse: the sparse step is tier 1 only.
DMIO_UBUNTU_PKGS=${DMIO_UBUNTU_PKGS:-build-essential,kmod}

# Echo one field of a suite's row: tier distro components headers abi modules.
suite_field() {
	local suite=$1 field=$2 row
	row=$(echo "$DMIO_SUITE_TABLE" | awk -v s="$suite" '$1 == s')
	[ -n "$row" ] || row="$suite 1 debian main linux-headers-amd64 amd64 - yes"
	set -- $row
	case $field in
	tier) echo "$2" ;;
	distro) echo "$3" ;;
	components) echo "$4" ;;
	headers) echo "$5" ;;
	abi) echo "$6" ;;
	modules) echo "$7" ;;
	examples) echo "$8" ;;
	*) die "suite_field: no field $field" ;;
	esac
}

# The suites of a tier, in table order.
tier_suites() {
	echo "$DMIO_SUITE_TABLE" | awk -v t="$1" '$2 == t { printf "%s ", $1 }'
}

# Split a comma-separated KERNELS list (default: every tier-1 suite).
tier1_suites() {
	KERNELS=${KERNELS:-bullseye,bookworm,trixie,sid} matrix_suites
}

# The suites make check runs: KERNELS (names, or "tier1" / "tier2" for a
# whole tier), by default both tiers.
matrix_suites() {
	local list=${KERNELS:-tier1,tier2} item out=""
	for item in ${list//,/ }; do
		case $item in
		tier1) out="$out $(tier_suites 1)" ;;
		tier2) out="$out $(tier_suites 2)" ;;
		*) out="$out $item" ;;
		esac
	done
	echo $out
}

chroot_dir() { echo "$DMIO_CACHE/chroot/$1"; }

# A tag of this work tree, so the build folders of several trees never meet.
tree_tag() { echo "$DMIO_TOP" | cksum | cut -d' ' -f1; }

# Copy the work tree's sources (no .git, no build output) into a fresh DEST.
tree_copy() {
	rm -rf "$1"
	mkdir -p "$1"
	tar -C "$DMIO_TOP" --exclude=.git --exclude=.build --exclude=results \
		-cf - . | tar -C "$1" -xf -
}

# Run a command inside a suite's chroot with /proc mounted (objtool of new
# kernels reads it) and, if CHROOT_BIND is set, that host folder on /mnt.
# The private mount namespace drops the mounts on exit.
in_chroot() {
	local dir
	dir=$(chroot_dir "$1")
	shift
	in_root "$dir" "$@"
}

# in_chroot for a chroot folder given by path (one still being made).
in_root() {
	local dir=$1
	shift
	unshare --mount --propagation private -- sh -c '
		dir=$1; shift
		mount -t proc proc "$dir/proc" || exit 1
		mount --bind /dev "$dir/dev" || exit 1
		if [ -n "${CHROOT_BIND:-}" ]; then
			mount --bind "$CHROOT_BIND" "$dir/mnt" || exit 1
		fi
		exec chroot "$dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
	' sh "$dir" "$@"
}

# Run a command holding the cache lock NAME, so two harness runs sharing
# one cache (two work trees, a step beside the matrix) never make or refresh
# the same chroot or kernel folder at once; the second waits and then finds
# the work done. A failure inside (die) fails the caller too.
# Usage: cache_locked NAME CMD...
cache_locked() {
	local name=$1
	shift
	mkdir -p "$DMIO_CACHE/locks"
	( flock 9 && "$@" ) 9>"$DMIO_CACHE/locks/$name.lock" || exit 1
}

# Make (or refresh) the build chroot of a suite. Created atomically, so an
# interrupted debootstrap never leaves a half chroot that looks usable.
chroot_ensure() {
	cache_locked "chroot-$1" chroot_ensure_unlocked "$1"
}

# The chroot's apt takes Release files past their Valid-Until date. A
# mirror (or a snapshot of one) may serve a development suite's Release
# some weeks after it expired (seen with sid: "Release file ... is expired
# (invalid since 25d)"), and apt then refuses every update of the suite;
# these chroots only build and fetch kernels, never serve a system, and
# the archive's signature is still checked. Written into cached chroots
# too, so one made before this rule follows it.
chroot_apt_conf() {
	local conf="$1/etc/apt/apt.conf.d/99dmio-valid-until"
	[ -d "$1/etc/apt/apt.conf.d" ] || return 0
	[ -f "$conf" ] ||
		echo 'Acquire::Check-Valid-Until "false";' >"$conf"
}

chroot_ensure_unlocked() {
	local suite=$1 dir tmp stamp now age
	dir=$(chroot_dir "$suite")
	chroot_apt_conf "$dir"
	if [ ! -x "$dir/usr/bin/gcc" ]; then
		need_root
		tmp="$dir.tmp.$$"
		rm -rf "$tmp" "$dir"
		mkdir -p "$(dirname "$dir")"
		if [ "$(suite_field "$suite" distro)" = ubuntu ]; then
			ubuntu_bootstrap "$suite" "$tmp"
		else
			say "$suite: debootstrap (first run only, about a minute)"
			debootstrap --variant=minbase --include="$DMIO_CHROOT_PKGS" \
				"$suite" "$tmp" "$DMIO_MIRROR" >"$tmp.log" 2>&1 ||
				{ tail -n 20 "$tmp.log" >&2; die "$suite: debootstrap failed"; }
			mv "$tmp.log" "$tmp/debootstrap.log"
			echo "deb $DMIO_MIRROR $suite main" >"$tmp/etc/apt/sources.list"
			chroot_apt_conf "$tmp"
		fi
		mv "$tmp" "$dir"
		date +%s >"$dir/.dmio-refreshed"
		return 0
	fi
	stamp=$(cat "$dir/.dmio-refreshed" 2>/dev/null || echo 0)
	now=$(date +%s)
	age=$((now - stamp))
	if [ "$age" -ge "$DMIO_REFRESH_AGE" ]; then
		say "$suite: refreshing the chroot's headers to the suite's current kernel"
		in_chroot "$suite" sh -c "apt-get update -qq && apt-get install -y -qq \
			$(chroot_pkgs "$suite" | tr , ' ') >/dev/null" ||
			die "$suite: chroot refresh failed"
		date +%s >"$dir/.dmio-refreshed"
	fi
}

# The packages a suite's chroot carries (comma-separated).
chroot_pkgs() {
	if [ "$(suite_field "$1" distro)" = ubuntu ]; then
		echo "$DMIO_UBUNTU_PKGS,$(suite_field "$1" headers)"
	else
		echo "$DMIO_CHROOT_PKGS"
	fi
}

# The Ubuntu archive's signing keys, for debootstrap and the chroot's apt.
# Debian ships them as ubuntu-keyring, but in trixie and later only (not in
# bookworm): so install it on the host where apt has it, else take the
# package from Debian trixie with a private apt (verified by the host's
# Debian archive keys) and keep the keyring in the cache. Echo nothing when
# neither works.
ubuntu_keyring() {
	local k=/usr/share/keyrings/ubuntu-archive-keyring.gpg
	local cached="$DMIO_CACHE/keyrings/ubuntu-archive-keyring.gpg" tmp o
	[ -s "$k" ] && { echo "$k"; return 0; }
	[ -s "$cached" ] && { echo "$cached"; return 0; }
	say "installing the Ubuntu archive keyring (ubuntu-keyring)"
	if host_apt_get update -qq >/dev/null 2>&1 &&
	   DEBIAN_FRONTEND=noninteractive host_apt_get install -y -qq ubuntu-keyring \
		>/dev/null 2>&1 && [ -s "$k" ]; then
		echo "$k"
		return 0
	fi
	say "the host's apt has no ubuntu-keyring: taking it from Debian trixie"
	tmp=$(mktemp -d)
	mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/x"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DMIO_MIRROR trixie main" \
		>"$tmp/sources.list"
	o=(-o Dir::Etc::SourceList="$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null
	   -o Dir::State::Lists="$tmp/lists" -o Dir::Cache="$tmp/cache"
	   -o APT::Sandbox::User=root -o Acquire::Check-Valid-Until=false)
	if apt-get "${o[@]}" update -qq >/dev/null 2>&1 &&
	   (cd "$tmp" && apt-get "${o[@]}" download -qq ubuntu-keyring >/dev/null 2>&1) &&
	   dpkg-deb -x "$tmp"/ubuntu-keyring_*.deb "$tmp/x" &&
	   [ -s "$tmp/x$k" ]; then
		mkdir -p "$(dirname "$cached")"
		cp "$tmp/x$k" "$cached"
		echo "$cached"
	fi
	rm -rf "$tmp"
}

# Make an Ubuntu build chroot in TMP: debootstrap the release pocket, then
# install the build packages from all three pockets, since the release
# pocket only holds the kernel the suite was released with and the headers
# that matter are the suite's current ones (in -updates and -security).
ubuntu_bootstrap() {
	local suite=$1 tmp=$2 mirror comps pkgs keyring pocket
	local check
	mirror=$(ubuntu_mirror "$suite")
	[ -n "$mirror" ] || die "$suite: no Ubuntu mirror (set DMIO_UBUNTU_MIRROR=)"
	comps=$(suite_field "$suite" components)
	pkgs=$(chroot_pkgs "$suite")
	keyring=$(ubuntu_keyring)
	if [ -n "$keyring" ]; then
		check="--keyring=$keyring"
	else
		# No Ubuntu keyring anywhere (no ubuntu-keyring package on the
		# host, Debian trixie unreachable): the archive is taken
		# unverified rather than leaving tier 2 impossible. Said loudly.
		say "$suite: WARNING: no Ubuntu archive keyring, debootstrap --no-check-gpg"
		check=--no-check-gpg
	fi
	say "$suite: debootstrap from $mirror (first run only, a few minutes)"
	debootstrap --variant=minbase --components="$comps" "$check" \
		"$suite" "$tmp" "$mirror" >"$tmp.log" 2>&1 ||
		{ tail -n 20 "$tmp.log" >&2; die "$suite: debootstrap failed"; }
	for pocket in "" -updates -security; do
		echo "deb $mirror $suite$pocket ${comps//,/ }"
	done >"$tmp/etc/apt/sources.list"
	[ -n "$keyring" ] ||
		echo 'Acquire::AllowInsecureRepositories "true";' >"$tmp/etc/apt/apt.conf.d/99dmio-insecure"
	echo 'APT::Install-Recommends "false";' >"$tmp/etc/apt/apt.conf.d/99dmio-norecommends"
	chroot_apt_conf "$tmp"
	say "$suite: installing $pkgs from $suite, -updates and -security"
	in_root "$tmp" sh -c "apt-get update -qq && apt-get install -y -qq \
		$(echo "$pkgs" | tr , ' ')" >>"$tmp.log" 2>&1 ||
		{ tail -n 20 "$tmp.log" >&2; die "$suite: installing the build packages failed"; }
	mv "$tmp.log" "$tmp/debootstrap.log"
}

# Install extra packages into a suite's chroot when missing.
chroot_install() {
	local suite=$1
	shift
	in_chroot "$suite" sh -c "dpkg -s $* >/dev/null 2>&1 || \
		{ apt-get update -qq && apt-get install -y -qq $* >/dev/null; }"
}

# The kernel ABI (e.g. 6.1.0-40-amd64, 5.15.0-160-generic) whose headers
# the chroot holds: the newest installed headers, which is what the suite's
# headers package (linux-headers-amd64, linux-headers-generic) points at.
chroot_kernel_abi() {
	local dir
	dir=$(chroot_dir "$1")
	ls -d "$dir"/usr/src/linux-headers-*-"$(suite_field "$1" abi)" 2>/dev/null |
		sed 's|.*/linux-headers-||' | sort -V | tail -n 1
}

# Fetch and unpack the suite's linux-image for ABI into the cache; echo the
# folder that holds boot/vmlinuz-ABI and lib/modules/ABI.
kernel_fetch() {
	cache_locked "kernel-$2" kernel_fetch_unlocked "$@"
}

kernel_fetch_unlocked() {
	local suite=$1 abi=$2 dest debs pkg deps modpkg
	dest="$DMIO_CACHE/kernel/$abi"
	if [ -f "$dest/.complete" ]; then
		echo "$dest"
		return 0
	fi
	say "$suite: downloading linux-image-$abi"
	debs="$(chroot_dir "$suite")/tmp/dmio-kernel-debs"
	rm -rf "$debs" "$dest"
	mkdir -p "$debs" "$dest"
	in_chroot "$suite" sh -c "cd /tmp/dmio-kernel-debs && apt-get -o APT::Sandbox::User=root download -qq linux-image-$abi 2>&1" >&2 ||
		{ apt_refresh "$suite" && in_chroot "$suite" sh -c "cd /tmp/dmio-kernel-debs && apt-get -o APT::Sandbox::User=root download -qq linux-image-$abi"; } >&2 ||
		die "$suite: cannot download linux-image-$abi"
	# Newer suites split the image into meta, binary and modules packages.
	deps=$(dpkg-deb -f "$debs"/linux-image-*.deb Depends | tr ',|' '\n\n' |
		sed 's/^ *//; s/[ (].*//' | grep -E '^linux-(binary|modules)-' |
		grep -F -- "-$abi" || true)
	# Ubuntu keeps most drivers (brd, null_blk, dm-delay, ...) apart.
	modpkg=$(suite_field "$suite" modules)
	[ "$modpkg" = - ] || deps="$deps $modpkg-$abi"
	for pkg in $deps; do
		in_chroot "$suite" sh -c "cd /tmp/dmio-kernel-debs && apt-get -o APT::Sandbox::User=root download -qq $pkg" >&2 ||
			die "$suite: cannot download $pkg"
	done
	for deb in "$debs"/*.deb; do
		dpkg-deb -x "$deb" "$dest" || die "cannot unpack $deb"
	done
	# Merged-/usr suites keep modules and the image under /usr/lib.
	if [ -d "$dest/usr/lib/modules" ] && [ ! -d "$dest/lib/modules" ]; then
		mkdir -p "$dest/lib"
		ln -s ../usr/lib/modules "$dest/lib/modules"
	fi
	vmlinuz_path "$dest" "$abi" >/dev/null || die "$suite: no vmlinuz in linux-image-$abi"
	# The package's postinst would run depmod; module_closure needs its output.
	# The suite's own depmod knows its module compression.
	CHROOT_BIND="$dest" in_chroot "$suite" depmod -b /mnt "$abi" ||
		die "$suite: depmod failed for $abi"
	rm -rf "$debs"
	touch "$dest/.complete"
	echo "$dest"
}

apt_refresh() {
	in_chroot "$1" apt-get update -qq
}

vmlinuz_path() {
	local dest=$1 abi=$2 f
	for f in "$dest/boot/vmlinuz-$abi" "$dest/usr/lib/modules/$abi/vmlinuz" \
		 "$dest/lib/modules/$abi/vmlinuz" "$dest/usr/lib/linux/vmlinuz-$abi"; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# Echo the module files (dependencies first) needed to load the named
# modules of kernel ABI unpacked at DEST. Built-in modules yield nothing.
module_closure() {
	local dest=$1 abi=$2
	shift 2
	local moddir="$dest/lib/modules/$abi"
	awk -v want="$*" '
		function base(p,   b) { b = p; sub(/.*\//, "", b); sub(/\.ko(\.(xz|zst|gz))?$/, "", b); gsub(/-/, "_", b); return b }
		{
			sub(/:$/, "", $1); m = base($1); path[m] = $1
			deps[m] = ""
			for (i = 2; i <= NF; i++) deps[m] = deps[m] " " base($i)
		}
		function visit(m,   n, d, i) {
			if (m in seen) return
			seen[m] = 1
			if (!(m in path)) return
			n = split(deps[m], d, " ")
			for (i = n; i >= 1; i--) visit(d[i])
			print path[m]
		}
		END { n = split(want, w, " "); for (i = 1; i <= n; i++) { x = w[i]; gsub(/-/, "_", x); visit(x) } }
	' "$moddir/modules.dep"
}

# Load-time parameters of a module, from MODPARAMS_<name> (dashes as _).
module_params() {
	local var="MODPARAMS_${1//-/_}"
	echo "${!var:-}"
}

# Copy a module into the initramfs tree, decompressed.
install_module() {
	local src=$1 dstdir=$2 name
	name=$(basename "$src")
	case "$name" in
	*.ko.xz) xz -dc "$src" >"$dstdir/${name%.xz}" ;;
	*.ko.zst) zstd -qdc "$src" >"$dstdir/${name%.zst}" ;;
	*.ko.gz) gzip -dc "$src" >"$dstdir/${name%.gz}" ;;
	*) cp "$src" "$dstdir/$name" ;;
	esac
}

# Copy a dynamically linked host program and its libraries into ROOT.
install_program() {
	local prog=$1 root=$2 lib
	mkdir -p "$root/$(dirname "$prog")"
	cp -L "$prog" "$root/$prog"
	for lib in $(ldd "$prog" | grep -o '/[^ ]*'); do
		mkdir -p "$root/$(dirname "$lib")"
		cp -L "$lib" "$root/$lib"
	done
}

# Build an initramfs: busybox, the named kernel modules (loaded in order by
# /init), extra files (SRC:DST pairs in EXTRA_FILES) and the guest script.
# Usage: initramfs_build OUT KDEST ABI GUEST_SCRIPT MODULE...
initramfs_build() {
	local out=$1 kdest=$2 abi=$3 script=$4
	shift 4
	local root m pair
	root=$(mktemp -d)
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,mnt,modules,dmio}
	cp /bin/busybox "$root/bin/busybox"
	for applet in sh mount umount insmod rmmod lsmod dd cmp cat echo sleep \
		poweroff mkdir ls grep sed awk head tail printf od hexdump \
		dmesg seq sync wc rm tr cut md5sum true false test [ mknod \
		blockdev stat timeout env kill ps uname ln xargs mdev losetup; do
		ln -s busybox "$root/bin/$applet"
	done
	: >"$root/modules/order"
	for m in $(module_closure "$kdest" "$abi" "$@"); do
		install_module "$kdest/lib/modules/$abi/$m" "$root/modules"
		m=$(basename "$m" | sed -E 's/\.(xz|zst|gz)$//')
		echo "$m $(module_params "${m%.ko}")" >>"$root/modules/order"
	done
	for prog in $GUEST_PROGRAMS; do
		install_program "$prog" "$root"
	done
	for pair in ${EXTRA_FILES:-}; do
		cp -a "${pair%%:*}" "$root/${pair#*:}"
	done
	cp "$script" "$root/dmio/guest.sh"
	cp "$DMIO_TOP/tests/harness/guest/devices.sh" "$DMIO_TOP/tests/harness/guest/cache.sh" \
		"$DMIO_TOP/tests/harness/ktap.sh" "$root/dmio/"
	cp "$DMIO_TOP/tests/harness/init" "$root/init"
	chmod +x "$root/init" "$root/dmio/guest.sh"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out" ||
		die "cannot pack the initramfs"
	rm -rf "$root"
}

# Boot a kernel with an initramfs under TCG; the console goes to LOG.
# Every boot is bounded by BOOT_TIMEOUT seconds.
qemu_boot() {
	local kernel=$1 initrd=$2 log=$3 append=${4:-}
	timeout --kill-after=10 "${BOOT_TIMEOUT:-600}" \
		qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m "${GUEST_MEM:-1024}" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 printk.time=0 loglevel=7 $append" \
		-display none -monitor none -serial "file:$log" \
		-no-reboot </dev/null >/dev/null 2>&1
}

# Copy the tree into a suite's chroot and build there. Echo the build dir
# (inside the host's view of the chroot) on success.
build_in_chroot() {
	local suite=$1 abi=$2 log=$3 dir name targets=tests
	[ "$(suite_field "$suite" examples)" = yes ] && targets="tests examples"
	# One build folder per work tree, so several trees can test at once.
	name="dmio-$(tree_tag)"
	dir="$(chroot_dir "$suite")/build/$name"
	tree_copy "$dir"
	in_chroot "$suite" make -C "/build/$name" \
		KDIR="/usr/src/linux-headers-$abi" $targets >"$log" 2>&1 || return 1
	# Our own files must build without a single compiler warning.
	if grep -E '(warning|error):' "$log" | grep -v 'Skipping BTF' >/dev/null; then
		say "$suite: the build printed warnings:"
		grep -E '(warning|error):' "$log" >&2
		return 1
	fi
	echo "$dir"
}

# Boot kernel ABI (unpacked at KDEST) with dmio and the test modules built
# in BUILT, running GUEST_SCRIPT as the guest's job; the console goes to LOG.
boot_guest() {
	local abi=$1 kdest=$2 built=$3 script=$4 log=$5 initrd
	initrd=$(mktemp)
	local extra="$built/dmio.ko:dmio/dmio.ko" ko
	for ko in "$built"/tests/selftest/*.ko "$built"/tests/consumers/*.ko \
		  "$built"/examples/*/*.ko; do
		[ -f "$ko" ] && extra="$extra $ko:dmio/$(basename "$ko")"
	done
	EXTRA_FILES="$extra" \
		initramfs_build "$initrd" "$kdest" "$abi" "$script" $GUEST_MODULES
	qemu_boot "$(vmlinuz_path "$kdest" "$abi")" "$initrd" "$log"
	rm -f "$initrd"
}


# --- Packaging helpers (tests/steps/*/NN-dkms, -deb, -rpm) ---

# Build the dmio-dkms .deb (make deb) once per content of the tree and echo
# its path; a later call with the same sources reuses it.
pkg_deb() {
	# Suites' dkms steps and the deb step run side by side: one builds,
	# the others wait and reuse its package (a lock per work tree).
	cache_locked "pkg-deb-$(tree_tag)" pkg_deb_unlocked
}

pkg_deb_unlocked() {
	local out="$DMIO_TOP/.build/pkg" key deb
	key=$(tar -C "$DMIO_TOP" --exclude=./.git --exclude=./.build \
		--exclude=./results --exclude='*.ko' --exclude='*.o' \
		--sort=name --mtime=@0 --owner=0 --group=0 -cf - . | cksum)
	deb=$(ls "$out"/deb/dmio-dkms_*_all.deb 2>/dev/null | head -n 1)
	if [ -n "$deb" ] && [ "$(cat "$out/deb.key" 2>/dev/null)" = "$key" ]; then
		echo "$deb"
		return 0
	fi
	say "building the dmio-dkms .deb (make deb)"
	mkdir -p "$out"
	rm -f "$out/deb.key"
	make -C "$DMIO_TOP" deb >"$out/deb.log" 2>&1 ||
		{ tail -n 30 "$out/deb.log" >&2; return 1; }
	echo "$key" >"$out/deb.key"
	ls "$out"/deb/dmio-dkms_*_all.deb | head -n 1
}

# Run a command in a THROWAWAY copy of a suite's chroot: an overlayfs whose
# lower layer is the cached chroot (never written: others use it at the same
# time) and whose upper layer lives in STATE (so a later call continues where
# the last one stopped). IODIR appears as /mnt. Downloaded .debs are kept in
# $DMIO_CACHE/apt/SUITE. The private mount namespace drops every mount on exit.
# Usage: overlay_chroot SUITE STATE IODIR CMD...
overlay_chroot() {
	local suite=$1 state=$2 io=$3 apt
	shift 3
	apt="$DMIO_CACHE/apt/$suite"
	mkdir -p "$state/upper" "$state/work" "$state/merged" "$apt/partial"
	unshare --mount --propagation private -- sh -c '
		lower=$1 state=$2 io=$3 apt=$4
		shift 4
		m=$state/merged
		mount -t overlay overlay \
			-o "lowerdir=$lower,upperdir=$state/upper,workdir=$state/work" \
			"$m" || exit 1
		mount -t proc proc "$m/proc" || exit 1
		mount --bind /dev "$m/dev" || exit 1
		mount --bind "$io" "$m/mnt" || exit 1
		mount --bind "$apt" "$m/var/cache/apt/archives" || exit 1
		exec chroot "$m" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
	' sh "$(chroot_dir "$suite")" "$state" "$io" "$apt" "$@"
}


# --- Debug-kernel helpers (tests/harness/check-debug.sh) ---

# Console lines of any checker report: oops, KASAN, UBSAN, lockdep, debug
# objects, kmemleak, hung and stalled tasks, WARN, slab corruption.
DEBUG_BAD_CONSOLE='BUG:|BUG [a-z_0-9-]+ \(|Objects remaining|Oops|WARNING:|Call Trace|blocked for more than|Kernel panic|general protection fault|UBSAN:|KASAN:|unreferenced object|suspected memory leak|ODEBUG:|possible (circular|recursive) locking|inconsistent lock state|turning off the locking correctness validator|INFO: rcu|detected stall|soft lockup|hard LOCKUP|page allocation failure|Out of memory|oom-kill|Poison overwritten|Redzone|Padding overwritten|Object padding'

# The console without the stretches a test brackets with
# dmio-expect-warning-begin/-end (a warning provoked on purpose).
console_unbracketed() {
	awk '/dmio-expect-warning-begin/ { inside = 1 } !inside { print }
		/dmio-expect-warning-end/ { inside = 0 }' "$1"
}

# Judge a debug-kernel console log with its KTAP counts: the same verdict
# as make check's (finished, expected warnings present, no report outside
# them, every planned test passed), with the wider pattern above. On
# failure echo the reason and quote the first report (up to 60 lines).
# Usage: debug_console_verdict LOG PASSED FAILED SKIPPED PLANNED
# Verdict on a console (or step) log: one line of reason on stdout and
# return 1 when the run is not clean, the evidence quoted on stderr.
# Usage: console_verdict_for BAD_PATTERN LOG PASSED FAILED SKIPPED PLANNED
console_verdict_for() {
	local bad=$1 log=$2 passed=$3 failed=$4 skipped=$5 planned=$6 line finished=1
	grep -q 'dmio-guest: done' "$log" || finished=0
	line=$(console_unbracketed "$log" | grep -Enm1 "$bad")
	if [ -n "$line" ]; then
		echo "console shows a report: ${line#*:}"
		[ $finished = 1 ] || echo "(and the guest did not finish)" >&2
		console_unbracketed "$log" | sed -n "$((${line%%:*} > 5 ? ${line%%:*} - 5 : 1)),+60p" |
			sed 's/^/    | /' >&2
		return 1
	fi
	if [ $finished = 0 ]; then
		echo "did not finish (no 'dmio-guest: done': boot failure, hang or timeout)"
		tail -n 60 "$log" | sed 's/^/    | /' >&2
		return 1
	fi
	if ! awk '/dmio-expect-warning-begin/ { inside = 1; seen = 0; next }
		/dmio-expect-warning-end/ { if (!seen) missing++; inside = 0; next }
		inside && /WARNING:/ { seen = 1 }
		END { exit missing ? 1 : 0 }' "$log"; then
		echo "an expected warning did not appear"
		return 1
	fi
	if [ "$planned" -eq 0 ]; then
		echo "no KTAP output"
		return 1
	fi
	if [ $((passed + failed + skipped)) -ne "$planned" ]; then
		echo "$((passed + failed + skipped)) results for $planned planned tests"
		return 1
	fi
	if [ "$failed" -ne 0 ]; then
		echo "$failed test(s) failed"
		grep -E '^[[:space:]]*not ok [0-9]+ ' "$log" | sed 's/^/    | /' >&2
		return 1
	fi
	return 0
}

debug_console_verdict() {
	console_verdict_for "$DEBUG_BAD_CONSOLE" "$@"
}

# --- Benchmark (make bench, tests/steps/suite/40-bench-smoke.sh) ---

# Boot kernel ABI with dmio and dmio_bench built in BUILT and run the
# benchmark guest (tests/harness/guest/bench.sh): MS milliseconds per engine
# and repetition, REPS repetitions. The console (results between the
# dmio-bench-results-begin/end markers) goes to LOG.
# Usage: bench_boot ABI KDEST BUILT LOG MS REPS
# brd's /dev/ram0 is BENCH_BRD_KB large (default 256 MiB): the copy cells
# want room for the source and 8 destinations of 8 MiB, a few copies
# apart (brd allocates only the pages written).
bench_boot() {
	local abi=$1 kdest=$2 built=$3 log=$4 ms=$5 reps=$6 initrd
	initrd=$(mktemp)
	MODPARAMS_brd="rd_nr=2 rd_size=${BENCH_BRD_KB:-262144}" \
	EXTRA_FILES="$built/dmio.ko:dmio/dmio.ko $built/tests/selftest/dmio_bench.ko:dmio/dmio_bench.ko" \
		initramfs_build "$initrd" "$kdest" "$abi" \
		"$DMIO_TOP/tests/harness/guest/bench.sh" $GUEST_MODULES
	# Unknown name=value kernel arguments become init's environment.
	bench_qemu "$(vmlinuz_path "$kdest" "$abi")" "$initrd" "$log" \
		"bench_ms=$ms bench_reps=$reps${BENCH_ONLY:+ bench_only=$BENCH_ONLY}${BENCH_COUNTS:+ bench_counts=$BENCH_COUNTS}${BENCH_CMDLINE:+ $BENCH_CMDLINE}"
	rm -f "$initrd"
}

# qemu_boot for measuring: BENCH_SMP virtual CPUs (default 1) and TCG's
# instruction counting (BENCH_ICOUNT, default shift=0,sleep=off: the guest
# clock advances 1 ns per executed instruction and skips idle time), so the
# guest's time measures the work done, not how busy the shared host was.
# BENCH_ICOUNT= (empty) measures host-driven time instead.
bench_qemu() {
	local kernel=$1 initrd=$2 log=$3 append=${4:-}
	local icount=${BENCH_ICOUNT-shift=0,sleep=off}
	timeout --kill-after=10 "${BOOT_TIMEOUT:-600}" \
		qemu-system-x86_64 -accel tcg -cpu max -smp "${BENCH_SMP:-1}" \
		${icount:+-icount "$icount"} \
		-m "${GUEST_MEM:-1024}" -kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 printk.time=0 loglevel=7 $append" \
		-display none -monitor none -serial "file:$log" \
		-no-reboot </dev/null >/dev/null 2>&1
}
