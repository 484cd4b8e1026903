// SPDX-License-Identifier: GPL-2.0
/*
 * The completion path and the submission corners a review found: where a
 * callback runs, an asynchronous request from a map function, a failed
 * read on a blk-mq device, bio_vecs shorter than a logical block, memory
 * that ends at once, and a client destroyed right after a request let go
 * of it.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include "tests.h"

/* The engine's test hook (src/io.c). */
void dmio_test_set_put_delay(unsigned int ms);

/*
 * Where the callback runs: by default always in process context; with
 * DMIO_F_NOTIFY_ENDIO wherever the last bio ended (null_blk completes from
 * softirq), once either way, with the right bits.
 */
static enum ktap_result callback_context(bool endio)
{
	unsigned long ebits, ubits;
	struct tresult res = { .error_bits = &ebits, .unsup_bits = &ubits };
	struct dmio_region where = { .bdev = tdev.nullb.bdev, .sector = 64, .count = 64 };
	struct dmio_request req = { .op = DMIO_OP_WRITE, .client = tclient };
	enum ktap_result r = KTAP_PASS;
	void *buf;
	int i;

	if (!tdev.nullb.bdev)
		return KTAP_SKIP;
	/* Page aligned, as the device's 4 KiB blocks want. */
	buf = kmalloc(SZ_32K, GFP_KERNEL);
	if (!buf)
		return KTAP_FAIL;
	req.mem.type = DMIO_MEM_KERNEL;
	req.mem.ptr.vaddr = buf;
	if (endio)
		req.flags |= DMIO_F_NOTIFY_ENDIO;
	for (i = 0; i < 16 && r == KTAP_PASS; i++) {
		pattern_fill(buf, SZ_32K, 900 + i);
		run_request(&req, true, 1, &where, &res);
		if (!ktap_expect(!res.ret && res.callbacks == 1 && !ebits,
				 "round %d: got %d, %d callbacks, bits %#lx", i,
				 res.ret, res.callbacks, ebits) ||
		    !ktap_expect(endio || res.callback_in_task,
				 "round %d: the callback ran outside process context", i) ||
		    !ktap_expect(!raw_read_check(where.bdev, where.sector, 900 + i, 0),
				 "round %d: data", i))
			r = KTAP_FAIL;
	}
	kfree(buf);
	return r;
}

struct map_ctx {
	struct completion done;
	atomic_t calls;
	unsigned long bits;
};

static void map_notify(const unsigned long *error_bits,
		       const unsigned long *unsup_bits, void *context)
{
	struct map_ctx *ctx = context;

	ctx->bits = *error_bits | *unsup_bits;
	atomic_inc(&ctx->calls);
	complete(&ctx->done);
}

/*
 * dmio_async() inside a map function (current->bio_list set): its bios
 * must go down from dmio, not wait on the caller's list - where they sit
 * until the map function returns, and where a wait for the bioset's
 * reserve that only they refill never ends.
 */
static enum ktap_result async_from_map_path(bool endio)
{
	struct dmio_region where = { .bdev = tdev.ram0.bdev, .sector = 384, .count = 64 };
	struct dmio_request req = {
		.op = DMIO_OP_WRITE, .client = tclient, .notify = map_notify,
		.flags = endio ? DMIO_F_NOTIFY_ENDIO : 0,
	};
	enum ktap_result r = KTAP_FAIL;
	struct bio_list lists[2];
	struct map_ctx *ctx;
	bool parked, done;
	struct bio *bio;
	struct tbuf b;
	int err;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return KTAP_FAIL;
	if (tbuf_alloc(&b, DMIO_MEM_KERNEL, SZ_32K)) {
		kfree(ctx);
		return KTAP_FAIL;
	}
	init_completion(&ctx->done);
	tbuf_fill(&b, 616);
	req.mem = b.mem;
	req.context = ctx;
	bio_list_init(&lists[0]);
	bio_list_init(&lists[1]);
	current->bio_list = lists;
	err = dmio_async(&req, 1, &where);
	current->bio_list = NULL;
	parked = !bio_list_empty(&lists[0]) || !bio_list_empty(&lists[1]);
	/* What the map function's caller does: send what it queued. */
	while ((bio = bio_list_pop(&lists[0])))
		submit_bio(bio);
	while ((bio = bio_list_pop(&lists[1])))
		submit_bio(bio);
	done = !err && wait_for_completion_timeout(&ctx->done, 30 * HZ);
	if (ktap_expect(!err, "dmio_async returned %d", err) &&
	    ktap_expect(!parked, "bios waited on the map function's list") &&
	    ktap_expect(done, "no callback in 30 s") &&
	    ktap_expect(atomic_read(&ctx->calls) == 1 && !ctx->bits,
			"%d callbacks, bits %#lx", atomic_read(&ctx->calls),
			ctx->bits) &&
	    ktap_expect(!raw_read_check(where.bdev, where.sector, 616, 0), "data"))
		r = KTAP_PASS;
	tbuf_free(&b);
	/* A callback that never came may still come: leave it its context. */
	if (done || err)
		kfree(ctx);
	return r;
}

