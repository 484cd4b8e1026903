// SPDX-License-Identifier: GPL-2.0
/*
 * dm-io's behaviour where code written for it relies on it, through the
 * drop-in <dmio/dm-io.h>: zero-count regions ignored before anything else
 * of them is read, regions the block layer would fail reported through the
 * bits rather than refused (dm-raid1 does BUG_ON(dm_io(...)) on async
 * requests), request flags passed through to the bios, flags the block
 * layer forbids on an operation dropped without a warning, and kernel
 * memory outside the linear map taken page by page.
 *
 * The hint flags are seen by the kernel's own dm-flakey: the guest makes
 * flags_dev a flakey device that corrupts a byte of every write carrying
 * all the flags this module prints ("# dmio-hint-flags MASK") and loads it
 * again with only_hints=1.
 */
#include <dmio/dm-io.h>		/* was: #include <linux/dm-io.h> */
#include <linux/bio.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include "consumer.h"

static char *dev4k = "";
module_param(dev4k, charp, 0444);
MODULE_PARM_DESC(dev4k, "device with 4 KiB logical blocks (contents lost)");
static char *flags_dev = "";
module_param(flags_dev, charp, 0444);
MODULE_PARM_DESC(flags_dev, "dm-flakey device corrupting writes with every hint flag");
static ulong flags_sector = 130048;
module_param(flags_sector, ulong, 0444);
MODULE_PARM_DESC(flags_sector, "where flags_dev starts on dev (read back there)");
static bool only_hints;
module_param(only_hints, bool, 0444);
MODULE_PARM_DESC(only_hints, "run the hint-flag case only");

#define LEN	4096
/* Byte dm-flakey's corrupt_bio_byte 1 replaces, and with what. */
#define FLAKEY_BYTE_VALUE	0x55

static struct dm_io_client *io_client;
static struct dmio_bdev d4k, dflags;
/* Module data: outside the linear map on every architecture dmio runs on. */
static u8 module_buf[2 * LEN] __aligned(LEN);

/* Every hint dm-io passes through, as this kernel spells it. */
static __typeof__(REQ_FUA) hint_flags(void)
{
	__typeof__(REQ_FUA) f = REQ_META | REQ_PRIO | REQ_NOMERGE;

#ifdef REQ_IDLE
	f |= REQ_IDLE;
#endif
#ifdef REQ_BACKGROUND
	f |= REQ_BACKGROUND;
#endif
	return f;
}

struct wait_bits {
	struct completion done;
	unsigned long error;
	atomic_t calls;
};

static void notify(unsigned long error, void *context)
{
	struct wait_bits *w = context;

	w->error = error;
	atomic_inc(&w->calls);
	complete(&w->done);
}

/* dm_io() sync, or async and waited for: the bits either way. */
static int rw(__typeof__(REQ_FUA) opf, int type, void *mem, unsigned int n,
	      struct dm_io_region *where, unsigned long *bits, bool async)
{
	struct wait_bits w;
	struct dm_io_request req = {
		.bi_opf = opf,
		.mem.type = type,
		.mem.ptr.addr = mem,
		.notify.fn = async ? notify : NULL,
		.notify.context = &w,
		.client = io_client,
	};
	int r;

	init_completion(&w.done);
	atomic_set(&w.calls, 0);
	*bits = 0;
	r = dm_io(&req, n, where, bits);
	if (!async || r)
		return r;
	wait_for_completion(&w.done);
	*bits = w.error;
	/* A second call would come within this time, when dm-io's would. */
	msleep(20);
	return atomic_read(&w.calls) == 1 ? 0 : -EDOM;
}

static bool region_holds(struct block_device *bdev, sector_t sector, u64 seed)
{
	struct dm_io_region one = { bdev, sector, LEN >> 9 };
	void *buf = kzalloc(LEN, GFP_KERNEL);
	unsigned long bits;
	bool ok;

	ok = buf && !rw(REQ_OP_READ, DM_IO_KMEM, buf, 1, &one, &bits, false) &&
	     !bits && pattern_holds(buf, LEN, seed);
	kfree(buf);
	return ok;
}

