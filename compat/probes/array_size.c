// SPDX-License-Identifier: GPL-2.0
/*
 * array_size(): a product that saturates instead of wrapping (mainline
 * 4.18, <linux/overflow.h>).
 */
#include <linux/slab.h>

size_t dmio_probe(size_t a, size_t b);
size_t dmio_probe(size_t a, size_t b)
{
	return array_size(a, b);
}
