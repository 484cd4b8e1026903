// SPDX-License-Identifier: GPL-2.0
/* struct dm_io_request splits bi_rw into bi_op + bi_op_flags (mainline 4.8). */
#include <linux/bio.h>
#include <linux/dm-io.h>

void dmio_probe(struct dm_io_request *r);
void dmio_probe(struct dm_io_request *r)
{
	r->bi_op = REQ_OP_WRITE;
	r->bi_op_flags = 0;
}
