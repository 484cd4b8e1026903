// SPDX-License-Identifier: GPL-2.0
/*
 * The operation and flags of a bio in bi_opf, op in the low bits
 * (mainline 4.10); before, bi_rw.
 */
#include <linux/bio.h>

unsigned int dmio_probe(struct bio *bio);
unsigned int dmio_probe(struct bio *bio)
{
	return bio->bi_opf & REQ_OP_MASK;
}
