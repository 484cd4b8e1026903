/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the selftest: the test devices, buffers of every memory
 * type (built and checked without dmio's own iterators), a position-keyed
 * data pattern, raw reads that bypass dmio, and sync/async request runners.
 */
#ifndef _DMIO_SELFTEST_UTIL_H
#define _DMIO_SELFTEST_UTIL_H

#include <linux/bio.h>
#include <dmio/dmio.h>
#include "ktap.h"

/* The devices the guest sets up; a missing one skips its tests. */
struct test_devs {
	struct dmio_bdev ram0;		/* brd: 512-byte blocks, no cache */
	struct dmio_bdev ram1;		/* brd, for multi-region writes */
	struct dmio_bdev nullb;		/* null_blk: 4 KiB blocks, write cache */
	struct dmio_bdev err;		/* dm-error: every I/O fails */
	struct dmio_bdev loop;		/* loop on tmpfs: write zeroes */
	struct dmio_bdev slow;		/* dm-delay: I/O held for a while */
	struct dmio_bdev mq_err;	/* null_blk: I/O to sectors 0-511 fails */
};

extern struct test_devs tdev;
extern struct dmio_client *tclient;

/* A run of bytes of a test buffer, as the test itself laid it out. */
struct tseg {
	struct page *page;
	unsigned int offset;
	unsigned int len;
};

/* A test buffer of any memory type, and the layout behind it. */
struct tbuf {
	struct dmio_memory mem;
	size_t len;
	void *vaddr;			/* vmalloc / kernel memory */
	unsigned int nsegs;
	struct tseg *segs;		/* page list / bvec / bio memory */
	struct dmio_page_list *pl;
	struct bio_vec *bvec;
	struct bio *bio;
	struct page **pages;		/* every page allocated, to free */
	unsigned int npages;
	unsigned int page_order;
};

int tbuf_alloc(struct tbuf *b, enum dmio_mem_type type, size_t len);
void tbuf_free(struct tbuf *b);
void tbuf_fill(struct tbuf *b, u64 seed);
void tbuf_poison(struct tbuf *b);
bool tbuf_check(struct tbuf *b, u64 seed, size_t len);
bool tbuf_is_zero(struct tbuf *b, size_t len);
const char *mem_type_name(enum dmio_mem_type type);

/* Pattern word at byte offset @pos of data written with @seed. */
static inline u64 pattern_word(u64 seed, u64 pos)
{
	return (seed * 0x9E3779B97F4A7C15ULL) ^ (pos * 0xBF58476D1CE4E5B9ULL) ^ pos;
}

/* Fill a plain buffer with the pattern of @seed, or check it holds it. */
static inline void pattern_fill(void *buf, size_t len, u64 seed)
{
	u64 *p = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		p[i] = pattern_word(seed, i * 8);
}

static inline bool pattern_holds(const void *buf, size_t len, u64 seed)
{
	const u64 *p = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (p[i] != pattern_word(seed, i * 8)) {
			ktap_diag("data differs at byte %zu", i * 8);
			return false;
		}
	return true;
}

int raw_read_check(struct block_device *bdev, sector_t sector, u64 seed,
		   u64 pattern_pos);

/* Outcome of one request run through the helpers below. */
struct tresult {
	int ret;			/* return of dmio_sync/dmio_async */
	unsigned long *error_bits;	/* caller-provided, num_regions bits */
	unsigned long *unsup_bits;
	int callbacks;			/* async: how many times notify ran */
	bool callback_in_task;		/* async: notify ran in process context */
};

int run_request(struct dmio_request *req, bool async, unsigned int n,
		struct dmio_region *where, struct tresult *res);

#endif
