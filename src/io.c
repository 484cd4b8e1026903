// SPDX-License-Identifier: GPL-2.0
/*
 * The submission loop: validate a request, build bios for every region from
 * the caller's memory, count them, and complete the request exactly once.
 */
#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/wait_bit.h>
#include "dmio_internal.h"

#define DMIO_KNOWN_FLAGS (DMIO_F_FUA | DMIO_F_PREFLUSH | DMIO_F_SYNC | \
			  DMIO_F_NOUNMAP)

/* One rate-limited line per refused request; never a BUG or a WARN splat. */
#define dmio_refuse(err, fmt, ...) ({					\
	pr_warn_ratelimited("dmio: refused request: " fmt "\n", ##__VA_ARGS__); \
	(err);								\
})

static bool op_has_data(enum dmio_op op)
{
	return op == DMIO_OP_READ || op == DMIO_OP_WRITE;
}

static bool mem_type_valid(const struct dmio_memory *mem)
{
	switch (mem->type) {
	case DMIO_MEM_PAGE_LIST:
	case DMIO_MEM_BVEC:
	case DMIO_MEM_BIO:
	case DMIO_MEM_VMALLOC:
	case DMIO_MEM_KERNEL:
		return mem->ptr.pl;
	default:
		return false;
	}
}

/*
 * Byte offset of the memory within its first page, for the memory types
 * whose runs are whole pages after the first: their bios then stay aligned
 * to the logical block size whenever this offset is.
 */
static unsigned int mem_page_offset(const struct dmio_memory *mem)
{
	switch (mem->type) {
	case DMIO_MEM_PAGE_LIST:
		return mem->offset;
	case DMIO_MEM_VMALLOC:
	case DMIO_MEM_KERNEL:
		return offset_in_page(mem->ptr.vaddr) + mem->offset;
	default:
		return 0;
	}
}

static int check_region(const struct dmio_request *req,
			const struct dmio_region *r, unsigned int i)
{
	unsigned int lbs_sectors;

	if (!r->count && !(req->flags & DMIO_F_PREFLUSH) &&
	    req->op != DMIO_OP_FLUSH)
		return 0;
	if (!r->bdev)
		return dmio_refuse(-EINVAL, "region %u has no block device", i);
	lbs_sectors = bdev_logical_block_size(r->bdev) >> SECTOR_SHIFT;
	if ((r->sector | r->count) & (lbs_sectors - 1))
		return dmio_refuse(-EINVAL,
				   "region %u (%llu+%llu) is not aligned to the %u-byte logical block of %pg",
				   i, (unsigned long long)r->sector,
				   (unsigned long long)r->count,
				   lbs_sectors << SECTOR_SHIFT, r->bdev);
	if (op_has_data(req->op) &&
	    (mem_page_offset(&req->mem) & ((lbs_sectors << SECTOR_SHIFT) - 1)))
		return dmio_refuse(-EINVAL,
				   "memory is not aligned to the %u-byte logical block of %pg",
				   lbs_sectors << SECTOR_SHIFT, r->bdev);
	return 0;
}

static int check_request(const struct dmio_request *req,
			 unsigned int num_regions,
			 const struct dmio_region *where)
{
	unsigned int i;
	int err;

	if (!req)
		return dmio_refuse(-EINVAL, "no request");
	if (!req->client)
		return dmio_refuse(-EINVAL, "no client");
	if (!where || !num_regions)
		return dmio_refuse(-EINVAL, "no regions");
	if (num_regions > DMIO_MAX_REGIONS)
		return dmio_refuse(-EINVAL, "%u regions, at most %u",
				   num_regions, DMIO_MAX_REGIONS);
	if (req->op > DMIO_OP_WRITE_ZEROES)
		return dmio_refuse(-EINVAL, "unknown operation %d", req->op);
	if (req->flags & ~DMIO_KNOWN_FLAGS)
		return dmio_refuse(-EINVAL, "unknown flags %#x", req->flags);
	/* dm-io refuses a read from several regions with -EIO; so do we. */
	if (req->op == DMIO_OP_READ && num_regions > 1)
		return dmio_refuse(-EIO, "a read names %u regions", num_regions);
	if (op_has_data(req->op) && !mem_type_valid(&req->mem))
		return dmio_refuse(-EINVAL, "memory type %d or its pointer is invalid",
				   req->mem.type);
	for (i = 0; i < num_regions; i++) {
		err = check_region(req, &where[i], i);
		if (err)
			return err;
	}
	return 0;
}

