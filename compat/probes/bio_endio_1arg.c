// SPDX-License-Identifier: GPL-2.0
/*
 * bio_endio(bio) and bi_end_io(bio) with the status in the bio (mainline
 * 4.3); before, both took the error as a second argument.
 */
#include <linux/bio.h>

static void dmio_probe_end_io(struct bio *bio)
{
}

void dmio_probe(struct bio *bio);
void dmio_probe(struct bio *bio)
{
	bio->bi_end_io = dmio_probe_end_io;
	bio_endio(bio);
}
