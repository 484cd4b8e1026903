/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Make the newest kernel API, the one src/ is written against, exist on the
 * kernel being built for. Force-included before every dmio source file.
 *
 * Every shim is keyed on a DMIO_HAVE_* define from the compile probes in
 * compat/probes/ (generated into dmio_config.h in the build directory), so
 * enterprise backports are handled by construction. docs/COMPAT.md lists
 * the probes.
 *
 * A shim is a dmio_compat_* function and a macro giving it the kernel's
 * name, never a definition under the kernel's name itself: a kernel that
 * has the name with another signature (the probe then says "no") must not
 * see a conflicting definition.
 */
#ifndef _DMIO_COMPAT_H
#define _DMIO_COMPAT_H

/*
 * Kernels since 4.8 build with -Wno-maybe-uninitialized (gcc's guesses
 * are wrong too often to be warnings); 3.10's Makefile still asks for them,
 * and gcc 4.8 then flags the iterator copies of the 3.10 bio shims below,
 * which are always initialized. Build every kernel the way 4.8+ does.
 * First of all: gcc judges by where the code was written, and the kernel's
 * own macros (min()) are written in the headers included next.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <dmio_config.h>
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/mempool.h>
#include <dmio/req-ops.h>

#ifndef SECTOR_SHIFT
/* <linux/blkdev.h> has it from 4.17. */
#define SECTOR_SHIFT 9
#endif
#ifndef SECTOR_SIZE
#define SECTOR_SIZE 512
#endif

#ifndef DMIO_HAVE_MEMPOOL_RESIZE_2ARG
/* Before 4.1 mempool_resize() also took the gfp_t of its allocations. */
static inline int dmio_compat_mempool_resize(mempool_t *pool, int new_min_nr)
{
	return mempool_resize(pool, new_min_nr, GFP_KERNEL);
}

#define mempool_resize dmio_compat_mempool_resize
#endif

#ifndef READ_ONCE
/* 3.19 replaced ACCESS_ONCE(). */
#define READ_ONCE(x)		ACCESS_ONCE(x)
#define WRITE_ONCE(x, val)	(ACCESS_ONCE(x) = (val))
#endif

/* ---- A bio's position: bi_iter (a struct bvec_iter) since 3.14 ---- */

#ifdef DMIO_HAVE_BIO_BI_ITER
/*
 * No kernel has accessors for these fields; src/ uses these names so that
 * the bio of 3.10 (no iterator, the fields in the bio) can stand behind them.
 */
#define dmio_bio_sector(bio)	((bio)->bi_iter.bi_sector)
#define dmio_bio_size(bio)	((bio)->bi_iter.bi_size)
#define dmio_bio_iter(bio)	((bio)->bi_iter)
#else
/*
 * Before 3.14 a bio's position was bi_sector, bi_size and bi_idx (the
 * first bio_vec, already trimmed by a partial completion). Iterating over
 * a bio the newest way works on a copy of those, in an iterator of the
 * newest kernels' shape.
 */
#define bvec_iter dmio_compat_bvec_iter
struct bvec_iter {
	sector_t bi_sector;
	unsigned int bi_size;
	unsigned int bi_idx;
	unsigned int bi_bvec_done;
};

#define dmio_bio_sector(bio)	((bio)->bi_sector)
#define dmio_bio_size(bio)	((bio)->bi_size)

static inline struct bvec_iter dmio_bio_iter(const struct bio *bio)
{
	struct bvec_iter iter = {
		.bi_sector = bio->bi_sector,
		.bi_size = bio->bi_size,
		.bi_idx = bio->bi_idx,
	};

	return iter;
}

static inline void dmio_compat_bio_advance_iter(const struct bio *bio,
						struct bvec_iter *iter,
						unsigned int bytes)
{
	const struct bio_vec *bv;

	bytes = min(bytes, iter->bi_size);
	iter->bi_sector += bytes >> SECTOR_SHIFT;
	iter->bi_size -= bytes;
	iter->bi_bvec_done += bytes;
	while (iter->bi_size) {
		bv = &bio->bi_io_vec[iter->bi_idx];
		if (iter->bi_bvec_done < bv->bv_len)
			break;
		iter->bi_bvec_done -= bv->bv_len;
		iter->bi_idx++;
	}
}

