// SPDX-License-Identifier: GPL-2.0
/*
 * Operations beyond read and write: flush (empty too), FUA, discard, write
 * zeroes and I/O priority, on a device without a cache (brd) and one with a
 * volatile write cache and 4 KiB blocks (null_blk). A device that lacks an
 * operation must report it in the unsupported bits, not as an error.
 */
#include <linux/blkdev.h>
#include <linux/ioprio.h>
#include <linux/sizes.h>
#include "tests.h"

#define OPS_BASE	8192	/* 4 MiB into the devices */
#define OPS_LEN		SZ_256K

#define OP_DEVS 3

static struct block_device *op_dev(unsigned int i)
{
	struct dmio_bdev *devs[OP_DEVS] = { &tdev.ram0, &tdev.nullb, &tdev.loop };

	return devs[i]->bdev;
}

static const char *op_dev_name(unsigned int i)
{
	static const char * const names[OP_DEVS] = { "ram0", "nullb", "loop" };

	return names[i];
}

static enum ktap_result flush_case(unsigned int count, bool async)
{
	unsigned long ebits, ubits;
	struct tresult res = { .error_bits = &ebits, .unsup_bits = &ubits };
	struct dmio_region where[2] = {
		{ .bdev = tdev.ram0.bdev, .sector = OPS_BASE, .count = count },
		{ .bdev = tdev.nullb.bdev, .sector = OPS_BASE, .count = count },
	};
	struct dmio_request req = {
		.op = DMIO_OP_FLUSH, .mem.type = DMIO_MEM_NONE, .client = tclient,
	};

	if (!tdev.nullb.bdev)
		return KTAP_SKIP;
	run_request(&req, async, 2, where, &res);
	return ktap_expect(!res.ret && !ebits && !ubits, "got %d, bits %#lx/%#lx",
			   res.ret, ebits, ubits) ? KTAP_PASS : KTAP_FAIL;
}

/* A write with @flags to both devices, read back from each. */
static enum ktap_result flagged_write(unsigned int flags, unsigned short ioprio)
{
	unsigned long ebits, ubits;
	struct tresult res = { .error_bits = &ebits, .unsup_bits = &ubits };
	struct dmio_region where[2] = {
		{ .bdev = tdev.ram0.bdev, .sector = OPS_BASE, .count = OPS_LEN >> 9 },
		{ .bdev = tdev.nullb.bdev, .sector = OPS_BASE, .count = OPS_LEN >> 9 },
	};
	struct dmio_request req = {
		.op = DMIO_OP_WRITE, .flags = flags, .ioprio = ioprio,
		.client = tclient,
	};
	enum ktap_result r = KTAP_FAIL;
	u64 seed = 900 + flags + ioprio;
	unsigned int i;
	struct tbuf b;

	if (!tdev.nullb.bdev)
		return KTAP_SKIP;
	if (tbuf_alloc(&b, DMIO_MEM_KERNEL, OPS_LEN))
		return KTAP_FAIL;
	tbuf_fill(&b, seed);
	req.mem = b.mem;
	run_request(&req, false, 2, where, &res);
	if (!ktap_expect(!res.ret && !ebits && !ubits, "write: %d", res.ret))
		goto out;
	req.op = DMIO_OP_READ;
	req.flags = 0;
	for (i = 0; i < 2; i++) {
		tbuf_poison(&b);
		run_request(&req, false, 1, &where[i], &res);
		if (!ktap_expect(!res.ret, "read %s: %d", op_dev_name(i), res.ret) ||
		    !tbuf_check(&b, seed, OPS_LEN))
			goto out;
	}
	r = KTAP_PASS;
out:
	tbuf_free(&b);
	return r;
}

static bool op_supported(struct block_device *bdev, enum dmio_op op)
{
	if (op == DMIO_OP_DISCARD)
		return bdev_max_discard_sectors(bdev) != 0;
	return bdev_write_zeroes_sectors(bdev) != 0;
}

/*
 * Discard or write zeroes on one device. Supported: success, and write
 * zeroes reads back as zeroes. Not supported: -EOPNOTSUPP and the region's
 * unsupported bit, with no error bit.
 */
