/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmio drop-in for the dm-io API before 2.6.26 (drivers/md/dm-io.h): the
 * six classic calls on the shared client of dm_io_get(). Code that calls
 * them replaces
 *
 *	#include "dm-io.h"
 * with
 *	#include <dmio/dm-io-classic.h>
 *
 * Everything of <dmio/dm-io.h> comes with it. Code of later eras includes
 * <dmio/dm-io.h> only, which leaves these six names free for functions of
 * the consumer's own (flashcache and rapiddisk-cache define their own
 * dm_io_async_bvec(), with their own signatures).
 */
#ifndef _DMIO_DM_IO_CLASSIC_H
#define _DMIO_DM_IO_CLASSIC_H

#include <dmio/dm-io.h>

#ifndef _DMIO_DM_IO_AFTER_KERNEL
/**
 * dm_io_sync() - write to several regions, or read one, from a page list
 * @num_regions: number of regions (one for a read)
 * @where: the regions
 * @rw: READ or WRITE, with REQ_* flags
 * @pl: the pages
 * @offset: offset into the first page
 * @error_bits: receives one bit per failed region
 *
 * Context: process context; may sleep. dm_io_get() must have been called.
 * Return: 0, -EIO when a region failed, -EINVAL for a refused request.
 */
static inline int dm_io_sync(unsigned int num_regions, struct io_region *where,
			     int rw, struct page_list *pl, unsigned int offset,
			     unsigned long *error_bits)
{
	return dmio_dm_io_classic(num_regions, where, rw, DM_IO_PAGE_LIST, pl,
				  offset, error_bits, NULL, NULL);
}

/**
 * dm_io_async() - dm_io_sync() that calls @fn(error_bits, @context) when done
 * @num_regions: number of regions (one for a read)
 * @where: the regions
 * @rw: READ or WRITE, with REQ_* flags
 * @pl: the pages
 * @offset: offset into the first page
 * @fn: the callback
 * @context: passed to @fn
 *
 * Return: 0 when started (@fn runs once), a negative errno when refused.
 */
static inline int dm_io_async(unsigned int num_regions, struct io_region *where,
			      int rw, struct page_list *pl, unsigned int offset,
			      io_notify_fn fn, void *context)
{
	return dmio_dm_io_classic(num_regions, where, rw, DM_IO_PAGE_LIST, pl,
				  offset, NULL, fn, context);
}

/**
 * dm_io_sync_bvec() - dm_io_sync() from a bio_vec array
 * @num_regions: number of regions (one for a read)
 * @where: the regions
 * @rw: READ or WRITE, with REQ_* flags
 * @bvec: the bio_vecs, enough of them for the regions
 * @error_bits: receives one bit per failed region
 *
 * Return: as dm_io_sync().
 */
static inline int dm_io_sync_bvec(unsigned int num_regions,
				  struct io_region *where, int rw,
				  struct bio_vec *bvec, unsigned long *error_bits)
{
	return dmio_dm_io_classic(num_regions, where, rw, DM_IO_BVEC, bvec, 0,
				  error_bits, NULL, NULL);
}

/**
 * dm_io_async_bvec() - dm_io_async() from a bio_vec array
 * @num_regions: number of regions (one for a read)
 * @where: the regions
 * @rw: READ or WRITE, with REQ_* flags
 * @bvec: the bio_vecs, enough of them for the regions
 * @fn: the callback
 * @context: passed to @fn
 *
 * Return: as dm_io_async().
 */
static inline int dm_io_async_bvec(unsigned int num_regions,
				   struct io_region *where, int rw,
				   struct bio_vec *bvec, io_notify_fn fn,
				   void *context)
{
	return dmio_dm_io_classic(num_regions, where, rw, DM_IO_BVEC, bvec, 0,
				  NULL, fn, context);
}

/**
 * dm_io_sync_vm() - dm_io_sync() from a vmalloc()ed buffer
 * @num_regions: number of regions (one for a read)
 * @where: the regions
 * @rw: READ or WRITE, with REQ_* flags
 * @data: the buffer
 * @error_bits: receives one bit per failed region
 *
 * Return: as dm_io_sync().
 */
static inline int dm_io_sync_vm(unsigned int num_regions,
				struct io_region *where, int rw, void *data,
				unsigned long *error_bits)
{
	return dmio_dm_io_classic(num_regions, where, rw, DM_IO_VMA, data, 0,
				  error_bits, NULL, NULL);
}

/**
 * dm_io_async_vm() - dm_io_async() from a vmalloc()ed buffer
 * @num_regions: number of regions (one for a read)
 * @where: the regions
 * @rw: READ or WRITE, with REQ_* flags
 * @data: the buffer
 * @fn: the callback
 * @context: passed to @fn
 *
 * Return: as dm_io_async().
 */
static inline int dm_io_async_vm(unsigned int num_regions,
				 struct io_region *where, int rw, void *data,
				 io_notify_fn fn, void *context)
{
	return dmio_dm_io_classic(num_regions, where, rw, DM_IO_VMA, data, 0,
				  NULL, fn, context);
}
#endif /* !_DMIO_DM_IO_AFTER_KERNEL */

#endif /* _DMIO_DM_IO_CLASSIC_H */
