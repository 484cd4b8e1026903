// SPDX-License-Identifier: GPL-2.0
/*
 * The submission loop: validate a request, build bios for every region from
 * the caller's memory, count them, and complete the request exactly once.
 */
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/wait_bit.h>
#include "dmio_internal.h"
#include "cursor.h"

#define DMIO_HINT_FLAGS (DMIO_F_META | DMIO_F_PRIO | DMIO_F_RAHEAD | \
			 DMIO_F_IDLE | DMIO_F_NOMERGE | DMIO_F_BACKGROUND)
#define DMIO_KNOWN_FLAGS (DMIO_F_FUA | DMIO_F_PREFLUSH | DMIO_F_SYNC | \
			  DMIO_F_NOUNMAP | DMIO_F_NOTIFY_ENDIO | DMIO_HINT_FLAGS)

/* One rate-limited line per refused request; never a BUG or a WARN splat. */
#define dmio_refuse(err, fmt, ...) ({					\
	pr_warn_ratelimited("dmio: refused request: " fmt "\n", ##__VA_ARGS__); \
	(err);								\
})

static bool op_has_data(enum dmio_op op)
{
	return op == DMIO_OP_READ || op == DMIO_OP_WRITE;
}

/*
 * Kernel memory is taken page by page from the linear map, or, where the
 * address is a vmalloc or module one (a vmap'ed stack, a module's static
 * buffer), from the page tables (cursor.h). Anything else has no page to
 * give: refused, never turned into the wrong pages.
 */
static bool kernel_addr_valid(const void *addr)
{
	return virt_addr_valid(addr) || dmio_vmapped_addr(addr);
}

/* Memory reached through the page tables: VIVT caches need care there. */
static bool mem_is_vmapped(const struct dmio_memory *mem)
{
	return mem->type == DMIO_MEM_VMALLOC ||
	       (mem->type == DMIO_MEM_KERNEL &&
		unlikely(dmio_vmapped_addr(mem->ptr.vaddr)));
}

