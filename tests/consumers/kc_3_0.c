// SPDX-License-Identifier: GPL-2.0
/*
 * A kcopyd user written the 3.0 to 3.8 way: dm_kcopyd_client_create()
 * without arguments, returning the client or an ERR_PTR(), and the copies
 * of a snapshot's exceptions (dm-snap's start_copy(): one destination, its
 * int return ignored, the callback checking both errors). Only the
 * include line is dmio's.
 */
#include <dmio/dm-kcopyd.h>	/* was: #include <linux/dm-kcopyd.h> */
#include "kc_glue.h"

#define AREA		(base + 24576)
#define CHUNKS		4

static struct dm_kcopyd_client *kcopyd_client;
static struct kc_wait waits[CHUNKS + 1];

static void copy_callback(int read_err, unsigned long write_err, void *context)
{
	struct kc_wait *w = context;

	if (read_err || write_err)
		ktap_diag("copy failed: read_err %d, write_err %#lx", read_err,
			  write_err);
	kc_wait_done(w, read_err, write_err);
}

static void start_copy(sector_t chunk, struct kc_wait *w)
{
	struct dm_io_region src, dest;

	src.bdev = d0.bdev;
	src.sector = AREA + chunk * KC_SECTORS;
	src.count = KC_SECTORS;
	dest.bdev = d1.bdev;
	dest.sector = src.sector;
	dest.count = src.count;
	kc_wait_init(w);
	dm_kcopyd_copy(kcopyd_client, &src, 1, &dest, 0, copy_callback, w);
}

/* Several copies in flight at once, each chunk byte for byte. */
static enum ktap_result copy_chunks(void)
{
	unsigned int i;

	for (i = 0; i < CHUNKS; i++)
		if (!region_fill(d0.bdev, AREA + i * KC_SECTORS, KC_SECTORS, 300 + i) ||
		    !region_fill(d1.bdev, AREA + i * KC_SECTORS, KC_SECTORS, 310))
			return KTAP_FAIL;
	for (i = 0; i < CHUNKS; i++)
		start_copy(i, &waits[i]);
	for (i = 0; i < CHUNKS; i++)
		if (!kc_wait_for(&waits[i]) ||
		    !ktap_expect(!waits[i].read_err && !waits[i].write_err,
				 "chunk %u", i))
			return KTAP_FAIL;
	for (i = 0; i < CHUNKS; i++)
		if (!region_holds(d1.bdev, AREA + i * KC_SECTORS, KC_SECTORS, 300 + i))
			return KTAP_FAIL;
	return KTAP_PASS;
}

/* A failing destination: its bit, and no read error. */
static enum ktap_result copy_to_failing(struct kc_wait *w)
{
	struct dm_io_region src = { d0.bdev, AREA, KC_SECTORS };
	struct dm_io_region dest = { derr.bdev, 0, KC_SECTORS };

	if (!derr.bdev)
		return KTAP_SKIP;
	kc_wait_init(w);
	dm_kcopyd_copy(kcopyd_client, &src, 1, &dest, 0, copy_callback, w);
	return kc_wait_for(w) &&
	       ktap_expect(!w->read_err && w->write_err == 1,
			   "read_err %d, write_err %#lx", w->read_err, w->write_err) ?
	       KTAP_PASS : KTAP_FAIL;
}

static int __init kc_init(void)
{
	int r = glue_open();

	if (r)
		return r;
	ktap_begin("dmio-kcopyd-consumer-3.0");
	kcopyd_client = dm_kcopyd_client_create();
	if (IS_ERR(kcopyd_client)) {
		r = PTR_ERR(kcopyd_client);
		ktap_diag("dm_kcopyd_client_create: %d", r);
	}
	ktap_report(r ? KTAP_FAIL : KTAP_PASS, "dm_kcopyd_client_create_no_args");
	if (!r) {
		ktap_report(copy_chunks(), "dm_kcopyd_copy_chunks_in_flight");
		ktap_report(copy_to_failing(&waits[CHUNKS]), "dm_kcopyd_copy_failing_dest");
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
MODULE_DESCRIPTION("dmio kcopyd drop-in consumer, 3.0-3.8 style");
MODULE_LICENSE("GPL");