static blk_opf_t request_opf(const struct dmio_request *req)
{
	blk_opf_t opf;

	switch (req->op) {
	case DMIO_OP_READ:
		opf = REQ_OP_READ;
		break;
	case DMIO_OP_FLUSH:
		opf = REQ_OP_WRITE | REQ_PREFLUSH;
		break;
	case DMIO_OP_DISCARD:
		opf = REQ_OP_DISCARD;
		break;
	case DMIO_OP_WRITE_ZEROES:
		opf = REQ_OP_WRITE_ZEROES;
		if (req->flags & DMIO_F_NOUNMAP)
			opf |= REQ_NOUNMAP;
		break;
	default:
		opf = REQ_OP_WRITE;
		break;
	}
	if (req->flags & DMIO_F_FUA)
		opf |= REQ_FUA;
	if (req->flags & DMIO_F_PREFLUSH)
		opf |= REQ_PREFLUSH;
	if (req->flags & DMIO_F_SYNC)
		opf |= REQ_SYNC;
	return opf;
}

/* A request is done with its client; a destroyer may be waiting for that. */
static void client_put_request(struct dmio_client *client)
{
	if (atomic_dec_and_test(&client->in_flight))
		wake_up_var(&client->in_flight);
}

/* Complete an asynchronous request in process context. */
static void complete_async(struct work_struct *work)
{
	struct dmio_io *io = container_of(work, struct dmio_io, work);
	struct dmio_client *client = io->client;
	unsigned long error_bits[DMIO_BITMAP_LONGS];
	unsigned long unsup_bits[DMIO_BITMAP_LONGS];
	unsigned int longs = BITS_TO_LONGS(io->num_regions);
	dmio_notify_fn notify = io->notify;
	void (*notify2)(unsigned long, void *) = io->notify2;
	void (*notify3)(unsigned long, unsigned long, void *) = io->notify3;
	void *context = io->context;

	/*
	 * Free the request before the callback: the callback may destroy the
	 * client, so nothing of the client may be touched after it runs.
	 */
	memcpy(error_bits, io->error_bits, longs * sizeof(long));
	memcpy(unsup_bits, io->unsup_bits, longs * sizeof(long));
	if (io->error_bits != io->small_bits)
		mempool_free(io->error_bits, &client->bitmap_pool);
	mempool_free(io, &client->io_pool);
	client_put_request(client);
	/* The drop-in's callbacks see one long: it refuses more regions. */
	if (notify2)
		notify2(error_bits[0] | unsup_bits[0], context);
	else if (notify3)
		notify3(error_bits[0], unsup_bits[0], context);
	else
		notify(error_bits, unsup_bits, context);
}

static void finish_bits(struct dmio_io *io)
{
	/* A region that also failed outright reports only the failure. */
	bitmap_andnot(io->unsup_bits, io->unsup_bits, io->error_bits,
		      io->num_regions);
	if (io->vmap_addr)
		invalidate_kernel_vmap_range(io->vmap_addr, io->vmap_len);
}

static void io_put(struct dmio_io *io)
{
	if (!atomic_dec_and_test(&io->pending))
		return;
	finish_bits(io);
	if (io->wait)
		complete(io->wait);
	else
		queue_work(dmio_wq, &io->work);
}

static void dmio_endio(struct bio *bio)
{
	struct dmio_bio *db = container_of(bio, struct dmio_bio, bio);
	struct dmio_io *io = db->io;

	if (bio->bi_status) {
		if (bio->bi_status == BLK_STS_NOTSUPP)
			set_bit(db->region, io->unsup_bits);
		else
			set_bit(db->region, io->error_bits);
		/* Never hand back stale memory for a failed read. */
		if (bio_op(bio) == REQ_OP_READ)
			zero_fill_bio(bio);
	}
	bio_put(bio);
	io_put(io);
}

