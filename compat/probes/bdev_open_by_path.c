// SPDX-License-Identifier: GPL-2.0
/* bdev_open_by_path() returns a struct bdev_handle (mainline 6.7 and 6.8). */
#include <linux/blkdev.h>

struct block_device *dmio_probe(const char *path);
struct block_device *dmio_probe(const char *path)
{
	struct bdev_handle *h = bdev_open_by_path(path, BLK_OPEN_READ, NULL, NULL);

	if (IS_ERR(h))
		return NULL;
	bdev_release(h);
	return h->bdev;
}
