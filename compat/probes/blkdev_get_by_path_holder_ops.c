// SPDX-License-Identifier: GPL-2.0
/*
 * blkdev_get_by_path() takes a blk_mode_t and holder ops, and blkdev_put()
 * the holder (mainline 6.5, RHEL 9.4).
 */
#include <linux/blkdev.h>

struct block_device *dmio_probe(const char *path);
struct block_device *dmio_probe(const char *path)
{
	struct block_device *bdev = blkdev_get_by_path(path, BLK_OPEN_READ, NULL, NULL);

	if (!IS_ERR(bdev))
		blkdev_put(bdev, NULL);
	return bdev;
}
