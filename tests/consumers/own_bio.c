// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer of a later era that keeps its own functions under the names
 * 2.6.26 removed, as rapiddisk-cache does: a global dm_io_async_bvec()
 * that takes a struct bio (not the classic bio_vec array) over dm_io(),
 * and a static dm_io_sync() of its own. Only the include line is dmio's.
 */
#include <dmio/dm-io.h>		/* was: #include <linux/dm-io.h> */
#include <linux/bio.h>
#include <linux/completion.h>
#include "consumer.h"

#define PAGES	4

static struct dm_io_client *io_client;
static struct page *pages[PAGES];

int dm_io_async_bvec(unsigned int num_regions, struct dm_io_region *where,
		     int rw, struct bio *bio, io_notify_fn fn, void *context);

int dm_io_async_bvec(unsigned int num_regions, struct dm_io_region *where,
		     int rw, struct bio *bio, io_notify_fn fn, void *context)
{
	struct dm_io_request iorq;

	iorq.bi_opf = (__force __typeof__(iorq.bi_opf))rw;
	iorq.mem.type = DM_IO_BIO;
	iorq.mem.ptr.bio = bio;
	iorq.notify.fn = fn;
	iorq.notify.context = context;
	iorq.client = io_client;
	return dm_io(&iorq, num_regions, where, NULL);
}

static int dm_io_sync(struct dm_io_region *where, void *buf)
{
	struct dm_io_request iorq = {
		.bi_opf = REQ_OP_READ,
		.mem.type = DM_IO_KMEM,
		.mem.ptr.addr = buf,
		.client = io_client,
	};
	unsigned long bits = 0;
	int r = dm_io(&iorq, 1, where, &bits);

	return r ? r : bits ? -EIO : 0;
}

/* Test glue, not dm-io API: a bio over pages[] holding the pattern. */
static struct bio *bio_of_pages(void)
{
	struct bio *bio = bio_alloc_bioset(NULL, PAGES, REQ_OP_WRITE,
					   GFP_KERNEL, &fs_bio_set);
	int i;

	if (!bio)
		return NULL;
	for (i = 0; i < PAGES; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i] ||
		    bio_add_page(bio, pages[i], PAGE_SIZE, 0) != PAGE_SIZE)
			break;	/* short: the caller sees the size */
		pattern_fill(page_address(pages[i]), PAGE_SIZE, 110 + i);
	}
	return bio;
}

struct wait_bits {
	struct completion done;
	unsigned long error;
	atomic_t calls;
};

static void write_done(unsigned long error, void *context)
{
	struct wait_bits *w = context;

	w->error = error;
	atomic_inc(&w->calls);
	complete(&w->done);
}

static enum ktap_result own_wrappers_write_read(void)
{
	struct dm_io_region where[2] = {
		{ d0.bdev, base + 40960, PAGES * 8 },
		{ d1.bdev, base + 40960, PAGES * 8 },
	};
	enum ktap_result res = KTAP_FAIL;
	struct bio *bio = bio_of_pages();
	struct wait_bits w;
	void *rbuf = kzalloc(PAGES * PAGE_SIZE, GFP_KERNEL);
	int r, i;

	init_completion(&w.done);
	atomic_set(&w.calls, 0);
	if (!bio || !rbuf || dmio_bio_size(bio) != PAGES * PAGE_SIZE)
		goto out;
	r = dm_io_async_bvec(2, where, (__force int)REQ_OP_WRITE, bio, write_done, &w);
	if (!ktap_expect(!r, "own dm_io_async_bvec: %d", r))
		goto out;
	wait_for_completion(&w.done);
	if (!ktap_expect(!w.error && atomic_read(&w.calls) == 1,
			 "callback: bits %#lx, %d calls", w.error,
			 atomic_read(&w.calls)))
		goto out;
	res = KTAP_PASS;
	for (i = 0; i < 2; i++) {
		memset(rbuf, 0, PAGES * PAGE_SIZE);
		r = dm_io_sync(&where[i], rbuf);
		if (!ktap_expect(!r, "own dm_io_sync: %d", r))
			res = KTAP_FAIL;
		for (r = 0; r < PAGES; r++)
			if (!ktap_expect(pattern_holds(rbuf + r * PAGE_SIZE,
						       PAGE_SIZE, 110 + r),
					 "region %d page %d differs", i, r))
				res = KTAP_FAIL;
	}
out:
	kfree(rbuf);
	for (i = 0; i < PAGES; i++)
		if (pages[i])
			__free_page(pages[i]);
	if (bio)
		bio_put(bio);
	return res;
}

static int __init own_init(void)
{
	int err = consumer_open();

	if (err)
		return err;
	io_client = dm_io_client_create();
	if (IS_ERR(io_client)) {
		consumer_close();
		return PTR_ERR(io_client);
	}
	ktap_begin("dmio-consumer-own-bio");
	ktap_report(own_wrappers_write_read(),
		    "own_global_dm_io_async_bvec_of_a_bio_and_static_dm_io_sync");
	ktap_end();
	dm_io_client_destroy(io_client);
	consumer_close();
	return 0;
}

static void __exit own_exit(void)
{
}

module_init(own_init);
module_exit(own_exit);
MODULE_DESCRIPTION("dmio drop-in consumer with its own classic-named wrappers (bio)");
MODULE_LICENSE("GPL");
