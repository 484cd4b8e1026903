// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input: every case must come back as a negative errno, with no I/O
 * started, no callback run, and no BUG or WARN (the harness scans the
 * console for those).
 */
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include "tests.h"

struct bad_case {
	const char *name;
	int want;		/* errno both sync and async must return */
	bool no_callback;	/* the async request must never complete */
	void (*setup)(struct dmio_request *req, struct dmio_region *where,
		      unsigned int *n, bool *skip);
};

static void *bad_mem;	/* a valid 64 KiB kernel buffer */
static atomic_t stray_calls;

static void stray_notify(const unsigned long *error_bits,
			 const unsigned long *unsup_bits, void *context)
{
	atomic_inc(&stray_calls);
}

static void null_regions(struct dmio_request *r, struct dmio_region *w,
			 unsigned int *n, bool *skip)
{
	*n = 0xdead;	/* marks: pass NULL as the region array */
}

static void zero_regions(struct dmio_request *r, struct dmio_region *w,
			 unsigned int *n, bool *skip)
{
	*n = 0;
}

static void too_many_regions(struct dmio_request *r, struct dmio_region *w,
			     unsigned int *n, bool *skip)
{
	*n = DMIO_MAX_REGIONS + 1;
}

static void null_client(struct dmio_request *r, struct dmio_region *w,
			unsigned int *n, bool *skip)
{
	r->client = NULL;
}

static void unknown_op(struct dmio_request *r, struct dmio_region *w,
		       unsigned int *n, bool *skip)
{
	r->op = 77;
}

static void unknown_flags(struct dmio_request *r, struct dmio_region *w,
			  unsigned int *n, bool *skip)
{
	r->flags = 1U << 20;
}

static void unknown_mem_type(struct dmio_request *r, struct dmio_region *w,
			     unsigned int *n, bool *skip)
{
	r->mem.type = 42;
}

static void null_mem_pointer(struct dmio_request *r, struct dmio_region *w,
			     unsigned int *n, bool *skip)
{
	r->mem.ptr.vaddr = NULL;
}

static void no_mem_for_write(struct dmio_request *r, struct dmio_region *w,
			     unsigned int *n, bool *skip)
{
	r->mem.type = DMIO_MEM_NONE;
}

static void region_without_bdev(struct dmio_request *r, struct dmio_region *w,
				unsigned int *n, bool *skip)
{
	w[0].bdev = NULL;
}

static void on_4k_device(struct dmio_region *w, bool *skip)
{
	*skip = !tdev.nullb.bdev ||
		bdev_logical_block_size(tdev.nullb.bdev) != 4096;
	w[0].bdev = tdev.nullb.bdev;
}

static void misaligned_count(struct dmio_request *r, struct dmio_region *w,
			     unsigned int *n, bool *skip)
{
	on_4k_device(w, skip);
	w[0].count = 9;
}

static void misaligned_sector(struct dmio_request *r, struct dmio_region *w,
			      unsigned int *n, bool *skip)
{
	on_4k_device(w, skip);
	w[0].sector = 1;
}

static void misaligned_memory(struct dmio_request *r, struct dmio_region *w,
			      unsigned int *n, bool *skip)
{
	on_4k_device(w, skip);
	r->mem.offset = 512;
}

static void read_of_two_regions(struct dmio_request *r, struct dmio_region *w,
				unsigned int *n, bool *skip)
{
	r->op = DMIO_OP_READ;
	*n = 2;
}

