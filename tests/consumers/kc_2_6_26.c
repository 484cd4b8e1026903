// SPDX-License-Identifier: GPL-2.0
/*
 * A kcopyd user written the 2.6.26 to 2.6.39 way: <linux/dm-kcopyd.h>,
 * dm_kcopyd_client_create(nr_pages, &kc) returning an errno, struct
 * dm_io_region, dm_kcopyd_copy() with its int return checked and flags as
 * 1 << DM_KCOPYD_IGNORE_ERROR. Only the include line is dmio's.
 */
#include <dmio/dm-kcopyd.h>	/* was: #include <linux/dm-kcopyd.h> */
#include "kc_glue.h"

#define AREA		(base + 16384)
#define KCOPYD_PAGES	256

static struct dm_kcopyd_client *kcopyd_client;
static struct kc_wait waits[4];

static void copy_complete(int read_err, unsigned long write_err, void *context)
{
	kc_wait_done(context, read_err, write_err);
}

static int start_copy(struct dm_io_region *from, unsigned int num_dests,
		      struct dm_io_region *dests, unsigned long flags,
		      struct kc_wait *w)
{
	kc_wait_init(w);
	return dm_kcopyd_copy(kcopyd_client, from, num_dests, dests, flags,
			      copy_complete, w);
}

static enum ktap_result copy_healthy(struct kc_wait *w)
{
	struct dm_io_region from = { d0.bdev, AREA, KC_SECTORS };
	struct dm_io_region to[2] = {
		{ d1.bdev, AREA, KC_SECTORS },
		{ d0.bdev, AREA + 2 * KC_SECTORS, KC_SECTORS },
	};
	int r, i;

	if (!region_fill(from.bdev, from.sector, KC_SECTORS, 260))
		return KTAP_FAIL;
	for (i = 0; i < 2; i++)
		if (!region_fill(to[i].bdev, to[i].sector, KC_SECTORS, 261))
			return KTAP_FAIL;
	r = start_copy(&from, 2, to, 0, w);
	if (!ktap_expect(!r, "dm_kcopyd_copy: %d", r) || !kc_wait_for(w) ||
	    !ktap_expect(!w->read_err && !w->write_err, "read_err %d, write_err %#lx",
			 w->read_err, w->write_err))
		return KTAP_FAIL;
	for (i = 0; i < 2; i++)
		if (!region_holds(to[i].bdev, to[i].sector, KC_SECTORS, 260))
			return KTAP_FAIL;
	return KTAP_PASS;
}

/* A failing source, as dm-raid1's recovery meets it: read_err, no writes. */
static enum ktap_result copy_read_error(struct kc_wait *w)
{
	struct dm_io_region from = { derr.bdev, 0, KC_SECTORS };
	struct dm_io_region to = { d1.bdev, AREA, KC_SECTORS };
	int r;

	if (!derr.bdev)
		return KTAP_SKIP;
	if (!region_fill(to.bdev, to.sector, KC_SECTORS, 262))
		return KTAP_FAIL;
	r = start_copy(&from, 1, &to, 0, w);
	if (!ktap_expect(!r, "dm_kcopyd_copy: %d", r) || !kc_wait_for(w) ||
	    !ktap_expect(w->read_err && !w->write_err, "read_err %d, write_err %#lx",
			 w->read_err, w->write_err))
		return KTAP_FAIL;
	return region_holds(to.bdev, to.sector, KC_SECTORS, 262) ?
	       KTAP_PASS : KTAP_FAIL;
}

/* dm-raid1's way: IGNORE_ERROR, every other mirror written in full. */
static enum ktap_result copy_ignore_error(struct kc_wait *w)
{
	struct dm_io_region from = { d0.bdev, AREA, KC_SECTORS };
	struct dm_io_region to[3] = {
		{ d1.bdev, AREA, KC_SECTORS },
		{ derr.bdev, 0, KC_SECTORS },
		{ d0.bdev, AREA + 2 * KC_SECTORS, KC_SECTORS },
	};
	unsigned long flags = 0;
	int r, i;

	if (!derr.bdev)
		return KTAP_SKIP;
	flags |= (1 << DM_KCOPYD_IGNORE_ERROR);
	if (!region_fill(from.bdev, from.sector, KC_SECTORS, 263))
		return KTAP_FAIL;
	for (i = 0; i < 3; i += 2)
		if (!region_fill(to[i].bdev, to[i].sector, KC_SECTORS, 264))
			return KTAP_FAIL;
	r = start_copy(&from, 3, to, flags, w);
	if (!ktap_expect(!r, "dm_kcopyd_copy: %d", r) || !kc_wait_for(w) ||
	    !ktap_expect(!w->read_err && w->write_err == 2,
			 "read_err %d, write_err %#lx", w->read_err, w->write_err))
		return KTAP_FAIL;
	for (i = 0; i < 3; i += 2)
		if (!region_holds(to[i].bdev, to[i].sector, KC_SECTORS, 263))
			return KTAP_FAIL;
	return KTAP_PASS;
}

/* More destinations than kcopyd takes: an error returned, no callback. */
static enum ktap_result too_many_dests(struct kc_wait *w)
{
	struct dm_io_region from = { d0.bdev, AREA, 8 };
	struct dm_io_region to[DM_KCOPYD_MAX_REGIONS + 1];
	int r, i;

	for (i = 0; i <= DM_KCOPYD_MAX_REGIONS; i++) {
		to[i].bdev = d1.bdev;
		to[i].sector = AREA + i * 8;
		to[i].count = 8;
	}
	r = start_copy(&from, DM_KCOPYD_MAX_REGIONS + 1, to, 0, w);
	msleep(50);
	if (!r)
		kc_wait_for(w);
	return ktap_expect(r < 0, "dm_kcopyd_copy: %d", r) &&
	       ktap_expect(!atomic_read(&w->calls), "%d callbacks",
			   atomic_read(&w->calls)) ? KTAP_PASS : KTAP_FAIL;
}

static int __init kc_init(void)
{
	int r = glue_open();

	if (r)
		return r;
	ktap_begin("dmio-kcopyd-consumer-2.6.26");
	r = dm_kcopyd_client_create(KCOPYD_PAGES, &kcopyd_client);
	ktap_report(r ? KTAP_FAIL : KTAP_PASS, "dm_kcopyd_client_create_pages");
	if (!r) {
		ktap_report(copy_healthy(&waits[0]), "dm_kcopyd_copy_two_dests");
		ktap_report(copy_read_error(&waits[1]), "dm_kcopyd_copy_read_error");
		ktap_report(copy_ignore_error(&waits[2]),
			    "dm_kcopyd_copy_ignore_error_failing_dest");
		ktap_report(too_many_dests(&waits[3]), "dm_kcopyd_copy_nine_dests_refused");
		dm_kcopyd_client_destroy(kcopyd_client);
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
MODULE_DESCRIPTION("dmio kcopyd drop-in consumer, 2.6.26-2.6.39 style");
MODULE_LICENSE("GPL");
