// SPDX-License-Identifier: GPL-2.0
/*
 * A kcopyd user written the 3.9 to 4.18 way: a throttle declared with
 * DECLARE_DM_KCOPYD_THROTTLE_WITH_MODULE_PARM (the guest loads this module
 * with kcopyd_throttle=20), dm_kcopyd_client_create(&dm_kcopyd_throttle),
 * dm_kcopyd_zero() as dm-thin zeroes new blocks, and
 * dm_kcopyd_prepare_callback() / dm_kcopyd_do_callback() as dm-thin
 * completes a block that needs no copy. Only the include line is dmio's.
 */
#include <dmio/dm-kcopyd.h>	/* was: #include <linux/dm-kcopyd.h> */
#include "kc_glue.h"

#define AREA		(base + 32768)

DECLARE_DM_KCOPYD_THROTTLE_WITH_MODULE_PARM(kcopyd_throttle,
					    "A percentage of time allocated for copy-on-write");

static struct dm_kcopyd_client *copier;
static struct kc_wait waits[3];

static void copy_complete(int read_err, unsigned long write_err, void *context)
{
	kc_wait_done(context, read_err, write_err);
}

static enum ktap_result throttle_parameter(void)
{
	return ktap_expect(dm_kcopyd_throttle.throttle == 20,
			   "kcopyd_throttle=20 gave %u", dm_kcopyd_throttle.throttle) ?
	       KTAP_PASS : KTAP_FAIL;
}

/* A throttled copy still completes, byte for byte. */
static enum ktap_result throttled_copy(struct kc_wait *w)
{
	struct dm_io_region from, to;

	from.bdev = d0.bdev;
	from.sector = AREA;
	from.count = KC_SECTORS;
	to.bdev = d1.bdev;
	to.sector = AREA;
	to.count = KC_SECTORS;
	if (!region_fill(from.bdev, from.sector, KC_SECTORS, 390) ||
	    !region_fill(to.bdev, to.sector, KC_SECTORS, 391))
		return KTAP_FAIL;
	kc_wait_init(w);
	if (!ktap_expect(!dm_kcopyd_copy(copier, &from, 1, &to, 0, copy_complete, w),
			 "copy refused") || !kc_wait_for(w) ||
	    !ktap_expect(!w->read_err && !w->write_err, "read_err %d, write_err %#lx",
			 w->read_err, w->write_err))
		return KTAP_FAIL;
	return region_holds(to.bdev, to.sector, KC_SECTORS, 390) ?
	       KTAP_PASS : KTAP_FAIL;
}

/* dm-thin's ll_zero(): two blocks zeroed, the second's count ignored. */
static enum ktap_result zero_blocks(struct kc_wait *w)
{
	struct dm_io_region to[2];
	int r, i;

	to[0].bdev = d1.bdev;
	to[0].sector = AREA;
	to[0].count = KC_SECTORS;
	to[1].bdev = d0.bdev;
	to[1].sector = AREA + 2 * KC_SECTORS;
	to[1].count = KC_SECTORS;
	for (i = 0; i < 2; i++)
		if (!region_fill(to[i].bdev, to[i].sector, KC_SECTORS, 392))
			return KTAP_FAIL;
	kc_wait_init(w);
	r = dm_kcopyd_zero(copier, 2, to, 0, copy_complete, w);
	if (!ktap_expect(!r, "dm_kcopyd_zero: %d", r) || !kc_wait_for(w) ||
	    !ktap_expect(!w->read_err && !w->write_err, "read_err %d, write_err %#lx",
			 w->read_err, w->write_err))
		return KTAP_FAIL;
	for (i = 0; i < 2; i++)
		if (!region_holds(to[i].bdev, to[i].sector, KC_SECTORS, 0))
			return KTAP_FAIL;
	return KTAP_PASS;
}

/* dm-thin's remap_and_issue_overwrite(): a job completed by hand. */
static enum ktap_result prepared_callback(struct kc_wait *w)
{
	void *job;

	kc_wait_init(w);
	job = dm_kcopyd_prepare_callback(copier, copy_complete, w);
	if (!ktap_expect(job, "dm_kcopyd_prepare_callback gave no job"))
		return KTAP_FAIL;
	dm_kcopyd_do_callback(job, 0, 4);
	return kc_wait_for(w) &&
	       ktap_expect(!w->read_err && w->write_err == 4,
			   "read_err %d, write_err %#lx", w->read_err, w->write_err) ?
	       KTAP_PASS : KTAP_FAIL;
}

static int __init kc_init(void)
{
	int r = glue_open();

	if (r)
		return r;
	ktap_begin("dmio-kcopyd-consumer-3.9");
	ktap_report(throttle_parameter(), "throttle_module_parameter");
	copier = dm_kcopyd_client_create(&dm_kcopyd_throttle);
	if (IS_ERR(copier)) {
		r = PTR_ERR(copier);
		ktap_diag("couldn't create kcopyd client: %d", r);
	}
	ktap_report(r ? KTAP_FAIL : KTAP_PASS, "dm_kcopyd_client_create_throttle");
	if (!r) {
		ktap_report(throttled_copy(&waits[0]), "dm_kcopyd_copy_throttled");
		ktap_report(zero_blocks(&waits[1]), "dm_kcopyd_zero_two_dests");
		ktap_report(prepared_callback(&waits[2]),
			    "dm_kcopyd_prepare_do_callback");
		dm_kcopyd_client_destroy(copier);
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
MODULE_DESCRIPTION("dmio kcopyd drop-in consumer, 3.9-4.18 style");
MODULE_LICENSE("GPL");
