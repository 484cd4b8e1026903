// SPDX-License-Identifier: GPL-2.0
/* struct dm_io_request carries the op and flags as one bi_opf (mainline 6.0). */
#include <linux/bio.h>
#include <linux/dm-io.h>

void dmio_probe(struct dm_io_request *r);
void dmio_probe(struct dm_io_request *r)
{
	r->bi_opf = REQ_OP_WRITE;
}
