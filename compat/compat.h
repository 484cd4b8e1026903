/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Make the newest kernel API, the one src/ is written against, exist on the
 * kernel being built for. Force-included before every dmio source file.
 *
 * Every shim is keyed on a DMIO_HAVE_* define from the compile probes in
 * compat/probes/ (generated into dmio_config.h in the build directory), so
 * enterprise backports are handled by construction. docs/COMPAT.md lists
 * the probes.
 */
#ifndef _DMIO_COMPAT_H
#define _DMIO_COMPAT_H

#include <dmio_config.h>
#include <linux/bio.h>
#include <linux/blkdev.h>

#ifndef nth_page
/*
 * 7.x removed nth_page(): the struct pages of one bio_vec are contiguous in
 * the memory map there. Older kernels keep it as a macro.
 */
#define nth_page(page, n) ((page) + (n))
#endif

#ifndef DMIO_HAVE_BLK_OPF_T
/* Before 6.0 bi_opf was a plain unsigned int. */
typedef unsigned int blk_opf_t;
#endif

#ifndef DMIO_HAVE_BIO_MAX_SEGS
/* 5.12 renamed BIO_MAX_PAGES and added the clamping helper. */
#ifndef BIO_MAX_VECS
#define BIO_MAX_VECS BIO_MAX_PAGES
#endif
static inline unsigned int bio_max_segs(unsigned int nr_segs)
{
	return min_t(unsigned int, nr_segs, BIO_MAX_PAGES);
}
#endif

#ifndef DMIO_HAVE_BIO_ALLOC_BIOSET_BDEV
/* Before 5.18 the device and op were set after allocation. */
static inline struct bio *dmio_compat_bio_alloc_bioset(struct block_device *bdev,
						       unsigned short nr_vecs,
						       blk_opf_t opf, gfp_t gfp,
						       struct bio_set *bs)
{
	struct bio *bio = bio_alloc_bioset(gfp, nr_vecs, bs);

	if (bio) {
		if (bdev)
			bio_set_dev(bio, bdev);
		bio->bi_opf = opf;
	}
	return bio;
}

#define bio_alloc_bioset dmio_compat_bio_alloc_bioset
#endif

#ifndef DMIO_HAVE_BIO_ALLOC_CLONE
/*
 * Before 5.18 a clone sharing the source's bio_vecs came from
 * bio_clone_fast(), for the source's device; the device is set after.
 */
static inline struct bio *dmio_compat_bio_alloc_clone(struct block_device *bdev,
						      struct bio *bio_src,
						      gfp_t gfp,
						      struct bio_set *bs)
{
	struct bio *bio = bio_clone_fast(bio_src, gfp, bs);

	if (bio)
		bio_set_dev(bio, bdev);
	return bio;
}

#define bio_alloc_clone dmio_compat_bio_alloc_clone
#endif

#ifndef DMIO_HAVE_BDEV_MAX_DISCARD_SECTORS
/* Before 5.19 discard support was a queue flag plus the queue limit. */
static inline unsigned int bdev_max_discard_sectors(struct block_device *bdev)
{
	struct request_queue *q = bdev_get_queue(bdev);

	return blk_queue_discard(q) ? q->limits.max_discard_sectors : 0;
}
#endif

#ifndef DMIO_HAVE_MEMZERO_PAGE
#include <linux/highmem.h>
static inline void memzero_page(struct page *page, size_t offset, size_t len)
{
	zero_user(page, offset, len);
}
#endif

#ifndef DMIO_HAVE_BDEV_NR_SECTORS
static inline sector_t bdev_nr_sectors(struct block_device *bdev)
{
	return i_size_read(bdev->bd_inode) >> SECTOR_SHIFT;
}
#endif

#ifndef static_assert
/* <linux/build_bug.h> has it from 5.1: a negative array size does the same. */
#define static_assert(expr, ...) \
	extern int dmio_static_assert[(expr) ? 1 : -1] __maybe_unused
#endif

#ifndef SLAB_NO_MERGE
/*
 * 6.5 added the flag. Before it a cache may be merged with a look-alike:
 * harmless, only the leak report at unload then names the other cache.
 */
#define SLAB_NO_MERGE 0
#endif

#endif /* _DMIO_COMPAT_H */