/* Zero-count regions: no device, a stale sector past the end. */
static enum ktap_result zero_count_ignored(bool async)
{
	struct dm_io_region where[4] = {
		{ d0.bdev, base + 512, LEN >> 9 },
		{ NULL, 0, 0 },
		{ d0.bdev, ~0ULL >> 1, 0 },
		{ d1.bdev, base + 512, LEN >> 9 },
	};
	void *buf = kmalloc(LEN, GFP_KERNEL);
	u64 seed = 200 + async;
	unsigned long bits;
	int r;

	if (!buf)
		return KTAP_FAIL;
	pattern_fill(buf, LEN, seed);
	r = rw(REQ_OP_WRITE, DM_IO_KMEM, buf, 4, where, &bits, async);
	kfree(buf);
	if (!ktap_expect(!r && !bits, "write: %d, bits %#lx", r, bits))
		return KTAP_FAIL;
	return ktap_expect(region_holds(d0.bdev, base + 512, seed) &&
			   region_holds(d1.bdev, base + 512, seed),
			   "data differs") ? KTAP_PASS : KTAP_FAIL;
}

/* A flush names zero-count regions, one of them with no device. */
static enum ktap_result zero_count_flush(void)
{
	struct dm_io_region where[3] = {
		{ d0.bdev, 0, 0 }, { NULL, 0, 0 }, { d1.bdev, 0, 0 },
	};
	unsigned long bits;
	int r = rw((__force __typeof__(REQ_FUA))WRITE_FLUSH, DM_IO_KMEM,
		   module_buf, 3, where, &bits, false);

	return ktap_expect(!r && !bits, "flush: %d, bits %#lx", r, bits) ?
	       KTAP_PASS : KTAP_FAIL;
}

/*
 * Regions the block layer would fail (misaligned on a 4 KiB device, no
 * device) fail alone through their bits; the others are written.
 */
static enum ktap_result bad_regions_fail_alone(bool async)
{
	struct dm_io_region where[4] = {
		{ d0.bdev, base + 1024, LEN >> 9 },
		{ d4k.bdev, 1, LEN >> 9 },
		{ NULL, 8, LEN >> 9 },
		{ d1.bdev, base + 1024, LEN >> 9 },
	};
	void *buf = kmalloc(LEN, GFP_KERNEL);
	u64 seed = 210 + async;
	unsigned long bits;
	int r;

	if (!d4k.bdev)
		return KTAP_SKIP;
	if (!buf)
		return KTAP_FAIL;
	pattern_fill(buf, LEN, seed);
	r = rw(REQ_OP_WRITE, DM_IO_KMEM, buf, 4, where, &bits, async);
	kfree(buf);
	if (!ktap_expect(r == (async ? 0 : -EIO) && bits == 0x6,
			 "write: %d, bits %#lx", r, bits))
		return KTAP_FAIL;
	return ktap_expect(region_holds(d0.bdev, base + 1024, seed) &&
			   region_holds(d1.bdev, base + 1024, seed),
			   "data differs") ? KTAP_PASS : KTAP_FAIL;
}

/*
 * FUA and PREFLUSH on a read, FUA on a discard: the block layer WARNs on
 * such bios; the drop-in drops the flags (the console scan sees any WARN).
 */
static enum ktap_result forbidden_flags_dropped(void)
{
	struct dm_io_region one = { d0.bdev, base + 1536, LEN >> 9 };
	unsigned long bits, want = 0;
	void *buf = kmalloc(LEN, GFP_KERNEL);
	int r1, r2, r3;

