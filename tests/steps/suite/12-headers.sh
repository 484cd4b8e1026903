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
#    this kernel, whatever era's names the code uses;
#  - the kernel's header first, then <dmio/dm-io-classic.h>: the same one
#    #error;
#  - 2.6.18-era code that CALLS the six classic functions through
#    <dmio/dm-io-classic.h>, and later-era code that DEFINES its own
#    functions under those names (global and static, the classic signature
#    or its own, as flashcache and rapiddisk-cache do) through
#    <dmio/dm-io.h>: both build with -Werror;
#  - the same for kcopyd: the kernel's <linux/dm-kcopyd.h> first, then
#    <dmio/dm-kcopyd.h>: one #error; every era's kcopyd calls through
#    <dmio/dm-kcopyd.h>, 2.6.18's through <dmio/kcopyd-classic.h>, and
#    code with its own kcopyd_* names beside <dmio/dm-kcopyd.h>: -Werror.
#
#   12-headers.sh SUITE ABI KDEST BUILT OUTDIR
set -uo pipefail
. "$(dirname "$0")/../../harness/lib.sh"
suite=$1 abi=$2

echo "KTAP version 1"
echo "1..10"

name_dir="dmio-headers-$(tree_tag)"
dir="$(chroot_dir "$suite")/build/$name_dir"
rm -rf "$dir"
mkdir -p "$dir/include"
cp -a "$DMIO_TOP/include/dmio" "$dir/include/"
trap 'rm -rf "$dir"' EXIT

cat >"$dir/Kbuild" <<'EOF'
obj-m := kernel_first.o kcopyd_after.o alone.o classic_first.o classic_calls.o \
	own_wrappers.o kc_kernel_first.o kc_eras.o kc_classic.o kc_own_names.o
ccflags-y := -I$(src)/include
CFLAGS_alone.o := -Werror
CFLAGS_classic_calls.o := -Werror
CFLAGS_own_wrappers.o := -Werror
CFLAGS_kc_eras.o := -Werror
CFLAGS_kc_classic.o := -Werror
CFLAGS_kc_own_names.o := -Werror
EOF

cat >"$dir/kc_kernel_first.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/dm-kcopyd.h>
#include <dmio/dm-kcopyd.h>
EOF

# Every era's kcopyd calls, in the shapes in-tree users wrote them.
cat >"$dir/kc_eras.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <dmio/dm-kcopyd.h>
#include <linux/err.h>
#include <linux/module.h>

DECLARE_DM_KCOPYD_THROTTLE_WITH_MODULE_PARM(headers_throttle, "percent");

int headers_kcopyd(struct dm_io_region *from, struct dm_io_region *to,
		   dm_kcopyd_notify_fn fn, void *ctx);
int headers_kcopyd(struct dm_io_region *from, struct dm_io_region *to,
		   dm_kcopyd_notify_fn fn, void *ctx)
{
	struct dm_kcopyd_client *kc, *old_kc, *mid_kc;
	void *job;
	int r;

	r = dm_kcopyd_client_create(16, &old_kc);
	if (r)
		return r;
	mid_kc = dm_kcopyd_client_create();
	if (IS_ERR(mid_kc))
		return PTR_ERR(mid_kc);
	kc = dm_kcopyd_client_create(&dm_kcopyd_throttle);
	if (IS_ERR(kc))
		return PTR_ERR(kc);
	r = dm_kcopyd_copy(old_kc, from, 1, to, 1 << DM_KCOPYD_IGNORE_ERROR,
			   fn, ctx);
	dm_kcopyd_copy(kc, NULL, 2, to, BIT(DM_KCOPYD_WRITE_SEQ), fn, ctx);
	dm_kcopyd_zero(mid_kc, 1, to, 0, fn, ctx);
	job = dm_kcopyd_prepare_callback(kc, fn, ctx);
	dm_kcopyd_do_callback(job, 0, 0);
	dm_kcopyd_client_flush(kc);
	dm_kcopyd_client_destroy(kc);
	dm_kcopyd_client_destroy(mid_kc);
	dm_kcopyd_client_destroy(old_kc);
	return r + DM_KCOPYD_MAX_REGIONS;
}
EOF

cat >"$dir/kc_classic.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <dmio/kcopyd-classic.h>

int headers_kcopyd_classic(struct io_region *from, struct io_region *to,
			   kcopyd_notify_fn fn, void *ctx);
int headers_kcopyd_classic(struct io_region *from, struct io_region *to,
			   kcopyd_notify_fn fn, void *ctx)
{
	struct kcopyd_client *kc;
	int r;

	r = kcopyd_client_create(32, &kc);
	if (r)
		return r;
	r = kcopyd_copy(kc, from, KCOPYD_MAX_REGIONS - 7, to,
			1 << KCOPYD_IGNORE_ERROR, fn, ctx);
	kcopyd_client_destroy(kc);
	return r;
}
EOF

# Code with its own functions under the pre-2.6.26 names, over the
# drop-in (flashcache keeps such wrappers).
cat >"$dir/kc_own_names.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <dmio/dm-kcopyd.h>

struct kcopyd_client {
	struct dm_kcopyd_client *kc;
};

int kcopyd_copy(struct kcopyd_client *c, struct dm_io_region *from,
		unsigned int num_dests, struct dm_io_region *dests,
		unsigned int flags, dm_kcopyd_notify_fn fn, void *context);
