#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: build dmio and the example cache target for the newest
# tier-1 Debian kernel, boot that kernel under QEMU, put the cache in front
# of a slow disk and show it working (and surviving a failed cache device),
# then in write-back mode, its dirty blocks cleaned to the slow disk with
# kcopyd, as a transcript.
#
#   DEMO_SUITE=bookworm make demo     use another suite's kernel
set -uo pipefail
. "$(dirname "$0")/lib.sh"

suite=${DEMO_SUITE:-sid}
out="$DMIO_RESULTS/demo"

need_root
ensure_host_tools
mkdir -p "$out"
echo "== dmio demo: the dm-io services in a real $suite kernel =="
say "preparing the $suite build chroot (cached after the first run)"
chroot_ensure "$suite"
abi=$(chroot_kernel_abi "$suite")
say "building dmio.ko, the example cache and its workload against linux-headers-$abi"
built=$(build_in_chroot "$suite" "$abi" "$out/build.log") ||
	{ tail -n 25 "$out/build.log"; die "build failed"; }
kdest=$(kernel_fetch "$suite" "$abi")
say "booting Debian's $abi kernel under QEMU (TCG, about a minute)"
boot_guest "$abi" "$kdest" "$built" "$DMIO_TOP/tests/harness/guest/demo.sh" \
	"$out/console.log"

echo
echo "-- what happened inside the guest --"
# The guest narrates with "dmio-demo:" lines; kernel lines of dmio and the
# selftest's KTAP results are shown as they came.
sed -n -e 's/^dmio-demo: \{0,1\}/  /p' "$out/console.log"
echo
if grep -q '^dmio-demo: RESULT: success' "$out/console.log" &&
   ! grep -Eq 'BUG:|Oops|WARNING:|Call Trace' "$out/console.log"; then
	echo "== demo finished: a cache on dmio worked in $abi (full console: $out/console.log) =="
	exit 0
fi
echo "== demo FAILED (full console: $out/console.log) =="
tail -n 30 "$out/console.log"
exit 1
