// SPDX-License-Identifier: GPL-2.0
/*
 * bio_clone_fast(): a clone sharing the source's bio_vecs (mainline 3.14,
 * until 5.18 replaced it with bio_alloc_clone()).
 */
#include <linux/bio.h>

struct bio *dmio_probe(struct bio *src, struct bio_set *bs);
struct bio *dmio_probe(struct bio *src, struct bio_set *bs)
{
	return bio_clone_fast(src, GFP_NOIO, bs);
}
