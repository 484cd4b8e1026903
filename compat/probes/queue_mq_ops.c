// SPDX-License-Identifier: GPL-2.0
/*
 * blk-mq queues, told by q->mq_ops (mainline 3.13; RHEL 7 backports it).
 */
#include <linux/blkdev.h>

bool dmio_probe(struct request_queue *q);
bool dmio_probe(struct request_queue *q)
{
	return q->mq_ops;
}
