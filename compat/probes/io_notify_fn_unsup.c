// SPDX-License-Identifier: GPL-2.0
/* io_notify_fn gained the unsupported-regions argument (with dm_io_unsup). */
#include <linux/bio.h>
#include <linux/dm-io.h>

void dmio_probe(void);
void dmio_probe(void)
{
	BUILD_BUG_ON(!__builtin_types_compatible_p(io_notify_fn,
						   void (*)(unsigned long, unsigned long,
							    void *)));
}
