// SPDX-License-Identifier: GPL-2.0
/*
 * The exports behind <dmio/dm-io.h>, the drop-in for <linux/dm-io.h>: every
 * era's dm-io request is translated into a native dmio request. The bitsets
 * of the dm-io API are one unsigned long, so at most BITS_PER_LONG regions.
 */
#include <linux/blkdev.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include "dmio_internal.h"
#include <dmio/dm-io.h>

/* The drop-in's structures are the native ones under their dm-io names. */
static_assert(sizeof(struct dm_io_region) == sizeof(struct dmio_region));
static_assert(offsetof(struct dm_io_region, bdev) == offsetof(struct dmio_region, bdev));
static_assert(offsetof(struct dm_io_region, sector) == offsetof(struct dmio_region, sector));
static_assert(offsetof(struct dm_io_region, count) == offsetof(struct dmio_region, count));
static_assert(sizeof(struct page_list) == sizeof(struct dmio_page_list));
static_assert(offsetof(struct page_list, next) == offsetof(struct dmio_page_list, next));
static_assert(offsetof(struct page_list, page) == offsetof(struct dmio_page_list, page));

/* The client of dm_io_get()/dm_io_put() and the classic calls. */
static DEFINE_MUTEX(default_lock);
static struct dmio_client *default_client;
static unsigned int default_users;
static unsigned int default_pages;

/*
 * The reserve for requests that name a client dmio did not make: code
 * rebuilt through the drop-in may pass on one of the kernel's own dm-io
 * clients (dm-integrity passes dm-bufio's), which is no dmio client.
 */
static struct dmio_client *stray_client;

/* Module init: the reserve for such requests. */
int dmio_dm_io_init(void)
{
	stray_client = dmio_client_create(DMIO_DEFAULT_MIN_IOS);
	return PTR_ERR_OR_ZERO(stray_client);
}

/* The client a dm-io request's client names, as a dmio one. */
static struct dmio_client *request_client(struct dmio_client *client)
{
	if (!client)
		return default_client;
	if (likely(dmio_client_is_ours(client)))
		return client;
	pr_notice_once("dmio: dm_io() with a client of the kernel's dm-io (such as dm-bufio's): dmio's own reserve serves it\n");
	return stray_client;
}

/* A reserve of one request per page asked for, never below the default. */
static unsigned int pages_to_ios(unsigned int num_pages)
{
	return max_t(unsigned int, num_pages, DMIO_DEFAULT_MIN_IOS);
}

/**
 * dmio_dm_io_client_create() - dm_io_client_create() of every era
 * @num_pages: pages the caller expects in flight (2.6.22 to 2.6.39 API);
 *	0 for the argument-less API of 3.0 and later
 *
 * Return: the client, or an ERR_PTR() on failure.
 */
struct dmio_client *dmio_dm_io_client_create(unsigned int num_pages)
{
	return dmio_client_create(pages_to_ios(num_pages));
}
EXPORT_SYMBOL_GPL(dmio_dm_io_client_create);

/**
 * dmio_dm_io_client_resize() - dm_io_client_resize() (2.6.22 to 2.6.39)
 * @num_pages: pages the caller now expects in flight
 * @client: the client
 *
 * Return: 0, or -ENOMEM (the client keeps a working reserve).
 */
int dmio_dm_io_client_resize(unsigned int num_pages, struct dmio_client *client)
{
	if (IS_ERR_OR_NULL(client) || !dmio_client_is_ours(client))
		return -EINVAL;
	return dmio_client_resize(client, pages_to_ios(num_pages));
}
EXPORT_SYMBOL_GPL(dmio_dm_io_client_resize);

/**
 * dmio_dm_io_client_destroy() - dm_io_client_destroy()
 * @client: the client; NULL or an ERR_PTR() is ignored
 */
void dmio_dm_io_client_destroy(struct dmio_client *client)
{
	dmio_client_destroy(client);
}
EXPORT_SYMBOL_GPL(dmio_dm_io_client_destroy);

/**
 * dmio_dm_io_get() - dm_io_get(): take a reference on the shared client
 * @num_pages: pages the caller expects in flight; the shared reserve grows
 *	by as much
 *
 * Context: process context; may sleep.
 * Return: 0, or -ENOMEM.
 */
