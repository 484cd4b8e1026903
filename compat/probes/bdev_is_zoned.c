// SPDX-License-Identifier: GPL-2.0
/*
 * bdev_is_zoned(): zoned block devices (mainline 4.10).
 */
#include <linux/blkdev.h>

bool dmio_probe(struct block_device *bdev);
bool dmio_probe(struct block_device *bdev)
{
	return bdev_is_zoned(bdev);
}
