// SPDX-License-Identifier: GPL-2.0
/*
 * bio->bi_status, a blk_status_t (mainline 4.13); before, bi_error held an
 * errno (4.3) or end_io received it as an argument.
 */
#include <linux/bio.h>

bool dmio_probe(struct bio *bio);
bool dmio_probe(struct bio *bio)
{
	return bio->bi_status == BLK_STS_NOTSUPP;
}