int dmio_dm_io_get(unsigned int num_pages)
{
	struct dmio_client *client;
	int err = 0;

	mutex_lock(&default_lock);
	if (!default_client) {
		client = dmio_client_create(pages_to_ios(num_pages));
		if (IS_ERR(client)) {
			err = PTR_ERR(client);
			goto out;
		}
		default_client = client;
	} else {
		err = dmio_client_resize(default_client,
					 pages_to_ios(default_pages + num_pages));
		if (err)
			goto out;
	}
	default_users++;
	default_pages += num_pages;
out:
	mutex_unlock(&default_lock);
	return err;
}
EXPORT_SYMBOL_GPL(dmio_dm_io_get);

/**
 * dmio_dm_io_put() - dm_io_put(): drop a reference on the shared client
 * @num_pages: the pages given to the matching dm_io_get(); the reserve
 *	shrinks by as much, and the client goes with its last user
 *
 * Context: process context; may sleep.
 */
void dmio_dm_io_put(unsigned int num_pages)
{
	mutex_lock(&default_lock);
	if (WARN_ONCE(!default_users, "dmio: dm_io_put() without dm_io_get()\n"))
		goto out;
	default_pages -= min(num_pages, default_pages);
	if (--default_users == 0) {
		dmio_client_destroy(default_client);
		default_client = NULL;
		default_pages = 0;
	} else {
		/* Shrinking only frees memory: a failure keeps the larger pool. */
		dmio_client_resize(default_client, pages_to_ios(default_pages));
	}
out:
	mutex_unlock(&default_lock);
}
EXPORT_SYMBOL_GPL(dmio_dm_io_put);

/* Module exit: a user that never called dm_io_put() leaves the client. */
void dmio_dm_io_exit(void)
{
	dmio_client_destroy(default_client);
	default_client = NULL;
	dmio_client_destroy(stray_client);
	stray_client = NULL;
}

/*
 * Every era's operation fields, as one request-flags word of the running
 * kernel. They share one 64-bit word: bi_rw or bi_opf fill it whole (the
 * value in its low half), bi_op and bi_op_flags one half each, so the OR
 * of the halves is the word in every case.
 */
static u64 request_word(const struct dm_io_request *req)
{
	u64 word = req->bi_rw;

	return lower_32_bits(word) | upper_32_bits(word);
}

static bool all_regions_empty(unsigned int n, const struct dm_io_region *where)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (where[i].count)
			return false;
	return true;
}

/* The REQ_* hints dm-io passes through to its bios, and their dmio flags. */
static const struct {
	blk_opf_t req;
	unsigned int dmio;
} hint_flags[] = {
	{ REQ_META, DMIO_F_META },
	{ REQ_PRIO, DMIO_F_PRIO },
	{ REQ_RAHEAD, DMIO_F_RAHEAD },
	{ REQ_IDLE, DMIO_F_IDLE },
	{ REQ_NOMERGE, DMIO_F_NOMERGE },
	{ REQ_BACKGROUND, DMIO_F_BACKGROUND },
};

static unsigned int translate_flags(blk_opf_t opf)
{
	unsigned int flags = 0, i;

	if (opf & REQ_FUA)
		flags |= DMIO_F_FUA;
	if (opf & REQ_PREFLUSH)
		flags |= DMIO_F_PREFLUSH;
	if (opf & REQ_SYNC)
		flags |= DMIO_F_SYNC;
	if (opf & REQ_NOUNMAP)
		flags |= DMIO_F_NOUNMAP;
	for (i = 0; i < ARRAY_SIZE(hint_flags); i++)
		if (opf & hint_flags[i].req)
			flags |= hint_flags[i].dmio;
	return flags;
}

/*
 * Translate the operation. One dmio has no name for is no refusal: dm-io
 * hands it to the block layer, which fails it; -EOPNOTSUPP says so here.
 */
static int translate_op(u64 word, unsigned int n,
			const struct dm_io_region *where, struct dmio_request *r)
{
	blk_opf_t opf = (__force blk_opf_t)dmio_req_normalize(word);

	switch (opf & REQ_OP_MASK) {
	case REQ_OP_READ:
		r->op = DMIO_OP_READ;
		break;
	case REQ_OP_WRITE:
		r->op = DMIO_OP_WRITE;
		/* dm-io's empty flush: a flushing write of zero-count regions. */
		if ((opf & REQ_PREFLUSH) && all_regions_empty(n, where))
			r->op = DMIO_OP_FLUSH;
		break;
	case REQ_OP_FLUSH:
		r->op = DMIO_OP_FLUSH;
		break;
	case REQ_OP_DISCARD:
		r->op = DMIO_OP_DISCARD;
		break;
	case REQ_OP_WRITE_ZEROES:
		r->op = DMIO_OP_WRITE_ZEROES;
		break;
	default:
		pr_warn_ratelimited("dmio: dm_io(): operation %#x is not supported\n",
				    (__force u32)(opf & REQ_OP_MASK));
		return -EOPNOTSUPP;
	}
	/* Regions dmio would refuse fail alone, as in dm-io. */
	r->flags = translate_flags(opf) | DMIO_F_DM_IO_REGIONS;
	return 0;
}

