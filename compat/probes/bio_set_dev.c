// SPDX-License-Identifier: GPL-2.0
/*
 * bio_set_dev() (mainline 4.14); before, bio->bi_bdev was set directly.
 */
#include <linux/bio.h>

void dmio_probe(struct bio *bio, struct block_device *bdev);
void dmio_probe(struct bio *bio, struct block_device *bdev)
{
	bio_set_dev(bio, bdev);
}
