// SPDX-License-Identifier: GPL-2.0
/*
 * kvzalloc(): kmalloc, falling back to vmalloc (mainline 4.12).
 */
#include <linux/mm.h>
#include <linux/slab.h>

void *dmio_probe(size_t n);
void *dmio_probe(size_t n)
{
	return kvzalloc(n, GFP_KERNEL);
}
