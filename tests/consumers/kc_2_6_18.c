// SPDX-License-Identifier: GPL-2.0
/*
 * A kcopyd user written the 2.6.18 to 2.6.25 way: the private "kcopyd.h",
 * kcopyd_client_create(nr_pages, &kc), struct io_region, kcopyd_copy()
 * with its int return checked and 1 << KCOPYD_IGNORE_ERROR as dm-raid1
 * passed it, kcopyd_client_destroy(). Only the include line is dmio's.
 */
#include <dmio/kcopyd-classic.h>	/* was: #include "kcopyd.h" */
#include "kc_glue.h"

#define AREA		(base + 8192)
#define COPY_PAGES	256

static struct kcopyd_client *kcopyd_client;
static struct kc_wait waits[2];

/*
 * write_err is unsigned int, as the kernel's kcopyd documentation of the
 * time wrote it (its header said unsigned long; the drop-in takes both).
 */
static void copy_callback(int read_err, unsigned int write_err, void *context)
{
	kc_wait_done(context, read_err, write_err);
}

/* Copy to two destinations; with @fail the second is the failing device. */
static enum ktap_result copy_two(struct kc_wait *w, bool fail)
{
	struct io_region from, to[2];
	unsigned long want = 0;
	u64 seed = 180 + fail;
	int r;

	if (fail && !derr.bdev)
		return KTAP_SKIP;
	from.bdev = d0.bdev;
	from.sector = AREA;
	from.count = KC_SECTORS;
	to[0].bdev = d1.bdev;
	to[0].sector = AREA;
	to[0].count = KC_SECTORS;
	to[1].bdev = d0.bdev;
	to[1].sector = AREA + 2 * KC_SECTORS;
	to[1].count = KC_SECTORS;
	if (fail) {
		to[1].bdev = derr.bdev;
		to[1].sector = 0;
		want = 2;
	}
	if (!region_fill(from.bdev, from.sector, KC_SECTORS, seed) ||
	    !region_fill(to[0].bdev, to[0].sector, KC_SECTORS, seed + 1))
		return KTAP_FAIL;
	kc_wait_init(w);
	r = kcopyd_copy(kcopyd_client, &from, 2, to,
			fail ? 1 << KCOPYD_IGNORE_ERROR : 0, copy_callback, w);
	if (!ktap_expect(!r, "kcopyd_copy: %d", r))
		return KTAP_FAIL;
	if (!kc_wait_for(w))
		return KTAP_FAIL;
	if (!ktap_expect(!w->read_err && w->write_err == want,
			 "read_err %d, write_err %#lx", w->read_err, w->write_err))
		return KTAP_FAIL;
	if (!region_holds(to[0].bdev, to[0].sector, KC_SECTORS, seed) ||
	    (!fail && !region_holds(to[1].bdev, to[1].sector, KC_SECTORS, seed)))
		return KTAP_FAIL;
	return KTAP_PASS;
}

static int __init kc_init(void)
{
	int err = glue_open();

	if (err)
		return err;
	ktap_begin("dmio-kcopyd-consumer-2.6.18");
	err = kcopyd_client_create(COPY_PAGES, &kcopyd_client);
	ktap_report(err ? KTAP_FAIL : KTAP_PASS, "kcopyd_client_create_pages");
	if (!err) {
		ktap_report(copy_two(&waits[0], false), "kcopyd_copy_two_dests");
		ktap_report(copy_two(&waits[1], true),
			    "kcopyd_copy_ignore_error_failing_dest");
		kcopyd_client_destroy(kcopyd_client);
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
MODULE_DESCRIPTION("dmio kcopyd drop-in consumer, 2.6.18 style");
MODULE_LICENSE("GPL");