static struct bio *new_bio(struct dmio_io *io, unsigned int region,
			   struct block_device *bdev, sector_t sector,
			   unsigned int nr_vecs, blk_opf_t opf,
			   unsigned short ioprio)
{
	struct bio *bio;
	struct dmio_bio *db;

	bio = bio_alloc_bioset(bdev, nr_vecs, opf, GFP_NOIO, &io->client->bios);
	db = container_of(bio, struct dmio_bio, bio);
	db->io = io;
	db->region = region;
	bio->bi_iter.bi_sector = sector;
	bio->bi_end_io = dmio_endio;
	if (ioprio)
		bio->bi_ioprio = ioprio;
	atomic_inc(&io->pending);
	return bio;
}

/* Most sectors one data-less bio of @op may cover on @bdev; 0: unsupported. */
static sector_t dataless_limit(struct block_device *bdev, blk_opf_t op)
{
	sector_t max;

	if (op == REQ_OP_DISCARD)
		max = bdev_max_discard_sectors(bdev);
	else
		max = bdev_write_zeroes_sectors(bdev);
	/* bi_size is 32 bits: stay below it, on a logical-block boundary. */
	max = min_t(sector_t, max, (UINT_MAX >> SECTOR_SHIFT));
	return round_down(max, bdev_logical_block_size(bdev) >> SECTOR_SHIFT);
}

static void dispatch_dataless(struct dmio_io *io, unsigned int i,
			      const struct dmio_region *r, blk_opf_t opf,
			      unsigned short ioprio)
{
	sector_t left = r->count, sector = r->sector, max, n;
	struct bio *bio;

	max = dataless_limit(r->bdev, opf & REQ_OP_MASK);
	if (!max) {
		set_bit(i, io->unsup_bits);
		return;
	}
	while (left) {
		n = min(left, max);
		bio = new_bio(io, i, r->bdev, sector, 0, opf, ioprio);
		bio->bi_iter.bi_size = n << SECTOR_SHIFT;
		submit_bio(bio);
		sector += n;
		left -= n;
	}
}

static void dispatch_data(struct dmio_io *io, unsigned int i,
			  const struct dmio_region *r,
			  const struct dmio_memory *mem, blk_opf_t opf,
			  unsigned short ioprio)
{
	u64 left = (u64)r->count << SECTOR_SHIFT;
	sector_t sector = r->sector;
	struct dmio_cursor cur;
	unsigned int len, offset, nr_vecs;
	struct page *page;
	struct bio *bio;

	dmio_cursor_init(&cur, mem);
	while (left) {
		nr_vecs = bio_max_segs(DIV_ROUND_UP(left, PAGE_SIZE) + 1);
		bio = new_bio(io, i, r->bdev, sector, nr_vecs, opf, ioprio);
		while (left) {
			if (!dmio_cursor_get(&cur, &page, &len, &offset)) {
				/* The memory ends before the region does. */
				set_bit(i, io->error_bits);
				left = 0;
				break;
			}
			len = min_t(u64, len, left);
			if (bio_add_page(bio, page, len, offset) != len)
				break;
			dmio_cursor_advance(&cur, len);
			left -= len;
		}
		if (!bio->bi_iter.bi_size) {
			/* Memory ended, or not one run fits: fail, never spin. */
			set_bit(i, io->error_bits);
			bio_put(bio);
			atomic_dec(&io->pending);	/* dispatch holds one */
			return;
		}
		sector += bio_sectors(bio);
		submit_bio(bio);
	}
}

/*
 * A read that fails before any bio was sent hands back zeroes too, as a
 * failed bio does (dmio_endio): never stale memory.
 */
static void zero_memory(const struct dmio_memory *mem, u64 bytes)
{
	struct dmio_cursor cur;
	unsigned int len, offset;
	struct page *page;

	dmio_cursor_init(&cur, mem);
	while (bytes && dmio_cursor_get(&cur, &page, &len, &offset)) {
		len = min_t(u64, len, bytes);
		memzero_page(page, offset, len);
		dmio_cursor_advance(&cur, len);
		bytes -= len;
	}
}