int kcopyd_copy(struct kcopyd_client *c, struct dm_io_region *from,
		unsigned int num_dests, struct dm_io_region *dests,
		unsigned int flags, dm_kcopyd_notify_fn fn, void *context)
{
	return dm_kcopyd_copy(c->kc, from, num_dests, dests, flags, fn, context);
}

static void kcopyd_client_destroy(struct kcopyd_client *c)
{
	dm_kcopyd_client_destroy(c->kc);
}

void headers_own_kcopyd(struct kcopyd_client *c);
void headers_own_kcopyd(struct kcopyd_client *c)
{
	kcopyd_client_destroy(c);
}
EOF

cat >"$dir/classic_first.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/dm-io.h>
#include <dmio/dm-io-classic.h>
EOF

cat >"$dir/classic_calls.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <dmio/dm-io-classic.h>
#include <linux/bio.h>

int headers_classic(struct io_region *where, struct page_list *pl,
		    struct bio_vec *bvec, void *buf, io_notify_fn fn);
int headers_classic(struct io_region *where, struct page_list *pl,
		    struct bio_vec *bvec, void *buf, io_notify_fn fn)
{
	unsigned long bits;
	int e;

	e = dm_io_get(8);
	e |= dm_io_sync(1, where, READ, pl, 0, &bits);
	e |= dm_io_async(2, where, WRITE, pl, 512, fn, buf);
	e |= dm_io_sync_bvec(1, where, READ, bvec, &bits);
	e |= dm_io_async_bvec(2, where, WRITE, bvec, fn, buf);
	e |= dm_io_sync_vm(1, where, READ_SYNC, buf, &bits);
	e |= dm_io_async_vm(2, where, WRITE, buf, fn, buf);
	dm_io_put(8);
	return e;
}
EOF

# Later-era code with functions of its own under the six classic names:
# global ones with the classic signature (flashcache) or another
# (rapiddisk-cache: a struct bio), and static ones.
cat >"$dir/own_wrappers.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <dmio/dm-io.h>
#include <linux/bio.h>

int dm_io_async_bvec(unsigned int num_regions, struct dm_io_region *where,
		     int rw, struct bio_vec *bvec, io_notify_fn fn,
		     void *context);
int dm_io_sync_vm(unsigned int num_regions, struct dm_io_region *where,
		  int rw, struct bio *bio, io_notify_fn fn, void *context);

int dm_io_async_bvec(unsigned int num_regions, struct dm_io_region *where,
		     int rw, struct bio_vec *bvec, io_notify_fn fn,
		     void *context)
{
	struct dm_io_request req = {
		.bi_rw = rw,
		.mem.type = DM_IO_BVEC,
		.mem.ptr.bvec = bvec,
		.notify.fn = fn,
		.notify.context = context,
	};

	return dm_io(&req, num_regions, where, NULL);
}

int dm_io_sync_vm(unsigned int num_regions, struct dm_io_region *where,
		  int rw, struct bio *bio, io_notify_fn fn, void *context)
{
	struct dm_io_request req = {
		.bi_rw = rw,
		.mem.type = DM_IO_BIO,
		.mem.ptr.bio = bio,
		.notify.fn = fn,
		.notify.context = context,
	};

	return dm_io(&req, num_regions, where, NULL);
}

static int dm_io_sync(struct dm_io_region *where, void *buf)
{
	struct dm_io_request req = {
		.bi_rw = READ,
		.mem.type = DM_IO_KMEM,
		.mem.ptr.addr = buf,
	};

	return dm_io(&req, 1, where, NULL);
}

static int dm_io_async_vm(struct dm_io_region *where, void *buf, long n)
{
	return n ? dm_io_sync(where, buf) : 0;
}

int headers_own(struct dm_io_region *where, void *buf);
int headers_own(struct dm_io_region *where, void *buf)
{
	return dm_io_async_vm(where, buf, 1);
}
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
	return e;
}
EOF

# Compile FILE.o; report test N NAME as passed when WANT says so of the
# compiler's output: "one-error" (exactly one error, the drop-in's #error)
# or "clean" (built, no diagnostic).
check() {
	local n=$1 name=$2 file=$3 want=$4 out status errors ok=no
	local message=${5:-'<dmio/dm-io.h> replaces <linux/dm-io.h>'}
	out=$(in_chroot "$suite" make -C "/usr/src/linux-headers-$abi" \
		M="/build/$name_dir" "$file.o" 2>&1)
	status=$?
	errors=$(echo "$out" | grep -c 'error:')
	case $want in
	one-error)
		[ $status -ne 0 ] && [ "$errors" -eq 1 ] &&
			echo "$out" | grep -qF "error: #error \"$message" &&
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
check 4 kernel_header_then_classic_one_error classic_first one-error
check 5 classic_calls_through_dm_io_classic_h classic_calls clean
check 6 own_functions_under_classic_names own_wrappers clean
check 7 kernel_kcopyd_first_one_error kc_kernel_first one-error \
	'<dmio/dm-kcopyd.h> replaces <linux/dm-kcopyd.h>'
check 8 kcopyd_every_era_werror kc_eras clean
check 9 kcopyd_classic_calls_werror kc_classic clean
check 10 own_functions_under_kcopyd_names kc_own_names clean
echo "dmio-guest: done"
