// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's dm_io() takes an I/O priority (mainline 6.9; stable 6.1.83,
 * 6.6.23, 6.7.11, 6.8.2; RHEL 9.6): a version number cannot tell.
 */
#include <linux/bio.h>
#include <linux/dm-io.h>

int dmio_probe(struct dm_io_request *r, struct dm_io_region *w, unsigned long *b);
int dmio_probe(struct dm_io_request *r, struct dm_io_region *w, unsigned long *b)
{
	return dm_io(r, 1, w, b, 0);
}
