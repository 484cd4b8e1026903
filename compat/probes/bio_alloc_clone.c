// SPDX-License-Identifier: GPL-2.0
/*
 * bio_alloc_clone() takes the device to clone for (mainline 5.18); before
 * it, bio_clone_fast() cloned for the source bio's device.
 */
#include <linux/bio.h>

struct bio *dmio_probe(struct block_device *bdev, struct bio *src,
		       struct bio_set *bs);
struct bio *dmio_probe(struct block_device *bdev, struct bio *src,
		       struct bio_set *bs)
{
	return bio_alloc_clone(bdev, src, GFP_NOIO, bs);
}
