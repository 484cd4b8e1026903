/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test glue of the kcopyd consumers (kc_*.c): put a pattern on a region
 * and check it, through dmio's native API, and wait for a copy's callback.
 * The kcopyd calls themselves are written in each consumer the way code of
 * its era was written; only the include line points at dmio.
 */
#ifndef _DMIO_KC_GLUE_H
#define _DMIO_KC_GLUE_H

#include <linux/completion.h>
#include <linux/delay.h>
#include "consumer.h"

/* Sectors of one copy: more than one piece, and an odd count. */
#define KC_SECTORS	(2048 + 2048 + 1)

static struct dmio_client *glue_client;

/* What a copy's callback reported. */
struct kc_wait {
	struct completion done;
	atomic_t calls;
	int read_err;
	unsigned long write_err;
};

static inline void kc_wait_init(struct kc_wait *w)
{
	init_completion(&w->done);
	atomic_set(&w->calls, 0);
	w->read_err = -1;
	w->write_err = ~0UL;
}

static inline void kc_wait_done(struct kc_wait *w, int read_err,
				unsigned long write_err)
{
	w->read_err = read_err;
	w->write_err = write_err;
	if (atomic_inc_return(&w->calls) == 1)
		complete(&w->done);
}

/*
 * Wait for the callback; true when it came once. On a timeout the caller
 * must keep @w (a late callback writes to it): the module then stays
 * loaded, its init failing.
 */
static inline bool kc_wait_for(struct kc_wait *w)
{
	if (!wait_for_completion_timeout(&w->done, 60 * HZ)) {
		ktap_diag("no callback in 60 s");
		return false;
	}
	msleep(20);
	return ktap_expect(atomic_read(&w->calls) == 1, "%d callbacks",
			   atomic_read(&w->calls));
}

static inline int glue_rw(enum dmio_op op, void *buf, struct block_device *bdev,
			  sector_t sector, sector_t count)
{
	struct dmio_region where = { .bdev = bdev, .sector = sector, .count = count };
	struct dmio_request req = {
		.op = op, .mem.type = DMIO_MEM_VMALLOC, .mem.ptr.vaddr = buf,
		.client = glue_client,
	};

	return dmio_sync(&req, 1, &where, NULL, NULL);
}

/* Write the pattern of @seed (0: zeroes) to @count sectors at @sector. */
static inline bool region_fill(struct block_device *bdev, sector_t sector,
			       sector_t count, u64 seed)
{
	size_t len = count * 512;
	void *buf = vmalloc(len);
	bool ok;

	if (!buf)
		return false;
	if (seed)
		pattern_fill(buf, len, seed);
	else
		memset(buf, 0, len);
	ok = !glue_rw(DMIO_OP_WRITE, buf, bdev, sector, count);
	vfree(buf);
	return ok;
}

/* Whether @count sectors at @sector hold the pattern of @seed (0: zeroes). */
static inline bool region_holds(struct block_device *bdev, sector_t sector,
				sector_t count, u64 seed)
{
	size_t len = count * 512;
	void *buf = vmalloc(len);
	bool ok = false;

	if (!buf)
		return false;
	memset(buf, 0x5a, len);
	if (!ktap_expect(!glue_rw(DMIO_OP_READ, buf, bdev, sector, count),
			 "cannot read back sector %llu", (unsigned long long)sector))
		goto out;
	if (seed) {
		ok = pattern_holds(buf, len, seed);
	} else {
		ok = !memchr_inv(buf, 0, len);
		if (!ok)
			ktap_diag("sector %llu: not zeroes", (unsigned long long)sector);
	}
out:
	vfree(buf);
	return ok;
}

static inline int glue_open(void)
{
	int err = consumer_open();

	if (err)
		return err;
	glue_client = dmio_client_create(0);
	if (IS_ERR(glue_client)) {
		consumer_close();
		return PTR_ERR(glue_client);
	}
	return 0;
}

static inline void glue_close(void)
{
	dmio_client_destroy(glue_client);
	consumer_close();
}

#endif
