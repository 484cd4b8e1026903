// SPDX-License-Identifier: GPL-2.0
/* The blk_opf_t type for bio->bi_opf (mainline 6.0). */
#include <linux/bio.h>

blk_opf_t dmio_probe(void);
blk_opf_t dmio_probe(void)
{
	return REQ_OP_WRITE | REQ_FUA;
}