static void dispatch_region(struct dmio_io *io, const struct dmio_request *req,
			    unsigned int i, const struct dmio_region *r,
			    blk_opf_t opf)
{
	struct bio *bio;

	if (r->sector + r->count > bdev_nr_sectors(r->bdev) ||
	    r->sector + r->count < r->sector) {
		/* Past the end: the region fails, the others go ahead. */
		set_bit(i, io->error_bits);
		if (req->op == DMIO_OP_READ)
			zero_memory(&req->mem, (u64)r->count << SECTOR_SHIFT);
		return;
	}
	if (!r->count) {
		if (!(opf & REQ_PREFLUSH))
			return;
		/* A zero-count region of a flushing request still flushes. */
		bio = new_bio(io, i, r->bdev, 0, 0,
			      REQ_OP_WRITE | REQ_PREFLUSH | (opf & REQ_SYNC),
			      req->ioprio);
		submit_bio(bio);
		return;
	}
	switch (req->op) {
	case DMIO_OP_READ:
	case DMIO_OP_WRITE:
		dispatch_data(io, i, r, &req->mem, opf, req->ioprio);
		break;
	case DMIO_OP_FLUSH:
		bio = new_bio(io, i, r->bdev, 0, 0, opf, req->ioprio);
		submit_bio(bio);
		break;
	default:
		dispatch_dataless(io, i, r, opf, req->ioprio);
		break;
	}
}

static void dispatch(struct dmio_io *io, const struct dmio_request *req,
		     unsigned int num_regions, const struct dmio_region *where,
		     blk_opf_t opf)
{
	struct blk_plug plug;
	unsigned int i;

	if (req->mem.type == DMIO_MEM_VMALLOC && op_has_data(req->op)) {
		/*
		 * VIVT caches: write back the alias before the device sees it.
		 * The helpers take an int: no vmalloc buffer comes near 2 GiB.
		 */
		u64 len = 0;

		for (i = 0; i < num_regions; i++)
			len = max_t(u64, len, (u64)where[i].count << SECTOR_SHIFT);
		len = min_t(u64, len, INT_MAX);
		flush_kernel_vmap_range(req->mem.ptr.vaddr + req->mem.offset,
					len);
		if (req->op == DMIO_OP_READ) {
			io->vmap_addr = req->mem.ptr.vaddr + req->mem.offset;
			io->vmap_len = len;
		}
	}
	blk_start_plug(&plug);
	for (i = 0; i < num_regions; i++)
		dispatch_region(io, req, i, &where[i], opf);
	blk_finish_plug(&plug);
	io_put(io);
}

/*
 * Bios submitted while current->bio_list is set (a device-mapper target's
 * map path, any make_request context) are only queued until the caller
 * returns; waiting for them there never ends. Such a synchronous request is
 * dispatched from the dmio workqueue instead, while its caller waits.
 */
static void dispatch_deferred(struct work_struct *work)
{
	struct dmio_io *io = container_of(work, struct dmio_io, work);

	dispatch(io, io->req, io->num_regions, io->where, io->opf);
}

static struct dmio_io *io_alloc(const struct dmio_request *req,
				unsigned int num_regions)
{
	struct dmio_client *client = req->client;
	unsigned int longs = BITS_TO_LONGS(num_regions);
	struct dmio_io *io;

	io = mempool_alloc(&client->io_pool, GFP_NOIO);
	memset(io, 0, sizeof(*io));
	io->client = client;
	atomic_set(&io->pending, 1);
	io->num_regions = num_regions;
	if (longs == 1) {
		io->error_bits = &io->small_bits[0];
		io->unsup_bits = &io->small_bits[1];
	} else {
		io->error_bits = mempool_alloc(&client->bitmap_pool, GFP_NOIO);
		io->unsup_bits = io->error_bits + DMIO_BITMAP_LONGS;
		memset(io->error_bits, 0, 2 * DMIO_BITMAP_LONGS * sizeof(long));
	}
	io->notify = req->notify;
	io->context = req->context;
	atomic_inc(&client->in_flight);
	return io;
}

static void io_free(struct dmio_io *io)
{
	struct dmio_client *client = io->client;

	if (io->error_bits != io->small_bits)
		mempool_free(io->error_bits, &client->bitmap_pool);
	mempool_free(io, &client->io_pool);
	client_put_request(client);
}

