#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Matrix step: dmio-dkms as an administrator meets it on SUITE.
#   In a throwaway overlay copy of the suite's chroot: install dkms and the
#   .deb (DKMS builds dmio for the chroot's kernel ABI), check dkms status
#   and the published Module.symvers, DKMS-install the consumer example.
#   Boot the suite's kernel with the dmio.ko and consumer DKMS built (not the
#   harness's build) and check the consumer's KTAP. Then purge the package
#   and check that nothing it installed is left.
#
#   30-dkms.sh SUITE ABI KDEST BUILT OUTDIR
#
# The package is proven on tier 1; a tier-2 suite proves the kernel API
# (build and selftest), and a second boot per suite would cost minutes:
# tier-2: skip packaging is proven on tier 1
set -uo pipefail
suite=$1 abi=$2 kdest=$3 outdir=$5
. "$(dirname "$0")/../../harness/lib.sh"

TESTS=14
. "$DMIO_TOP/tests/harness/ktap.sh"
ktap() { result "$@"; }

# Turn the chroot script's "RESULT <status> <name>" lines into KTAP; show
# the rest of its output indented.
relay() {
	local line
	while IFS= read -r line; do
		case "$line" in
		"RESULT "*)
			set -- $line
			ktap "$2" "$3"
			;;
		*) echo "    $line" ;;
		esac
	done
}

work=$(mktemp -d /var/tmp/dmio-dkms-$suite.XXXXXX)
cleanup() {
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/io" "$work/state" "$work/guest"

echo "KTAP version 1"
echo "# Subtest: dkms-$suite ($abi)"
echo "1..$TESTS"

say "$suite: dmio-dkms .deb"
deb=$(pkg_deb)
ktap $? deb_available
echo "# $deb"
cp "$deb" "$work/io/"
cp -a "$DMIO_TOP/examples/consumer-dkms" "$work/io/consumer-dkms"
cp "$DMIO_TOP/tests/packaging/dkms-chroot.sh" "$work/io/"

say "$suite: install dkms, dmio-dkms and the consumer in a throwaway chroot"
# 7 results: dkms_installed deb_installs dkms_status_installed
# symvers_and_headers_published module_version_and_vermagic
# consumer_dkms_install dkms_builds_without_warnings
relay < <(overlay_chroot "$suite" "$work/state" "$work/io" \
	bash /mnt/dkms-chroot.sh install "$abi" 2>&1)
grep -h "^dmio" "$work/io/out/dkms-status" 2>/dev/null | sed 's/^/# dkms status: /'

say "$suite: boot $abi with the modules DKMS built"
for m in "$work"/io/out/dmio.ko* "$work"/io/out/dmio_consumer.ko*; do
	[ -f "$m" ] && install_module "$m" "$work/guest"
done
status=1
if [ -f "$work/guest/dmio.ko" ] && [ -f "$work/guest/dmio_consumer.ko" ]; then
	EXTRA_FILES="$work/guest/dmio.ko:dmio/dmio.ko $work/guest/dmio_consumer.ko:dmio/dmio_consumer.ko" \
		initramfs_build "$work/initrd" "$kdest" "$abi" \
		"$DMIO_TOP/tests/packaging/guest-consumer.sh" $GUEST_MODULES
	qemu_boot "$(vmlinuz_path "$kdest" "$abi")" "$work/initrd" "$outdir/dkms-console.log"
	# The consumer's KTAP (5) and the guest script's (5), all passed.
	read -r passed gfailed skipped planned < <(awk -f \
		"$DMIO_TOP/tests/harness/ktap.awk" "$outdir/dkms-console.log")
	echo "# guest: $passed passed, $gfailed failed, $skipped skipped of $planned planned"
	grep -q 'dmio-guest: done' "$outdir/dkms-console.log" &&
		[ "$planned" -eq 10 ] && [ "$passed" -eq "$planned" ] && status=0
	# Keep the console in this log (the harness scans it for oopses), but
	# inert for the KTAP count and the end marker.
	sed 's/dmio-guest: done/dmio-guest: (guest) finished/; s/^/console| /' \
		"$outdir/dkms-console.log"
fi
ktap $status guest_consumer_ktap_with_dkms_modules

say "$suite: purge dmio-dkms"
# 2 results: purge_succeeds nothing_left_in_chroot
relay < <(overlay_chroot "$suite" "$work/state" "$work/io" \
	bash /mnt/dkms-chroot.sh purge "$abi" 2>&1)

# What changed in the chroot, seen from the overlay's upper layer: after
# the purge, no path may still name dmio (whiteouts are deletions).
left=$(find "$work/state/upper" -name '*dmio*' ! -type c 2>/dev/null |
	sed "s|^$work/state/upper||")
[ -z "$left" ]
status=$?
[ $status -eq 0 ] || { echo "# left in the chroot's upper layer:"; echo "$left" | sed 's/^/#   /'; }
ktap $status overlay_upper_has_no_dmio_paths

# The cached chroot itself was never written.
lower=$(chroot_dir "$suite")
[ ! -e "$lower/var/lib/dkms/dmio" ] && ! ls -d "$lower"/usr/src/dmio-* >/dev/null 2>&1
ktap $? cached_chroot_untouched

[ $n -eq $((TESTS - 1)) ]
ktap $? all_checks_reported
echo "# dkms-$suite: $((n - failed)) passed, $failed failed"
echo "dmio-guest: done"
