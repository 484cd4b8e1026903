// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer written the 2.6.26 to 3.x way: struct dm_io_region,
 * dm_io_client_create(num_pages) and dm_io_client_resize(), a
 * struct dm_io_request with bi_rw, DM_IO_BVEC memory and the
 * four-argument dm_io(), with the request words of the time (WRITE_FLUSH),
 * also in a request filled field by field on the stack (flashcache's way).
 */
#include <dmio/dm-io.h>		/* was: #include <linux/dm-io.h> */
#include <linux/bio.h>
#include <linux/completion.h>
#include "consumer.h"

static struct dm_io_client *io_client;

struct io_wait {
	struct completion done;
	unsigned long error;
};

static void io_callback(unsigned long error, void *context)
{
	struct io_wait *w = context;

	w->error = error;
	complete(&w->done);
}

static int do_io(int rw, struct bio_vec *bvec, unsigned int n,
		 struct dm_io_region *where, unsigned long *bits, bool async)
{
	struct io_wait w;
	struct dm_io_request req = {
		.bi_rw = rw,
		.mem.type = DM_IO_BVEC,
		.mem.ptr.bvec = bvec,
		.notify.fn = async ? io_callback : NULL,
		.notify.context = &w,
		.client = io_client,
	};
	int r;

	init_completion(&w.done);
	r = dm_io(&req, n, where, bits);
	if (r || !async)
		return r;
	wait_for_completion(&w.done);
	*bits = w.error;
	return w.error ? -EIO : 0;
}

static enum ktap_result bvec_regions(bool async)
{
	struct dm_io_region where[3] = {
		{ d0.bdev, base + 256, 8 },
		{ derr.bdev ? derr.bdev : d1.bdev, base + 512, 8 },
		{ d1.bdev, base + 256, 8 },
	};
	unsigned long bits = 0, want = derr.bdev ? 2 : 0;
	struct bio_vec bvec = { .bv_len = 4096 };
	enum ktap_result res = KTAP_FAIL;
	int r;

	bvec.bv_page = alloc_page(GFP_KERNEL);
	if (!bvec.bv_page)
		return KTAP_FAIL;
	pattern_fill(page_address(bvec.bv_page), 4096, 10 + async);
	r = do_io(WRITE, &bvec, 3, where, &bits, async);
	if (!ktap_expect(bits == want && r == (want ? -EIO : 0),
			 "r %d, bits %#lx", r, bits))
		goto out;
	memset(page_address(bvec.bv_page), 0, 4096);
	r = do_io(READ, &bvec, 1, &where[2], &bits, async);
	if (ktap_expect(!r && !bits, "read: %d", r) &&
	    pattern_holds(page_address(bvec.bv_page), 4096, 10 + async))
		res = KTAP_PASS;
out:
	__free_page(bvec.bv_page);
	return res;
}

/*
 * flashcache's way: a request on the stack, set field by field and never
 * zeroed (mem.offset neither: dm-io reads it for page lists only). The
 * fill stands for what the stack held before.
 */
static int stack_io(int rw, struct bio_vec *bvec, struct dm_io_region *where,
		    unsigned long *bits)
{
	struct dm_io_request iorq;

	memset(&iorq, 0xa5, sizeof(iorq));
	iorq.bi_rw = rw;
	iorq.mem.type = DM_IO_BVEC;
	iorq.mem.ptr.bvec = bvec;
	iorq.notify.fn = NULL;
	iorq.client = io_client;
	return dm_io(&iorq, 1, where, bits);
}

/*
 * A data write with WRITE_FLUSH_FUA and a READ_SYNC read back, both from a
 * stack request, then dm-log's flush (WRITE_FLUSH, no sectors). A stale
 * byte taken into the operation, or a word without its write bit, would
 * read instead of writing, and the pattern fail.
 */
static enum ktap_result stack_request_flush_words(void)
{
	struct dm_io_region where = { d0.bdev, base + 768, 8 };
	struct dm_io_region none[2] = {
		{ d0.bdev, base + 768, 0 },
		{ d1.bdev, base + 768, 0 },
	};
	struct bio_vec bvec = { .bv_len = 4096 };
	enum ktap_result res = KTAP_FAIL;
	unsigned long bits = ~0UL;
	int r;

	bvec.bv_page = alloc_page(GFP_KERNEL);
	if (!bvec.bv_page)
		return KTAP_FAIL;
	pattern_fill(page_address(bvec.bv_page), 4096, 12);
	r = stack_io(WRITE_FLUSH_FUA, &bvec, &where, &bits);
	if (!ktap_expect(!r && !bits, "WRITE_FLUSH_FUA: %d, bits %#lx", r, bits))
		goto out;
	memset(page_address(bvec.bv_page), 0, 4096);
	bits = ~0UL;
	r = stack_io(READ_SYNC, &bvec, &where, &bits);
	if (!ktap_expect(!r && !bits, "READ_SYNC: %d, bits %#lx", r, bits) ||
	    !pattern_holds(page_address(bvec.bv_page), 4096, 12))
		goto out;
	bits = ~0UL;
	r = do_io(WRITE_FLUSH, NULL, 2, none, &bits, false);
	if (ktap_expect(!r && !bits, "WRITE_FLUSH: %d, bits %#lx", r, bits))
		res = KTAP_PASS;
out:
	__free_page(bvec.bv_page);
	return res;
}

static int __init era_init(void)
{
	int err = consumer_open();

	if (err)
		return err;
	io_client = dm_io_client_create(16);
	if (IS_ERR(io_client)) {
		consumer_close();
		return PTR_ERR(io_client);
	}
	ktap_begin("dmio-consumer-2.6.26");
	ktap_report(dm_io_client_resize(64, io_client) ? KTAP_FAIL : KTAP_PASS,
		    "dm_io_client_resize");
	ktap_report(bvec_regions(false), "bi_rw_dm_io_bvec_sync_error_bits");
	ktap_report(bvec_regions(true), "bi_rw_dm_io_bvec_async_error_bits");
	ktap_report(stack_request_flush_words(),
		    "bi_rw_stack_request_write_flush_fua_read_sync");
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
MODULE_DESCRIPTION("dmio drop-in consumer, 2.6.26-3.x style");
MODULE_LICENSE("GPL");
