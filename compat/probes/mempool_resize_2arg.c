// SPDX-License-Identifier: GPL-2.0
/*
 * mempool_resize(pool, new_min_nr) (mainline 4.1); before, it also took a
 * gfp_t.
 */
#include <linux/mempool.h>

int dmio_probe(mempool_t *pool);
int dmio_probe(mempool_t *pool)
{
	return mempool_resize(pool, 16);
}
