// SPDX-License-Identifier: GPL-2.0
/*
 * bioset_create() takes BIOSET_* flags (mainline 4.13, until 4.18 removed
 * it); before, it always kept bio_vecs and took two arguments.
 */
#include <linux/bio.h>

struct bio_set *dmio_probe(void);
struct bio_set *dmio_probe(void)
{
	return bioset_create(16, 0, BIOSET_NEED_BVECS);
}
