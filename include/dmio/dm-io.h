/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmio drop-in for <linux/dm-io.h>: code written against any era's dm-io API
 * (2.6.18 to 7.x) builds and runs unchanged on every kernel dmio supports.
 * Replace
 *
 *	#include <linux/dm-io.h>	(or "dm-io.h")
 * with
 *	#include <dmio/dm-io.h>
 *
 * and build with KBUILD_EXTRA_SYMBOLS=<dmio>/Module.symvers. The names below
 * resolve to dmio's own exports (dmio_*), so a consumer loads beside dm-mod
 * and never binds to its dm_io symbols.
 *
 * Include this header before any kernel header that pulls in the kernel's
 * <linux/dm-io.h> (such as <linux/dm-kcopyd.h>): it takes that header's
 * place, with the same struct dm_io_region, so kcopyd keeps working.
 *
 * The six classic calls that 2.6.26 removed (dm_io_sync(), dm_io_async()
 * and their _bvec and _vm kinds) are not declared here: code of every
 * later era is free to define its own functions under those names, with
 * any signature and any linkage, as flashcache and rapiddisk-cache do.
 * Code that calls them (2.6.18 era) includes <dmio/dm-io-classic.h>.
 */
#ifndef _DMIO_DM_IO_H
#define _DMIO_DM_IO_H

#ifdef _LINUX_DM_IO_H
/*
 * It may have come in through <linux/dm-kcopyd.h>: include this one first.
 * The rest is skipped, so this is the one message the compiler prints.
 */
#error "<dmio/dm-io.h> replaces <linux/dm-io.h>: include it first, not both"
/* <dmio/dm-io-classic.h> skips its part too. */
#define _DMIO_DM_IO_AFTER_KERNEL
#else
/* Stand in for the kernel's header from here on. */
#define _LINUX_DM_IO_H

#include <linux/types.h>
#include <linux/blk_types.h>
#include <linux/fs.h>
#include <linux/ioprio.h>
#include <dmio/dmio.h>
#include <dmio/req-ops.h>

struct bio;
struct bio_vec;
struct page;

/*
 * The request words of 2.6.37 to 4.9 that dm-io callers passed in bi_rw
 * (and in bi_op_flags in 4.8 and 4.9): WRITE_FLUSH with zero-count regions
 * was the way to flush. 4.10 removed them from <linux/fs.h>; here they
 * come back with the operation in them, so they work in bi_rw, in
 * bi_op_flags beside bi_op, and in bi_opf. They are bi_rw words, typed so
 * for sparse.
 */
#define DMIO_RW_WORD(flags)	((__force unsigned long)(flags))
#ifndef READ_SYNC
#define READ_SYNC	DMIO_RW_WORD(REQ_OP_READ | REQ_SYNC)
#endif
#ifndef WRITE_SYNC
#define WRITE_SYNC	DMIO_RW_WORD(REQ_OP_WRITE | REQ_SYNC)
#endif
#ifndef WRITE_ODIRECT
#define WRITE_ODIRECT	DMIO_RW_WORD(REQ_OP_WRITE | REQ_SYNC)
#endif
#ifndef WRITE_FUA
#define WRITE_FUA	DMIO_RW_WORD(REQ_OP_WRITE | REQ_SYNC | REQ_FUA)
#endif
#ifndef WRITE_FLUSH
#define WRITE_FLUSH	DMIO_RW_WORD(REQ_OP_WRITE | REQ_SYNC | REQ_PREFLUSH)
#endif
#ifndef WRITE_FLUSH_FUA
#define WRITE_FLUSH_FUA	DMIO_RW_WORD(REQ_OP_WRITE | REQ_SYNC | REQ_PREFLUSH | REQ_FUA)
#endif

/* The priority in-tree callers pass to dm_io() since 6.9. */
#ifndef IOPRIO_DEFAULT
#define IOPRIO_DEFAULT IOPRIO_PRIO_VALUE(IOPRIO_CLASS_NONE, 0)
#endif

