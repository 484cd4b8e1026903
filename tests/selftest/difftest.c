// SPDX-License-Identifier: GPL-2.0
/*
 * Differential test: the same requests through the kernel's own dm-io (in
 * dm-mod, with the dm-io API of the running kernel) and through dmio must
 * give identical data and identical error bits. Data written by one engine
 * is read back by the other.
 *
 * Known, deliberate difference: a region whose device lacks the operation
 * is an error bit in dm-io before 7.x and an "unsupported" bit in dmio (as
 * in 7.x dm-io); for those cases the union of both bitsets is compared.
 */
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/dm-io.h>
#include <linux/ioprio.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/sizes.h>
#include <dmio/dmio.h>
#include "ktap.h"
#include "util.h"

static char *dev = "/dev/ram0";
module_param(dev, charp, 0444);
MODULE_PARM_DESC(dev, "first healthy device (contents lost)");
static char *dev2 = "/dev/ram1";
module_param(dev2, charp, 0444);
MODULE_PARM_DESC(dev2, "second healthy device (contents lost)");
static char *err_dev = "";
module_param(err_dev, charp, 0444);
MODULE_PARM_DESC(err_dev, "device on which every I/O fails (dm-error)");
static char *nodiscard_dev = "";
module_param(nodiscard_dev, charp, 0444);
MODULE_PARM_DESC(nodiscard_dev, "device without discard support");

#ifndef IOPRIO_DEFAULT
#define IOPRIO_DEFAULT IOPRIO_PRIO_VALUE(IOPRIO_CLASS_NONE, 0)
#endif

#define DIFF_BASE	61440	/* 30 MiB into the devices */
#define DIFF_LEN	SZ_64K

KTAP_DEFINE_STATE;
static struct dmio_bdev ram0, ram1, errdev, nodiscard;
static struct dm_io_client *kclient;
static struct dmio_client *mclient;

/* One engine's answer to a request. */
struct outcome {
	int ret;
	unsigned long error_bits;
	unsigned long unsup_bits;
	int callbacks;
};

struct kernel_async {
	struct completion done;
	atomic_t calls;
	unsigned long error_bits;
	unsigned long unsup_bits;
};

#ifdef DMIO_HAVE_IO_NOTIFY_FN_UNSUP
static void kernel_notify(unsigned long error, unsigned long unsup, void *context)
#else
static void kernel_notify(unsigned long error, void *context)
#endif
{
	struct kernel_async *ka = context;

	ka->error_bits = error;
#ifdef DMIO_HAVE_IO_NOTIFY_FN_UNSUP
	ka->unsup_bits = unsup;
#endif
	if (atomic_inc_return(&ka->calls) == 1)
		complete(&ka->done);
}

static int call_kernel_dm_io(struct dm_io_request *req, unsigned int n,
			     struct dm_io_region *where, unsigned long *ebits,
			     unsigned long *ubits)
{
	*ubits = 0;
#if defined(DMIO_HAVE_DM_IO_UNSUP)
	return dm_io(req, n, where, ebits, ubits, IOPRIO_DEFAULT);
#elif defined(DMIO_HAVE_DM_IO_IOPRIO)
	return dm_io(req, n, where, ebits, IOPRIO_DEFAULT);
#else
	return dm_io(req, n, where, ebits);
#endif
}

/* Run a request through the kernel's dm-io, sync or async. */
static void kernel_run(blk_opf_t opf, struct dm_io_memory mem, unsigned int n,
		       struct dm_io_region *where, bool async, struct outcome *o)
{
	struct dm_io_request req = { .mem = mem, .client = kclient };
	struct kernel_async ka = { .error_bits = 0 };

#if defined(DMIO_HAVE_DM_IO_REQUEST_BI_OPF)
	req.bi_opf = opf;
#elif defined(DMIO_HAVE_DM_IO_REQUEST_BI_OP)
	req.bi_op = opf & REQ_OP_MASK;
	req.bi_op_flags = opf & ~REQ_OP_MASK;
#else
	req.bi_rw = opf;	/* before 4.10: one word of flags */
#endif
	memset(o, 0, sizeof(*o));
	if (async) {
		init_completion(&ka.done);
		atomic_set(&ka.calls, 0);
		req.notify.fn = kernel_notify;
		req.notify.context = &ka;
	}
	o->ret = call_kernel_dm_io(&req, n, where, &o->error_bits, &o->unsup_bits);
	if (async && !o->ret) {
		wait_for_completion(&ka.done);
		msleep(20);
		o->callbacks = atomic_read(&ka.calls);
		o->error_bits = ka.error_bits;
		o->unsup_bits = ka.unsup_bits;
		o->ret = o->error_bits ? -EIO : o->unsup_bits ? -EOPNOTSUPP : 0;
	}
}