/*
 * A read that fails on a blk-mq device hands back zeroes, not the stale
 * contents of the buffer.
 */
static enum ktap_result failed_read_zeroes_blk_mq(enum dmio_mem_type type,
						  bool async)
{
	unsigned long ebits, ubits;
	struct tresult res = { .error_bits = &ebits, .unsup_bits = &ubits };
	struct dmio_region where = { .bdev = tdev.mq_err.bdev, .sector = 0, .count = 64 };
	struct dmio_request req = { .op = DMIO_OP_READ, .client = tclient };
	enum ktap_result r = KTAP_FAIL;
	struct tbuf b;

	if (!tdev.mq_err.bdev)
		return KTAP_SKIP;
	if (tbuf_alloc(&b, type, SZ_32K))
		return KTAP_FAIL;
	tbuf_poison(&b);
	req.mem = b.mem;
	run_request(&req, async, 1, &where, &res);
	if (ktap_expect(res.ret == -EIO && ebits == 1,
			"got %d, bits %#lx (device of %llu sectors)", res.ret,
			ebits, (unsigned long long)dmio_bdev_nr_sectors(where.bdev)) &&
	    ktap_expect(tbuf_is_zero(&b, SZ_32K), "the buffer kept stale bytes"))
		r = KTAP_PASS;
	tbuf_free(&b);
	return r;
}

#define SUB_VECS	127	/* 1 KiB, then 126 x 512 bytes: 64 KiB */

/* Pages and a bio_vec array whose runs are shorter than a 4 KiB block. */
struct short_vecs {
	struct page *pages[SUB_VECS];
	struct bio_vec bvec[SUB_VECS + 1];
};

static void short_vecs_free(struct short_vecs *v)
{
	int i;

	for (i = 0; i < SUB_VECS; i++)
		if (v->pages[i])
			__free_page(v->pages[i]);
	kfree(v);
}

static struct short_vecs *short_vecs_alloc(void)
{
	struct short_vecs *v = kzalloc(sizeof(*v), GFP_KERNEL);
	int i;

	if (!v)
		return NULL;
	for (i = 0; i < SUB_VECS; i++) {
		/* Every run on a page of its own: no two of them merge. */
		v->pages[i] = alloc_page(GFP_KERNEL);
		if (!v->pages[i]) {
			short_vecs_free(v);
			return NULL;
		}
		v->bvec[i].bv_page = v->pages[i];
		v->bvec[i].bv_len = i ? 512 : 1024;
		v->bvec[i].bv_offset = i ? 512 * (i % 8) : 0;
	}
	return v;
}

/* Fill with the pattern of @seed, or (@check) say whether it holds it. */
static bool short_vecs_pattern(struct short_vecs *v, u64 seed, bool check)
{
	u64 pos = 0, *p;
	unsigned int i, w;

	for (i = 0; i < SUB_VECS; i++) {
		p = page_address(v->bvec[i].bv_page) + v->bvec[i].bv_offset;
		for (w = 0; w < v->bvec[i].bv_len / 8; w++, pos += 8) {
			if (!check)
				p[w] = pattern_word(seed, pos);
			else if (p[w] != pattern_word(seed, pos))
				return ktap_expect(false, "data differs at byte %llu",
						   (unsigned long long)pos);
		}
	}
	return true;
}

/*
 * A device with 4 KiB logical blocks and bio_vecs of 1 KiB then 512 bytes,
 * each on a page of its own: every bio must still end on a block boundary,
 * and the data arrive whole, both ways.
 */
static enum ktap_result sub_block_bvecs(void)
{
	struct dmio_region where = { .bdev = tdev.nullb.bdev, .sector = 1024, .count = 128 };
	struct dmio_request req = { .op = DMIO_OP_WRITE, .client = tclient };
	enum ktap_result r = KTAP_FAIL;
	unsigned long ebits = 0, ubits = 0;
	struct short_vecs *v;
	int err, blk;

	if (!tdev.nullb.bdev)
		return KTAP_SKIP;
	v = short_vecs_alloc();
	if (!v)
		return KTAP_FAIL;
	short_vecs_pattern(v, 1212, false);
	req.mem.type = DMIO_MEM_BVEC;
	req.mem.ptr.bvec = v->bvec;
	err = dmio_sync(&req, 1, &where, &ebits, &ubits);
	if (!ktap_expect(!err && !ebits && !ubits, "write: %d, bits %#lx/%#lx",
			 err, ebits, ubits))
		goto out;
	for (blk = 0; blk < 16; blk++)
		if (!ktap_expect(!raw_read_check(where.bdev, where.sector + blk * 8,
						 1212, blk * 4096),
				 "block %d on the device", blk))
			goto out;
	/* Back through the same bio_vecs, cleared first. */
	for (blk = 0; blk < SUB_VECS; blk++)
		memzero_page(v->pages[blk], 0, PAGE_SIZE);
	req.op = DMIO_OP_READ;
	err = dmio_sync(&req, 1, &where, &ebits, &ubits);
	if (ktap_expect(!err && !ebits, "read: %d, bits %#lx", err, ebits) &&
	    short_vecs_pattern(v, 1212, true))
		r = KTAP_PASS;
out:
	short_vecs_free(v);
	return r;
}

