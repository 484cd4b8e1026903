// SPDX-License-Identifier: GPL-2.0
/*
 * REQ_OP_WRITE_ZEROES and its limit getter (mainline 4.10).
 */
#include <linux/blkdev.h>

unsigned int dmio_probe(struct block_device *bdev);
unsigned int dmio_probe(struct block_device *bdev)
{
	return bdev_write_zeroes_sectors(bdev) + REQ_OP_WRITE_ZEROES;
}