static enum ktap_result dataless_case(enum dmio_op op, unsigned int d, bool async)
{
	struct block_device *bdev = op_dev(d);
	unsigned long ebits, ubits;
	struct tresult res = { .error_bits = &ebits, .unsup_bits = &ubits };
	struct dmio_region where = {
		.bdev = bdev, .sector = OPS_BASE, .count = SZ_1M >> 9,
	};
	struct dmio_request req = { .op = DMIO_OP_WRITE, .client = tclient };
	enum ktap_result r = KTAP_FAIL;
	bool supported;
	struct tbuf b;

	if (!bdev)
		return KTAP_SKIP;
	supported = op_supported(bdev, op);
	ktap_diag("%s %s the operation", op_dev_name(d),
		  supported ? "supports" : "lacks");
	if (tbuf_alloc(&b, DMIO_MEM_KERNEL, SZ_1M))
		return KTAP_FAIL;
	tbuf_fill(&b, 42);
	req.mem = b.mem;
	run_request(&req, false, 1, &where, &res);
	req.op = op;
	req.mem.type = DMIO_MEM_NONE;
	run_request(&req, async, 1, &where, &res);
	if (!supported) {
		if (ktap_expect(res.ret == -EOPNOTSUPP && ubits == 1 && !ebits,
				"got %d, bits %#lx/%#lx", res.ret, ebits, ubits))
			r = KTAP_PASS;
		goto out;
	}
	if (!ktap_expect(!res.ret && !ebits && !ubits, "got %d, bits %#lx/%#lx",
			 res.ret, ebits, ubits))
		goto out;
	if (op == DMIO_OP_WRITE_ZEROES) {
		req.op = DMIO_OP_READ;
		req.mem = b.mem;
		tbuf_poison(&b);
		run_request(&req, false, 1, &where, &res);
		if (!ktap_expect(!res.ret && tbuf_is_zero(&b, SZ_1M),
				 "write zeroes did not read back as zeroes"))
			goto out;
	}
	r = KTAP_PASS;
out:
	tbuf_free(&b);
	return r;
}

/* One request over devices that have the op and devices that lack it. */
static enum ktap_result mixed_support(enum dmio_op op)
{
	unsigned long ebits, ubits, want = 0;
	struct tresult res = { .error_bits = &ebits, .unsup_bits = &ubits };
	struct dmio_region where[OP_DEVS];
	struct dmio_request req = {
		.op = op, .mem.type = DMIO_MEM_NONE, .client = tclient,
	};
	unsigned int i;

	for (i = 0; i < OP_DEVS; i++) {
		where[i].bdev = op_dev(i);
		where[i].sector = OPS_BASE;
		where[i].count = 64;
		if (!where[i].bdev)
			return KTAP_SKIP;
		if (!op_supported(where[i].bdev, op))
			want |= BIT(i);
	}
	if (!want || want == GENMASK(OP_DEVS - 1, 0))
		return KTAP_SKIP;	/* all devices agree: nothing to mix */
	run_request(&req, false, OP_DEVS, where, &res);
	return ktap_expect(res.ret == -EOPNOTSUPP && ubits == want && !ebits,
			   "got %d, bits %#lx/%#lx, want unsupported %#lx",
			   res.ret, ebits, ubits, want) ? KTAP_PASS : KTAP_FAIL;
}

void run_op_tests(void)
{
	unsigned int d, async;

	ktap_report(flush_case(0, false), "flush_empty_sync");
	ktap_report(flush_case(0, true), "flush_empty_async");
	ktap_report(flush_case(8, false), "flush_regions_sync");
	ktap_report(flagged_write(DMIO_F_FUA, 0), "write_fua");
	ktap_report(flagged_write(DMIO_F_PREFLUSH | DMIO_F_FUA, 0), "write_preflush_fua");
	ktap_report(flagged_write(0, IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 3)), "write_ioprio_be3");
	ktap_report(flagged_write(0, IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0)), "write_ioprio_idle");
	for (d = 0; d < OP_DEVS; d++)
		for (async = 0; async < 2; async++) {
			ktap_report(dataless_case(DMIO_OP_DISCARD, d, async),
				    "discard_%s_%s", op_dev_name(d), async ? "async" : "sync");
			ktap_report(dataless_case(DMIO_OP_WRITE_ZEROES, d, async),
				    "write_zeroes_%s_%s", op_dev_name(d), async ? "async" : "sync");
		}
	ktap_report(mixed_support(DMIO_OP_DISCARD), "discard_mixed_support_bits");
	ktap_report(mixed_support(DMIO_OP_WRITE_ZEROES), "write_zeroes_mixed_support_bits");
}