/**
 * dmio_sync() - perform a request and wait for it
 * @req: the request; @req->notify is ignored
 * @num_regions: number of entries in @where (1..DMIO_MAX_REGIONS; 1 for a read)
 * @where: the regions
 * @error_bits: if not NULL, a bitmap of BITS_TO_LONGS(@num_regions) longs
 *	that receives one bit per failed region
 * @unsup_bits: if not NULL, likewise for regions whose device does not
 *	support the operation
 *
 * Safe to call from a device-mapper target's map function: there the
 * request is dispatched from dmio's workqueue instead of queued behind the
 * caller's own bio.
 *
 * Context: process context; may sleep.
 * Return: 0 on success; -EIO when any region failed; -EOPNOTSUPP when the
 * only failures are unsupported operations; -EINVAL (or -EIO for a read of
 * several regions, as dm-io) for a request refused before any I/O.
 */
int dmio_sync(const struct dmio_request *req, unsigned int num_regions,
	      const struct dmio_region *where, unsigned long *error_bits,
	      unsigned long *unsup_bits)
{
	DECLARE_COMPLETION_ONSTACK(done);
	unsigned int longs = BITS_TO_LONGS(num_regions);
	struct dmio_io *io;
	int ret = 0;
	int err;

	err = check_request(req, num_regions, where);
	if (err)
		return err;
	io = io_alloc(req, num_regions);
	io->wait = &done;
	if (current->bio_list) {
		io->req = req;
		io->where = where;
		io->opf = request_opf(req) | REQ_SYNC;
		INIT_WORK(&io->work, dispatch_deferred);
		queue_work(dmio_wq, &io->work);
	} else {
		dispatch(io, req, num_regions, where,
			 request_opf(req) | REQ_SYNC);
	}
	wait_for_completion_io(&done);

	if (!bitmap_empty(io->error_bits, num_regions))
		ret = -EIO;
	else if (!bitmap_empty(io->unsup_bits, num_regions))
		ret = -EOPNOTSUPP;
	if (error_bits)
		memcpy(error_bits, io->error_bits, longs * sizeof(long));
	if (unsup_bits)
		memcpy(unsup_bits, io->unsup_bits, longs * sizeof(long));
	io_free(io);
	return ret;
}
EXPORT_SYMBOL_GPL(dmio_sync);

static int start_async(const struct dmio_request *req, unsigned int num_regions,
		       const struct dmio_region *where,
		       const struct dmio_legacy_notify *legacy)
{
	struct dmio_io *io;
	int err;

	err = check_request(req, num_regions, where);
	if (err)
		return err;
	if (!req->notify && !legacy)
		return dmio_refuse(-EINVAL, "asynchronous request without a callback");
	io = io_alloc(req, num_regions);
	if (legacy) {
		io->notify2 = legacy->notify2;
		io->notify3 = legacy->notify3;
	}
	INIT_WORK(&io->work, complete_async);
	dispatch(io, req, num_regions, where, request_opf(req));
	return 0;
}

/**
 * dmio_async() - start a request; its callback reports the outcome
 * @req: the request; @req->notify must be set
 * @num_regions: number of entries in @where (1..DMIO_MAX_REGIONS; 1 for a read)
 * @where: the regions; the array may be reused once this returns
 *
 * When this returns 0, @req->notify runs exactly once, in process context.
 * When it returns an error, the request was refused and no callback runs.
 *
 * Context: process context; may sleep for the client's reserves.
 * Return: 0 if the request was started; -EINVAL (or -EIO for a read of
 * several regions, as dm-io) if it was refused.
 */
int dmio_async(const struct dmio_request *req, unsigned int num_regions,
	       const struct dmio_region *where)
{
	return start_async(req, num_regions, where, NULL);
}
EXPORT_SYMBOL_GPL(dmio_async);

/* dmio_async() with a dm-io era callback instead of @req->notify. */
int dmio_async_legacy(const struct dmio_request *req, unsigned int num_regions,
		      const struct dmio_region *where,
		      const struct dmio_legacy_notify *legacy)
{
	return start_async(req, num_regions, where, legacy);
}
