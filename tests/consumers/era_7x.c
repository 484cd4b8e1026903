// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer written the 7.x way: dm_io() with an unsupported-regions
 * bitset and an ioprio, and a three-argument io_notify_fn.
 */
#include <dmio/dm-io.h>		/* was: #include <linux/dm-io.h> */
#include <linux/completion.h>
#include <linux/ioprio.h>
#include "consumer.h"

static struct dm_io_client *io_client;

struct io_wait {
	struct completion done;
	unsigned long error;
	unsigned long unsup;
};

static void io_callback(unsigned long error, unsigned long unsup, void *context)
{
	struct io_wait *w = context;

	w->error = error;
	w->unsup = unsup;
	complete(&w->done);
}

/*
 * Discard to a zero-count region, a device without discard and a region
 * past a device's end: unsupported and failed regions are told apart.
 */
static enum ktap_result discard_bits(bool async)
{
	struct dm_io_region where[3] = {
		{ d0.bdev, base + 16384, 0 },	/* skipped: no bit */
		{ dnodiscard.bdev, 0, 64 },
		{ d1.bdev, (sector_t)-128, 64 },	/* past the end: fails */
	};
	unsigned long bits = 0, unsup = 0;
	struct io_wait w;
	struct dm_io_request req = {
		.bi_opf = REQ_OP_DISCARD,
		.mem.type = DM_IO_KMEM,
		.notify.fn = async ? io_callback : NULL,
		.notify.context = &w,
		.client = io_client,
	};
	int r;

	if (!dnodiscard.bdev)
		return KTAP_SKIP;
	init_completion(&w.done);
	r = dm_io(&req, 3, where, &bits, &unsup, IOPRIO_DEFAULT);
	if (async && !r) {
		wait_for_completion(&w.done);
		bits = w.error;
		unsup = w.unsup;
		r = bits ? -EIO : unsup ? -EOPNOTSUPP : 0;
	}
	return ktap_expect(r == -EIO && bits == 4 && unsup == 2,
			   "r %d, bits %#lx, unsup %#lx", r, bits, unsup) ?
	       KTAP_PASS : KTAP_FAIL;
}

static enum ktap_result only_unsupported(void)
{
	struct dm_io_region where = { dnodiscard.bdev, 0, 64 };
	struct dm_io_request req = {
		.bi_opf = REQ_OP_DISCARD,
		.mem.type = DM_IO_KMEM,
		.client = io_client,
	};
	unsigned long bits = 0, unsup = 0;
	int r;

	if (!dnodiscard.bdev)
		return KTAP_SKIP;
	r = dm_io(&req, 1, &where, &bits, &unsup, IOPRIO_DEFAULT);
	return ktap_expect(r == -EOPNOTSUPP && !bits && unsup == 1,
			   "r %d, bits %#lx, unsup %#lx", r, bits, unsup) ?
	       KTAP_PASS : KTAP_FAIL;
}

static enum ktap_result write_read(void)
{
	struct dm_io_region where[2] = {
		{ d0.bdev, base + 20480, 8 }, { d1.bdev, base + 20480, 8 },
	};
	unsigned long bits = 0, unsup = 0;
	struct dm_io_request req = {
		.bi_opf = REQ_OP_WRITE | REQ_FUA,
		.mem.type = DM_IO_KMEM,
		.client = io_client,
	};
	enum ktap_result res = KTAP_FAIL;
	void *buf = kmalloc(4096, GFP_KERNEL);
	int r;

	if (!buf)
		return KTAP_FAIL;
	pattern_fill(buf, 4096, 70);
	req.mem.ptr.addr = buf;
	r = dm_io(&req, 2, where, &bits, &unsup, IOPRIO_DEFAULT);
	if (!ktap_expect(!r && !bits && !unsup, "write: %d", r))
		goto out;
	memset(buf, 0, 4096);
	req.bi_opf = REQ_OP_READ;
	r = dm_io(&req, 1, &where[1], &bits, &unsup, IOPRIO_DEFAULT);
	if (ktap_expect(!r, "read: %d", r) && pattern_holds(buf, 4096, 70))
		res = KTAP_PASS;
out:
	kfree(buf);
	return res;
}

/*
 * What the drop-in refuses, as dm-io does: a clear errno, no I/O, no
 * callback. An operation no device offers is no refusal: dm-io hands it to
 * the block layer, which fails it, so it is reported through the bits.
 */
static enum ktap_result refusals(void)
{
	struct dm_io_region *many;
	struct dm_io_region one = { d0.bdev, base + 24576, 8 };
	struct dm_io_request req = {
		.bi_opf = REQ_OP_WRITE,
		.mem.type = DM_IO_KMEM,
		.client = io_client,
	};
	unsigned long bits = 0, unsup = 0;
	enum ktap_result res = KTAP_FAIL;
	void *buf = kzalloc(4096, GFP_KERNEL);
	int r1, r2, r3;

	many = kcalloc(BITS_PER_LONG + 1, sizeof(*many), GFP_KERNEL);
	if (!buf || !many)
		goto out;
	req.mem.ptr.addr = buf;
	/* More regions than an unsigned long bitset holds. */
	r1 = dm_io(&req, BITS_PER_LONG + 1, many, &bits, &unsup, IOPRIO_DEFAULT);
	/* A memory type no era had. */
	req.mem.type = 17;
	r2 = dm_io(&req, 1, &one, &bits, &unsup, IOPRIO_DEFAULT);
	/*
	 * An operation dm-io never offered: every bit of the operation field
	 * set, which names no operation on any kernel (REQ_OP_ZONE_RESET and
	 * its kind are 4.10 and later).
	 */
	req.mem.type = DM_IO_KMEM;
	req.bi_opf = REQ_OP_MASK;
	r3 = dm_io(&req, 1, &one, &bits, &unsup, IOPRIO_DEFAULT);
	if (ktap_expect(r1 == -EINVAL && r2 == -EINVAL && r3 == -EOPNOTSUPP &&
			bits == 0 && unsup == 1, "got %d %d %d, bits %#lx unsup %#lx",
			r1, r2, r3, bits, unsup))
		res = KTAP_PASS;
out:
	kfree(many);
	kfree(buf);
	return res;
}

static int __init era_init(void)
{
	int err = consumer_open();

	if (err)
		return err;
	io_client = dm_io_client_create();
	if (IS_ERR(io_client)) {
		consumer_close();
		return PTR_ERR(io_client);
	}
	ktap_begin("dmio-consumer-7.x");
	ktap_report(write_read(), "bi_opf_unsup_bits_write_read");
	ktap_report(discard_bits(false), "unsup_and_error_bits_sync");
	ktap_report(discard_bits(true), "unsup_and_error_bits_async_three_args");
	ktap_report(only_unsupported(), "only_unsupported_is_eopnotsupp");
	ktap_report(refusals(), "drop_in_refuses_what_dm_io_refuses");
	ktap_end();
	dm_io_client_destroy(io_client);
	consumer_close();
	return 0;
}

static void __exit era_exit(void)
{
}

module_init(era_init);
module_exit(era_exit);
MODULE_DESCRIPTION("dmio drop-in consumer, 7.x style");
MODULE_LICENSE("GPL");