/* The rest of the bio_vec at the iterator, at most what the bio has left. */
static inline struct bio_vec dmio_compat_iter_bvec(const struct bio_vec *bvecs,
						   struct bvec_iter iter)
{
	const struct bio_vec *bv = &bvecs[iter.bi_idx];
	struct bio_vec out = {
		.bv_page = bv->bv_page,
		.bv_offset = bv->bv_offset + iter.bi_bvec_done,
		.bv_len = min(iter.bi_size, bv->bv_len - iter.bi_bvec_done),
	};

	return out;
}

#define bio_advance_iter dmio_compat_bio_advance_iter
#define mp_bvec_iter_bvec(bvecs, iter) dmio_compat_iter_bvec(bvecs, iter)
#endif

/* ---- The operation of a bio: bi_opf since 4.10, bi_rw before 4.8 ---- */

#if !defined(DMIO_HAVE_BIO_BI_OPF) && !defined(DMIO_REQ_LEGACY_FLAGS)
/* 4.8 and 4.9 kept the operation in the top bits of bi_opf. */
#error "dmio: kernels 4.8 and 4.9 are not supported (those before and after are)"
#endif

#ifdef DMIO_REQ_LEGACY_FLAGS
/*
 * dmio's own bios carry the words 3.10's block layer takes, whatever the
 * kernel's backported aliases say (RHEL 7's REQ_OP_DISCARD lacks the
 * write bit a discard bio needs there).
 */
#undef REQ_OP_MASK
#undef REQ_OP_READ
#undef REQ_OP_WRITE
#undef REQ_OP_DISCARD
#undef REQ_OP_FLUSH
#undef REQ_OP_WRITE_ZEROES
#define REQ_OP_MASK		DMIO_REQ_OP_MASK
#define REQ_OP_READ		DMIO_REQ_OP_READ
#define REQ_OP_WRITE		DMIO_REQ_OP_WRITE
#define REQ_OP_DISCARD		DMIO_REQ_OP_DISCARD
#define REQ_OP_FLUSH		DMIO_REQ_OP_FLUSH
#define REQ_OP_WRITE_ZEROES	DMIO_REQ_OP_WRITE_ZEROES
#endif

/*
 * Hints a request may carry (DMIO_F_META and on): 4.10 brought REQ_IDLE and
 * REQ_BACKGROUND; where the kernel has no such flag the hint is dropped.
 */
#ifndef REQ_IDLE
#define REQ_IDLE		0
#endif
#ifndef REQ_BACKGROUND
#define REQ_BACKGROUND		0
#endif

#ifdef DMIO_HAVE_BIO_BI_OPF
#define dmio_compat_bio_opf(bio) ((bio)->bi_opf)
#else
#define dmio_compat_bio_opf(bio) ((bio)->bi_rw)
#endif

#ifndef DMIO_HAVE_SUBMIT_BIO_1ARG
/* Before 4.8 submit_bio() took the operation again; it is in the bio. */
static inline void dmio_compat_submit_bio(struct bio *bio)
{
	submit_bio(bio->bi_rw, bio);
}

static inline int dmio_compat_submit_bio_wait(struct bio *bio)
{
	return submit_bio_wait(bio->bi_rw, bio);
}

#define submit_bio dmio_compat_submit_bio
#define submit_bio_wait dmio_compat_submit_bio_wait
#endif

#ifndef DMIO_HAVE_BDEV_WRITE_ZEROES_SECTORS
/* Before 4.10 there is no write-zeroes operation: nothing supports it. */
static inline unsigned int
dmio_compat_bdev_write_zeroes_sectors(struct block_device *bdev)
{
	return 0;
}

#define bdev_write_zeroes_sectors dmio_compat_bdev_write_zeroes_sectors
#endif

#ifndef DMIO_HAVE_BDEV_IS_ZONED
/* Before 4.10 no device is zoned. */
static inline bool dmio_compat_bdev_is_zoned(struct block_device *bdev)
{
	return false;
}

