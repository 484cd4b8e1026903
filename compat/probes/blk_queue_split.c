// SPDX-License-Identifier: GPL-2.0
/*
 * blk_queue_split() (mainline 4.3 to 5.19, with three signatures): the
 * block layer splits a bio to its queue's limits. Only its presence is
 * probed.
 */
#include <linux/blkdev.h>

void *dmio_probe(void);
void *dmio_probe(void)
{
	return (void *)blk_queue_split;
}
