// SPDX-License-Identifier: GPL-2.0
/*
 * queue_is_mq() (mainline 5.0); before it, q->mq_ops said the same.
 */
#include <linux/blkdev.h>

bool dmio_probe(struct request_queue *q);
bool dmio_probe(struct request_queue *q)
{
	return queue_is_mq(q);
}
