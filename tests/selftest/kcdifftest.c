// SPDX-License-Identifier: GPL-2.0
/*
 * Differential test of copies: the same copies and zeroings through the
 * kernel's own dm-kcopyd (in dm-mod, with the kcopyd API of the running
 * kernel) and through dmio_copy()/dmio_zero() must report the same
 * (read_err, write_err) and leave the same bytes on the destinations. Each
 * engine writes its own destinations, filled alike beforehand; the two
 * sets are read back and compared.
 *
 * Where the outcome depends on timing it is not compared: without
 * IGNORE_ERROR a failed destination stops a copy after the pieces in
 * flight, and how many were in flight is each engine's own business; only
 * the error report is compared there.
 */
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/dm-kcopyd.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/vmalloc.h>
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
static char *zero_dev = "";
module_param(zero_dev, charp, 0444);
MODULE_PARM_DESC(zero_dev, "device that supports write zeroes (loop on tmpfs)");

#define KD_SRC		16384	/* sources on ram0 from 8 MiB */
#define KD_DST		24576	/* destinations from 12 MiB ... */
#define KD_ENGINE	20480	/* ... dmio's 10 MiB after the kernel's */
#define KD_SLOT		4608	/* sectors between destinations */
#define KD_MAX		4608	/* longest copy, sectors */
#define KD_WAIT		(60 * HZ)

KTAP_DEFINE_STATE;
static struct dmio_bdev ram0, ram1, errdev, zerodev;
static struct dm_kcopyd_client *kclient;
static struct dmio_copy_client *mclient;
static void *kbuf, *mbuf;

/* One engine's report of one copy. */
struct kd_outcome {
	struct completion done;
	atomic_t calls;
	int read_err;
	unsigned long write_err;
};

static void kd_done(int read_err, unsigned long write_err, void *context)
{
	struct kd_outcome *o = context;

	o->read_err = read_err;
	o->write_err = write_err;
	if (atomic_inc_return(&o->calls) == 1)
		complete(&o->done);
}

/* A copy as both engines get it; dests[i].bdev NULL: the failing device. */
struct kd_case {
	sector_t count;
	unsigned int num_dests;
	bool zero;
	bool fail_source;
	int fail_dest;			/* index, or -1 */
	bool ignore;
	struct block_device *zero_bdev;	/* zeroing: first destination */
};

static void kd_layout(const struct kd_case *c, unsigned int engine,
		      struct dmio_region *from, struct dmio_region *dests)
{
	unsigned int i;

	from->bdev = c->fail_source ? errdev.bdev : ram0.bdev;
	from->sector = c->fail_source ? 0 : KD_SRC;
	from->count = c->count;
	for (i = 0; i < c->num_dests; i++) {
		dests[i].bdev = i & 1 ? ram0.bdev : ram1.bdev;
		dests[i].sector = KD_DST + engine * KD_ENGINE + (i / 2) * KD_SLOT;
		/* The kernel writes a small copy to each count as given. */
		dests[i].count = c->count;
		if ((int)i == c->fail_dest) {
			dests[i].bdev = errdev.bdev;
			dests[i].sector = 0;
		}
	}
	if (c->zero && c->zero_bdev)
		dests[0].bdev = c->zero_bdev;
}

static int kd_io(enum dmio_op op, void *buf, struct block_device *bdev,
		 sector_t sector, sector_t count, struct dmio_client *client)
{
	struct dmio_region where = { .bdev = bdev, .sector = sector, .count = count };
	struct dmio_request req = {
		.op = op, .mem.type = DMIO_MEM_VMALLOC, .mem.ptr.vaddr = buf,
		.client = client,
	};

	return dmio_sync(&req, 1, &where, NULL, NULL);
}

static bool kd_wait(struct kd_outcome *o, const char *engine)
{
	if (!wait_for_completion_timeout(&o->done, KD_WAIT)) {
		ktap_diag("%s: no callback in 60 s", engine);
		return false;
	}
	msleep(20);
	return ktap_expect(atomic_read(&o->calls) == 1, "%s: %d callbacks", engine,
			   atomic_read(&o->calls));
}

