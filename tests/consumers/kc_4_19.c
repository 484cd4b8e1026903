// SPDX-License-Identifier: GPL-2.0
/*
 * A kcopyd user written the 4.19 and later way: dm_kcopyd_copy() and
 * dm_kcopyd_zero() used as void functions (their result is the callback),
 * flags as BIT(DM_KCOPYD_WRITE_SEQ) for a zoned-style ordered copy, and
 * dm_kcopyd_client_flush() before waiting, as dm-writecache does. Only the
 * include line is dmio's.
 */
#include <dmio/dm-kcopyd.h>	/* was: #include <linux/dm-kcopyd.h> */
#include "kc_glue.h"

#define AREA		(base + 40960)
#define COPIES		3

static struct dm_kcopyd_client *dm_kcopyd;
static struct kc_wait waits[COPIES + 2];

static void writeback_endio(int read_err, unsigned long write_err, void *ptr)
{
	kc_wait_done(ptr, read_err, write_err);
}

/* Writeback of a few blocks, one copy each, then a flush. */
static enum ktap_result writeback_blocks(void)
{
	struct dm_io_region from, to;
	unsigned int i;

	for (i = 0; i < COPIES; i++)
		if (!region_fill(d0.bdev, AREA + i * KC_SECTORS, KC_SECTORS, 419 + i) ||
		    !region_fill(d1.bdev, AREA + i * KC_SECTORS, KC_SECTORS, 429))
			return KTAP_FAIL;
	for (i = 0; i < COPIES; i++) {
		from.bdev = d0.bdev;
		from.sector = AREA + i * KC_SECTORS;
		from.count = KC_SECTORS;
		to.bdev = d1.bdev;
		to.sector = from.sector;
		to.count = from.count;
		kc_wait_init(&waits[i]);
		dm_kcopyd_copy(dm_kcopyd, &from, 1, &to, 0, writeback_endio, &waits[i]);
	}
	dm_kcopyd_client_flush(dm_kcopyd);
	for (i = 0; i < COPIES; i++)
		if (!kc_wait_for(&waits[i]) ||
		    !ktap_expect(!waits[i].read_err && !waits[i].write_err,
				 "copy %u: %d/%#lx", i, waits[i].read_err,
				 waits[i].write_err))
			return KTAP_FAIL;
	for (i = 0; i < COPIES; i++)
		if (!region_holds(d1.bdev, AREA + i * KC_SECTORS, KC_SECTORS, 419 + i))
			return KTAP_FAIL;
	return KTAP_PASS;
}

/* An ordered copy to two destinations. */
static enum ktap_result ordered_copy(struct kc_wait *w)
{
	struct dm_io_region from = { .bdev = d0.bdev, .sector = AREA, .count = KC_SECTORS };
	struct dm_io_region to[2] = {
		{ .bdev = d1.bdev, .sector = AREA + COPIES * KC_SECTORS, .count = KC_SECTORS },
		{ .bdev = d0.bdev, .sector = AREA + COPIES * KC_SECTORS, .count = KC_SECTORS },
	};
	int i;

	for (i = 0; i < 2; i++)
		if (!region_fill(to[i].bdev, to[i].sector, KC_SECTORS, 439))
			return KTAP_FAIL;
	kc_wait_init(w);
	dm_kcopyd_copy(dm_kcopyd, &from, 2, to, BIT(DM_KCOPYD_WRITE_SEQ),
		       writeback_endio, w);
	if (!kc_wait_for(w) ||
	    !ktap_expect(!w->read_err && !w->write_err, "read_err %d, write_err %#lx",
			 w->read_err, w->write_err))
		return KTAP_FAIL;
	for (i = 0; i < 2; i++)
		if (!region_holds(to[i].bdev, to[i].sector, KC_SECTORS, 419))
			return KTAP_FAIL;
	return KTAP_PASS;
}

/* dm-zoned's way of clearing a block: zeroing used as void. */
static enum ktap_result zero_block(struct kc_wait *w)
{
	struct dm_io_region to = { .bdev = d1.bdev, .sector = AREA, .count = KC_SECTORS };

	if (!region_fill(to.bdev, to.sector, KC_SECTORS, 449))
		return KTAP_FAIL;
	kc_wait_init(w);
	dm_kcopyd_zero(dm_kcopyd, 1, &to, 0, writeback_endio, w);
	dm_kcopyd_client_flush(dm_kcopyd);
	if (!kc_wait_for(w) ||
	    !ktap_expect(!w->read_err && !w->write_err, "read_err %d, write_err %#lx",
			 w->read_err, w->write_err))
		return KTAP_FAIL;
	return region_holds(to.bdev, to.sector, KC_SECTORS, 0) ? KTAP_PASS : KTAP_FAIL;
}

static int __init kc_init(void)
{
	int r = glue_open();

	if (r)
		return r;
	ktap_begin("dmio-kcopyd-consumer-4.19");
	dm_kcopyd = dm_kcopyd_client_create(NULL);
	if (IS_ERR(dm_kcopyd)) {
		r = PTR_ERR(dm_kcopyd);
		ktap_diag("failed to allocate kcopyd client: %d", r);
	}
	ktap_report(r ? KTAP_FAIL : KTAP_PASS, "dm_kcopyd_client_create_null_throttle");
	if (!r) {
		ktap_report(writeback_blocks(), "dm_kcopyd_copy_void_then_flush");
		ktap_report(ordered_copy(&waits[COPIES]), "dm_kcopyd_copy_write_seq");
		ktap_report(zero_block(&waits[COPIES + 1]), "dm_kcopyd_zero_void");
		dm_kcopyd_client_destroy(dm_kcopyd);
	}
	ktap_end();
	glue_close();
	return 0;
}

static void __exit kc_exit(void)
{
}

module_init(kc_init);
module_exit(kc_exit);
MODULE_DESCRIPTION("dmio kcopyd drop-in consumer, 4.19 and later style");
MODULE_LICENSE("GPL");