#define bdev_is_zoned dmio_compat_bdev_is_zoned
#endif

#ifdef DMIO_HAVE_BIO_BI_IOPRIO
/* No kernel has a setter: bi_ioprio is set directly (4.10 and later). */
#define dmio_bio_set_ioprio(bio, prio) ((bio)->bi_ioprio = (prio))
#else
/* Before 4.10 the priority rode in the top bits of bi_rw. */
#define dmio_bio_set_ioprio(bio, prio) bio_set_prio(bio, prio)
#endif

/* ---- Completion status: bi_status since 4.13, bi_error from 4.3 ---- */

#if !defined(DMIO_HAVE_BLK_STATUS_T) && defined(DMIO_HAVE_BIO_BI_ERROR)
/* An errno in bi_error: the one "not supported" status is -EOPNOTSUPP. */
#define bi_status		bi_error
#define BLK_STS_NOTSUPP		(-EOPNOTSUPP)
#endif

#ifndef DMIO_HAVE_BLK_STATUS_T
typedef int blk_status_t;	/* an errno before 4.13 */
#endif

#ifdef DMIO_HAVE_BIO_ENDIO_1ARG
/*
 * The parameters of a bi_end_io function, and the status it reads: the
 * newest kernels' (struct bio *) and bi_status. Before 4.3 the error came
 * as a second argument instead; a function declared with these takes it
 * there, under a name dmio_bio_status() knows.
 */
#define DMIO_END_IO_ARGS(name)	struct bio *(name)
#define dmio_bio_status(bio)	((bio)->bi_status)
#else
#define DMIO_END_IO_ARGS(name)	struct bio *(name), int dmio_end_io_error
#define dmio_bio_status(bio)	((void)(bio), dmio_end_io_error)
#define BLK_STS_NOTSUPP		(-EOPNOTSUPP)
#endif

#ifndef DMIO_HAVE_BIO_SET_DEV
/* 4.14 added the setter (it also sets the partition since 4.15). */
static inline void dmio_compat_bio_set_dev(struct bio *bio,
					   struct block_device *bdev)
{
	bio->bi_bdev = bdev;
}

#define bio_set_dev dmio_compat_bio_set_dev
#endif

/* ---- Biosets: embedded with bioset_init() since 4.18 ---- */

#ifdef DMIO_HAVE_BIOSET_INIT
/* What src/ calls struct bio_set, and the kernel's bioset inside it. */
#define dmio_compat_bio_set_t	struct bio_set
#define dmio_compat_bs(bs)	(bs)

/*
 * Grow or shrink a bioset's reserves: no kernel call does it, the pools
 * are the bioset's own.
 */
static inline int dmio_bioset_resize(struct bio_set *bs, unsigned int nr)
{
	int err = mempool_resize(&bs->bio_pool, nr);

	return err ? err : mempool_resize(&bs->bvec_pool, nr);
}
#else
/*
 * Before 4.18 a bioset came allocated from bioset_create(). src/ embeds a
 * struct bio_set as the newest kernels want; here that name stands for a
 * holder of the allocated one, and the calls src/ makes take the holder.
 */
struct dmio_compat_bio_set {
	struct bio_set *bs;
};

#define dmio_compat_bio_set_t	struct dmio_compat_bio_set
#define dmio_compat_bs(holder)	((holder)->bs)

#ifndef DMIO_HAVE_BIOSET_CREATE_FLAGS
/* Before 4.13 every bioset kept bio_vecs; the flag did not exist. */
#define BIOSET_NEED_BVECS	1
#endif

static inline int dmio_compat_bioset_init(struct dmio_compat_bio_set *holder,
					  unsigned int pool_size,
					  unsigned int front_pad, int flags)
{
	struct bio_set *bs;

#ifdef DMIO_HAVE_BIOSET_CREATE_FLAGS
	bs = bioset_create(pool_size, front_pad, flags);
#else
	bs = bioset_create(pool_size, front_pad);
#endif
	if (!bs)
		return -ENOMEM;
	holder->bs = bs;
	return 0;
}