static enum ktap_result kd_run(const struct kd_case *c, u64 seed,
			       struct dmio_client *io)
{
	struct dmio_region from[2], dests[2][DMIO_COPY_MAX_DESTS];
	struct dm_io_region kfrom, kdests[DMIO_COPY_MAX_DESTS];
	struct kd_outcome *o;
	unsigned int e, i, flags;
	bool compare_bytes = c->ignore || c->fail_dest < 0;
	size_t len = c->count << SECTOR_SHIFT;
	int ret;

	if ((c->fail_source || c->fail_dest >= 0) && !errdev.bdev)
		return KTAP_SKIP;
	/* Kept on a timeout: a late callback must find it. */
	o = kcalloc(2, sizeof(*o), GFP_KERNEL);
	if (!o)
		return KTAP_FAIL;
	for (e = 0; e < 2; e++) {
		init_completion(&o[e].done);
		kd_layout(c, e, &from[e], dests[e]);
	}
	/* The same source for both, the same old contents everywhere. */
	pattern_fill(kbuf, len, seed);
	if (!c->fail_source && kd_io(DMIO_OP_WRITE, kbuf, from[0].bdev,
				     from[0].sector, c->count, io))
		goto fail;
	/* The sector after each destination too: it is compared as well. */
	pattern_fill(kbuf, len + SECTOR_SIZE, seed + 1);
	for (e = 0; e < 2; e++)
		for (i = 0; i < c->num_dests; i++)
			if ((int)i != c->fail_dest &&
			    kd_io(DMIO_OP_WRITE, kbuf, dests[e][i].bdev,
				  dests[e][i].sector, c->count + 1, io))
				goto fail;

	/* The kernel's dm-kcopyd: int or void by kernel; the callback reports. */
	kfrom.bdev = from[0].bdev;
	kfrom.sector = from[0].sector;
	kfrom.count = from[0].count;
	for (i = 0; i < c->num_dests; i++) {
		kdests[i].bdev = dests[0][i].bdev;
		kdests[i].sector = dests[0][i].sector;
		kdests[i].count = dests[0][i].count;
	}
	flags = c->ignore ? BIT(DM_KCOPYD_IGNORE_ERROR) : 0;
	if (c->zero)
		dm_kcopyd_zero(kclient, c->num_dests, kdests, flags, kd_done, &o[0]);
	else
		dm_kcopyd_copy(kclient, &kfrom, c->num_dests, kdests, flags,
			       kd_done, &o[0]);
	if (!kd_wait(&o[0], "dm-kcopyd"))
		return KTAP_FAIL;

	flags = c->ignore ? DMIO_COPY_IGNORE_ERROR : 0;
	if (c->zero)
		ret = dmio_zero(mclient, c->num_dests, dests[1], flags, kd_done, &o[1]);
	else
		ret = dmio_copy(mclient, &from[1], c->num_dests, dests[1], flags,
				kd_done, &o[1]);
	if (!ktap_expect(!ret, "dmio refused the copy: %d", ret))
		goto fail;
	if (!kd_wait(&o[1], "dmio"))
		return KTAP_FAIL;

	ktap_diag("dm-kcopyd: read_err %d, write_err %#lx; dmio: %d, %#lx",
		  o[0].read_err, o[0].write_err, o[1].read_err, o[1].write_err);
	if (!ktap_expect(!o[0].read_err == !o[1].read_err, "read_err differs") ||
	    !ktap_expect(o[0].write_err == o[1].write_err, "write_err differs"))
		goto fail;
	if (!compare_bytes)
		goto pass;
	for (i = 0; i < c->num_dests; i++) {
		if ((int)i == c->fail_dest)
			continue;
		/* One sector past the copy: both must leave it alone. */
		memset(kbuf, 0x5a, len + SECTOR_SIZE);
		memset(mbuf, 0xa5, len + SECTOR_SIZE);
		if (kd_io(DMIO_OP_READ, kbuf, dests[0][i].bdev, dests[0][i].sector,
			  c->count + 1, io) ||
		    kd_io(DMIO_OP_READ, mbuf, dests[1][i].bdev, dests[1][i].sector,
			  c->count + 1, io))
			goto fail;
		if (!ktap_expect(!memcmp(kbuf, mbuf, len + SECTOR_SIZE),
				 "destination %u: the engines' bytes differ", i))
			goto fail;
	}
pass:
	kfree(o);
	return KTAP_PASS;
fail:
	kfree(o);
	return KTAP_FAIL;
}