struct dmio_async {
	struct completion done;
	atomic_t calls;
	unsigned long error_bits;
	unsigned long unsup_bits;
};

static void dmio_notify(const unsigned long *error_bits,
			const unsigned long *unsup_bits, void *context)
{
	struct dmio_async *da = context;

	da->error_bits = error_bits[0];
	da->unsup_bits = unsup_bits[0];
	if (atomic_inc_return(&da->calls) == 1)
		complete(&da->done);
}

/* Run the same request through dmio. */
static void dmio_run(enum dmio_op op, unsigned int flags, struct dmio_memory mem,
		     unsigned int n, struct dm_io_region *kwhere, bool async,
		     struct outcome *o)
{
	struct dmio_request req = {
		.op = op, .flags = flags, .mem = mem, .client = mclient,
	};
	struct dmio_region where[4];
	struct dmio_async da;
	unsigned int i;

	for (i = 0; i < n; i++) {
		where[i].bdev = kwhere[i].bdev;
		where[i].sector = kwhere[i].sector;
		where[i].count = kwhere[i].count;
	}
	memset(o, 0, sizeof(*o));
	if (!async) {
		o->ret = dmio_sync(&req, n, where, &o->error_bits, &o->unsup_bits);
		return;
	}
	init_completion(&da.done);
	atomic_set(&da.calls, 0);
	req.notify = dmio_notify;
	req.context = &da;
	o->ret = dmio_async(&req, n, where);
	if (o->ret)
		return;
	wait_for_completion(&da.done);
	msleep(20);
	o->callbacks = atomic_read(&da.calls);
	o->error_bits = da.error_bits;
	o->unsup_bits = da.unsup_bits;
	o->ret = o->error_bits ? -EIO : o->unsup_bits ? -EOPNOTSUPP : 0;
}

static bool same_outcome(const struct outcome *k, const struct outcome *m,
			 bool union_bits, bool async)
{
	unsigned long kb = k->error_bits, mb = m->error_bits;

	if (union_bits) {
		kb |= k->unsup_bits;
		mb |= m->unsup_bits;
	} else if (!ktap_expect(k->unsup_bits == m->unsup_bits,
				"unsupported bits: dm-io %#lx, dmio %#lx",
				k->unsup_bits, m->unsup_bits)) {
		return false;
	}
	if (!ktap_expect(kb == mb, "error bits: dm-io %#lx, dmio %#lx", kb, mb))
		return false;
	if (!union_bits &&
	    !ktap_expect(k->ret == m->ret, "return: dm-io %d, dmio %d", k->ret, m->ret))
		return false;
	if (async && !ktap_expect(k->callbacks == 1 && m->callbacks == 1,
				  "callbacks: dm-io %d, dmio %d", k->callbacks,
				  m->callbacks))
		return false;
	return true;
}

static struct dm_io_memory kmem(void *p)
{
	struct dm_io_memory mem = { .type = DM_IO_KMEM, .ptr.addr = p };

	return mem;
}

static struct dmio_memory mmem(void *p)
{
	struct dmio_memory mem = { .type = DMIO_MEM_KERNEL, .ptr.vaddr = p };

	return mem;
}

/*
 * Write @n regions with each engine (region i of engine e at its own
 * sectors), compare the outcomes, then read every healthy region written by
 * one engine back through the other.
 */
