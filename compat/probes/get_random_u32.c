// SPDX-License-Identifier: GPL-2.0
/*
 * get_random_u32() and get_random_u64() (mainline 4.11); the tests draw
 * their random workloads from them.
 */
#include <linux/random.h>

u64 dmio_probe(void);
u64 dmio_probe(void)
{
	return get_random_u32() + get_random_u64();
}