static const struct kd_case cases[] = {
	{ .count = 8, .num_dests = 1, .fail_dest = -1 },
	{ .count = 4097, .num_dests = 2, .fail_dest = -1 },
	{ .count = 2049, .num_dests = 8, .fail_dest = -1 },
	{ .count = 4097, .num_dests = 3, .fail_dest = 1 },
	{ .count = 4097, .num_dests = 3, .fail_dest = 1, .ignore = true },
	{ .count = 2049, .num_dests = 8, .fail_dest = 7, .ignore = true },
	{ .count = 2049, .num_dests = 2, .fail_dest = -1, .fail_source = true },
	{ .count = 2049, .num_dests = 2, .fail_dest = -1, .fail_source = true,
	  .ignore = true },
	{ .count = 4097, .num_dests = 2, .fail_dest = -1, .zero = true },
	{ .count = 2049, .num_dests = 3, .fail_dest = 2, .zero = true, .ignore = true },
};

static const char * const case_names[] = {
	"copy_4k", "copy_2m_plus_512_two_dests", "copy_1m_plus_512_eight_dests",
	"copy_failing_dest_1_of_3", "copy_failing_dest_1_of_3_ignore_error",
	"copy_failing_dest_7_of_8_ignore_error", "copy_failing_source",
	"copy_failing_source_ignore_error", "zero_two_dests",
	"zero_failing_dest_ignore_error",
};

static void open_optional(const char *path, struct dmio_bdev *d)
{
	if (*path && dmio_bdev_open(path, true, d))
		ktap_diag("cannot open %s; its cases are skipped", path);
}

static int __init kcdifftest_init(void)
{
	struct dmio_client *io;
	struct kd_case zc = { .count = 2049, .num_dests = 1, .fail_dest = -1,
			      .zero = true };
	unsigned int i;
	int err;

	BUILD_BUG_ON(ARRAY_SIZE(cases) != ARRAY_SIZE(case_names));
	err = dmio_bdev_open(dev, true, &ram0);
	if (!err)
		err = dmio_bdev_open(dev2, true, &ram1);
	if (err)
		goto close;
	open_optional(err_dev, &errdev);
	open_optional(zero_dev, &zerodev);
	kbuf = vmalloc((KD_MAX + 1) << SECTOR_SHIFT);
	mbuf = vmalloc((KD_MAX + 1) << SECTOR_SHIFT);
	io = dmio_client_create(0);
	kclient = dm_kcopyd_client_create(NULL);
	mclient = dmio_copy_client_create(NULL);
	if (!kbuf || !mbuf || IS_ERR(io) || IS_ERR(kclient) || IS_ERR(mclient)) {
		err = -ENOMEM;
		goto clients;
	}
	ktap_begin("dmio-copy-vs-dm-kcopyd");
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		ktap_report(kd_run(&cases[i], 1000 + i * 10, io), "kcdiff_%s",
			    case_names[i]);
	/* Zeroing a device with write zeroes (both engines use them there). */
	zc.zero_bdev = zerodev.bdev;
	if (zerodev.bdev)
		ktap_diag("zero device %s write zeroes",
			  bdev_write_zeroes_sectors(zerodev.bdev) ? "has" : "lacks");
	ktap_report(zerodev.bdev ? kd_run(&zc, 1200, io) : KTAP_SKIP,
		    "kcdiff_zero_write_zeroes_device");
	ktap_end();
	err = 0;
clients:
	if (!IS_ERR_OR_NULL(kclient))
		dm_kcopyd_client_destroy(kclient);
	dmio_copy_client_destroy(mclient);
	if (!IS_ERR_OR_NULL(io))
		dmio_client_destroy(io);
	vfree(mbuf);
	vfree(kbuf);
close:
	dmio_bdev_close(&zerodev);
	dmio_bdev_close(&errdev);
	dmio_bdev_close(&ram1);
	dmio_bdev_close(&ram0);
	return err;
}

static void __exit kcdifftest_exit(void)
{
}

module_init(kcdifftest_init);
module_exit(kcdifftest_exit);

MODULE_DESCRIPTION("dmio copies against the kernel's dm-kcopyd (KTAP)");
MODULE_LICENSE("GPL");
