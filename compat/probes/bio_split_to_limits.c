// SPDX-License-Identifier: GPL-2.0
/*
 * bio_split_to_limits() (mainline 6.0, after blk_queue_split()): the block
 * layer splits a bio to its queue's limits.
 */
#include <linux/blkdev.h>

struct bio *dmio_probe(struct bio *bio);
struct bio *dmio_probe(struct bio *bio)
{
	return bio_split_to_limits(bio);
}
