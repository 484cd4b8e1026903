// SPDX-License-Identifier: GPL-2.0
/*
 * Writes to 1..1024 regions over two devices, every region read back; error
 * bits set exactly for the failing regions (dm-error, past the end), zero
 * count regions skipped, failed reads zero-filled.
 */
#include <linux/blkdev.h>
#include <linux/slab.h>
#include "tests.h"

#define REG_BASE	40960	/* 20 MiB into the devices */
#define REG_STRIDE	24	/* sectors between region starts */
#define REG_MEM		(12 * 1024)

static struct block_device *region_dev(unsigned int i)
{
	return i & 1 ? tdev.ram1.bdev : tdev.ram0.bdev;
}

static void layout(struct dmio_region *where, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		where[i].bdev = region_dev(i);
		where[i].sector = REG_BASE + (i / 2) * REG_STRIDE;
		where[i].count = 8 + 8 * (i % 3);
	}
}

/* Read every region back through dmio and compare it with @seed. */
static bool regions_hold(struct dmio_region *where, unsigned int n, u64 seed,
			 const unsigned long *skip)
{
	unsigned long ebits, ubits;
	struct tresult res = { .error_bits = &ebits, .unsup_bits = &ubits };
	struct dmio_request req = { .op = DMIO_OP_READ, .client = tclient };
	struct tbuf b;
	unsigned int i;
	bool ok = true;

	if (tbuf_alloc(&b, DMIO_MEM_KERNEL, REG_MEM))
		return false;
	req.mem = b.mem;
	for (i = 0; i < n && ok; i++) {
		if ((skip && test_bit(i, skip)) || !where[i].count)
			continue;
		tbuf_poison(&b);
		run_request(&req, false, 1, &where[i], &res);
		ok = ktap_expect(!res.ret, "region %u read: %d", i, res.ret) &&
		     tbuf_check(&b, seed, where[i].count << SECTOR_SHIFT);
	}
	tbuf_free(&b);
	return ok;
}

static enum ktap_result multi_write(unsigned int n, bool async)
{
	unsigned long *ebits, *ubits;
	struct tresult res;
	struct dmio_request req = { .op = DMIO_OP_WRITE, .client = tclient };
	struct dmio_region *where;
	enum ktap_result r = KTAP_FAIL;
	u64 seed = 1000 + n * 2 + async;
	struct tbuf b;

	where = kcalloc(n, sizeof(*where), GFP_KERNEL);
	ebits = bitmap_zalloc(n, GFP_KERNEL);
	ubits = bitmap_zalloc(n, GFP_KERNEL);
	if (!where || !ebits || !ubits || tbuf_alloc(&b, DMIO_MEM_VMALLOC, REG_MEM))
		goto free;
	layout(where, n);
	tbuf_fill(&b, seed);
	req.mem = b.mem;
	res.error_bits = ebits;
	res.unsup_bits = ubits;
	run_request(&req, async, n, where, &res);
	if (ktap_expect(!res.ret && bitmap_empty(ebits, n) && bitmap_empty(ubits, n),
			"%u regions: %d", n, res.ret) &&
	    (!async || ktap_expect(res.callbacks == 1, "%d callbacks", res.callbacks)) &&
	    regions_hold(where, n, seed, NULL))
		r = KTAP_PASS;
	tbuf_free(&b);
free:
	bitmap_free(ubits);
	bitmap_free(ebits);
	kfree(where);
	return r;
}

/* Write @n regions, region @bad on dm-error: exactly bit @bad, -EIO. */
static enum ktap_result error_region(unsigned int n, unsigned int bad, bool async)
{
	unsigned long *ebits, *ubits, *want;
	struct tresult res;
	struct dmio_request req = { .op = DMIO_OP_WRITE, .client = tclient };
	struct dmio_region *where;
	enum ktap_result r = KTAP_FAIL;
	u64 seed = 5000 + n + bad + async;
	struct tbuf b;

	if (!tdev.err.bdev)
		return KTAP_SKIP;
	where = kcalloc(n, sizeof(*where), GFP_KERNEL);
	ebits = bitmap_zalloc(n, GFP_KERNEL);
	ubits = bitmap_zalloc(n, GFP_KERNEL);
	want = bitmap_zalloc(n, GFP_KERNEL);
	if (!where || !ebits || !ubits || !want ||
	    tbuf_alloc(&b, DMIO_MEM_PAGE_LIST, REG_MEM))
		goto free;
	layout(where, n);
	where[bad].bdev = tdev.err.bdev;
	set_bit(bad, want);
	tbuf_fill(&b, seed);
	req.mem = b.mem;
	res.error_bits = ebits;
	res.unsup_bits = ubits;
	run_request(&req, async, n, where, &res);
	if (ktap_expect(res.ret == -EIO, "got %d", res.ret) &&
	    ktap_expect(bitmap_equal(ebits, want, n), "error bits %*pb", n, ebits) &&
	    ktap_expect(bitmap_empty(ubits, n), "unsupported bits %*pb", n, ubits) &&
	    (!async || ktap_expect(res.callbacks == 1, "%d callbacks", res.callbacks)) &&
	    regions_hold(where, n, seed, want))
		r = KTAP_PASS;
	tbuf_free(&b);
free:
	bitmap_free(want);
	bitmap_free(ubits);
	bitmap_free(ebits);
	kfree(where);
	return r;
}

