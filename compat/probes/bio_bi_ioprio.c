// SPDX-License-Identifier: GPL-2.0
/*
 * A bio's I/O priority in bi_ioprio (mainline 4.10); before, in the top
 * bits of bi_rw (bio_set_prio()).
 */
#include <linux/bio.h>

void dmio_probe(struct bio *bio);
void dmio_probe(struct bio *bio)
{
	bio->bi_ioprio = 0;
}
