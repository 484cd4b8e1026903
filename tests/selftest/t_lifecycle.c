// SPDX-License-Identifier: GPL-2.0
/*
 * Life-cycle cases: a synchronous call from a context that queues bios (a
 * device-mapper map function), memory shorter than its region, and a client
 * destroyed with a request in flight.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include "tests.h"

/*
 * Inside a map function current->bio_list is set and submitted bios wait
 * there until the function returns: a sync request must still complete.
 */
static enum ktap_result sync_from_map_path(void)
{
	struct bio_list lists[2];
	unsigned long ebits, ubits;
	struct tresult res = { .error_bits = &ebits, .unsup_bits = &ubits };
	struct dmio_region where = { .bdev = tdev.ram0.bdev, .sector = 256, .count = 64 };
	struct dmio_request req = { .op = DMIO_OP_WRITE, .client = tclient };
	enum ktap_result r = KTAP_FAIL;
	struct tbuf b;

	if (tbuf_alloc(&b, DMIO_MEM_KERNEL, SZ_32K))
		return KTAP_FAIL;
	tbuf_fill(&b, 606);
	req.mem = b.mem;
	bio_list_init(&lists[0]);
	bio_list_init(&lists[1]);
	current->bio_list = lists;
	run_request(&req, false, 1, &where, &res);
	current->bio_list = NULL;
	if (ktap_expect(!res.ret && !ebits, "got %d, bits %#lx", res.ret, ebits) &&
	    ktap_expect(bio_list_empty(&lists[0]) && bio_list_empty(&lists[1]),
			"bios were queued on the caller's list") &&
	    ktap_expect(!raw_read_check(where.bdev, where.sector, 606, 0), "data"))
		r = KTAP_PASS;
	tbuf_free(&b);
	return r;
}

/* A page list that ends before its region does: the region fails. */
static enum ktap_result short_page_list(bool async)
{
	unsigned long ebits, ubits;
	struct tresult res = { .error_bits = &ebits, .unsup_bits = &ubits };
	struct dmio_region where[2] = {
		{ .bdev = tdev.ram0.bdev, .sector = 512, .count = 64 },
		{ .bdev = tdev.ram1.bdev, .sector = 512, .count = 8 },
	};
	struct dmio_request req = { .op = DMIO_OP_WRITE, .client = tclient };
	enum ktap_result r = KTAP_FAIL;
	struct tbuf b;

	/* 8 KiB of memory (minus the list's offset) for a 32 KiB region. */
	if (tbuf_alloc(&b, DMIO_MEM_PAGE_LIST, SZ_8K - 1536))
		return KTAP_FAIL;
	tbuf_fill(&b, 707);
	req.mem = b.mem;
	run_request(&req, async, 2, where, &res);
	if (ktap_expect(res.ret == -EIO && ebits == 1 && !ubits,
			"got %d, bits %#lx/%#lx", res.ret, ebits, ubits) &&
	    ktap_expect(!raw_read_check(where[1].bdev, where[1].sector, 707, 0),
			"the region that fits was written"))
		r = KTAP_PASS;
	tbuf_free(&b);
	return r;
}

struct inflight_ctx {
	struct completion done;
	atomic_t calls;
};

static void inflight_notify(const unsigned long *error_bits,
			    const unsigned long *unsup_bits, void *context)
{
	struct inflight_ctx *ctx = context;

	atomic_inc(&ctx->calls);
	complete(&ctx->done);
}

/*
 * Destroying a client with a request in flight (on a delayed device) warns
 * once and waits for the request instead of freeing under it. The warning
 * is announced to the harness, which accepts it only between the markers.
 */
static enum ktap_result destroy_with_request_in_flight(void)
{
	struct dmio_region where = { .bdev = tdev.slow.bdev, .sector = 0, .count = 8 };
	struct dmio_request req = { .op = DMIO_OP_WRITE, .notify = inflight_notify };
	struct inflight_ctx ctx;
	struct dmio_client *c;
	unsigned long start;
	struct tbuf b;
	int err;

	if (!tdev.slow.bdev)
		return KTAP_SKIP;
	c = dmio_client_create(0);
	if (IS_ERR(c))
		return KTAP_FAIL;
	if (tbuf_alloc(&b, DMIO_MEM_KERNEL, 4096)) {
		dmio_client_destroy(c);
		return KTAP_FAIL;
	}
	init_completion(&ctx.done);
	atomic_set(&ctx.calls, 0);
	req.client = c;
	req.mem = b.mem;
	req.context = &ctx;
	err = dmio_async(&req, 1, &where);
	start = jiffies;
	ktap_diag("dmio-expect-warning-begin");
	dmio_client_destroy(c);
	ktap_diag("dmio-expect-warning-end");
	ktap_diag("destroy waited %u ms", jiffies_to_msecs(jiffies - start));
	wait_for_completion(&ctx.done);
	msleep(20);
	tbuf_free(&b);
	return ktap_expect(!err && atomic_read(&ctx.calls) == 1,
			   "dmio_async %d, %d callbacks", err,
			   atomic_read(&ctx.calls)) ? KTAP_PASS : KTAP_FAIL;
}

void run_lifecycle_tests(void)
{
	ktap_report(sync_from_map_path(), "sync_from_map_path_completes");
	ktap_report(short_page_list(false), "page_list_shorter_than_region_sync");
	ktap_report(short_page_list(true), "page_list_shorter_than_region_async");
	ktap_report(destroy_with_request_in_flight(), "destroy_client_with_request_in_flight");
}