static inline void dmio_compat_bioset_exit(struct dmio_compat_bio_set *holder)
{
	if (holder->bs)
		bioset_free(holder->bs);
	holder->bs = NULL;
}

static inline int dmio_bioset_resize(struct dmio_compat_bio_set *holder,
				     unsigned int nr)
{
	int err = mempool_resize(holder->bs->bio_pool, nr);

	return err ? err : mempool_resize(holder->bs->bvec_pool, nr);
}

#define bioset_init dmio_compat_bioset_init
#define bioset_exit dmio_compat_bioset_exit
/* The kernel's fs_bio_set was a pointer: hand out a holder of it. */
#define fs_bio_set (*(struct dmio_compat_bio_set[]){ { .bs = fs_bio_set } })
#endif

/* ---- Waiting for a variable: wait_var_event() since 4.16 ---- */

#ifndef DMIO_HAVE_WAIT_VAR_EVENT
#include <linux/wait.h>
/*
 * One wait queue for every variable (compat/wait_var.c): a wake-up may be
 * for another variable, and the waiter rechecks its condition.
 */
extern wait_queue_head_t dmio_compat_var_wq;
#define wait_var_event(var, condition) \
	wait_event(dmio_compat_var_wq, condition)
#define wake_up_var(var) wake_up_all(&dmio_compat_var_wq)
#endif

/* ---- Bitmaps on the heap: bitmap_zalloc() since 4.19 (tests) ---- */

#ifndef DMIO_HAVE_BITMAP_ZALLOC
#include <linux/slab.h>
static inline unsigned long *dmio_compat_bitmap_zalloc(unsigned int nbits,
						       gfp_t flags)
{
	return kcalloc(BITS_TO_LONGS(nbits), sizeof(unsigned long), flags);
}

#define bitmap_zalloc dmio_compat_bitmap_zalloc
#define bitmap_free kfree
#endif

/* ---- Queues and bio_vecs ---- */

#ifndef DMIO_HAVE_QUEUE_IS_MQ
/* 5.0 added the helper; a blk-mq queue has mq_ops (3.13, RHEL 7). */
static inline bool dmio_compat_queue_is_mq(struct request_queue *q)
{
#ifdef DMIO_HAVE_QUEUE_MQ_OPS
	return q->mq_ops;
#else
	return false;
#endif
}

#define queue_is_mq dmio_compat_queue_is_mq
#endif

#ifndef DMIO_HAVE_BIO_ADD_PAGE_UNCHECKED
/*
 * 4.19 exported the unchecked append. It is only used on a bio allocated
 * with room for the page, so appending the bio_vec is all it takes.
 */
static inline void dmio_compat_bio_add_page(struct bio *bio,
					    struct page *page,
					    unsigned int len, unsigned int off)
{
	struct bio_vec *bv = &bio->bi_io_vec[bio->bi_vcnt++];

	bv->bv_page = page;
	bv->bv_len = len;
	bv->bv_offset = off;
	dmio_bio_size(bio) += len;
}

#define __bio_add_page dmio_compat_bio_add_page
#endif

#ifdef bio_for_each_bvec
/* 5.1 and later: one bio_vec may cover any run of contiguous pages. */
#define dmio_bvec_room(offset)	UINT_MAX
#else
/*
 * Before multi-page bio_vecs (5.1) the block layer and its drivers take a
 * bio_vec to stay within its page (brd copies one page per bio_vec): a run
 * of contiguous pages goes in a page at a time.
 */
#define dmio_bvec_room(offset)	((unsigned int)(PAGE_SIZE - (offset)))
#endif

#if !defined(mp_bvec_iter_bvec) && !defined(bio_for_each_bvec) && \
	defined(DMIO_HAVE_BIO_BI_ITER)
/*
 * Before 5.1 every bio_vec was within one page: the same thing. Not keyed
 * on the helper alone: 7.x made it an inline function, and a fallback
 * keyed on the macro cut every run of bio memory back to one page there;
 * bio_for_each_bvec came with it in 5.1 and is still a macro. Not on
 * bio_for_each_bvec alone either: Ubuntu's 4.15 has the helper (a macro)
 * without it.
 */
