// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer written the 2.6.18 way: struct io_region, dm_io_get() and
 * dm_io_put(), the classic dm_io_sync_vm() / dm_io_async_bvec() /
 * dm_io_sync() calls. Only the include line differs from that era's code.
 */
#include <dmio/dm-io-classic.h>	/* was: #include "dm-io.h" */
#include <linux/bio.h>
#include <linux/completion.h>
#include "consumer.h"

#define REGION_SECTORS	16

static unsigned long async_error;
static atomic_t async_calls;

static void write_done(unsigned long error, void *context)
{
	async_error = error;
	atomic_inc(&async_calls);
	complete(context);
}

/* Three regions, the middle one on the failing device when there is one. */
static enum ktap_result vm_write_three_regions(void)
{
	struct io_region where[3] = {
		{ d0.bdev, base, REGION_SECTORS },
		{ derr.bdev ? derr.bdev : d1.bdev, base + 64, REGION_SECTORS },
		{ d1.bdev, base, REGION_SECTORS },
	};
	unsigned long error = 0, want = derr.bdev ? 2 : 0;
	enum ktap_result res = KTAP_FAIL;
	void *buf, *rbuf;
	int r, i;

	buf = vmalloc(REGION_SECTORS * 512);
	rbuf = vmalloc(REGION_SECTORS * 512);
	if (!buf || !rbuf)
		goto out;
	pattern_fill(buf, REGION_SECTORS * 512, 1);
	r = dm_io_sync_vm(3, where, WRITE, buf, &error);
	if (!ktap_expect(error == want && r == (want ? -EIO : 0),
			 "r %d, error %#lx", r, error))
		goto out;
	for (i = 0; i < 3; i += 2) {
		memset(rbuf, 0, REGION_SECTORS * 512);
		r = dm_io_sync_vm(1, &where[i], READ, rbuf, &error);
		if (!ktap_expect(!r && !error, "read %d: %d", i, r) ||
		    !pattern_holds(rbuf, REGION_SECTORS * 512, 1))
			goto out;
	}
	res = KTAP_PASS;
out:
	vfree(buf);
	vfree(rbuf);
	return res;
}

static enum ktap_result bvec_async_write(void)
{
	struct io_region where[2] = {
		{ d0.bdev, base + 128, 16 }, { d1.bdev, base + 128, 16 },
	};
	DECLARE_COMPLETION_ONSTACK(done);
	struct bio_vec bvec[2] = { { NULL } };
	enum ktap_result res = KTAP_FAIL;
	unsigned long error = 0;
	struct page_list pl[2];
	int r, i;

	for (i = 0; i < 2; i++) {
		bvec[i].bv_page = alloc_page(GFP_KERNEL);
		bvec[i].bv_len = PAGE_SIZE;
		if (!bvec[i].bv_page)
			goto out;
		pattern_fill(page_address(bvec[i].bv_page), PAGE_SIZE, 2 + i);
	}
	atomic_set(&async_calls, 0);
	r = dm_io_async_bvec(2, where, WRITE, bvec, write_done, &done);
	if (!ktap_expect(!r, "dm_io_async_bvec: %d", r))
		goto out;
	wait_for_completion(&done);
	if (!ktap_expect(!async_error && atomic_read(&async_calls) == 1,
			 "error %#lx, %d calls", async_error, atomic_read(&async_calls)))
		goto out;
	/* Read region 1 back into the same pages as a page list. */
	for (i = 0; i < 2; i++) {
		memset(page_address(bvec[i].bv_page), 0, PAGE_SIZE);
		pl[i].page = bvec[i].bv_page;
		pl[i].next = i ? NULL : &pl[1];
	}
	r = dm_io_sync(1, &where[1], READ, pl, 0, &error);
	if (ktap_expect(!r && !error, "dm_io_sync: %d, %#lx", r, error) &&
	    pattern_holds(page_address(pl[0].page), PAGE_SIZE, 2) &&
	    pattern_holds(page_address(pl[1].page), PAGE_SIZE, 3))
		res = KTAP_PASS;
out:
	for (i = 0; i < 2; i++)
		if (bvec[i].bv_page)
			__free_page(bvec[i].bv_page);
	return res;
}

/* A classic call before dm_io_get() has no client: refused, no I/O. */
static enum ktap_result call_before_get(void)
{
	struct io_region one = { d0.bdev, base, 8 };
	unsigned long error = 0;
	void *buf = vzalloc(4096);
	int r;

	if (!buf)
		return KTAP_FAIL;
	r = dm_io_sync_vm(1, &one, WRITE, buf, &error);
	vfree(buf);
	return ktap_expect(r == -EINVAL, "got %d", r) ? KTAP_PASS : KTAP_FAIL;
}

static int __init era_init(void)
{
	int err = consumer_open();

	if (err)
		return err;
	ktap_begin("dmio-consumer-2.6.18");
	ktap_report(call_before_get(), "classic_call_before_dm_io_get_refused");
	err = dm_io_get(4);
	if (err) {
		ktap_end();
		consumer_close();
		return err;
	}
	ktap_report(vm_write_three_regions(), "io_region_dm_io_sync_vm_error_bits");
	ktap_report(bvec_async_write(), "dm_io_async_bvec_then_dm_io_sync");
	ktap_end();
	dm_io_put(4);
	consumer_close();
	return 0;
}

static void __exit era_exit(void)
{
}

module_init(era_init);
module_exit(era_exit);
MODULE_DESCRIPTION("dmio drop-in consumer, 2.6.18 style");
MODULE_LICENSE("GPL");
