/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmio drop-in for <linux/dm-kcopyd.h>: code written against any era's
 * dm-kcopyd API (2.6.26 to 7.x) builds and runs unchanged on every kernel
 * dmio supports, with its copies and zeroing done by dmio. Replace
 *
 *	#include <linux/dm-kcopyd.h>	(or "dm-kcopyd.h")
 * with
 *	#include <dmio/dm-kcopyd.h>
 *
 * and build with KBUILD_EXTRA_SYMBOLS=<dmio>/Module.symvers. Every name
 * below resolves to dmio's own exports (dmio_*), so a consumer loads
 * beside dm-mod and never binds to its dm_kcopyd symbols. This header
 * brings <dmio/dm-io.h> with it, as the kernel's brings <linux/dm-io.h>.
 *
 * The calls of each era:
 *
 *	dm_kcopyd_client_create(pages, &kc)	2.6.26 to 2.6.39: returns 0 or
 *						an errno
 *	dm_kcopyd_client_create()		3.0 to 3.8: the client or an
 *						ERR_PTR()
 *	dm_kcopyd_client_create(throttle)	3.9 and later: the same, with a
 *						throttle (may be NULL)
 *	dm_kcopyd_copy(), dm_kcopyd_zero()	return 0 here; code that uses
 *						them as void (4.19 and later)
 *						ignores it
 *	dm_kcopyd_prepare_callback(),		3.1 and later
 *	dm_kcopyd_do_callback()
 *	dm_kcopyd_client_flush()		4.19 and later
 *
 * The flags are bit numbers, as in the kernel: pass
 * 1 << DM_KCOPYD_IGNORE_ERROR (or BIT(DM_KCOPYD_IGNORE_ERROR)). Bits this
 * header does not name are ignored, as the kernel's kcopyd ignores them.
 *
 * The pre-2.6.26 names (kcopyd_copy(), struct kcopyd_client, ...) are not
 * declared here: code of every later era is free to define its own under
 * those names, as flashcache does. Code that calls them includes
 * <dmio/kcopyd-classic.h>.
 */
#ifndef _DMIO_DM_KCOPYD_H
#define _DMIO_DM_KCOPYD_H

#ifdef _LINUX_DM_KCOPYD_H
#error "<dmio/dm-kcopyd.h> replaces <linux/dm-kcopyd.h>: include it first, not both"
#else
/* Stand in for the kernel's header from here on. */
#define _LINUX_DM_KCOPYD_H

#include <linux/err.h>
#include <linux/moduleparam.h>
#include <dmio/dm-io.h>

#define DM_KCOPYD_MAX_REGIONS	DMIO_COPY_MAX_DESTS

/* Bit numbers: DMIO_COPY_IGNORE_ERROR is BIT(DM_KCOPYD_IGNORE_ERROR). */
#define DM_KCOPYD_IGNORE_ERROR	1
#define DM_KCOPYD_WRITE_SEQ	2

/* The flag bits that mean something (others are ignored, as in the kernel). */
#define DMIO_KCOPYD_FLAGS	(DMIO_COPY_IGNORE_ERROR | DMIO_COPY_WRITE_SEQ)

#define dm_kcopyd_client	dmio_copy_client
#define dm_kcopyd_throttle	dmio_throttle

typedef dmio_copy_fn dm_kcopyd_notify_fn;

/*
 * A throttle for the clients created with &dm_kcopyd_throttle, and a
 * module parameter @name (percent of time with copy I/O in flight, 100:
 * no limit) to set it. The variable's name is fixed, as in the kernel.
 */
#define DECLARE_DM_KCOPYD_THROTTLE_WITH_MODULE_PARM(name, description)	\
static struct dm_kcopyd_throttle dm_kcopyd_throttle = { .throttle = 100 }; \
module_param_named(name, dm_kcopyd_throttle.throttle, uint, 0644);	\
MODULE_PARM_DESC(name, description)

/* Count 0, 1 or 2 arguments (DMIO_CAT is <dmio/dm-io.h>'s). */
#define DMIO_ARGC012_(dummy, x, y, n, ...) n
#define DMIO_ARGC012(...) DMIO_ARGC012_(dummy, ##__VA_ARGS__, 2, 1, 0)

/* 2.6.26 to 2.6.39: the client through @result; 0 or a negative errno. */
static inline int dmio_kcopyd_create_pages(unsigned int num_pages,
					   struct dmio_copy_client **result)
{
	struct dmio_copy_client *cc = dmio_copy_client_create(NULL);

	/* dmio's reserve is its own: one piece of a copy, whatever is asked. */
	(void)num_pages;
	if (IS_ERR(cc))
		return PTR_ERR(cc);
	*result = cc;
	return 0;
}

#define dm_kcopyd_client_create(...) \
	DMIO_CAT(dmio_kcopyd_create_, DMIO_ARGC012(__VA_ARGS__))(__VA_ARGS__)
#define dmio_kcopyd_create_0() dmio_copy_client_create(NULL)
#define dmio_kcopyd_create_1(throttle) dmio_copy_client_create(throttle)
#define dmio_kcopyd_create_2(pages, result) dmio_kcopyd_create_pages(pages, result)

#define dm_kcopyd_client_destroy(kc) dmio_copy_client_destroy(kc)
#define dm_kcopyd_client_flush(kc) dmio_copy_client_flush(kc)

static inline int dm_kcopyd_copy(struct dmio_copy_client *kc,
				 struct dm_io_region *from,
				 unsigned int num_dests,
				 struct dm_io_region *dests,
				 unsigned int flags, dm_kcopyd_notify_fn fn,
				 void *context)
{
	/* struct dm_io_region is struct dmio_region under its dm-io name. */
	return dmio_copy(kc, (const struct dmio_region *)from, num_dests,
			 (const struct dmio_region *)dests,
			 flags & DMIO_KCOPYD_FLAGS, fn, context);
}

static inline int dm_kcopyd_zero(struct dmio_copy_client *kc,
				 unsigned int num_dests,
				 struct dm_io_region *dests,
				 unsigned int flags, dm_kcopyd_notify_fn fn,
				 void *context)
{
	return dmio_zero(kc, num_dests, (const struct dmio_region *)dests,
			 flags & DMIO_KCOPYD_FLAGS, fn, context);
}

#define dm_kcopyd_prepare_callback(kc, fn, context) \
	dmio_copy_prepare_callback(kc, fn, context)
#define dm_kcopyd_do_callback(job, read_err, write_err) \
	dmio_copy_do_callback(job, read_err, write_err)

#endif /* !_LINUX_DM_KCOPYD_H */
#endif /* _DMIO_DM_KCOPYD_H */