#define mp_bvec_iter_bvec bvec_iter_bvec
#endif

#ifndef fallthrough
/* 5.4 added the pseudo keyword; gcc knows the attribute from version 7. */
#if defined(__GNUC__) && __GNUC__ >= 7
#define fallthrough __attribute__((__fallthrough__))
#else
#define fallthrough do {} while (0)
#endif
#endif

/* ---- Allocation helpers (the tests use them) ---- */

#ifndef DMIO_HAVE_ARRAY_SIZE
/* 4.18: a product that saturates, so the allocation fails instead. */
static inline size_t dmio_compat_array_size(size_t a, size_t b)
{
	return b && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

#define array_size dmio_compat_array_size
#endif

/*
 * Kernel memory whose pages are found through the page tables, not the
 * linear map: vmalloc and module addresses (is_vmalloc_or_module_addr(),
 * which no kernel exports; the same test, where the architecture has a
 * module area of its own).
 */
#include <linux/mm.h>
#include <linux/vmalloc.h>
static inline bool dmio_vmapped_addr(const void *addr)
{
#if defined(CONFIG_MODULES) && defined(MODULES_VADDR)
	unsigned long a = (unsigned long)addr;

	if (a >= MODULES_VADDR && a < MODULES_END)
		return true;
#endif
	return is_vmalloc_addr(addr);
}

#ifndef DMIO_HAVE_KVZALLOC
#include <linux/vmalloc.h>
/* Before 4.12: only the vmalloc half, for the sleeping callers we have. */
static inline void *dmio_compat_kvzalloc(size_t size, gfp_t flags)
{
	return vzalloc(size);
}

#define kvzalloc dmio_compat_kvzalloc
#endif

#ifndef DMIO_HAVE_KVCALLOC
/* 4.18 added the array form. */
static inline void *dmio_compat_kvcalloc(size_t n, size_t size, gfp_t flags)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kvzalloc(n * size, flags);
}

#define kvcalloc dmio_compat_kvcalloc
#endif

#ifndef DMIO_HAVE_GET_RANDOM_U32
#include <linux/random.h>
/* 4.11 named them; get_random_int() is as old as the tests need. */
static inline u32 dmio_compat_get_random_u32(void)
{
	return get_random_int();
}

static inline u64 dmio_compat_get_random_u64(void)
{
	return (u64)get_random_int() << 32 | get_random_int();
}

#define get_random_u32 dmio_compat_get_random_u32
#define get_random_u64 dmio_compat_get_random_u64
#endif

#ifndef nth_page
/*
 * 7.x removed nth_page(): the struct pages of one bio_vec are contiguous in
 * the memory map there. Older kernels keep it as a macro.
 */
#define nth_page(page, n) ((page) + (n))
#endif

#ifndef DMIO_HAVE_BLK_OPF_T
/* Before 6.0 bi_opf was a plain unsigned int; bi_rw an unsigned long. */
#ifdef DMIO_HAVE_BIO_BI_OPF
typedef unsigned int blk_opf_t;
#else
typedef unsigned long blk_opf_t;
#endif
#endif

#ifndef DMIO_HAVE_BIO_MAX_SEGS
/* 5.12 renamed BIO_MAX_PAGES and added the clamping helper. */
#ifndef BIO_MAX_VECS
#define BIO_MAX_VECS BIO_MAX_PAGES
#endif
static inline unsigned int dmio_compat_bio_max_segs(unsigned int nr_segs)
{
	return min_t(unsigned int, nr_segs, BIO_MAX_PAGES);
}

#define bio_max_segs dmio_compat_bio_max_segs
#endif

