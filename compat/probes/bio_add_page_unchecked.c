// SPDX-License-Identifier: GPL-2.0
/*
 * __bio_add_page(): append a page without checks (mainline 4.19, earlier
 * in some distribution kernels).
 */
#include <linux/bio.h>

void dmio_probe(struct bio *bio, struct page *page);
void dmio_probe(struct bio *bio, struct page *page)
{
	__bio_add_page(bio, page, PAGE_SIZE, 0);
}