/**
 * struct dm_io_region - a run of sectors on one device (2.6.26 and later)
 * @bdev: the device
 * @sector: first sector
 * @count: number of sectors; 0: the region is ignored (unless flushing)
 *
 * Before 2.6.26 the same structure was called struct io_region; both names
 * work and are the same type.
 */
struct dm_io_region {
	struct block_device *bdev;
	sector_t sector;
	sector_t count;
};

#define io_region dm_io_region

/**
 * struct page_list - a singly linked list of pages
 * @next: next element
 * @page: the page
 */
struct page_list {
	struct page_list *next;
	struct page *page;
};

/*
 * The completion callback: (error_bits, context) before 7.x and
 * (error_bits, unsup_bits, context) since. The type is left unprototyped so
 * that callbacks of either era can be stored; which of the two dmio calls is
 * decided by the era of the call that takes it: dm_io() with an unsupported
 * bits argument and dmio_dm_io_unsup() call it with three arguments,
 * everything else with two.
 */
#ifdef __CHECKER__
/* sparse reads "()" as "(void)": let it see a plain pointer instead. */
typedef void *io_notify_fn;
#else
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
typedef void (*io_notify_fn)();
#pragma GCC diagnostic pop
#endif

/*
 * Memory types. DM_IO_BVEC (a bio_vec array, before 3.14) and DM_IO_BIO (a
 * bio, after) shared a value in the kernel; here they differ, so dmio knows
 * which member of ptr was set.
 */
enum dm_io_mem_type {
	DM_IO_PAGE_LIST,
	DM_IO_BIO,
	DM_IO_VMA,
	DM_IO_KMEM,
	DM_IO_BVEC,
};

/**
 * struct dm_io_memory - the data of a request
 * @type: which member of @ptr is valid
 * @offset: offset into the first page of a page list; dm-io ignores it for
 *	every other type, and so does dmio (it may be left unset there)
 * @ptr: the memory
 * @ptr.pl: page list
 * @ptr.bvec: bio_vec array
 * @ptr.bio: bio (its current iterator)
 * @ptr.vma: vmalloc()ed buffer
 * @ptr.addr: kernel memory
 */
struct dm_io_memory {
	enum dm_io_mem_type type;
	unsigned int offset;
	union {
		struct page_list *pl;
		struct bio_vec *bvec;
		struct bio *bio;
		void *vma;
		void *addr;
	} ptr;
};

/**
 * struct dm_io_notify - asynchronous completion
 * @fn: callback; NULL makes the request synchronous
 * @context: passed to @fn
 */
struct dm_io_notify {
	io_notify_fn fn;
	void *context;
};

#define dm_io_client dmio_client

/**
 * struct dm_io_request - a request, with the operation in any era's fields
 * @bi_rw: READ or WRITE with REQ_* flags (before 4.8)
 * @bi_op: REQ_OP_* (4.8 to 5.x)
 * @bi_op_flags: REQ_* flags for @bi_op
 * @bi_opf: REQ_OP_* | REQ_* flags (6.0 and later)
 * @mem: the data
 * @notify: completion; synchronous when @notify.fn is NULL
 * @client: from dm_io_client_create(); NULL: the dm_io_get() client
 *
 * Set the fields your code was written for: @bi_rw, or @bi_op and
 * @bi_op_flags, or @bi_opf. They share their storage, and each era's
 * assignment writes all of it, so code that fills a request on the stack
 * field by field (without zeroing it first, as flashcache and dm-integrity
 * do) leaves nothing stale behind; the operation is the OR of the two
 * 32-bit halves. Set one era's fields per request: a later assignment to
 * another era's field replaces the earlier one.
 *
 * For sparse the fields take the running kernel's REQ_* flag type
 * (blk_opf_t since 6.0), so a consumer's assignments check as the kernel's
 * own; sparse generates no code, so the layout it sees does not matter.
 */
