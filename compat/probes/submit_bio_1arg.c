// SPDX-License-Identifier: GPL-2.0
/*
 * submit_bio(bio) with the operation in the bio (mainline 4.8); before,
 * submit_bio(rw, bio).
 */
#include <linux/bio.h>

void dmio_probe(struct bio *bio);
void dmio_probe(struct bio *bio)
{
	submit_bio(bio);
}
