// SPDX-License-Identifier: GPL-2.0
/* bio_max_segs() and BIO_MAX_VECS replace BIO_MAX_PAGES (mainline 5.12). */
#include <linux/bio.h>

unsigned int dmio_probe(unsigned int n);
unsigned int dmio_probe(unsigned int n)
{
	return bio_max_segs(n) + BIO_MAX_VECS;
}
