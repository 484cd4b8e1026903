// SPDX-License-Identifier: GPL-2.0
/* bio_alloc_bioset() takes the device and the op first (mainline 5.18). */
#include <linux/bio.h>

struct bio *dmio_probe(struct block_device *bdev, struct bio_set *bs);
struct bio *dmio_probe(struct block_device *bdev, struct bio_set *bs)
{
	return bio_alloc_bioset(bdev, 1, REQ_OP_READ, GFP_NOIO, bs);
}