/*
 * Memory that ends before its first byte (a page list without a page):
 * every region of the write fails, nothing is sent, no crash.
 */
static enum ktap_result memory_ends_at_once(bool async)
{
	unsigned long ebits, ubits;
	struct tresult res = { .error_bits = &ebits, .unsup_bits = &ubits };
	struct dmio_region where[2] = {
		{ .bdev = tdev.ram0.bdev, .sector = 640, .count = 8 },
		{ .bdev = tdev.ram1.bdev, .sector = 640, .count = 8 },
	};
	struct dmio_page_list empty = { .next = NULL, .page = NULL };
	struct dmio_request req = {
		.op = DMIO_OP_WRITE, .client = tclient,
		.mem.type = DMIO_MEM_PAGE_LIST, .mem.ptr.pl = &empty,
	};

	run_request(&req, async, 2, where, &res);
	return ktap_expect(res.ret == -EIO && ebits == 3 && !ubits &&
			   (!async || res.callbacks == 1),
			   "got %d, bits %#lx/%#lx, %d callbacks", res.ret,
			   ebits, ubits, res.callbacks) ? KTAP_PASS : KTAP_FAIL;
}

struct put_race {
	struct dmio_client *client;
	struct completion done;
	int err;
};

static int put_race_thread(void *data)
{
	struct put_race *race = data;
	struct dmio_region where = { .bdev = tdev.ram0.bdev, .sector = 768, .count = 8 };
	struct dmio_request req = {
		.op = DMIO_OP_WRITE, .client = race->client,
		.mem.type = DMIO_MEM_KERNEL,
	};
	void *buf = kzalloc(4096, GFP_KERNEL);

	if (buf) {
		req.mem.ptr.vaddr = buf;
		race->err = dmio_sync(&req, 1, &where, NULL, NULL);
	} else {
		race->err = -ENOMEM;
	}
	kfree(buf);
	complete(&race->done);
	return 0;
}

/*
 * A client destroyed while a request that already let go of it is still
 * on its way out (held there 300 ms by the engine's test hook): the request
 * must read nothing of the freed client. KASAN (make check-debug) reports
 * the read if it happens; without it, the case shows the order is safe.
 */
static enum ktap_result destroy_races_last_put(void)
{
	struct put_race race = { .err = -EINPROGRESS };
	struct task_struct *t;

	race.client = dmio_client_create(1);
	if (IS_ERR(race.client))
		return KTAP_FAIL;
	init_completion(&race.done);
	dmio_test_set_put_delay(300);
	t = kthread_run(put_race_thread, &race, "dmio-put-race");
	if (IS_ERR(t)) {
		dmio_test_set_put_delay(0);
		dmio_client_destroy(race.client);
		return KTAP_FAIL;
	}
	/* The write is long done, its put is in the pause: destroy now. */
	msleep(100);
	dmio_client_destroy(race.client);
	wait_for_completion(&race.done);
	dmio_test_set_put_delay(0);
	return ktap_expect(!race.err, "the write returned %d", race.err) ?
	       KTAP_PASS : KTAP_FAIL;
}

void run_completion_tests(void)
{
	ktap_report(callback_context(false), "callback_in_process_context_by_default");
	ktap_report(callback_context(true), "callback_in_endio_with_notify_endio");
	ktap_report(async_from_map_path(false), "async_from_map_path_completes");
	ktap_report(async_from_map_path(true), "async_from_map_path_completes_endio");
	ktap_report(failed_read_zeroes_blk_mq(DMIO_MEM_PAGE_LIST, false),
		    "failed_read_zeroes_blk_mq_page_list_sync");
	ktap_report(failed_read_zeroes_blk_mq(DMIO_MEM_BVEC, true),
		    "failed_read_zeroes_blk_mq_bvec_async");
	ktap_report(failed_read_zeroes_blk_mq(DMIO_MEM_VMALLOC, false),
		    "failed_read_zeroes_blk_mq_vmalloc_sync");
	ktap_report(sub_block_bvecs(), "bvecs_shorter_than_block_4k_device");
	ktap_report(memory_ends_at_once(false), "memory_ends_at_once_sync");
	ktap_report(memory_ends_at_once(true), "memory_ends_at_once_async");
	ktap_report(destroy_races_last_put(), "destroy_races_last_put");
}
