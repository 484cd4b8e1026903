// SPDX-License-Identifier: GPL-2.0
/*
 * bitmap_zalloc()/bitmap_free() (mainline 4.19; RHEL 8 has them, RHEL 7
 * has not). Used by the tests.
 */
#include <linux/bitmap.h>
#include <linux/slab.h>

void dmio_probe(unsigned int n);
void dmio_probe(unsigned int n)
{
	unsigned long *map = bitmap_zalloc(n, GFP_KERNEL);

	bitmap_free(map);
}
