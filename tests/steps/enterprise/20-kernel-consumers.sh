#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Enterprise step (per RHEL release): the release's own dm-io users, real
# code no one here wrote, rebuilt out of tree with only their include line
# changed to <dmio/dm-io.h>. The candidates are the tree's drivers/md/*.c
# that include <linux/dm-io.h> (dm-io.c itself aside). One applies when it
# builds out of tree, unchanged, from what the tree holds (the thin,
# cache and era targets need persistent-data/, which a kernel-devel tree
# lacks: those rows skip). Each that applies must then build through the
# drop-in with no diagnostic the unchanged build did not print, and call
# dmio's exports, never dm-mod's dm_io().
#
# One known exception, matched exactly: dm-bufio hands its struct
# dm_io_client to other modules through a prototype in its own header
# (<linux/dm-bufio.h>: dm_bufio_get_dm_io_client()), which the include line
# does not reach, so the drop-in's client type conflicts with it there and
# only there. Any other diagnostic fails its row.
#
#   20-kernel-consumers.sh SUITE ABI TREE BUILT OUTDIR
set -uo pipefail
. "$(dirname "$0")/../../harness/lib.sh"
. "$(dirname "$0")/../../harness/enterprise.sh"
suite=$1 tree=$3 built=$4
rel=${suite#rhel-}
diag_re='\.[ch]:[0-9]+(:[0-9]+)?: (warning|error)'
# file  what its only diagnostics through the drop-in may be (regex)
known='dm-bufio conflicting types for .dm_bufio_get_dm_io_client.'

echo "KTAP version 1"
cands=$(grep -l '^#include <linux/dm-io.h>' "$tree"/drivers/md/dm*.c 2>/dev/null |
	grep -v '/dm-io\.c$' | xargs -r -n 1 basename | sed 's/\.c$//')
if [ -z "$cands" ]; then
	echo "1..1"
	echo "not ok 1 kernel_consumers_found # no drivers/md/*.c includes <linux/dm-io.h> in $tree"
	echo "dmio-guest: done"
	exit 1
fi

# Attribute each compiler diagnostic to the object being compiled (make
# -j1 prints "CC [M]  .../name.o" before a file's diagnostics).
diags_of() {
	awk -v want="$2" -v re="$diag_re" '
		/ CC \[M\] / { cur = $NF; sub(/.*\//, "", cur); sub(/\.o$/, "", cur) }
		cur == want && $0 ~ re { l = $0; sub(/.*\//, "", l); print l }
	' "$1" | sort -u
}

# Two copies of the tree's drivers/md headers and candidates: unchanged,
# and with the include line changed.
work="$built/kconsumers"
rm -rf "$work"
for v in orig dropin; do
	mkdir -p "$work/$v"
	cp "$tree"/drivers/md/*.h "$work/$v/"
	for c in $cands; do
		cp "$tree/drivers/md/$c.c" "$work/$v/"
	done
	echo "obj-m := $(echo "$cands" | sed 's/$/.o/' | tr '\n' ' ')" >"$work/$v/Kbuild"
	echo 'ccflags-y := -I$(src)' >>"$work/$v/Kbuild"
done
sed -i 's|^#include <linux/dm-io.h>|#include <dmio/dm-io.h>|' "$work"/dropin/*.c
echo 'ccflags-y += -I$(DMIO_TOP)/include' >>"$work/dropin/Kbuild"

kdir=/mnt${tree#"$(ent_root)"}
io=/mnt${built#"$(ent_root)"}
vars="$(ent_make_vars "$rel") KBUILD_MODPOST_WARN=1"
ent_run "$rel" make -k -j1 -C "$kdir" M="$io/kconsumers/orig" $vars modules \
	>"$work/orig.log" 2>&1
ent_run "$rel" make -k -j1 -C "$kdir" M="$io/kconsumers/dropin" $vars \
	DMIO_TOP="$io" KBUILD_EXTRA_SYMBOLS="$io/Module.symvers" modules \
	>"$work/dropin.log" 2>&1

n=0
failed=0
for c in $cands; do
	n=$((n + 1))
	if [ ! -s "$work/orig/$c.o" ]; then
		why=$(diags_of "$work/orig.log" "$c" | grep -m1 error | cut -c1-120)
		echo "ok $n kernel_consumer_$c # SKIP does not build out of tree unchanged: ${why:-no object}"
		continue
	fi
	new=$(comm -13 <(diags_of "$work/orig.log" "$c") <(diags_of "$work/dropin.log" "$c"))
	undef=$(nm -u "$work/dropin/$c.o" 2>/dev/null | awk '{ print $2 }')
	why=$(echo "$known" | awk -v c="$c" '$1 == c { $1 = ""; sub(/^ /, ""); print }')
	if [ -n "$new" ] && [ -n "$why" ] && ! echo "$new" | grep -Ev -- "$why" | grep -q .; then
		echo "ok $n kernel_consumer_$c # SKIP its own header declares the kernel's client type: $(echo "$new" | head -n 1 | cut -c1-100)"
	elif [ ! -s "$work/dropin/$c.o" ] || [ -n "$new" ]; then
		echo "$new" | head -n 10 | sed 's/^/# /'
		echo "not ok $n kernel_consumer_$c # through the drop-in: $([ -n "$new" ] && echo diagnostics || echo no object)"
		failed=$((failed + 1))
	elif echo "$undef" | grep -Eqx 'dm_io|dm_io_client_(create|destroy)'; then
		echo "not ok $n kernel_consumer_$c # calls dm-mod's dm_io: $(echo "$undef" | grep -E '^dm_io' | tr '\n' ' ')"
		failed=$((failed + 1))
	else
		echo "ok $n kernel_consumer_$c # $(echo "$undef" | grep -c '^dmio_') dmio exports used"
	fi
done
echo "1..$n"
echo "dmio-guest: done"
[ "$failed" -eq 0 ]