static enum ktap_result diff_write(struct dm_io_region *layout, unsigned int n,
				   bool async, u64 seed)
{
	struct dm_io_region kw[4], mw[4];
	struct outcome k, m, r;
	enum ktap_result res = KTAP_FAIL;
	void *wbuf, *rbuf;
	unsigned int i;

	wbuf = kmalloc(DIFF_LEN, GFP_KERNEL);
	rbuf = kmalloc(DIFF_LEN, GFP_KERNEL);
	if (!wbuf || !rbuf)
		goto out;
	for (i = 0; i < n; i++) {
		kw[i] = layout[i];
		mw[i] = layout[i];
		/* Same device, other sectors (a region past the end stays). */
		if (layout[i].sector < DIFF_BASE + 4096)
			mw[i].sector += DIFF_LEN >> SECTOR_SHIFT;
	}
	pattern_fill(wbuf, DIFF_LEN, seed);
	kernel_run(REQ_OP_WRITE, kmem(wbuf), n, kw, async, &k);
	dmio_run(DMIO_OP_WRITE, 0, mmem(wbuf), n, mw, async, &m);
	if (!same_outcome(&k, &m, false, async))
		goto out;
	for (i = 0; i < n; i++) {
		if (test_bit(i, &k.error_bits) || !layout[i].count)
			continue;
		memset(rbuf, 0x5a, DIFF_LEN);
		dmio_run(DMIO_OP_READ, 0, mmem(rbuf), 1, &kw[i], false, &r);
		if (!ktap_expect(!r.ret, "dmio read of dm-io's region %u: %d", i, r.ret) ||
		    !pattern_holds(rbuf, kw[i].count << SECTOR_SHIFT, seed))
			goto out;
		memset(rbuf, 0x5a, DIFF_LEN);
		kernel_run(REQ_OP_READ, kmem(rbuf), 1, &mw[i], false, &r);
		if (!ktap_expect(!r.ret, "dm-io read of dmio's region %u: %d", i, r.ret) ||
		    !pattern_holds(rbuf, mw[i].count << SECTOR_SHIFT, seed))
			goto out;
	}
	res = KTAP_PASS;
out:
	kfree(rbuf);
	kfree(wbuf);
	return res;
}

static enum ktap_result diff_healthy(bool async)
{
	struct dm_io_region l[2] = {
		{ ram0.bdev, DIFF_BASE, 128 }, { ram1.bdev, DIFF_BASE, 64 },
	};

	return diff_write(l, 2, async, 11 + async);
}

static enum ktap_result diff_error_region(bool async)
{
	struct dm_io_region l[3] = {
		{ ram0.bdev, DIFF_BASE, 128 }, { errdev.bdev, DIFF_BASE, 128 },
		{ ram1.bdev, DIFF_BASE, 128 },
	};

	if (!errdev.bdev)
		return KTAP_SKIP;
	return diff_write(l, 3, async, 21 + async);
}

static enum ktap_result diff_past_end(bool async)
{
	struct dm_io_region l[2] = {
		{ ram0.bdev, DIFF_BASE, 128 },
		{ ram1.bdev, bdev_nr_sectors(ram1.bdev) - 8, 16 },
	};

	return diff_write(l, 2, async, 31 + async);
}

static enum ktap_result diff_zero_count(bool async)
{
	struct dm_io_region l[3] = {
		{ ram0.bdev, DIFF_BASE, 128 }, { ram1.bdev, DIFF_BASE, 0 },
		{ ram1.bdev, DIFF_BASE + 512, 32 },
	};

	return diff_write(l, 3, async, 41 + async);
}

/* A failed read: same bits, and both hand back zeroes. */
static enum ktap_result diff_failed_read(void)
{
	struct dm_io_region l = { errdev.bdev, 0, 16 };
	struct outcome k, m;
	enum ktap_result res = KTAP_FAIL;
	u8 *kb, *mb;

	if (!errdev.bdev)
		return KTAP_SKIP;
	kb = kmalloc(8192, GFP_KERNEL);
	mb = kmalloc(8192, GFP_KERNEL);
	if (kb && mb) {
		memset(kb, 0x5a, 8192);
		memset(mb, 0x5a, 8192);
		kernel_run(REQ_OP_READ, kmem(kb), 1, &l, false, &k);
		dmio_run(DMIO_OP_READ, 0, mmem(mb), 1, &l, false, &m);
		if (same_outcome(&k, &m, false, false) &&
		    ktap_expect(!memcmp(kb, mb, 8192), "buffers differ after a failed read"))
			res = KTAP_PASS;
	}
	kfree(kb);
	kfree(mb);
	return res;
}

/* vmalloc memory: dm-io's DM_IO_VMA against dmio's DMIO_MEM_VMALLOC. */
static enum ktap_result diff_vmalloc(void)
{
	struct dm_io_region kw = { ram0.bdev, DIFF_BASE + 1024, 256 };
	struct dm_io_region mw = { ram1.bdev, DIFF_BASE + 1024, 256 };
	struct dm_io_memory kmemv = { .type = DM_IO_VMA };
	struct dmio_memory mmemv = { .type = DMIO_MEM_VMALLOC };
	enum ktap_result res = KTAP_FAIL;
	struct outcome k, m;
	void *buf;

