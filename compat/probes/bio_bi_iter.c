// SPDX-License-Identifier: GPL-2.0
/*
 * Immutable bio_vecs: the bio's position in bi_iter, a struct bvec_iter
 * (mainline 3.14); before, bi_sector, bi_size and bi_idx in the bio.
 */
#include <linux/bio.h>

sector_t dmio_probe(struct bio *bio);
sector_t dmio_probe(struct bio *bio)
{
	struct bvec_iter iter = bio->bi_iter;

	bio_advance_iter(bio, &iter, 512);
	return iter.bi_sector;
}