static const struct bad_case bad_cases[] = {
	{ "bad_input_null_regions", -EINVAL, true, null_regions },
	{ "bad_input_zero_regions", -EINVAL, true, zero_regions },
	{ "bad_input_too_many_regions", -EINVAL, true, too_many_regions },
	{ "bad_input_null_client", -EINVAL, true, null_client },
	{ "bad_input_unknown_op", -EINVAL, true, unknown_op },
	{ "bad_input_unknown_flags", -EINVAL, true, unknown_flags },
	{ "bad_input_unknown_mem_type", -EINVAL, true, unknown_mem_type },
	{ "bad_input_null_mem_pointer", -EINVAL, true, null_mem_pointer },
	{ "bad_input_no_memory_for_write", -EINVAL, true, no_mem_for_write },
	{ "bad_input_region_without_bdev", -EINVAL, true, region_without_bdev },
	{ "bad_input_count_not_block_multiple", -EINVAL, true, misaligned_count },
	{ "bad_input_sector_not_block_aligned", -EINVAL, true, misaligned_sector },
	{ "bad_input_memory_not_block_aligned", -EINVAL, true, misaligned_memory },
	/* dm-io's answer, which callers rely on; but one completion only. */
	{ "bad_input_read_of_two_regions", -EIO, true, read_of_two_regions },
};

static enum ktap_result bad_case_run(const struct bad_case *c, bool async)
{
	unsigned long ebits, ubits;
	struct tresult res = { .error_bits = &ebits, .unsup_bits = &ubits };
	struct dmio_region where[2] = {
		{ .bdev = tdev.ram0.bdev, .sector = 64, .count = 8 },
		{ .bdev = tdev.ram1.bdev, .sector = 64, .count = 8 },
	};
	struct dmio_request req = {
		.op = DMIO_OP_WRITE, .mem.type = DMIO_MEM_KERNEL,
		.mem.ptr.vaddr = bad_mem, .client = tclient,
	};
	unsigned int n = 1;
	bool skip = false;

	c->setup(&req, where, &n, &skip);
	if (skip)
		return KTAP_SKIP;
	if (n == 0xdead || n > ARRAY_SIZE(where)) {
		/* Cases run_request() cannot express: call dmio directly. */
		struct dmio_region *w = n == 0xdead ? NULL : where;
		unsigned int count = n == 0xdead ? 1 : n;

		atomic_set(&stray_calls, 0);
		req.notify = stray_notify;
		res.ret = async ? dmio_async(&req, count, w) :
				  dmio_sync(&req, count, w, NULL, NULL);
		msleep(20);
		res.callbacks = atomic_read(&stray_calls);
	} else {
		run_request(&req, async, n, where, &res);
	}
	return ktap_expect(res.ret == c->want && !res.callbacks,
			   "got %d (want %d), %d callbacks", res.ret, c->want,
			   res.callbacks) ? KTAP_PASS : KTAP_FAIL;
}

static enum ktap_result null_request(bool async)
{
	struct dmio_region where = { .bdev = tdev.ram0.bdev, .count = 8 };
	int ret = async ? dmio_async(NULL, 1, &where) :
			  dmio_sync(NULL, 1, &where, NULL, NULL);

	return ktap_expect(ret == -EINVAL, "got %d", ret) ? KTAP_PASS : KTAP_FAIL;
}

static enum ktap_result async_without_callback(void)
{
	struct dmio_region where = { .bdev = tdev.ram0.bdev, .sector = 64, .count = 8 };
	struct dmio_request req = {
		.op = DMIO_OP_WRITE, .mem.type = DMIO_MEM_KERNEL,
		.mem.ptr.vaddr = bad_mem, .client = tclient,
	};
	int ret = dmio_async(&req, 1, &where);

	return ktap_expect(ret == -EINVAL, "got %d", ret) ? KTAP_PASS : KTAP_FAIL;
}

void run_bad_input_tests(void)
{
	unsigned int i, async;

	bad_mem = kzalloc(SZ_64K, GFP_KERNEL);
	if (!bad_mem) {
		ktap_report(KTAP_FAIL, "bad_input_setup");
		return;
	}
	ktap_report(null_request(false), "bad_input_null_request_sync");
	ktap_report(null_request(true), "bad_input_null_request_async");
	ktap_report(async_without_callback(), "bad_input_async_without_callback");
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++)
		for (async = 0; async < 2; async++)
			ktap_report(bad_case_run(&bad_cases[i], async), "%s_%s",
				    bad_cases[i].name, async ? "async" : "sync");
	kfree(bad_mem);
}