static enum ktap_result past_end(bool async)
{
	struct block_device *ram1 = tdev.ram1.bdev;
	unsigned long ebits, ubits;
	struct tresult res = { .error_bits = &ebits, .unsup_bits = &ubits };
	struct dmio_region where[2] = {
		{ .bdev = tdev.ram0.bdev, .sector = REG_BASE, .count = 8 },
		{ .bdev = ram1, .sector = bdev_nr_sectors(ram1) - 4, .count = 8 },
	};
	struct dmio_request req = { .op = DMIO_OP_WRITE, .client = tclient };
	enum ktap_result r = KTAP_FAIL;
	struct tbuf b;

	if (tbuf_alloc(&b, DMIO_MEM_KERNEL, 4096))
		return KTAP_FAIL;
	tbuf_fill(&b, 77 + async);
	req.mem = b.mem;
	run_request(&req, async, 2, where, &res);
	if (ktap_expect(res.ret == -EIO && ebits == 2 && !ubits,
			"got %d, bits %#lx/%#lx", res.ret, ebits, ubits) &&
	    regions_hold(where, 1, 77 + async, NULL))
		r = KTAP_PASS;
	tbuf_free(&b);
	return r;
}

/* A count-0 region is skipped: its sectors keep their old contents. */
static enum ktap_result zero_count(bool preflush)
{
	unsigned long ebits, ubits;
	struct tresult res = { .error_bits = &ebits, .unsup_bits = &ubits };
	struct dmio_region where[3];
	struct dmio_request req = { .op = DMIO_OP_WRITE, .client = tclient };
	enum ktap_result r = KTAP_FAIL;
	struct tbuf b;

	layout(where, 3);
	if (tbuf_alloc(&b, DMIO_MEM_KERNEL, REG_MEM))
		return KTAP_FAIL;
	/* Old contents everywhere, then a write that skips region 1. */
	tbuf_fill(&b, 300);
	req.mem = b.mem;
	run_request(&req, false, 3, where, &res);
	where[1].count = 0;
	tbuf_fill(&b, 301);
	req.flags = preflush ? DMIO_F_PREFLUSH : 0;
	run_request(&req, false, 3, where, &res);
	if (ktap_expect(!res.ret && !ebits && !ubits, "got %d, bits %#lx/%#lx",
			res.ret, ebits, ubits) &&
	    ktap_expect(!raw_read_check(where[1].bdev, where[1].sector, 300, 0),
			"region 1 was written") &&
	    regions_hold(where, 3, 301, NULL))
		r = KTAP_PASS;
	tbuf_free(&b);
	return r;
}

/* A failed read hands back zeroes, never stale memory. */
static enum ktap_result failed_read_zeroed(bool async)
{
	unsigned long ebits, ubits;
	struct tresult res = { .error_bits = &ebits, .unsup_bits = &ubits };
	struct dmio_region where = { .bdev = tdev.err.bdev, .count = 16 };
	struct dmio_request req = { .op = DMIO_OP_READ, .client = tclient };
	enum ktap_result r = KTAP_FAIL;
	struct tbuf b;

	if (!tdev.err.bdev)
		return KTAP_SKIP;
	if (tbuf_alloc(&b, DMIO_MEM_BVEC, 8192))
		return KTAP_FAIL;
	tbuf_poison(&b);
	req.mem = b.mem;
	run_request(&req, async, 1, &where, &res);
	if (ktap_expect(res.ret == -EIO && ebits == 1, "got %d, bits %#lx",
			res.ret, ebits) &&
	    ktap_expect(tbuf_is_zero(&b, 8192), "buffer not zero-filled"))
		r = KTAP_PASS;
	tbuf_free(&b);
	return r;
}

void run_region_tests(void)
{
	static const unsigned int counts[] = { 1, 2, 3, 8, 63, 64, 65, 200, 1024 };
	unsigned int i, async;

	for (async = 0; async < 2; async++) {
		const char *mode = async ? "async" : "sync";

		for (i = 0; i < ARRAY_SIZE(counts); i++)
			ktap_report(multi_write(counts[i], async),
				    "regions_%s_write_%u", mode, counts[i]);
		ktap_report(error_region(3, 1, async),
			    "error_bits_%s_dm_error_1_of_3", mode);
		ktap_report(error_region(64, 63, async),
			    "error_bits_%s_dm_error_63_of_64", mode);
		ktap_report(error_region(200, 130, async),
			    "error_bits_%s_dm_error_130_of_200", mode);
		ktap_report(past_end(async), "error_bits_%s_region_past_end", mode);
		ktap_report(failed_read_zeroed(async),
			    "error_bits_%s_failed_read_zero_filled", mode);
	}
	ktap_report(zero_count(false), "zero_count_region_skipped");
	ktap_report(zero_count(true), "zero_count_region_skipped_with_preflush");
}
