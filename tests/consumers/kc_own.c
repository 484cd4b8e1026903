// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer of a later era that keeps its own kcopyd layer under the
 * names 2.6.26 removed, as flashcache does: its own struct kcopyd_client,
 * kcopyd_notify_fn, KCOPYD_IGNORE_ERROR, and global kcopyd_client_create(),
 * kcopyd_copy() and kcopyd_client_destroy() over dm_kcopyd_*(). Only the
 * include line is dmio's; the old names stay the consumer's.
 */
#include <dmio/dm-kcopyd.h>	/* was: #include <linux/dm-kcopyd.h> */
#include "kc_glue.h"

#define AREA		(base + 49152)

/* The consumer's own header. */
#define KCOPYD_IGNORE_ERROR	0x5a	/* a value of its own, never passed on */

typedef void (*kcopyd_notify_fn)(int read_err, unsigned long write_err,
				 void *context);

struct kcopyd_client {
	struct dm_kcopyd_client *kc;
	atomic_t copies;
};

int kcopyd_client_create(unsigned int nr_pages, struct kcopyd_client **result);
void kcopyd_client_destroy(struct kcopyd_client *kc);
int kcopyd_copy(struct kcopyd_client *kc, struct dm_io_region *from,
		unsigned int num_dests, struct dm_io_region *dests,
		unsigned int flags, kcopyd_notify_fn fn, void *context);

/* The consumer's own layer, in one of its files. */
int kcopyd_client_create(unsigned int nr_pages, struct kcopyd_client **result)
{
	struct kcopyd_client *kc = kzalloc(sizeof(*kc), GFP_KERNEL);

	if (!kc)
		return -ENOMEM;
	kc->kc = dm_kcopyd_client_create(NULL);
	if (IS_ERR(kc->kc)) {
		int r = PTR_ERR(kc->kc);

		kfree(kc);
		return r;
	}
	*result = kc;
	return 0;
}

void kcopyd_client_destroy(struct kcopyd_client *kc)
{
	dm_kcopyd_client_destroy(kc->kc);
	kfree(kc);
}

int kcopyd_copy(struct kcopyd_client *kc, struct dm_io_region *from,
		unsigned int num_dests, struct dm_io_region *dests,
		unsigned int flags, kcopyd_notify_fn fn, void *context)
{
	unsigned int kflags = 0;

	if (flags == KCOPYD_IGNORE_ERROR)
		kflags |= 1 << DM_KCOPYD_IGNORE_ERROR;
	atomic_inc(&kc->copies);
	return dm_kcopyd_copy(kc->kc, from, num_dests, dests, kflags, fn, context);
}

static struct kcopyd_client *kcp_client;
static struct kc_wait waits[2];

static void copy_callback(int read_err, unsigned long write_err, void *context)
{
	kc_wait_done(context, read_err, write_err);
}

static enum ktap_result copy_block(struct kc_wait *w, bool fail)
{
	struct dm_io_region src = { d0.bdev, AREA, KC_SECTORS };
	struct dm_io_region dest[2] = {
		{ d1.bdev, AREA, KC_SECTORS },
		{ fail ? derr.bdev : d0.bdev, fail ? 0 : AREA + 2 * KC_SECTORS, KC_SECTORS },
	};
	unsigned long want = fail ? 2 : 0;
	int r, i;

	if (fail && !derr.bdev)
		return KTAP_SKIP;
	if (!region_fill(src.bdev, src.sector, KC_SECTORS, 500 + fail))
		return KTAP_FAIL;
	for (i = 0; i < 2 - fail; i++)
		if (!region_fill(dest[i].bdev, dest[i].sector, KC_SECTORS, 510))
			return KTAP_FAIL;
	kc_wait_init(w);
	r = kcopyd_copy(kcp_client, &src, 2, dest, fail ? KCOPYD_IGNORE_ERROR : 0,
			copy_callback, w);
	if (!ktap_expect(!r, "kcopyd_copy: %d", r) || !kc_wait_for(w) ||
	    !ktap_expect(!w->read_err && w->write_err == want,
			 "read_err %d, write_err %#lx", w->read_err, w->write_err))
		return KTAP_FAIL;
	for (i = 0; i < 2 - fail; i++)
		if (!region_holds(dest[i].bdev, dest[i].sector, KC_SECTORS, 500 + fail))
			return KTAP_FAIL;
	return KTAP_PASS;
}

static int __init kc_init(void)
{
	int r = glue_open();

	if (r)
		return r;
	ktap_begin("dmio-kcopyd-consumer-own-names");
	r = kcopyd_client_create(256, &kcp_client);
	ktap_report(r ? KTAP_FAIL : KTAP_PASS, "own_kcopyd_client_create");
	if (!r) {
		ktap_report(copy_block(&waits[0], false), "own_kcopyd_copy_two_dests");
		ktap_report(copy_block(&waits[1], true), "own_kcopyd_copy_ignore_error");
		ktap_report(atomic_read(&kcp_client->copies) == 2 ? KTAP_PASS : KTAP_FAIL,
			    "own_kcopyd_layer_used");
		kcopyd_client_destroy(kcp_client);
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
MODULE_DESCRIPTION("dmio kcopyd drop-in consumer with its own kcopyd_* names");
MODULE_LICENSE("GPL");