	if (!buf)
		return KTAP_FAIL;
	pattern_fill(buf, LEN, 220);
	r1 = rw(REQ_OP_WRITE | REQ_FUA, DM_IO_KMEM, buf, 1, &one, &bits, false);
	memset(buf, 0, LEN);
	r2 = rw(REQ_OP_READ | REQ_FUA | REQ_PREFLUSH, DM_IO_KMEM, buf, 1, &one,
		&bits, false);
	r2 = r2 ?: (bits ? -EIO : 0);
	if (r2 == 0 && !pattern_holds(buf, LEN, 220))
		r2 = -EILSEQ;
	r3 = rw(REQ_OP_DISCARD | REQ_FUA, DM_IO_KMEM, NULL, 1, &one, &bits,
		false);
	kfree(buf);
	/* A device without discard reports it; anything else must succeed. */
	if (r3 == -EIO && bits == 1)
		want = r3;
	return ktap_expect(!r1 && !r2 && r3 == want, "write %d, read %d, discard %d",
			   r1, r2, r3) ? KTAP_PASS : KTAP_FAIL;
}

/* DM_IO_KMEM of a vmalloc buffer and of module data: the right pages. */
static enum ktap_result kmem_outside_linear_map(void)
{
	struct dm_io_region one = { d0.bdev, base + 2048, (2 * LEN) >> 9 };
	void *vbuf = vmalloc(2 * LEN);
	enum ktap_result res = KTAP_FAIL;
	unsigned long bits;
	int r;

	if (!vbuf)
		return KTAP_FAIL;
	pattern_fill(vbuf, 2 * LEN, 230);
	r = rw(REQ_OP_WRITE, DM_IO_KMEM, vbuf, 1, &one, &bits, false);
	if (!ktap_expect(!r && !bits, "vmalloc write: %d, %#lx", r, bits))
		goto out;
	memset(module_buf, 0, sizeof(module_buf));
	r = rw(REQ_OP_READ, DM_IO_KMEM, module_buf, 1, &one, &bits, false);
	if (!ktap_expect(!r && !bits && pattern_holds(module_buf, 2 * LEN, 230),
			 "module-data read: %d, %#lx", r, bits))
		goto out;
	pattern_fill(module_buf, 2 * LEN, 231);
	r = rw(REQ_OP_WRITE, DM_IO_KMEM, module_buf, 1, &one, &bits, true);
	memset(vbuf, 0, 2 * LEN);
	if (!ktap_expect(!r && !bits, "module-data write: %d, %#lx", r, bits))
		goto out;
	r = rw(REQ_OP_READ, DM_IO_KMEM, vbuf, 1, &one, &bits, false);
	if (ktap_expect(!r && !bits && pattern_holds(vbuf, 2 * LEN, 231),
			"vmalloc read: %d, %#lx", r, bits))
		res = KTAP_PASS;
out:
	vfree(vbuf);
	return res;
}

/*
 * A client of the kernel's own dm-io (dm-integrity passes dm-bufio's):
 * here a zeroed object of that size, which is no dmio client. dmio's own
 * reserve serves the request.
 */
static enum ktap_result foreign_client_served(void)
{
	struct dm_io_region one = { d0.bdev, base + 3072, LEN >> 9 };
	struct dm_io_client *foreign = kzalloc(1024, GFP_KERNEL);
	struct dm_io_client *own = io_client;
	void *buf = kmalloc(LEN, GFP_KERNEL);
	enum ktap_result res = KTAP_FAIL;
	unsigned long bits;
	int r;

	if (!foreign || !buf)
		goto out;
	pattern_fill(buf, LEN, 240);
	io_client = foreign;
	r = rw(REQ_OP_WRITE, DM_IO_KMEM, buf, 1, &one, &bits, true);
	io_client = own;
	if (ktap_expect(!r && !bits, "write: %d, %#lx", r, bits) &&
	    ktap_expect(region_holds(d0.bdev, base + 3072, 240), "data differs"))
		res = KTAP_PASS;
out:
	kfree(buf);
	kfree(foreign);
	return res;
}

/*
 * The hints reach the bios: dm-flakey corrupts the first byte of a write
 * that carries all of them, and only of such a write.
 */
