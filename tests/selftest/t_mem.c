// SPDX-License-Identifier: GPL-2.0
/*
 * Every memory type, sync and async, read and write, 512 B to 16 MiB: write
 * a pattern, check two blocks of it on the device without dmio, read it back
 * into a poisoned buffer of the same type and compare every byte.
 */
#include <linux/blkdev.h>
#include <linux/sizes.h>
#include "tests.h"

#define MEM_BASE_SECTOR	2048	/* 1 MiB into the device */

static enum ktap_result mem_case(enum dmio_mem_type type, bool async, size_t len)
{
	struct block_device *bdev = tdev.ram0.bdev;
	unsigned long ebits, ubits;
	struct tresult res = { .error_bits = &ebits, .unsup_bits = &ubits };
	struct dmio_region where = {
		.bdev = bdev, .sector = MEM_BASE_SECTOR, .count = len >> SECTOR_SHIFT,
	};
	struct dmio_request req = { .op = DMIO_OP_WRITE, .client = tclient };
	u64 seed = len * 31 + type * 7 + async;
	enum ktap_result r = KTAP_FAIL;
	struct tbuf b;
	int err;

	err = tbuf_alloc(&b, type, len);
	if (err == -E2BIG)
		return KTAP_SKIP;	/* e.g. kmalloc() cannot give 16 MiB */
	if (err)
		return KTAP_FAIL;
	tbuf_fill(&b, seed);
	req.mem = b.mem;
	run_request(&req, async, 1, &where, &res);
	if (!ktap_expect(!res.ret && !ebits && !ubits, "write: %d, bits %#lx/%#lx",
			 res.ret, ebits, ubits))
		goto out;
	if (async && !ktap_expect(res.callbacks == 1 && res.callback_in_task,
				  "callbacks %d, in task %d", res.callbacks,
				  res.callback_in_task))
		goto out;
	/* First and last block, read around dmio: the bytes are where asked. */
	if (!ktap_expect(!raw_read_check(bdev, MEM_BASE_SECTOR, seed, 0), "first block") ||
	    !ktap_expect(!raw_read_check(bdev, MEM_BASE_SECTOR + (len >> SECTOR_SHIFT) - 1,
					 seed, len - SECTOR_SIZE), "last block"))
		goto out;
	tbuf_poison(&b);
	req.op = DMIO_OP_READ;
	req.mem = b.mem;
	run_request(&req, async, 1, &where, &res);
	if (!ktap_expect(!res.ret && !ebits, "read: %d, bits %#lx", res.ret, ebits))
		goto out;
	if (tbuf_check(&b, seed, len))
		r = KTAP_PASS;
out:
	tbuf_free(&b);
	return r;
}

void run_mem_tests(void)
{
	static const size_t sizes[] = { 512, 4096, 65536 + 1536, SZ_1M, SZ_16M };
	static const enum dmio_mem_type types[] = {
		DMIO_MEM_PAGE_LIST, DMIO_MEM_BVEC, DMIO_MEM_BIO,
		DMIO_MEM_VMALLOC, DMIO_MEM_KERNEL,
	};
	unsigned int t, s, async;

	for (t = 0; t < ARRAY_SIZE(types); t++)
		for (async = 0; async < 2; async++)
			for (s = 0; s < ARRAY_SIZE(sizes); s++)
				ktap_report(mem_case(types[t], async, sizes[s]),
					    "mem_%s_%s_%zu", mem_type_name(types[t]),
					    async ? "async" : "sync", sizes[s]);
}
