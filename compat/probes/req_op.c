// SPDX-License-Identifier: GPL-2.0
/*
 * The REQ_OP_* operations (mainline 4.8); before, the operation was a
 * REQ_WRITE/REQ_DISCARD flag in bi_rw.
 */
#include <linux/bio.h>

int dmio_probe(void);
int dmio_probe(void)
{
	return REQ_OP_WRITE;
}