struct dm_io_request {
	union {
#ifdef __CHECKER__
		unsigned long bi_rw;
		__typeof__(REQ_FUA) bi_opf;
		struct {
			__typeof__(REQ_FUA) bi_op;
			__typeof__(REQ_FUA) bi_op_flags;
		};
#else
		u64 bi_rw;
		u64 bi_opf;
		struct {
			u32 bi_op;
			u32 bi_op_flags;
		};
#endif
	};
	struct dm_io_memory mem;
	struct dm_io_notify notify;
	struct dm_io_client *client;
};

/* The exports behind the macros below; call the dm-io names instead. */
struct dmio_client *dmio_dm_io_client_create(unsigned int num_pages);
int dmio_dm_io_client_resize(unsigned int num_pages, struct dmio_client *client);
void dmio_dm_io_client_destroy(struct dmio_client *client);
int dmio_dm_io_get(unsigned int num_pages);
void dmio_dm_io_put(unsigned int num_pages);
int dmio_dm_io_request(struct dm_io_request *req, unsigned int num_regions,
		       struct dm_io_region *where, unsigned long *error_bits,
		       unsigned long *unsup_bits, unsigned short ioprio,
		       bool notify_unsup);
int dmio_dm_io_classic(unsigned int num_regions, struct dm_io_region *where,
		       unsigned long rw, enum dm_io_mem_type type, void *mem,
		       unsigned int offset, unsigned long *error_bits,
		       io_notify_fn fn, void *context);

/* Count 0 or 1 arguments: DMIO_ARGC01() is 0, DMIO_ARGC01(x) is 1. */
#define DMIO_ARGC01_(dummy, x, n, ...) n
#define DMIO_ARGC01(...) DMIO_ARGC01_(dummy, ##__VA_ARGS__, 1, 0)
#define DMIO_CAT_(a, b) a##b
#define DMIO_CAT(a, b) DMIO_CAT_(a, b)

/*
 * dm_io_client_create() (3.0 and later) and dm_io_client_create(num_pages)
 * (2.6.22 to 2.6.39). Both return the client or an ERR_PTR().
 */
#define dm_io_client_create(...) \
	DMIO_CAT(dmio_dm_io_client_create_, DMIO_ARGC01(__VA_ARGS__))(__VA_ARGS__)
#define dmio_dm_io_client_create_0() dmio_dm_io_client_create(0)
#define dmio_dm_io_client_create_1(n) dmio_dm_io_client_create(n)
#define dm_io_client_resize(num_pages, client) \
	dmio_dm_io_client_resize(num_pages, client)
#define dm_io_client_destroy(client) dmio_dm_io_client_destroy(client)

/* The shared client of the classic calls (before 2.6.26). */
#define dm_io_get(num_pages) dmio_dm_io_get(num_pages)
#define dm_io_put(num_pages) dmio_dm_io_put(num_pages)

/*
 * dm_io(req, n, where, error_bits)			2.6.22 to 6.8
 * dm_io(req, n, where, error_bits, ioprio)		6.9 (and 6.1.83+ ...)
 * dm_io(req, n, where, error_bits, unsup_bits, ioprio)	7.x (and 6.18.y)
 */
#define DMIO_DM_IO_PICK(_1, _2, _3, _4, _5, _6, name, ...) name
#define dm_io(...) \
	DMIO_DM_IO_PICK(__VA_ARGS__, dmio_dm_io_6, dmio_dm_io_5, dmio_dm_io_4, \
			dmio_dm_io_bad, dmio_dm_io_bad, dmio_dm_io_bad)(__VA_ARGS__)
#define dmio_dm_io_4(req, n, where, bits) \
	dmio_dm_io_request(req, n, where, bits, NULL, 0, false)
#define dmio_dm_io_5(req, n, where, bits, ioprio) \
	dmio_dm_io_request(req, n, where, bits, NULL, ioprio, false)
#define dmio_dm_io_6(req, n, where, bits, unsup, ioprio) \
	dmio_dm_io_request(req, n, where, bits, unsup, ioprio, true)

#endif /* !_LINUX_DM_IO_H */
#endif /* _DMIO_DM_IO_H */