#ifndef DMIO_HAVE_BIO_ALLOC_BIOSET_BDEV
/* Before 5.18 the device and op were set after allocation. */
static inline struct bio *dmio_compat_bio_alloc_bioset(struct block_device *bdev,
						       unsigned short nr_vecs,
						       blk_opf_t opf, gfp_t gfp,
						       dmio_compat_bio_set_t *bs)
{
	struct bio *bio = bio_alloc_bioset(gfp, nr_vecs, dmio_compat_bs(bs));

	if (bio) {
		if (bdev)
			bio_set_dev(bio, bdev);
		dmio_compat_bio_opf(bio) = opf;
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
						      dmio_compat_bio_set_t *bs)
{
#ifdef DMIO_HAVE_BIO_CLONE_FAST
	struct bio *bio = bio_clone_fast(bio_src, gfp, dmio_compat_bs(bs));
#else
	/* Before 3.14 a clone copies the bio_vecs; the pages are shared. */
	struct bio *bio = bio_clone_bioset(bio_src, gfp, dmio_compat_bs(bs));
#endif

	if (bio)
		bio_set_dev(bio, bdev);
	return bio;
}

#define bio_alloc_clone dmio_compat_bio_alloc_clone
#endif

#ifndef DMIO_HAVE_BDEV_MAX_DISCARD_SECTORS
/* Before 5.19 discard support was a queue flag plus the queue limit. */
static inline unsigned int
dmio_compat_bdev_max_discard_sectors(struct block_device *bdev)
{
	struct request_queue *q = bdev_get_queue(bdev);

	return blk_queue_discard(q) ? q->limits.max_discard_sectors : 0;
}

#define bdev_max_discard_sectors dmio_compat_bdev_max_discard_sectors
#endif

#ifndef DMIO_HAVE_MEMZERO_PAGE
#include <linux/highmem.h>
static inline void dmio_compat_memzero_page(struct page *page, size_t offset,
					    size_t len)
{
	zero_user(page, offset, len);
}

#define memzero_page dmio_compat_memzero_page
#endif

#ifndef DMIO_HAVE_BDEV_NR_SECTORS
static inline sector_t dmio_compat_bdev_nr_sectors(struct block_device *bdev)
{
	return i_size_read(bdev->bd_inode) >> SECTOR_SHIFT;
}

#define bdev_nr_sectors dmio_compat_bdev_nr_sectors
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

#if defined(DMIO_HAVE_BLK_QUEUE_SPLIT) || defined(DMIO_HAVE_BIO_SPLIT_TO_LIMITS)
/* The block layer splits every bio to its own queue's limits. */
static inline bool dmio_bio_limits_cover(struct block_device *from,
					 struct block_device *to)
{
	return true;
}
#else
/*
 * Before 4.3 (and on RHEL 7) nothing splits a bio to a queue's limits:
 * bio_add_page() built it within @from's, and @to must take as much, or
 * the bio fails ("bio too big") or overruns the driver's segment table.
 */
static inline bool dmio_bio_limits_cover(struct block_device *from,
					 struct block_device *to)
{
	struct request_queue *a = bdev_get_queue(from);
	struct request_queue *b = bdev_get_queue(to);

	if (a == b)
		return true;
	return !b->merge_bvec_fn &&
	       queue_max_sectors(b) >= queue_max_sectors(a) &&
	       queue_max_hw_sectors(b) >= queue_max_hw_sectors(a) &&
	       queue_max_segments(b) >= queue_max_segments(a) &&
	       queue_max_segment_size(b) >= queue_max_segment_size(a) &&
	       queue_segment_boundary(b) >= queue_segment_boundary(a);
}
#endif

/*
 * Cut a bio not yet submitted back to its first @vcnt bio_vecs, the last
 * one @last_len bytes long, @size bytes in all. Where the bio counts its
 * segments (before 5.3), the count is marked stale for the block layer to
 * redo.
 */
static inline void dmio_bio_cut(struct bio *bio, unsigned short vcnt,
				unsigned int last_len, unsigned int size)
{
	bio->bi_vcnt = vcnt;
	if (vcnt)
		bio->bi_io_vec[vcnt - 1].bv_len = last_len;
	dmio_bio_size(bio) = size;
#ifdef BIO_SEG_VALID
	bio->bi_flags &= ~(1 << BIO_SEG_VALID);
#endif
}

#ifndef DMIO_HAVE_BIOSET_INIT
/* Last: every shim above that names the kernel's struct bio_set is done. */
#define bio_set dmio_compat_bio_set
#endif

#endif /* _DMIO_COMPAT_H */
