// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer written the 4.x way: dm_io_client_create() without arguments,
 * a struct dm_io_request with bi_op + bi_op_flags, and DM_IO_BIO memory
 * (the data of a bio at its current iterator), also in a request filled
 * field by field on the stack.
 */
#include <dmio/dm-io.h>		/* was: #include <linux/dm-io.h> */
#include <linux/bio.h>
#include "consumer.h"

#define BIO_PAGES 4

static struct dm_io_client *io_client;
static struct page *pages[BIO_PAGES];

/*
 * Test glue, not dm-io API: a bio over pages[] (the block layer may merge
 * neighbouring pages into one bio_vec, so the pages are kept here).
 */
static struct bio *bio_of_pages(void)
{
	struct bio *bio = bio_alloc_bioset(NULL, BIO_PAGES, REQ_OP_WRITE,
					   GFP_KERNEL, &fs_bio_set);
	int i;

	if (!bio)
		return NULL;
	for (i = 0; i < BIO_PAGES; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i] ||
		    bio_add_page(bio, pages[i], PAGE_SIZE, 0) != PAGE_SIZE)
			break;	/* short: the caller sees bi_size */
	}
	return bio;
}

static void bio_free_pages_and_put(struct bio *bio)
{
	int i;

	for (i = 0; i < BIO_PAGES; i++)
		if (pages[i])
			__free_page(pages[i]);
	bio_put(bio);
}

static void bio_fill(u64 seed)
{
	int i;

	for (i = 0; i < BIO_PAGES; i++)
		pattern_fill(page_address(pages[i]), PAGE_SIZE, seed + i);
}

static bool bio_holds(u64 seed)
{
	int i;

	for (i = 0; i < BIO_PAGES; i++)
		if (!pattern_holds(page_address(pages[i]), PAGE_SIZE, seed + i))
			return false;
	return true;
}

static enum ktap_result bio_regions(void)
{
	struct dm_io_region where[3] = {
		{ d0.bdev, base + 1024, BIO_PAGES * 8 },
		{ derr.bdev ? derr.bdev : d1.bdev, base + 2048, BIO_PAGES * 8 },
		{ d1.bdev, base + 1024, BIO_PAGES * 8 },
	};
	unsigned long bits = 0, want = derr.bdev ? 2 : 0;
	struct dm_io_request req = {
		.bi_op = REQ_OP_WRITE,
		.bi_op_flags = REQ_SYNC | REQ_FUA,
		.mem.type = DM_IO_BIO,
		.notify.fn = NULL,
		.client = io_client,
	};
	enum ktap_result res = KTAP_FAIL;
	struct bio *bio = bio_of_pages();
	int r;

	if (!bio || dmio_bio_size(bio) != BIO_PAGES * PAGE_SIZE)
		goto out;
	bio_fill(40);
	req.mem.ptr.bio = bio;
	r = dm_io(&req, 3, where, &bits);
	if (!ktap_expect(bits == want && r == (want ? -EIO : 0),
			 "r %d, bits %#lx", r, bits))
		goto out;
	bio_fill(0);
	req.bi_op = REQ_OP_READ;
	req.bi_op_flags = 0;
	r = dm_io(&req, 1, &where[2], &bits);
	if (ktap_expect(!r && !bits, "read: %d", r) && bio_holds(40))
		res = KTAP_PASS;
out:
	if (bio)
		bio_free_pages_and_put(bio);
	return res;
}

/* An empty flush, as dm-raid1 and dm-log send it: zero-count regions. */
static enum ktap_result empty_flush(void)
{
	struct dm_io_region where[2] = { { d0.bdev, 0, 0 }, { d1.bdev, 0, 0 } };
	struct dm_io_request req = {
		.bi_op = REQ_OP_WRITE,
		.bi_op_flags = REQ_PREFLUSH | REQ_SYNC,
		.mem.type = DM_IO_KMEM,
		.mem.ptr.addr = NULL,
		.client = io_client,
	};
	unsigned long bits = 0;
	int r = dm_io(&req, 2, where, &bits);

	return ktap_expect(!r && !bits, "r %d, bits %#lx", r, bits) ?
	       KTAP_PASS : KTAP_FAIL;
}

/*
 * flashcache's way in 4.x: a request on the stack, set field by field and
 * never zeroed. The fill stands for what the stack held before.
 */
static int stack_io(bool write, struct bio *bio, struct dm_io_region *where,
		    unsigned long *bits)
{
	struct dm_io_request iorq;

	memset(&iorq, 0xa5, sizeof(iorq));
	iorq.bi_op = write ? REQ_OP_WRITE : REQ_OP_READ;
	iorq.bi_op_flags = write ? REQ_SYNC : 0;
	iorq.mem.type = DM_IO_BIO;
	iorq.mem.ptr.bio = bio;
	iorq.notify.fn = NULL;
	iorq.client = io_client;
	return dm_io(&iorq, 1, where, bits);
}

static enum ktap_result stack_request(void)
{
	struct dm_io_region where = { d0.bdev, base + 3072, BIO_PAGES * 8 };
	enum ktap_result res = KTAP_FAIL;
	struct bio *bio = bio_of_pages();
	unsigned long bits = ~0UL;
	int r;

	if (!bio || dmio_bio_size(bio) != BIO_PAGES * PAGE_SIZE)
		goto out;
	bio_fill(44);
	r = stack_io(true, bio, &where, &bits);
	if (!ktap_expect(!r && !bits, "write: %d, bits %#lx", r, bits))
		goto out;
	bio_fill(0);
	bits = ~0UL;
	r = stack_io(false, bio, &where, &bits);
	if (ktap_expect(!r && !bits, "read: %d, bits %#lx", r, bits) &&
	    bio_holds(44))
		res = KTAP_PASS;
out:
	if (bio)
		bio_free_pages_and_put(bio);
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
	ktap_begin("dmio-consumer-4.x");
	ktap_report(bio_regions(), "bi_op_dm_io_bio_error_bits");
	ktap_report(empty_flush(), "empty_flush_zero_count_regions");
	ktap_report(stack_request(), "bi_op_stack_request_field_by_field");
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
MODULE_DESCRIPTION("dmio drop-in consumer, 4.x style");
MODULE_LICENSE("GPL");
