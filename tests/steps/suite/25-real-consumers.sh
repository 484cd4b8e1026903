#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Matrix step: real dm-io consumers that nobody here wrote, built against
# SUITE's headers with ONLY their `#include <linux/dm-io.h>` and
# `#include <linux/dm-kcopyd.h>` lines changed to the drop-ins
# `#include <dmio/dm-io.h>` and `#include <dmio/dm-kcopyd.h>` (and
# KBUILD_EXTRA_SYMBOLS=dmio's Module.symvers), then loaded beside dm-mod in
# one guest of the suite's kernel and run with workloads whose every byte
# is checked (tests/harness/guest/real-consumers.sh):
#   rapiddisk-cache  from the suite's rapiddisk-dkms (bookworm's where the
#                    suite has none)
#   dm-snapshot      persistent exception store: dm-snap-persistent.c
#                    writes its metadata through dm-io; dm-snap.c copies
#                    chunks to the snapshot (copy on write) through kcopyd
#   dm-integrity     journal and superblock through dm-io
#   dm-writecache    metadata through dm-io, writeback to the origin
#                    through kcopyd
#   dm-mirror        dm-raid1.c: writes to every leg with one dm-io request,
#                    resync of a new leg through kcopyd (one source, several
#                    destinations)
# The last three are rebuilt out of tree from the suite's linux-source
# package of that very kernel (the version of its headers package).
#
# A consumer that does not build for a reason of its own (its other kernel
# API use) is skipped with its first error line; one whose diagnostics
# point at dm-io (the drop-in, dm_io names) fails, as does one that builds
# but binds to dm-mod's dm_io or dm_kcopyd symbols instead of dmio's.
#
# Downloads and the extracted kernel sources are cached in
# $DMIO_CACHE/real (keyed by package version), so a warm run builds and
# boots only.
#
#   25-real-consumers.sh SUITE ABI KDEST BUILT OUTDIR
#
# tier-2: skip the consumers come from Debian's archive of the suite
set -uo pipefail
suite=$1 abi=$2 kdest=$3 built=$4 outdir=$5
. "$(dirname "$0")/../../harness/lib.sh"
. "$DMIO_TOP/tests/harness/ktap.sh"

REAL_CACHE=$DMIO_CACHE/real
# Where a suite has no rapiddisk-dkms, take this suite's.
RAPIDDISK_FALLBACK_SUITE=bookworm
# The guest runs them in this order; dm-integrity last, since it is the one
# that needs dm-bufio's own dm-io client to work through the drop-in.
CONSUMERS="rapiddisk-cache dm-snapshot dm-writecache dm-mirror dm-integrity"
# The checks of each consumer's guest workload, in KTAP order.
GUEST_CHECKS_rapiddisk_cache="target_loads write_read_back second_pass_hits_cache origin_has_data"
GUEST_CHECKS_dm_snapshot="target_loads origin_and_snapshot_data persistent_reload"
GUEST_CHECKS_dm_integrity="target_loads write_read_back corrupt_sector_fails_read"
GUEST_CHECKS_dm_writecache="target_loads write_read_back flush_to_origin"
GUEST_CHECKS_dm_mirror="target_loads resync_copies_to_legs write_reaches_every_leg"
# One ramdisk pair per consumer (see the guest script).
export MODPARAMS_brd="rd_nr=11 rd_size=32768"