/*
 * An operation no device offers: every region that names some sectors is
 * reported unsupported, through the bits or the callback, as dm-io's
 * bios would have been failed.
 */
static int unsupported_op(struct dm_io_request *req, unsigned int n,
			  struct dm_io_region *where, unsigned long *error_bits,
			  unsigned long *unsup_bits, bool notify_unsup)
{
	unsigned long bits = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (where[i].count)
			__set_bit(i, &bits);
	if (req->notify.fn) {
		if (notify_unsup)
			((void (*)(unsigned long, unsigned long, void *))
			 req->notify.fn)(0, bits, req->notify.context);
		else
			((void (*)(unsigned long, void *))req->notify.fn)
				(bits, req->notify.context);
		return 0;
	}
	if (unsup_bits) {
		*unsup_bits = bits;
		if (error_bits)
			*error_bits = 0;
		return bits ? -EOPNOTSUPP : 0;
	}
	if (error_bits)
		*error_bits = bits;
	return bits ? -EIO : 0;
}

static int translate_mem(const struct dm_io_memory *mem, struct dmio_request *r)
{
	/* dm-io reads the offset of a page list only: callers leave it unset. */
	r->mem.offset = mem->type == DM_IO_PAGE_LIST ? mem->offset : 0;
	if (r->op != DMIO_OP_READ && r->op != DMIO_OP_WRITE) {
		r->mem.type = DMIO_MEM_NONE;
		return 0;
	}
	switch (mem->type) {
	case DM_IO_PAGE_LIST:
		r->mem.type = DMIO_MEM_PAGE_LIST;
		r->mem.ptr.pl = (struct dmio_page_list *)mem->ptr.pl;
		break;
	case DM_IO_BVEC:
		r->mem.type = DMIO_MEM_BVEC;
		r->mem.ptr.bvec = mem->ptr.bvec;
		break;
	case DM_IO_BIO:
		/* The bio's own iterator says where its data starts. */
		r->mem.type = DMIO_MEM_BIO;
		r->mem.ptr.bio = mem->ptr.bio;
		break;
	case DM_IO_VMA:
		r->mem.type = DMIO_MEM_VMALLOC;
		r->mem.ptr.vaddr = mem->ptr.vma;
		break;
	case DM_IO_KMEM:
		r->mem.type = DMIO_MEM_KERNEL;
		r->mem.ptr.vaddr = mem->ptr.addr;
		break;
	default:
		pr_warn_ratelimited("dmio: dm_io(): unknown memory type %d\n",
				    mem->type);
		return -EINVAL;
	}
	return 0;
}

/*
 * The dm-io eras' callback shapes: (bits, context) before 7.x, where an
 * unsupported operation is a failure like any, and 7.x's (error bits,
 * unsupported bits, context).
 */
static void deliver_bits(void (*fn)(void), void *context,
			 const unsigned long *error_bits,
			 const unsigned long *unsup_bits)
{
	((void (*)(unsigned long, void *))fn)(*error_bits | *unsup_bits,
					      context);
}

static void deliver_bits_unsup(void (*fn)(void), void *context,
			       const unsigned long *error_bits,
			       const unsigned long *unsup_bits)
{
	((void (*)(unsigned long, unsigned long, void *))fn)(*error_bits,
							     *unsup_bits,
							     context);
}

