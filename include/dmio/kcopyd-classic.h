/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmio drop-in for the private "kcopyd.h" of 2.6.18 to 2.6.25, for code
 * that calls kcopyd_client_create(), kcopyd_copy() and
 * kcopyd_client_destroy() under those names. Replace
 *
 *	#include "kcopyd.h"
 * with
 *	#include <dmio/kcopyd-classic.h>
 *
 * It brings <dmio/dm-kcopyd.h> (and <dmio/dm-io.h>, whose struct io_region
 * the calls take). Code of later eras that defines its own functions or
 * macros under these names includes <dmio/dm-kcopyd.h> instead.
 */
#ifndef _DMIO_KCOPYD_CLASSIC_H
#define _DMIO_KCOPYD_CLASSIC_H

#include <dmio/dm-kcopyd.h>

#define KCOPYD_MAX_REGIONS	DM_KCOPYD_MAX_REGIONS
#define KCOPYD_IGNORE_ERROR	DM_KCOPYD_IGNORE_ERROR

#define kcopyd_client		dmio_copy_client
typedef dmio_copy_fn kcopyd_notify_fn;

#define kcopyd_client_create(num_pages, result) \
	dmio_kcopyd_create_pages(num_pages, result)
#define kcopyd_client_destroy(kc) dmio_copy_client_destroy(kc)
/*
 * 2.6.18's kcopyd.h typed the callback's write_err unsigned long, its
 * documentation unsigned int, and code was written after both. A callback
 * of the second shape is taken too: write_err has at most 8 bits, and an
 * unsigned long argument reaches an unsigned int parameter intact on every
 * ABI the kernel supports (the cast goes through void (*)(void), the
 * type gcc's -Wcast-function-type lets match any). Any other shape meets
 * dm_kcopyd_copy()'s prototype and its type check.
 */
typedef void (dmio_kcopyd_uint_fn)(int, unsigned int, void *);
#define dmio_kcopyd_classic_fn(fn)					\
	__builtin_choose_expr(						\
		__builtin_types_compatible_p(typeof(fn), dmio_kcopyd_uint_fn) || \
		__builtin_types_compatible_p(typeof(fn), dmio_kcopyd_uint_fn *), \
		(dmio_copy_fn)(void (*)(void))(fn), (fn))

#define kcopyd_copy(kc, from, num_dests, dests, flags, fn, context) \
	dm_kcopyd_copy(kc, from, num_dests, dests, flags,		\
		       dmio_kcopyd_classic_fn(fn), context)

#endif /* _DMIO_KCOPYD_CLASSIC_H */