static enum ktap_result hints_reach_bios(void)
{
	struct dm_io_region one = { dflags.bdev, 0, LEN >> 9 };
	/* Read back under dm-flakey: older ones fail reads while down. */
	struct dm_io_region raw = { d0.bdev, flags_sector, LEN >> 9 };
	void *buf = kzalloc(LEN, GFP_KERNEL);
	enum ktap_result res = KTAP_FAIL;
	unsigned long bits;
	bool old_flakey;
	u8 *p = buf;
	int r;

	if (!buf)
		return KTAP_FAIL;

	/*
	 * Without the hints: written as it is, or (older dm-flakey, such as
	 * 4.4's) failed: it fails every write while down.
	 */
	r = rw(REQ_OP_WRITE, DM_IO_KMEM, buf, 1, &one, &bits, false);
	old_flakey = r != 0;
	if (old_flakey) {
		ktap_diag("plain write failed (%d): this dm-flakey fails writes while down", r);
	} else {
		r = rw(REQ_OP_READ, DM_IO_KMEM, buf, 1, &raw, &bits, false);
		if (!ktap_expect(!r && !bits && p[0] == 0,
				 "plain write: %d, bits %#lx, byte %#x", r, bits, p[0]))
			goto out;
	}
	/* With them: dm-flakey saw every one. */
	p[0] = 0;
	r = rw(REQ_OP_WRITE | hint_flags(), DM_IO_KMEM, buf, 1, &one, &bits,
	       true);
	if (old_flakey && (r || bits)) {
		ktap_diag("this dm-flakey fails every write while down: it cannot show the flags");
		res = KTAP_SKIP;
		goto out;
	}
	p[0] = 0;	/* the byte the check reads: never stale */
	r = r ?: rw(REQ_OP_READ, DM_IO_KMEM, buf, 1, &raw, &bits, false);
	if (ktap_expect(!r && !bits && p[0] == FLAKEY_BYTE_VALUE,
			"hinted write: %d, byte %#x", r, p[0]))
		res = KTAP_PASS;
out:
	kfree(buf);
	return res;
}

static int __init rules_init(void)
{
	int err = consumer_open();

	if (err)
		return err;
	if (*dev4k && dmio_bdev_open(dev4k, true, &d4k))
		ktap_diag("cannot open %s", dev4k);
	if (*flags_dev && dmio_bdev_open(flags_dev, true, &dflags))
		ktap_diag("cannot open %s", flags_dev);
	io_client = dm_io_client_create();
	if (IS_ERR(io_client)) {
		err = PTR_ERR(io_client);
		goto out;
	}
	pr_info("# dmio-hint-flags %#lx\n", (__force unsigned long)hint_flags());
	ktap_begin(only_hints ? "dmio-dm-io-rules-hints" : "dmio-dm-io-rules");
	if (only_hints) {
		ktap_report(dflags.bdev ? hints_reach_bios() : KTAP_FAIL,
			    "request_hints_reach_the_bios");
	} else {
		ktap_report(zero_count_ignored(false), "zero_count_regions_ignored_sync");
		ktap_report(zero_count_ignored(true), "zero_count_regions_ignored_async");
		ktap_report(zero_count_flush(), "zero_count_flush_skips_absent_device");
		ktap_report(bad_regions_fail_alone(false), "bad_regions_fail_through_bits_sync");
		ktap_report(bad_regions_fail_alone(true), "bad_regions_fail_through_bits_async");
		ktap_report(forbidden_flags_dropped(), "fua_preflush_on_read_and_discard_no_warn");
		ktap_report(kmem_outside_linear_map(), "kmem_vmalloc_and_module_data");
		ktap_report(foreign_client_served(), "kernel_dm_io_client_served_by_dmio");
	}
	ktap_end();
	dm_io_client_destroy(io_client);
out:
	dmio_bdev_close(&dflags);
	dmio_bdev_close(&d4k);
	consumer_close();
	return err;
}

static void __exit rules_exit(void)
{
}

module_init(rules_init);
module_exit(rules_exit);
MODULE_DESCRIPTION("dm-io behaviour that drop-in consumers rely on");
MODULE_LICENSE("GPL");