static bool mem_type_valid(const struct dmio_memory *mem)
{
	switch (mem->type) {
	case DMIO_MEM_PAGE_LIST:
	case DMIO_MEM_BVEC:
	case DMIO_MEM_BIO:
	case DMIO_MEM_VMALLOC:
		return mem->ptr.pl;
	case DMIO_MEM_KERNEL:
		return mem->ptr.vaddr && kernel_addr_valid(mem->ptr.vaddr);
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

/*
 * What is wrong with a region that is to be read or written, or NULL. A
 * region with count 0 is ignored before anything else of it is looked at
 * (dm-io's rule: an absent leg may name no device, or a stale sector).
 */
static const char *region_problem(const struct dmio_region *r,
				  unsigned int mem_offset)
{
	unsigned int lbs_sectors;

	if (!r->count)
		return NULL;
	if (!r->bdev)
		return "has no block device";
	lbs_sectors = bdev_logical_block_size(r->bdev) >> SECTOR_SHIFT;
	if ((r->sector | r->count) & (lbs_sectors - 1))
		return "is not aligned to its device's logical block";
	if (mem_offset & ((lbs_sectors << SECTOR_SHIFT) - 1))
		return "has memory not aligned to its device's logical block";
	return NULL;
}

/*
 * Check a request before any I/O. With @region_errors (the drop-in: dm-io
 * hands such regions to the block layer, which fails them), a bad region
 * is not a refusal: its bit is set there and it fails alone.
 */
static int check_request(const struct dmio_request *req,
			 unsigned int num_regions,
			 const struct dmio_region *where,
			 unsigned long *region_errors)
{
	unsigned int i, mem_offset = 0;
	const struct dmio_region *r;
	const char *why;

	if (!req)
		return dmio_refuse(-EINVAL, "no request");
	if (!req->client)
		return dmio_refuse(-EINVAL, "no client");
	if (!dmio_client_is_ours(req->client))
		return dmio_refuse(-EINVAL, "a client dmio did not make");
	if (!where || !num_regions)
		return dmio_refuse(-EINVAL, "no regions");
	if (num_regions > DMIO_MAX_REGIONS)
		return dmio_refuse(-EINVAL, "%u regions, at most %u",
				   num_regions, DMIO_MAX_REGIONS);
	if (req->op > DMIO_OP_WRITE_ZEROES)
		return dmio_refuse(-EINVAL, "unknown operation %d", req->op);
	if (req->flags & ~(DMIO_KNOWN_FLAGS | DMIO_F_DM_IO_REGIONS))
		return dmio_refuse(-EINVAL, "unknown flags %#x", req->flags);
	if (region_errors && num_regions > BITS_PER_LONG)
		return dmio_refuse(-EINVAL, "%u regions for a %d-bit bitset",
				   num_regions, BITS_PER_LONG);
	/* dm-io refuses a read from several regions with -EIO; so do we. */
	if (req->op == DMIO_OP_READ && num_regions > 1)
		return dmio_refuse(-EIO, "a read names %u regions", num_regions);
	if (op_has_data(req->op)) {
		if (!mem_type_valid(&req->mem))
			return dmio_refuse(-EINVAL, "memory type %d or its pointer is invalid",
					   req->mem.type);
		mem_offset = mem_page_offset(&req->mem);
	}
	for (i = 0; i < num_regions; i++) {
		r = &where[i];
		why = region_problem(r, mem_offset);
		if (likely(!why))
			continue;
		if (!region_errors)
			return dmio_refuse(-EINVAL, "region %u (%llu+%llu) %s", i,
					   (unsigned long long)r->sector,
					   (unsigned long long)r->count, why);
		pr_warn_ratelimited("dmio: dm_io(): region %u (%llu+%llu) fails: it %s\n",
				    i, (unsigned long long)r->sector,
				    (unsigned long long)r->count, why);
		__set_bit(i, region_errors);
	}
	return 0;
}

/* The hints, as the running kernel has them (compat: 0 where it lacks one). */
static noinline blk_opf_t hint_opf(unsigned int flags)
{
	blk_opf_t opf = 0;

	if (flags & DMIO_F_META)
		opf |= REQ_META;
	if (flags & DMIO_F_PRIO)
		opf |= REQ_PRIO;
	if (flags & DMIO_F_RAHEAD)
		opf |= REQ_RAHEAD;
	if (flags & DMIO_F_IDLE)
		opf |= REQ_IDLE;
	if (flags & DMIO_F_NOMERGE)
		opf |= REQ_NOMERGE;
	if (flags & DMIO_F_BACKGROUND)
		opf |= REQ_BACKGROUND;
	return opf;
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
	/*
	 * The block layer takes FUA and PREFLUSH on writes only (and WARNs
	 * otherwise): on a read, discard or write-zeroes they are dropped.
	 */
	if ((opf & REQ_OP_MASK) == REQ_OP_WRITE) {
		if (req->flags & DMIO_F_FUA)
			opf |= REQ_FUA;
		if (req->flags & DMIO_F_PREFLUSH)
			opf |= REQ_PREFLUSH;
	}
	if (req->flags & DMIO_F_SYNC)
		opf |= REQ_SYNC;
	if (unlikely(req->flags & DMIO_HINT_FLAGS))
		opf |= hint_opf(req->flags);
	return opf;
}

static unsigned int test_put_delay_ms;

/**
 * dmio_test_set_put_delay() - testing only: pause after a request's put
 * @ms: milliseconds every request then waits between letting go of its
 *	client and what it does after; 0 (the default) for none
 *
 * Widens the window in which a request that has let go of its client
 * could still touch it, so that the selftest can show, under KASAN, that
 * none does. Not for use outside dmio's own tests.
 */
void dmio_test_set_put_delay(unsigned int ms)
{
	WRITE_ONCE(test_put_delay_ms, ms);
}
EXPORT_SYMBOL_GPL(dmio_test_set_put_delay);

/*
 * A request is done with its client. The client's own reference keeps the
 * count above zero until dmio_client_destroy() drops it, so whoever brings
 * it to zero is the last user of the client: a request that does wakes the
 * destroyer and reads nothing of the client after the decrement
 * (wake_up_var() only hashes the address).
 */
static void client_put_request(struct dmio_client *client)
{
	bool last = atomic_dec_and_test(&client->in_flight);

	if (unlikely(READ_ONCE(test_put_delay_ms)))
		mdelay(READ_ONCE(test_put_delay_ms));
	if (last)
		wake_up_var(&client->in_flight);
}

static unsigned long *io_error_bits(struct dmio_io *io)
{
	return io->num_regions <= BITS_PER_LONG ? &io->bits.small[0] :
	       io->bits.big;
}

static unsigned long *io_unsup_bits(struct dmio_io *io)
{
	return io->num_regions <= BITS_PER_LONG ? &io->bits.small[1] :
	       io->bits.big + DMIO_BITMAP_LONGS;
}

/* Give back what a request holds besides its request object. */
static void io_release(struct dmio_io *io)
{
	if (io->num_regions > BITS_PER_LONG)
		mempool_free(io->bits.big, io->client->bitmap_pool);
}

/* Give the request object back to the reserve and let go of the client. */
static void io_free(struct dmio_io *io)
{
	struct dmio_client *client = io->client;

	io_release(io);
	mempool_free(io, client->io_pool);
	client_put_request(client);
}

static void finish_bits(struct dmio_io *io)
{
	/* A region that also failed outright reports only the failure. */
	if (io->num_regions <= BITS_PER_LONG)
		io->bits.small[1] &= ~io->bits.small[0];
	else
		bitmap_andnot(io_unsup_bits(io), io_unsup_bits(io),
			      io_error_bits(io), io->num_regions);
	if (io->flags & DMIO_IO_VMAP)
		invalidate_kernel_vmap_range(io->vmap_addr, io->vmap_len);
}

/* A notice carries the bits of up to @num_regions regions. */
static struct dmio_notice *notice_alloc(const struct dmio_callback *cb,
					unsigned int num_regions)
{
	unsigned int longs = BITS_TO_LONGS(num_regions);
	struct dmio_notice *notice;

	/* Not from a reserve: without one the request waits for itself. */
	notice = kmalloc(sizeof(*notice) + 2 * longs * sizeof(long),
			 GFP_NOIO | __GFP_NOWARN);
	if (notice) {
		notice->cb = *cb;
		notice->num_regions = num_regions;
	}
	return notice;
}

static void notice_deliver(struct work_struct *work)
{
	struct dmio_notice *notice = container_of(work, struct dmio_notice, work);
	unsigned int longs = BITS_TO_LONGS(notice->num_regions);

	notice->cb.deliver(notice->cb.fn, notice->cb.context, notice->bits,
			   notice->bits + longs);
	kfree(notice);
}

/* Copy the bits into the notice, free the request, queue the notice. */
static void io_post_notice(struct dmio_io *io)
{
	struct dmio_notice *notice = io->notice;
	unsigned int longs = BITS_TO_LONGS(io->num_regions);

	memcpy(notice->bits, io_error_bits(io), longs * sizeof(long));
	memcpy(notice->bits + longs, io_unsup_bits(io), longs * sizeof(long));
	io_free(io);
	INIT_WORK(&notice->work, notice_deliver);
	queue_work(dmio_notify_wq, &notice->work);
}

/* Past BITS_PER_LONG regions the bits are copied to the stack: rare. */
static noinline void io_deliver_big(struct dmio_io *io)
{
	unsigned long error_bits[DMIO_BITMAP_LONGS];
	unsigned long unsup_bits[DMIO_BITMAP_LONGS];
	unsigned int longs = BITS_TO_LONGS(io->num_regions);
	dmio_deliver_fn deliver = io->deliver;
	void (*fn)(void) = io->fn;
	void *context = io->context;

	memcpy(error_bits, io_error_bits(io), longs * sizeof(long));
	memcpy(unsup_bits, io_unsup_bits(io), longs * sizeof(long));
	io_free(io);
	deliver(fn, context, error_bits, unsup_bits);
}

/*
 * The one completion point of an asynchronous request (the last bio's
 * end_io, in any context, or the submitter when nothing was left in
 * flight). The request object, its bitmaps and its hold on the client go
 * back first, so that no callback - which may wait for a reserve, or
 * destroy the client - ever stands between a reserve and its owner.
 */
static void io_complete_async(struct dmio_io *io)
{
	unsigned long error_bits, unsup_bits;
	dmio_deliver_fn deliver;
	void (*fn)(void);
	void *context;

	if (io->flags & DMIO_IO_NOTICE) {
		io_post_notice(io);
		return;
	}
	if (unlikely(io->num_regions > BITS_PER_LONG)) {
		io_deliver_big(io);
		return;
	}
	error_bits = io->bits.small[0];
	unsup_bits = io->bits.small[1];
	deliver = io->deliver;
	fn = io->fn;
	context = io->context;
	io_free(io);
	deliver(fn, context, &error_bits, &unsup_bits);
}

/* The last bio of a request completed (any context). */
static void io_done(struct dmio_io *io)
{
	finish_bits(io);
	if (io->flags & DMIO_IO_SYNC)
		complete(io->wait);
	else
		io_complete_async(io);
}

static void io_put(struct dmio_io *io)
{
	if (atomic_dec_and_test(&io->pending))
		io_done(io);
}

/* Zero @len bytes from @offset in the pages from @page on. */
static void zero_run(struct page *page, unsigned int offset, unsigned int len)
{
	unsigned int n;

	/* A run may span contiguous pages: zero them one by one. */
	for (; len; len -= n, offset += n) {
		n = min_t(unsigned int, len, PAGE_SIZE - offset_in_page(offset));
		memzero_page(nth_page(page, offset >> PAGE_SHIFT),
			     offset_in_page(offset), n);
	}
}

/*
 * Zero all that a failed read was to fill. Not through its iterator: on
 * blk-mq it has been advanced over the bytes the request covered by the
 * time end_io runs, so zero_fill_bio() would see nothing left. The
 * bio_vecs are dmio's own (a read is never cloned): all of them.
 */
static noinline void zero_read_bio(struct bio *bio)
{
	unsigned short v;

	for (v = 0; v < bio->bi_vcnt; v++)
		zero_run(bio->bi_io_vec[v].bv_page, bio->bi_io_vec[v].bv_offset,
			 bio->bi_io_vec[v].bv_len);
}

static void bio_status(struct bio *bio, blk_status_t status, struct dmio_io *io)
{
	unsigned int region = container_of(bio, struct dmio_bio, bio)->region;

	if (status == BLK_STS_NOTSUPP)
		set_bit(region, io_unsup_bits(io));
	else
		set_bit(region, io_error_bits(io));
	/* Never hand back stale memory for a failed read. */
	if (bio_data_dir(bio) == READ)
		zero_read_bio(bio);
}

static void dmio_endio(DMIO_END_IO_ARGS(bio))
{
	struct dmio_io *io = bio->bi_private;
	blk_status_t status = dmio_bio_status(bio);

	if (unlikely(status))
		bio_status(bio, status, io);
	bio_put(bio);
	io_put(io);
}

static void dmio_clone_endio(DMIO_END_IO_ARGS(clone))
{
	struct bio *parent = clone->bi_private;
	struct dmio_io *io = parent->bi_private;
	blk_status_t status = dmio_bio_status(clone);

	if (unlikely(status))
		bio_status(clone, status, io);
	bio_put(clone);
	bio_put(parent);	/* the clone no longer needs its pages */
	io_put(io);
}

static void bio_setup(struct bio *bio, struct dmio_io *io, unsigned int region)
{
	container_of(bio, struct dmio_bio, bio)->region = region;
	bio->bi_private = io;
	bio->bi_end_io = dmio_endio;
	atomic_inc(&io->pending);
}

static struct bio *new_bio(struct dmio_io *io, unsigned int region,
			   struct block_device *bdev, sector_t sector,
			   unsigned int nr_vecs, blk_opf_t opf,
			   unsigned short ioprio)
{
	struct bio *bio;

	bio = bio_alloc_bioset(bdev, nr_vecs, opf, GFP_NOIO, &io->client->bios);
	bio_setup(bio, io, region);
	dmio_bio_sector(bio) = sector;
	if (ioprio)
		dmio_bio_set_ioprio(bio, ioprio);
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
		set_bit(i, io_unsup_bits(io));
		return;
	}
	while (left) {
		n = min(left, max);
		bio = new_bio(io, i, r->bdev, sector, 0, opf, ioprio);
		dmio_bio_size(bio) = n << SECTOR_SHIFT;
		submit_bio(bio);
		sector += n;
		left -= n;
	}
}

static bool region_in_device(const struct dmio_region *r)
{
	return r->sector + r->count <= bdev_nr_sectors(r->bdev) &&
	       r->sector + r->count >= r->sector;
}

/*
 * May a bio built for region @i's device be cloned for @to? Its size is a
 * multiple of @from's logical block, so @to's must divide it; and where the
 * block layer does not split bios to a queue's limits (compat), @to's
 * limits must take what @from's took.
 */
static bool clone_fits(struct block_device *from, struct block_device *to)
{
	return bdev_logical_block_size(to) <= bdev_logical_block_size(from) &&
	       dmio_bio_limits_cover(from, to);
}

/*
 * The regions after @i that write the same data (same count, inside their
 * device, not already in a group, able to take region @i's bios) join
 * region @i's group, @members: its bios are built from the memory once and
 * cloned for them, so a write costs pages + regions, not pages x regions.
 * Return: whether the group has members.
 */
static bool group_regions(struct dmio_io *io, unsigned int i,
			  unsigned int num_regions,
			  const struct dmio_region *where, unsigned long *grouped,
			  unsigned long *members)
{
	bool any = false;
	unsigned int j;

	bitmap_zero(members, num_regions);
	for (j = i + 1; j < num_regions; j++)
		if (where[j].count == where[i].count && !test_bit(j, grouped) &&
		    !test_bit(j, io_error_bits(io)) && region_in_device(&where[j]) &&
		    clone_fits(where[i].bdev, where[j].bdev)) {
			__set_bit(j, grouped);
			__set_bit(j, members);
			any = true;
		}
	return any;
}

static void fail_group(struct dmio_io *io, unsigned int i,
		       unsigned int num_regions, const unsigned long *members)
{
	unsigned int j;

	set_bit(i, io_error_bits(io));
	if (!members)
		return;
	for_each_set_bit(j, members, num_regions)
		set_bit(j, io_error_bits(io));
}

/*
 * A bio of at most this many bio_vecs is copied for another region (a new
 * bio with the same bio_vecs, inline in it) instead of cloned: as cheap as
 * a clone, and no reference on the original.
 */
#define DMIO_COPY_VECS	4

/* Copy or clone @bio (of region @i's group) for the group's @members. */
static void clone_for_group(struct dmio_io *io, struct bio *bio, unsigned int i,
			    unsigned int num_regions,
			    const struct dmio_region *where,
			    const unsigned long *members, blk_opf_t opf,
			    unsigned short ioprio)
{
	sector_t offset = dmio_bio_sector(bio) - where[i].sector;
	struct bio *clone;
	unsigned int j, v;

	for_each_set_bit(j, members, num_regions) {
		if (bio->bi_vcnt <= DMIO_COPY_VECS) {
			clone = new_bio(io, j, where[j].bdev,
					where[j].sector + offset, bio->bi_vcnt,
					opf, ioprio);
			for (v = 0; v < bio->bi_vcnt; v++)
				__bio_add_page(clone, bio->bi_io_vec[v].bv_page,
					       bio->bi_io_vec[v].bv_len,
					       bio->bi_io_vec[v].bv_offset);
			submit_bio(clone);
			continue;
		}
		clone = bio_alloc_clone(where[j].bdev, bio, GFP_NOIO,
					&io->client->bios);
		bio_get(bio);		/* the clone shares its pages */
		container_of(clone, struct dmio_bio, bio)->region = j;
		clone->bi_private = bio;
		clone->bi_end_io = dmio_clone_endio;
		atomic_inc(&io->pending);
		dmio_bio_sector(clone) = where[j].sector + offset;
		submit_bio(clone);
	}
}

/*
 * The last point at which a bio being filled ended on a logical-block
 * boundary before a run that does not: the cursor there and the bio's
 * shape then, so that a bio that fills up mid-block can be cut back to it.
 * Only memory whose runs are shorter than a block (bio_vecs, a bio) needs
 * it; page-sized runs from an aligned start never leave a block boundary.
 */
struct bio_mark {
	struct dmio_cursor cur;
	unsigned int size;
	unsigned short vcnt;
	unsigned int last_len;
};

static noinline void bio_mark_set(struct bio_mark *mark, struct bio *bio,
				  const struct dmio_cursor *cur)
{
	mark->cur = *cur;
	mark->size = dmio_bio_size(bio);
	mark->vcnt = bio->bi_vcnt;
	mark->last_len = bio->bi_vcnt ?
			 bio->bi_io_vec[bio->bi_vcnt - 1].bv_len : 0;
}

/* A run of the caller's memory (dmio_cursor_get()). */
struct mem_run {
	struct page *page;
	unsigned int len;
	unsigned int offset;
};

static bool next_run(struct dmio_cursor *cur, u64 left, struct mem_run *run)
{
	return dmio_cursor_get(cur, min_t(u64, left, SZ_1G), &run->page,
			       &run->len, &run->offset);
}

/*
 * Fill @bio from @run and the runs after it, at most @left bytes, ending
 * on a logical-block boundary (@lbs_mask). Return: the bytes taken, 0 when
 * not one block fit; @short_mem: the memory ended first.
 */
static unsigned int fill_bio(struct bio *bio, struct dmio_cursor *cur,
			     struct mem_run *run, u64 left,
			     unsigned int lbs_mask, bool *short_mem)
{
	struct bio_mark mark;
	unsigned int size;

	*short_mem = false;
	for (;;) {
		if (unlikely(run->len & lbs_mask) &&
		    !(dmio_bio_size(bio) & lbs_mask))
			bio_mark_set(&mark, bio, cur);
		if (bio_add_page(bio, run->page, run->len, run->offset) != run->len)
			break;
		dmio_cursor_advance(cur, run->len);
		left -= run->len;
		if (!left)
			break;
		if (!next_run(cur, left, run)) {
			*short_mem = true;
			break;
		}
	}
	size = dmio_bio_size(bio);
	if (unlikely(size & lbs_mask)) {
		/* It would end mid-block: cut it back to the last boundary. */
		*cur = mark.cur;
		dmio_bio_cut(bio, mark.vcnt, mark.last_len, mark.size);
		size = mark.size;
	}
	return size;
}

/*
 * Bio_vecs the next bio of a region wants: one for memory that is one run,
 * else one per page the rest spans; @wide: as many as a bio takes (runs
 * shorter than a page filled the last try before one block).
 */
static unsigned int bio_vecs_wanted(const struct mem_run *run, u64 left,
				    bool wide)
{
	if (unlikely(wide))
		return bio_max_segs(UINT_MAX);
	return run->len == left ? 1 :
	       bio_max_segs(DIV_ROUND_UP(run->offset + left, PAGE_SIZE));
}

static void dispatch_data(struct dmio_io *io, unsigned int i,
			  const struct dmio_request *req,
			  unsigned int num_regions,
			  const struct dmio_region *where,
			  const unsigned long *members, blk_opf_t opf)
{
	const struct dmio_region *r = &where[i];
	unsigned int lbs_mask = bdev_logical_block_size(r->bdev) - 1;
	u64 left = (u64)r->count << SECTOR_SHIFT;
	sector_t sector = r->sector;
	bool short_mem = false, wide = false;
	struct dmio_cursor cur;
	struct mem_run run;
	unsigned int taken;
	struct bio *bio;

	dmio_cursor_init(&cur, &req->mem);
	while (left) {
		if (!next_run(&cur, left, &run))
			break;		/* the memory ends before the region */
		bio = new_bio(io, i, r->bdev, sector,
			      bio_vecs_wanted(&run, left, wide), opf,
			      req->ioprio);
		taken = fill_bio(bio, &cur, &run, left, lbs_mask, &short_mem);
		if (!taken) {
			bio_put(bio);
			atomic_dec(&io->pending);	/* dispatch holds one */
			if (short_mem || wide)
				break;	/* not one block: fail, never spin */
			wide = true;
			continue;
		}
		left -= taken;
		sector += taken >> SECTOR_SHIFT;
		/* Clones first: they copy the iterator submission advances. */
		if (members)
			clone_for_group(io, bio, i, num_regions, where, members,
					opf, req->ioprio);
		submit_bio(bio);
		if (short_mem)
			break;
	}
	if (left)
		fail_group(io, i, num_regions, members);
}

/*
 * A read that fails before any bio was sent hands back zeroes too, as a
 * failed bio does (bio_status): never stale memory. Off the fast path.
 */
static noinline void zero_memory(const struct dmio_memory *mem, u64 bytes)
{
	struct dmio_cursor cur;
	unsigned int len, offset;
	struct page *page;

	dmio_cursor_init(&cur, mem);
	while (bytes && dmio_cursor_get(&cur, min_t(u64, bytes, SZ_1G), &page,
					&len, &offset)) {
		dmio_cursor_advance(&cur, len);
		bytes -= len;
		zero_run(page, offset, len);
	}
}

static void dispatch_region(struct dmio_io *io, const struct dmio_request *req,
			    unsigned int i, unsigned int num_regions,
			    const struct dmio_region *where,
			    unsigned long *grouped, unsigned long *members,
			    blk_opf_t opf)
{
	const struct dmio_region *r = &where[i];
	bool group = false;
	struct bio *bio;

	if (!r->count) {
		/*
		 * Ignored before anything else of it is read (dm-io's rule: an
		 * absent leg may name no device), unless a flush goes to its
		 * device.
		 */
		if (!(opf & REQ_PREFLUSH) || !r->bdev)
			return;
		bio = new_bio(io, i, r->bdev, 0, 0,
			      REQ_OP_WRITE | REQ_PREFLUSH | (opf & REQ_SYNC),
			      req->ioprio);
		submit_bio(bio);
		return;
	}
	if (test_bit(i, io_error_bits(io)) || !region_in_device(r)) {
		/*
		 * Failed by check_request() (the drop-in's bad regions), or
		 * past the end: the region fails, the others go ahead.
		 */
		set_bit(i, io_error_bits(io));
		if (req->op == DMIO_OP_READ)
			zero_memory(&req->mem, (u64)r->count << SECTOR_SHIFT);
		return;
	}
	switch (req->op) {
	case DMIO_OP_WRITE:
		if (i + 1 < num_regions)
			group = group_regions(io, i, num_regions, where, grouped,
					      members);
		fallthrough;
	case DMIO_OP_READ:
		dispatch_data(io, i, req, num_regions, where,
			      group ? members : NULL, opf);
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

static bool __dispatch(struct dmio_io *io, const struct dmio_request *req,
		       unsigned int num_regions, const struct dmio_region *where,
		       blk_opf_t opf, unsigned long *grouped,
		       unsigned long *members)
{
	struct blk_plug plug;
	unsigned int i;
	bool plugged;

	if (mem_is_vmapped(&req->mem) && op_has_data(req->op)) {
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
			io->flags |= DMIO_IO_VMAP;
		}
	}
	/*
	 * Several bios: plugged, to go down as a batch. One bio to a blk-mq
	 * queue: plugged too, as on older blk-mq (5.10) an unplugged write to
	 * a single-queue device is issued from kblockd, a plugged one from
	 * here, where it may complete before we return. A bio-based device
	 * (brd, device-mapper) has no use for a plug.
	 */
	plugged = num_regions > 1 ||
		  (where[0].bdev && queue_is_mq(bdev_get_queue(where[0].bdev)));
	if (plugged)
		blk_start_plug(&plug);
	for (i = 0; i < num_regions; i++)
		if (!test_bit(i, grouped))
			dispatch_region(io, req, i, num_regions, where, grouped,
					members, opf);
	if (plugged)
		blk_finish_plug(&plug);
	return atomic_dec_and_test(&io->pending);
}

/* Past BITS_PER_LONG regions the group bitmaps are big: off the fast path. */
static noinline bool dispatch_big(struct dmio_io *io,
				  const struct dmio_request *req,
				  unsigned int num_regions,
				  const struct dmio_region *where, blk_opf_t opf)
{
	unsigned long grouped[DMIO_BITMAP_LONGS];
	unsigned long members[DMIO_BITMAP_LONGS];

	bitmap_zero(grouped, num_regions);
	return __dispatch(io, req, num_regions, where, opf, grouped, members);
}

/*
 * Build and submit every bio of a request. Return true when the request is
 * already complete (every bio finished during submission, or none was
 * needed): the caller then finishes it instead of the last bio's end_io.
 */
static bool dispatch(struct dmio_io *io, const struct dmio_request *req,
		     unsigned int num_regions, const struct dmio_region *where,
		     blk_opf_t opf)
{
	/* Regions already in a group; the members of the group at hand. */
	unsigned long grouped = 0, members;

	if (num_regions > BITS_PER_LONG)
		return dispatch_big(io, req, num_regions, where, opf);
	return __dispatch(io, req, num_regions, where, opf, &grouped,
			  &members);
}

/*
 * Bios submitted while current->bio_list is set (a device-mapper target's
 * map path, any make_request context) are only queued until the caller
 * returns: waiting for them there never ends, and neither does a wait for
 * the bioset's reserve that only they would refill. There the bios are
 * built and submitted from dmio's deferral queue instead, while the caller
 * waits for the dispatch (and, for dmio_sync(), for the I/O).
 */
struct dmio_deferred {
	struct work_struct work;
	struct dmio_io *io;
	const struct dmio_request *req;
	const struct dmio_region *where;
	blk_opf_t opf;
};

static void dispatch_deferred(struct work_struct *work)
{
	struct dmio_deferred *d = container_of(work, struct dmio_deferred, work);
	struct dmio_io *io = d->io;

	/* Once dispatched, an asynchronous @io may be gone: not read again. */
	if (dispatch(io, d->req, io->num_regions, d->where, d->opf))
		io_done(io);
}

/* Dispatch @io from the deferral queue; return when its bios are sent. */
static void dispatch_from_queue(struct dmio_io *io,
				const struct dmio_request *req,
				const struct dmio_region *where, blk_opf_t opf)
{
	struct dmio_deferred d = {
		.io = io, .req = req, .where = where, .opf = opf,
	};

	INIT_WORK_ONSTACK(&d.work, dispatch_deferred);
	queue_work(dmio_defer_wq, &d.work);
	flush_work(&d.work);
	destroy_work_on_stack(&d.work);
}

/*
 * Where check_request() records the drop-in's bad regions (@bad, one long:
 * the drop-in names at most BITS_PER_LONG regions); NULL: refuse them.
 */
static unsigned long *region_error_sink(const struct dmio_request *req,
					unsigned long *bad)
{
	return req && (req->flags & DMIO_F_DM_IO_REGIONS) ? bad : NULL;
}

static inline void io_init(struct dmio_io *io,
			   const struct dmio_request *req,
			   unsigned int num_regions, unsigned long bad)
{
	struct dmio_client *client = req->client;

	io->client = client;
	atomic_set(&io->pending, 1);
	io->num_regions = num_regions;
	io->flags = 0;
	if (num_regions <= BITS_PER_LONG) {
		io->bits.small[0] = bad;
		io->bits.small[1] = 0;
	} else {
		io->bits.big = mempool_alloc(client->bitmap_pool, GFP_NOIO);
		memset(io->bits.big, 0, 2 * DMIO_BITMAP_LONGS * sizeof(long));
	}
	atomic_inc(&client->in_flight);
}

/*
 * Run a request whose object lives on the caller's stack and wait for it.
 * The bits stay in @io for the caller, which then calls io_sync_end().
 */
static void io_run_and_wait(struct dmio_io *io, const struct dmio_request *req,
			    const struct dmio_region *where, blk_opf_t opf)
{
	DECLARE_COMPLETION_ONSTACK(done);

	io->flags |= DMIO_IO_SYNC;
	io->wait = &done;
	if (current->bio_list) {
		dispatch_from_queue(io, req, where, opf);
		wait_for_completion_io(&done);
	} else if (dispatch(io, req, io->num_regions, where, opf)) {
		/* Every bio completed during submission: no wait. */
		finish_bits(io);
	} else {
		wait_for_completion_io(&done);
	}
}

/* A waited-for request is over: give back its bitmaps and its client. */
static void io_sync_end(struct dmio_io *io)
{
	io_release(io);
	client_put_request(io->client);
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
 * request is dispatched from dmio's deferral workqueue instead of queued
 * behind the caller's own bio.
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
	unsigned int longs = BITS_TO_LONGS(num_regions);
	struct dmio_io sync_io, *io = &sync_io;
	unsigned long bad = 0;
	int ret = 0;
	int err;

	err = check_request(req, num_regions, where, region_error_sink(req, &bad));
	if (err)
		return err;
	/* The caller waits: the request object can live on its stack. */
	io_init(io, req, num_regions, bad);
	io_run_and_wait(io, req, where, request_opf(req) | REQ_SYNC);

	if (!bitmap_empty(io_error_bits(io), num_regions))
		ret = -EIO;
	else if (!bitmap_empty(io_unsup_bits(io), num_regions))
		ret = -EOPNOTSUPP;
	if (error_bits)
		memcpy(error_bits, io_error_bits(io), longs * sizeof(long));
	if (unsup_bits)
		memcpy(unsup_bits, io_unsup_bits(io), longs * sizeof(long));
	io_sync_end(io);
	return ret;
}
EXPORT_SYMBOL_GPL(dmio_sync);

/*
 * No memory for a notice: run the request with its object on our stack,
 * wait for it, and call back from here, in process context as promised.
 * Slower, never stuck: nothing here waits for a callback to finish.
 */
static noinline void async_degraded(const struct dmio_request *req,
				    unsigned int num_regions,
				    const struct dmio_region *where,
				    const struct dmio_callback *cb,
				    unsigned long bad)
{
	unsigned long error_bits[DMIO_BITMAP_LONGS];
	unsigned long unsup_bits[DMIO_BITMAP_LONGS];
	unsigned int longs = BITS_TO_LONGS(num_regions);
	struct dmio_io stack_io, *io = &stack_io;

	io_init(io, req, num_regions, bad);
	io_run_and_wait(io, req, where, request_opf(req));
	memcpy(error_bits, io_error_bits(io), longs * sizeof(long));
	memcpy(unsup_bits, io_unsup_bits(io), longs * sizeof(long));
	io_sync_end(io);
	cb->deliver(cb->fn, cb->context, error_bits, unsup_bits);
}

/**
 * dmio_async_callback() - dmio_async() with a callback of any shape
 * @req: the request; @req->notify and @req->context are not used
 * @num_regions: number of entries in @where
 * @where: the regions
 * @cb: who to tell, and from where (see &struct dmio_callback)
 *
 * The one asynchronous entry of the engine, behind dmio_async() and the
 * drop-in's dm_io().
 *
 * Context: process context; may sleep for the client's reserves.
 * Return: 0 if the request was started (@cb runs exactly once), or the
 * refusal of check_request() (no callback).
 */
int dmio_async_callback(const struct dmio_request *req,
			unsigned int num_regions,
			const struct dmio_region *where,
			const struct dmio_callback *cb)
{
	struct dmio_notice *notice = NULL;
	unsigned long bad = 0;
	blk_opf_t opf;
	struct dmio_io *io;
	int err;

	err = check_request(req, num_regions, where, region_error_sink(req, &bad));
	if (err)
		return err;
	if (!cb->in_endio) {
		notice = notice_alloc(cb, num_regions);
		if (unlikely(!notice)) {
			async_degraded(req, num_regions, where, cb, bad);
			return 0;
		}
	}
	opf = request_opf(req);
	/*
	 * The slab first, without waiting; the reserve only when that fails
	 * (what mempool_alloc() does, minus its bookkeeping on the fast path).
	 */
	io = kmem_cache_alloc(dmio_io_cache, GFP_NOWAIT | __GFP_NOWARN);
	if (unlikely(!io))
		io = mempool_alloc(req->client->io_pool, GFP_NOIO);
	io_init(io, req, num_regions, bad);
	if (notice) {
		io->notice = notice;
		io->flags |= DMIO_IO_NOTICE;
	} else {
		io->deliver = cb->deliver;
		io->fn = cb->fn;
		io->context = cb->context;
	}
	if (unlikely(current->bio_list)) {
		dispatch_from_queue(io, req, where, opf);
	} else if (dispatch(io, req, num_regions, where, opf)) {
		/*
		 * Every bio completed during submission (or none was needed):
		 * this is process context already, so call back from here, as
		 * dm-io does, instead of paying a trip through a workqueue.
		 */
		finish_bits(io);
		if (notice) {
			io->flags &= ~DMIO_IO_NOTICE;
			io->deliver = cb->deliver;
			io->fn = cb->fn;
			io->context = cb->context;
			kfree(notice);
		}
		io_complete_async(io);
	}
	return 0;
}

/* The native callback shape. */
static void deliver_native(void (*fn)(void), void *context,
			   const unsigned long *error_bits,
			   const unsigned long *unsup_bits)
{
	((dmio_notify_fn)fn)(error_bits, unsup_bits, context);
}

/**
 * dmio_async() - start a request; its callback reports the outcome
 * @req: the request; @req->notify must be set
 * @num_regions: number of entries in @where (1..DMIO_MAX_REGIONS; 1 for a read)
 * @where: the regions; the array may be reused once this returns
 *
 * When this returns 0, @req->notify runs exactly once. By default it runs
 * in process context, from dmio's notification workqueue (or from
 * dmio_async() itself, before it returns, when every bio completed while
 * it was submitting them, or none was needed), so it may sleep and submit
 * more I/O. With %DMIO_F_NOTIFY_ENDIO it runs where the last bio of the
 * request completes - interrupt, softirq or process context, as the
 * kernel's dm-io does -, and must not sleep. Either way the request's
 * reserve (its object and bitmaps) is back with the client before the
 * callback runs, so a callback that starts another request (which may so
 * be called again before it returns) never waits for itself.
 * When it returns an error, the request was refused and no callback runs.
 *
 * Safe to call from a device-mapper target's map function: there the bios
 * are sent from dmio's deferral workqueue, and dmio_async() returns once
 * they are.
 *
 * Context: process context; may sleep for the client's reserves.
 * Return: 0 if the request was started; -EINVAL (or -EIO for a read of
 * several regions, as dm-io) if it was refused.
 */
int dmio_async(const struct dmio_request *req, unsigned int num_regions,
	       const struct dmio_region *where)
{
	struct dmio_callback cb = { .deliver = deliver_native };

	if (req) {
		if (!req->notify)
			return dmio_refuse(-EINVAL, "asynchronous request without a callback");
		cb.fn = (void (*)(void))req->notify;
		cb.context = req->context;
		cb.in_endio = req->flags & DMIO_F_NOTIFY_ENDIO;
	}
	return dmio_async_callback(req, num_regions, where, &cb);
}
EXPORT_SYMBOL_GPL(dmio_async);
