#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Matrix step (per suite): how <dmio/dm-io.h> meets the kernel's own
# <linux/dm-io.h>, compiled against this suite's headers with its gcc.
#  - the kernel's header first, then the drop-in: the build stops with one
#    #error that says what to do, not a wall of redefinitions;
#  - the drop-in first, then <linux/dm-kcopyd.h> (which includes the
#    kernel's dm-io.h): builds without a diagnostic, and kcopyd's calls
#    take the drop-in's struct dm_io_region;
#  - the drop-in alone, compiled with -Werror: no warning in the header on
#    this kernel, whatever era's names the code uses.
#
#   12-headers.sh SUITE ABI KDEST BUILT OUTDIR
set -uo pipefail
. "$(dirname "$0")/../../harness/lib.sh"
suite=$1 abi=$2

echo "KTAP version 1"
echo "1..3"

name_dir="dmio-headers-$(tree_tag)"
dir="$(chroot_dir "$suite")/build/$name_dir"
rm -rf "$dir"
mkdir -p "$dir/include"
cp -a "$DMIO_TOP/include/dmio" "$dir/include/"
trap 'rm -rf "$dir"' EXIT

cat >"$dir/Kbuild" <<'EOF'
obj-m := kernel_first.o kcopyd_after.o alone.o
ccflags-y := -I$(src)/include
CFLAGS_alone.o := -Werror
EOF

cat >"$dir/kernel_first.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/dm-io.h>
#include <dmio/dm-io.h>
EOF

cat >"$dir/kcopyd_after.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <dmio/dm-io.h>
#include <linux/dm-kcopyd.h>
#include <linux/module.h>

int headers_copy(struct dm_kcopyd_client *kc, struct dm_io_region *from,
		 struct dm_io_region *to, dm_kcopyd_notify_fn fn, void *ctx);
int headers_copy(struct dm_kcopyd_client *kc, struct dm_io_region *from,
		 struct dm_io_region *to, dm_kcopyd_notify_fn fn, void *ctx)
{
	struct io_region *old_name = from;

	dm_kcopyd_copy(kc, old_name, 1, to, 0, fn, ctx);
	return 0;
}
EOF

cat >"$dir/alone.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <dmio/dm-io.h>
#include <linux/bio.h>
#include <linux/blkdev.h>

int headers_alone(struct dm_io_region *where, struct dm_io_client *c,
		  void *buf, struct bio_vec *bvec, unsigned long *bits);
int headers_alone(struct dm_io_region *where, struct dm_io_client *c,
		  void *buf, struct bio_vec *bvec, unsigned long *bits)
{
	struct dm_io_request r = {
		.bi_rw = WRITE_FLUSH_FUA,
		.mem.type = DM_IO_KMEM,
		.mem.ptr.addr = buf,
		.client = c,
	};
	struct dm_io_request r4 = {
		.bi_op = REQ_OP_WRITE,
		.bi_op_flags = REQ_FUA | REQ_SYNC,
		.mem.type = DM_IO_VMA,
		.mem.ptr.vma = buf,
		.client = c,
	};
	struct dm_io_request r6 = {
		.bi_opf = REQ_OP_READ | REQ_SYNC,
		.mem.type = DM_IO_BVEC,
		.mem.ptr.bvec = bvec,
		.client = c,
	};
	unsigned long unsup;
	int e;

	e = dm_io(&r, 2, where, bits);
	e |= dm_io(&r4, 1, where, bits, IOPRIO_DEFAULT);
	e |= dm_io(&r6, 1, where, bits, &unsup, IOPRIO_DEFAULT);
	e |= dm_io_sync_vm(1, where, READ_SYNC, buf, bits);
	return e;
}
EOF

# Compile FILE.o; report test N NAME as passed when WANT says so of the
# compiler's output: "one-error" (exactly one error, the drop-in's #error)
# or "clean" (built, no diagnostic).
check() {
	local n=$1 name=$2 file=$3 want=$4 out status errors ok=no
	out=$(in_chroot "$suite" make -C "/usr/src/linux-headers-$abi" \
		M="/build/$name_dir" "$file.o" 2>&1)
	status=$?
	errors=$(echo "$out" | grep -c 'error:')
	case $want in
	one-error)
		[ $status -ne 0 ] && [ "$errors" -eq 1 ] &&
			echo "$out" | grep -q 'error: #error "<dmio/dm-io.h> replaces <linux/dm-io.h>' &&
			ok=yes ;;
	clean)
		[ $status -eq 0 ] && ! echo "$out" | grep -qE '(warning|error):' &&
			ok=yes ;;
	esac
	if [ $ok = yes ]; then
		echo "ok $n $name"
	else
		echo "$out" | grep -E 'error|warning' | head -n 10 | sed 's/^/# /'
		echo "not ok $n $name # exit $status, $errors errors"
	fi
}

check 1 kernel_header_first_one_error kernel_first one-error
check 2 dropin_first_then_kcopyd_builds kcopyd_after clean
check 3 dropin_every_era_werror alone clean
echo "dmio-guest: done"