	buf = vmalloc(SZ_128K);
	if (!buf)
		return KTAP_FAIL;
	kmemv.ptr.vma = buf;
	mmemv.ptr.vaddr = buf;
	pattern_fill(buf, SZ_128K, 51);
	kernel_run(REQ_OP_WRITE, kmemv, 1, &kw, false, &k);
	dmio_run(DMIO_OP_WRITE, 0, mmemv, 1, &mw, false, &m);
	if (!same_outcome(&k, &m, false, false))
		goto out;
	/* Cross-read: each engine reads what the other wrote. */
	memset(buf, 0, SZ_128K);
	kernel_run(REQ_OP_READ, kmemv, 1, &mw, false, &k);
	if (!ktap_expect(!k.ret, "%d", k.ret) || !pattern_holds(buf, SZ_128K, 51))
		goto out;
	memset(buf, 0, SZ_128K);
	dmio_run(DMIO_OP_READ, 0, mmemv, 1, &kw, false, &m);
	if (ktap_expect(!m.ret, "%d", m.ret) && pattern_holds(buf, SZ_128K, 51))
		res = KTAP_PASS;
out:
	vfree(buf);
	return res;
}

/* Discard on a device without it: the region fails in both engines. */
static enum ktap_result diff_unsupported_discard(void)
{
	struct dm_io_region l[2] = {
		{ ram0.bdev, DIFF_BASE, 64 }, { nodiscard.bdev, DIFF_BASE, 64 },
	};
	struct dm_io_memory knone = { .type = DM_IO_KMEM };
	struct dmio_memory mnone = { .type = DMIO_MEM_NONE };
	struct outcome k, m;

	if (!nodiscard.bdev || bdev_max_discard_sectors(nodiscard.bdev))
		return KTAP_SKIP;
	if (!bdev_max_discard_sectors(ram0.bdev))
		l[0].count = 0;		/* keep one region that succeeds */
	kernel_run(REQ_OP_DISCARD, knone, 2, l, false, &k);
	dmio_run(DMIO_OP_DISCARD, 0, mnone, 2, l, false, &m);
	ktap_diag("discard: dm-io ret %d bits %#lx/%#lx, dmio ret %d bits %#lx/%#lx",
		  k.ret, k.error_bits, k.unsup_bits, m.ret, m.error_bits,
		  m.unsup_bits);
	return same_outcome(&k, &m, true, false) &&
	       ktap_expect(m.unsup_bits == 2 && m.ret == -EOPNOTSUPP,
			   "dmio must report the unsupported region as such") ?
	       KTAP_PASS : KTAP_FAIL;
}

static void open_optional(const char *path, struct dmio_bdev *d)
{
	if (*path && dmio_bdev_open(path, true, d))
		ktap_diag("cannot open %s; its cases are skipped", path);
}

static int __init difftest_init(void)
{
	unsigned int async;
	int err;

	err = dmio_bdev_open(dev, true, &ram0);
	if (!err)
		err = dmio_bdev_open(dev2, true, &ram1);
	if (err)
		goto close;
	open_optional(err_dev, &errdev);
	open_optional(nodiscard_dev, &nodiscard);
	kclient = dm_io_client_create();
	mclient = dmio_client_create(0);
	if (IS_ERR(kclient) || IS_ERR(mclient)) {
		err = -ENOMEM;
		goto clients;
	}
	ktap_begin("dmio-vs-dm-io");
	for (async = 0; async < 2; async++) {
		const char *mode = async ? "async" : "sync";

		ktap_report(diff_healthy(async), "diff_%s_two_regions", mode);
		ktap_report(diff_error_region(async), "diff_%s_dm_error_region", mode);
		ktap_report(diff_past_end(async), "diff_%s_region_past_end", mode);
		ktap_report(diff_zero_count(async), "diff_%s_zero_count_region", mode);
	}
	ktap_report(diff_failed_read(), "diff_failed_read_zero_filled");
	ktap_report(diff_vmalloc(), "diff_vmalloc_cross_read");
	ktap_report(diff_unsupported_discard(), "diff_unsupported_discard");
	ktap_end();
	err = 0;
clients:
	if (!IS_ERR_OR_NULL(kclient))
		dm_io_client_destroy(kclient);
	dmio_client_destroy(mclient);
close:
	dmio_bdev_close(&nodiscard);
	dmio_bdev_close(&errdev);
	dmio_bdev_close(&ram1);
	dmio_bdev_close(&ram0);
	return err;
}

static void __exit difftest_exit(void)
{
}

module_init(difftest_init);
module_exit(difftest_exit);

MODULE_DESCRIPTION("dmio against the kernel's dm-io (KTAP)");
MODULE_LICENSE("GPL");
