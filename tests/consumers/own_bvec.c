// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer of a later era that keeps its own functions under the names
 * 2.6.26 removed, as flashcache does: a global dm_io_async_bvec() with the
 * classic signature over dm_io(), and a static dm_io_sync_vm() of its own.
 * Only the include line is dmio's; the six classic names stay the
 * consumer's.
 */
#include <dmio/dm-io.h>		/* was: #include <linux/dm-io.h> */
#include <linux/bio.h>
#include <linux/completion.h>
#include "consumer.h"

#define PAGES	4

static struct dm_io_client *io_client;

/* Declared in the consumer's own header, defined in one of its files. */
int dm_io_async_bvec(unsigned int num_regions, struct dm_io_region *where,
		     int rw, struct bio_vec *bvec, io_notify_fn fn,
		     void *context);

int dm_io_async_bvec(unsigned int num_regions, struct dm_io_region *where,
		     int rw, struct bio_vec *bvec, io_notify_fn fn,
		     void *context)
{
	struct dm_io_request iorq;

	iorq.bi_rw = rw;
	iorq.mem.type = DM_IO_BVEC;
	iorq.mem.ptr.bvec = bvec;
	iorq.notify.fn = fn;
	iorq.notify.context = context;
	iorq.client = io_client;
	return dm_io(&iorq, num_regions, where, NULL);
}

static int dm_io_sync_vm(struct dm_io_region *where, void *buf, int rw,
			 unsigned long *bits)
{
	struct dm_io_request iorq = {
		.bi_rw = rw,
		.mem.type = DM_IO_VMA,
		.mem.ptr.vma = buf,
		.client = io_client,
	};

	return dm_io(&iorq, 1, where, bits);
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

static bool pages_hold(const void *buf)
{
	int i;

	for (i = 0; i < PAGES; i++)
		if (!pattern_holds(buf + i * PAGE_SIZE, PAGE_SIZE, 90 + i))
			return false;
	return true;
}

static enum ktap_result own_wrappers_write_read(void)
{
	struct dm_io_region where[2] = {
		{ d0.bdev, base + 32768, PAGES * 8 },
		{ d1.bdev, base + 32768, PAGES * 8 },
	};
	struct bio_vec bvec[PAGES + 1] = { };
	enum ktap_result res = KTAP_FAIL;
	unsigned long bits = 0;
	struct wait_bits w;
	void *rbuf;
	int r, i;

	init_completion(&w.done);
	atomic_set(&w.calls, 0);
	rbuf = vzalloc(PAGES * PAGE_SIZE);
	for (i = 0; i < PAGES; i++) {
		bvec[i].bv_page = alloc_page(GFP_KERNEL);
		if (!bvec[i].bv_page)
			goto out;
		bvec[i].bv_len = PAGE_SIZE;
		pattern_fill(page_address(bvec[i].bv_page), PAGE_SIZE, 90 + i);
	}
	if (!rbuf)
		goto out;
	r = dm_io_async_bvec(2, where, WRITE, bvec, write_done, &w);
	if (!ktap_expect(!r, "own dm_io_async_bvec: %d", r))
		goto out;
	wait_for_completion(&w.done);
	if (!ktap_expect(!w.error && atomic_read(&w.calls) == 1,
			 "callback: bits %#lx, %d calls", w.error,
			 atomic_read(&w.calls)))
		goto out;
	res = KTAP_PASS;
	for (i = 0; i < 2 && res == KTAP_PASS; i++) {
		memset(rbuf, 0, PAGES * PAGE_SIZE);
		r = dm_io_sync_vm(&where[i], rbuf, READ, &bits);
		if (!ktap_expect(!r && !bits, "own dm_io_sync_vm: %d, %#lx", r, bits) ||
		    !ktap_expect(pages_hold(rbuf), "region %d: data differs", i))
			res = KTAP_FAIL;
	}
out:
	vfree(rbuf);
	for (i = 0; i < PAGES; i++)
		if (bvec[i].bv_page)
			__free_page(bvec[i].bv_page);
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
	ktap_begin("dmio-consumer-own-bvec");
	ktap_report(own_wrappers_write_read(),
		    "own_global_dm_io_async_bvec_and_static_dm_io_sync_vm");
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
MODULE_DESCRIPTION("dmio drop-in consumer with its own classic-named wrappers (bio_vec)");
MODULE_LICENSE("GPL");
