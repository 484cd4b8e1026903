// SPDX-License-Identifier: GPL-2.0
/* bdev_max_discard_sectors() replaces blk_queue_discard() (mainline 5.19). */
#include <linux/blkdev.h>

unsigned int dmio_probe(struct block_device *bdev);
unsigned int dmio_probe(struct block_device *bdev)
{
	return bdev_max_discard_sectors(bdev);
}