croot=$(chroot_dir "$suite")
# The dmio build and this step's build folder, as the chroot sees them.
dmio_in=${built#"$croot"}
build_in=/build/dmio-$(tree_tag)-real
build=$croot$build_in
work=$(mktemp -d /var/tmp/dmio-real-$suite.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Per consumer: its state (built|skip|fail), why, and a note for the table.
declare -A state why note

var() { echo "${1//-/_}"; }

# Run a shell script in a throwaway overlay of SUITE's chroot with the
# suite's download cache on /mnt, holding that cache's lock.
# Usage: in_overlay SUITE SCRIPT ARG...
in_overlay() {
	local s=$1
	shift
	mkdir -p "$REAL_CACHE/debs/$s" "$work/overlay-$s"
	(cache_locked "real-debs-$s" overlay_chroot "$s" "$work/overlay-$s" \
		"$REAL_CACHE/debs/$s" sh -c "$@")
}

# In the overlay: echo the file of PKG at VERSION (default: the candidate)
# in /mnt, downloading it unless it is there; echo "absent" when the
# archive has no such package. The chroot's package lists may be old:
# refresh them once.
FETCH_SCRIPT='
	cd /mnt || exit 1
	pkg=$1 ver=$2
	apt_get() { apt-get -o APT::Sandbox::User=root -qq "$@"; }
	avail() {
		if [ -n "$ver" ]; then
			apt-cache madison "$pkg" | cut -d"|" -f2 | tr -d " " |
				grep -qxF "$ver"
		else
			apt-cache show --no-all-versions "$pkg" >/dev/null 2>&1
		fi
	}
	avail || { apt_get update >&2; avail; } || { echo absent; exit 0; }
	[ -n "$ver" ] || ver=$(apt-cache show --no-all-versions "$pkg" |
		sed -n "s/^Version: //p")
	file=$(ls "${pkg}_$(echo "$ver" | sed "s/:/%3a/")"_*.deb 2>/dev/null | head -n 1)
	if [ -z "$file" ]; then
		apt_get download "$pkg=$ver" >&2 || exit 1
		file=$(ls "${pkg}_$(echo "$ver" | sed "s/:/%3a/")"_*.deb | head -n 1)
	fi
	echo "$file"
'

# Echo the host path of a downloaded package: fetch SUITE PKG [VERSION].
# Fails with 2 when the suite has no such package.
fetch() {
	local f
	f=$(in_overlay "$1" "$FETCH_SCRIPT" sh "$2" "${3:-}") || return 1
	[ "$f" = absent ] && return 2
	[ -n "$f" ] && [ -f "$REAL_CACHE/debs/$1/$f" ] || return 1
	echo "$REAL_CACHE/debs/$1/$f"
}

# The drivers/md files the kernel consumers need, from linux-source's
# tarball, into $REAL_CACHE/src/VERSION (run under the cache lock).
MD_FILES=('*/drivers/md/Makefile' '*/drivers/md/dm*.h' '*/drivers/md/dm-snap*.c'
	'*/drivers/md/dm-exception-store.c' '*/drivers/md/dm-integrity.c'
	'*/drivers/md/dm-writecache.c' '*/drivers/md/dm-raid1.c')
# An extraction is complete for the file list it was made with: a longer
# list extracts again.
md_complete() {
	[ "$(cat "$1/.complete" 2>/dev/null)" = "${MD_FILES[*]}" ]
}
extract_md() {
	local deb=$1 dest=$2 tarball
	md_complete "$dest" && return 0
	rm -rf "$dest.tmp"
	mkdir -p "$dest.tmp"
	tarball=$(dpkg-deb -c "$deb" | awk '{ print $NF }' |
		grep -E '/usr/src/linux-source-[^/]*\.tar\.xz$' | head -n 1)
	[ -n "$tarball" ] || { say "no source tarball in $deb"; return 1; }
	say "$suite: extracting drivers/md from $(basename "$deb") (first run only)"
	# tar complains about a pattern without a match (dm-writecache.c of
	# an old kernel): what is needed is checked when building.
	dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "$tarball" | xz -dc |
		tar -x -C "$dest.tmp" --strip-components=1 --wildcards "${MD_FILES[@]}" 2>/dev/null
	[ -f "$dest.tmp/drivers/md/dm.h" ] || { say "nothing extracted from $deb"; return 1; }
	rm -rf "$dest"
	mv "$dest.tmp" "$dest"
	echo "${MD_FILES[*]}" >"$dest/.complete"
}

# Replace the dm-io and dm-kcopyd include lines in the given files (in
# place) and show the change; fail unless every change is exactly such a
# line, and some file had one.
replace_include() {
	local f changed=0 lines includes
	for f; do
		cp "$f" "$f.orig"
		includes=$(grep -cE '^#include <linux/dm-(io|kcopyd)\.h>' "$f")
		sed -i -e 's|^#include <linux/dm-io\.h>|#include <dmio/dm-io.h>|' \
			-e 's|^#include <linux/dm-kcopyd\.h>|#include <dmio/dm-kcopyd.h>|' "$f"
		diff -u --label "a/${f##*/}" --label "b/${f##*/}" "$f.orig" "$f" |
			sed 's/^/    /'
		lines=$(diff "$f.orig" "$f" | grep -c '^[<>]')
		if [ "$lines" -ne $((2 * includes)) ]; then
			echo "# $(basename "$f"): $lines lines changed for $includes include(s)"
			return 1
		fi
		changed=$((changed + includes))
		rm -f "$f.orig"
	done
	echo "# $changed include line(s) replaced"
	[ $changed -gt 0 ]
}

# Build the module in $build/NAME (sources and Kbuild in place) in the
# chroot, against the suite's headers and dmio's Module.symvers. Sets
# state[NAME] and why[NAME].
build_module() {
	local name=$1 dir=$build/$1 log=$work/$1.build.log ko first bad undef uses
	in_chroot "$suite" make -C "/usr/src/linux-headers-$abi" \
		M="$build_in/$name" DMIO_INC="$dmio_in/include" \
		KBUILD_EXTRA_SYMBOLS="$dmio_in/Module.symvers" modules >"$log" 2>&1
	local rc=$?
	grep -E '(error|warning):' "$log" | sed 's/^/    /'
	ko=$dir/$name.ko
	if [ $rc -ne 0 ] || [ ! -f "$ko" ]; then
		tail -n 5 "$log" | sed 's/^/    | /'
		first=$(grep -m1 -E 'error:' "$log" | sed "s|$build_in/$name/||")
		first=${first:-$(tail -n 1 "$log")}
		# dm-io's names or the drop-in in any diagnostic: dm-io's fault.
		if grep -E '(error|warning):' "$log" | grep -qE 'dm-io\.h|dm-kcopyd\.h|dmio|dm_io|dm_kcopyd'; then
			state[$name]=fail
			why[$name]="dm-io: $first"
		else
			state[$name]=skip
			why[$name]="not dm-io: $first"
		fi
		return
	fi
	if grep -E '(error|warning):' "$log" | grep -qE 'dm-io\.h|dm-kcopyd\.h|dmio|dm_io|dm_kcopyd'; then
		state[$name]=fail
		why[$name]="dm-io warnings: $(grep -m1 -E '(error|warning):.*(dm-io\.h|dm-kcopyd\.h|dmio|dm_io|dm_kcopyd)' "$log")"
		return
	fi
	# Its dm-io and kcopyd calls must bind to dmio's exports, none to
	# dm-mod's.
	undef=$(nm -u "$ko" | awk '{ print $2 }')
	bad=$(echo "$undef" |
		grep -E '^(dm_io(_client_create|_client_destroy|_client_resize)?|dm_kcopyd_.*)$' |
		tr '\n' ' ')
	uses=$(echo "$undef" | grep '^dmio_' | tr '\n' ' ')
	if [ -n "$bad" ]; then
		state[$name]=fail
		why[$name]="binds to dm-mod's $bad"
	elif [ -z "$uses" ]; then
		state[$name]=fail
		why[$name]="uses no dmio export"
	else
		state[$name]=built
		why[$name]="dmio exports used: $uses"
	fi
}

echo "KTAP version 1"
echo "# Subtest: real-consumers-$suite ($abi)"
ntests=1
for c in $CONSUMERS; do
	v=GUEST_CHECKS_$(var "$c")
	set -- ${!v}
	ntests=$((ntests + 2 + $#))
done
echo "1..$ntests"

rm -rf "$build"
mkdir -p "$build" "$REAL_CACHE/src"

# --- rapiddisk-cache: the suite's rapiddisk-dkms, else bookworm's ---
say "$suite: rapiddisk-dkms"
rd_suite=$suite
deb=$(fetch "$suite" rapiddisk-dkms)
rc=$?
if [ $rc -eq 2 ] && [ "$suite" != "$RAPIDDISK_FALLBACK_SUITE" ]; then
	echo "# $suite has no rapiddisk-dkms: taking $RAPIDDISK_FALLBACK_SUITE's"
	rd_suite=$RAPIDDISK_FALLBACK_SUITE
	chroot_ensure "$rd_suite"
	deb=$(fetch "$rd_suite" rapiddisk-dkms)
	rc=$?
fi
src_ok=1
if [ $rc -eq 0 ]; then
	mkdir -p "$work/rd" "$build/rapiddisk-cache"
	dpkg-deb -x "$deb" "$work/rd"
	rdsrc=$(ls -d "$work"/rd/usr/src/rapiddisk*/ 2>/dev/null | head -n 1)
	note[rapiddisk-cache]="$(basename "$deb" .deb) ($rd_suite)"
	if [ -f "$rdsrc/rapiddisk-cache.c" ]; then
		cp "$rdsrc/rapiddisk-cache.c" "$build/rapiddisk-cache/"
		# Its Makefile also builds the rapiddisk ramdisk, no dm-io user:
		# build the cache target alone.
		printf 'obj-m := rapiddisk-cache.o\nccflags-y := -I$(DMIO_INC)\n' \
			>"$build/rapiddisk-cache/Kbuild"
		echo "# $(basename "$deb"): the one change to its source"
		replace_include "$build/rapiddisk-cache/rapiddisk-cache.c" && src_ok=0
	else
		echo "# no rapiddisk-cache.c in $(basename "$deb")"
	fi
else
	echo "# cannot download rapiddisk-dkms"
fi
result $src_ok "rapiddisk_cache_source (${note[rapiddisk-cache]:-none}; include line only)"
if [ $src_ok -ne 0 ]; then
	state[rapiddisk-cache]=fail
	why[rapiddisk-cache]="no source"
else
	say "$suite: building rapiddisk-cache"
	build_module rapiddisk-cache
fi

# --- the kernel's own dm-io users, from linux-source of this very kernel ---
kver=$(in_chroot "$suite" dpkg-query -W -f '${Version}' "linux-headers-$abi")
series=$(echo "$abi" | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')
srcdir=$REAL_CACHE/src/linux-source-$kver
echo "# kernel $abi: linux-source-$series $kver"
if ! md_complete "$srcdir"; then
	say "$suite: linux-source-$series $kver"
	deb=$(fetch "$suite" "linux-source-$series" "$kver") &&
		(cache_locked "real-src-$kver" extract_md "$deb" "$srcdir") &&
		rm -f "$deb"
fi
md=$srcdir/drivers/md
# Each kernel consumer: its sources (the first one's name is the module's).
declare -A ksrc=(
	[dm-snapshot]="dm-snap.c dm-exception-store.c dm-snap-transient.c dm-snap-persistent.c"
	[dm-integrity]="dm-integrity.c"
	[dm-writecache]="dm-writecache.c"
	[dm-mirror]="dm-raid1.c"
)
for c in dm-snapshot dm-writecache dm-mirror dm-integrity; do
	src_ok=1
	missing=
	for f in ${ksrc[$c]}; do
		[ -f "$md/$f" ] || missing="$missing $f"
	done
	if ! md_complete "$srcdir"; then
		why[$c]="linux-source-$series $kver: download or extraction failed"
	elif [ -n "$missing" ]; then
		why[$c]="this kernel has no$missing"
	else
		mkdir -p "$build/$c"
		cp "$md"/*.h "$build/$c/"
		files=
		for f in ${ksrc[$c]}; do
			cp "$md/$f" "$build/$c/"
			files="$files $build/$c/$f"
		done
		{
			echo "obj-m := $c.o"
			# A module of several files, as drivers/md/Makefile has it.
			[ "${ksrc[$c]}" = "$c.c" ] ||
				echo "$c-y := $(echo "${ksrc[$c]}" | sed 's/\.c\b/.o/g')"
			echo 'ccflags-y := -I$(DMIO_INC)'
		} >"$build/$c/Kbuild"
		echo "# $c from linux-source-$series $kver: the one change to its sources"
		replace_include $files && src_ok=0
	fi
	note[$c]="linux-source-$series $kver"
	if [ $src_ok -eq 0 ]; then
		result 0 "$(var "$c")_source (${note[$c]}; include line only)"
	elif md_complete "$srcdir" && [ -n "$missing" ]; then
		# Only a kernel without the module is a reason to skip.
		state[$c]=skip
		result_skip "$(var "$c")_source" "${why[$c]}"
	else
		state[$c]=fail
		why[$c]=${why[$c]:-the include line could not be replaced}
		result 1 "$(var "$c")_source (${note[$c]}: ${why[$c]})"
	fi
	if [ $src_ok -eq 0 ]; then
		say "$suite: building $c"
		build_module "$c"
	fi
done

# --- build results, one row each ---
for c in $CONSUMERS; do
	echo "# $c: ${state[$c]}: ${why[$c]}"
done

# --- one guest: every consumer that built ---
extra="$built/dmio.ko:dmio/dmio.ko"
for c in $CONSUMERS; do
	[ "${state[$c]}" = built ] && extra="$extra $build/$c/$c.ko:dmio/$c.ko"
done
# What the kernel's own builds of these load first (dm-bufio, async_xor,
# ...), and a crc32c for dm-integrity's tags where it is a module.
moddir=$kdest/lib/modules/$abi
deps=$(awk '{
		f = $1; sub(/:$/, "", f); sub(/.*\//, "", f); sub(/\.ko.*/, "", f)
		if (f == "dm-snapshot" || f == "dm-integrity" || f == "dm-writecache" ||
		    f == "dm-mirror")
			for (i = 2; i <= NF; i++) {
				d = $i; sub(/.*\//, "", d); sub(/\.ko.*/, "", d); print d
			}
	}' "$moddir/modules.dep" | sort -u | tr '\n' ' ')
crc=$(grep -oE '/crc32c[-_](intel|generic|cryptoapi)\.ko' "$moddir/modules.dep" |
	sed 's|^/||; s|\.ko$||' | sort -u | tr '\n' ' ')
echo "# guest modules besides GUEST_MODULES: $deps$crc"
say "$suite: booting $abi with the real consumers"
console=$outdir/real-consumers-console.log
EXTRA_FILES="$extra" initramfs_build "$work/initrd" "$kdest" "$abi" \
	"$DMIO_TOP/tests/harness/guest/real-consumers.sh" $GUEST_MODULES $deps $crc
# An oops in a consumer would leave the guest script hanging until the
# timeout: make it a panic, which ends the boot at once (the log keeps it).
BOOT_TIMEOUT=${BOOT_TIMEOUT:-300} qemu_boot "$(vmlinuz_path "$kdest" "$abi")" \
	"$work/initrd" "$console" oops=panic

# The guest's result line of a check: "STATUS DETAIL", or nothing.
guest_result() {
	sed -n "s/^dmio-real: result $1 //p" "$console" | tr -d '\r' | head -n 1
}

for c in $CONSUMERS; do
	v=$(var "$c")
	st=${state[$c]}
	case $st in
	built) result 0 "${v}_builds (${why[$c]})" ;;
	skip) result_skip "${v}_builds" "${why[$c]}" ;;
	*) result 1 "${v}_builds (${why[$c]})" ;;
	esac
	checks=GUEST_CHECKS_$v
	for chk in ${!checks}; do
		if [ "$st" = skip ]; then
			result_skip "${v}_$chk" "${why[$c]}"
		elif [ "$st" != built ]; then
			result 1 "${v}_$chk (not built)"
		else
			r=$(guest_result "${v}_$chk")
			if [ -n "$r" ]; then
				result "${r%% *}" "${v}_$chk ${r#* }"
			else
				result 1 "${v}_$chk (no result from the guest)"
			fi
		fi
	done
done
r=$(guest_result consumers_and_dmio_unload)
grep -q 'dmio-guest: done' "$console" && [ "${r%% *}" = 0 ]
result $? "consumers_and_dmio_unload ${r#* }"

echo "# real-consumers-$suite: $((n - failed)) passed, $failed failed"
echo "# the guest's console (scanned for oopses and warnings with this log):"
# Inert for the KTAP count and the end marker, still scanned.
sed 's/dmio-guest: done/dmio-guest: (guest) finished/; s/^/console| /' "$console"
echo "dmio-guest: done"
