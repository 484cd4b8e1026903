// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's dm_io() reports unsupported regions in a bitset of their own
 * (7.1/7.2, backported to 6.18.y): dm_io(req, n, where, bits, unsup, ioprio).
 */
#include <linux/bio.h>
#include <linux/dm-io.h>

int dmio_probe(struct dm_io_request *r, struct dm_io_region *w, unsigned long *b);
int dmio_probe(struct dm_io_request *r, struct dm_io_region *w, unsigned long *b)
{
	return dm_io(r, 1, w, b, b, 0);
}