/**
 * dmio_dm_io_request() - dm_io() of every era
 * @req: the request
 * @num_regions: 1..BITS_PER_LONG regions (the bitsets are one long)
 * @where: the regions
 * @error_bits: sync: receives the failed regions (may be NULL)
 * @unsup_bits: sync: receives the regions whose device lacks the operation
 *	(7.x API); NULL for the older APIs, which see those as failures
 * @ioprio: I/O priority of the bios (0: default)
 * @notify_unsup: async: call @req->notify.fn with the 7.x arguments
 *	(error, unsup, context) instead of (error, context)
 *
 * What dm-io hands to the block layer is not refused here either: a region
 * without a device or not aligned to its device's logical block, and an
 * operation no device offers, fail through the bits (or the callback) as
 * their bios would have failed in dm-io. A region with count 0 is ignored
 * before anything else of it is read. Refused, with no I/O and no
 * callback, is only what dm-io refuses too: a read of several regions,
 * an unknown memory type, more regions than a bitset holds, no client.
 *
 * An asynchronous request's callback runs where dm-io runs it: in the
 * end_io of its last bio (any context), or in dm_io() itself when nothing
 * was left in flight; the request's reserve is back before it runs.
 *
 * Context: process context; may sleep.
 * Return: 0 (async: the callback runs exactly once); -EIO when a region
 * failed (sync), or for a read of several regions, as dm-io; -EOPNOTSUPP
 * when @unsup_bits is given and the only failures are unsupported
 * operations; -EINVAL for a request refused.
 */
int dmio_dm_io_request(struct dm_io_request *req, unsigned int num_regions,
		       struct dm_io_region *where, unsigned long *error_bits,
		       unsigned long *unsup_bits, unsigned short ioprio,
		       bool notify_unsup)
{
	const struct dmio_region *regions = (const struct dmio_region *)where;
	struct dmio_request r = { .ioprio = ioprio };
	unsigned long ebits = 0, ubits = 0;
	int err;

	if (!req || !where)
		return -EINVAL;
	if (num_regions > BITS_PER_LONG) {
		pr_warn_ratelimited("dmio: dm_io(): %u regions do not fit its %d-bit bitsets\n",
				    num_regions, BITS_PER_LONG);
		return -EINVAL;
	}
	r.client = request_client(req->client);
	err = translate_op(request_word(req), num_regions, where, &r);
	if (err == -EOPNOTSUPP)
		return unsupported_op(req, num_regions, where, error_bits,
				      unsup_bits, notify_unsup);
	if (!err)
		err = translate_mem(&req->mem, &r);
	if (err)
		return err;

	if (req->notify.fn) {
		/* Called where dm-io calls it: the last bio's end_io. */
		struct dmio_callback cb = {
			.deliver = notify_unsup ? deliver_bits_unsup : deliver_bits,
			.fn = (void (*)(void))req->notify.fn,
			.context = req->notify.context,
			.in_endio = true,
		};

		return dmio_async_callback(&r, num_regions, regions, &cb);
	}

	err = dmio_sync(&r, num_regions, regions, &ebits, &ubits);
	if (!unsup_bits && ubits) {
		/* Before 7.x an unsupported operation was a failure like any. */
		ebits |= ubits;
		err = -EIO;
	}
	if (error_bits)
		*error_bits = ebits;
	if (unsup_bits)
		*unsup_bits = ubits;
	return err;
}
EXPORT_SYMBOL_GPL(dmio_dm_io_request);

/**
 * dmio_dm_io_classic() - the six classic calls (dm_io_sync and friends)
 * @num_regions: number of regions
 * @where: the regions
 * @rw: READ or WRITE, with REQ_* flags
 * @type: DM_IO_PAGE_LIST, DM_IO_BVEC or DM_IO_VMA
 * @mem: the page list, bio_vec array or vmalloc()ed buffer
 * @offset: offset into the first page of a page list
 * @error_bits: sync: receives the failed regions (may be NULL)
 * @fn: async: the (error, context) callback; NULL for sync
 * @context: passed to @fn
 *
 * They use the client of dm_io_get(), which must have been called.
 *
 * Return: as dmio_dm_io_request().
 */
int dmio_dm_io_classic(unsigned int num_regions, struct dm_io_region *where,
		       unsigned long rw, enum dm_io_mem_type type, void *mem,
		       unsigned int offset, unsigned long *error_bits,
		       io_notify_fn fn, void *context)
{
	struct dm_io_request req = {
		.bi_rw = rw,
		.mem.type = type,
		.mem.offset = offset,
		.mem.ptr.addr = mem,
		.notify.fn = fn,
		.notify.context = context,
	};

	if (!default_client) {
		pr_warn_ratelimited("dmio: classic dm-io call without dm_io_get()\n");
		return -EINVAL;
	}
	return dmio_dm_io_request(&req, num_regions, where, error_bits, NULL, 0,
				  false);
}
EXPORT_SYMBOL_GPL(dmio_dm_io_classic);
