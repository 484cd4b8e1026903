// SPDX-License-Identifier: GPL-2.0
/*
 * dm-wtcache: a block cache in front of a slow disk, write-through or
 * write-back, written the way flashcache is, on dmio's drop-in dm-io and
 * dm-kcopyd APIs.
 *
 *   dmsetup create NAME --table "0 <origin sectors> wtcache <origin> <cache>
 *	[writethrough | writeback [<clean delay ms>]]"
 *
 * The cache device is divided into 4 KiB slots, each holding one origin
 * block (direct-mapped: block b lives in slot b % slots). Reads that hit are
 * served from the cache device; misses come from the origin and are then
 * filled into the cache. Writes go to the origin and the cache in ONE
 * two-region dm-io write, and the per-region error bits decide: a failed
 * cache leg invalidates the slot and is counted, a failed origin leg fails
 * the bio. A read from a failing cache is retried on the origin. The map
 * function never waits for I/O: everything is asynchronous.
 *
 * In write-back mode a write goes to the cache alone and leaves its block
 * dirty; a cleaner copies dirty blocks to the origin with kcopyd
 * (dm_kcopyd_copy() from the slot to the origin block) <clean delay> ms
 * (default 1000, 0: never by itself) after a block was dirtied, and every
 * dirty block on the "clean" message, on suspend and before removal.
 *
 * Metadata lives in memory only. A write-through cache holds nothing the
 * origin does not, so after a restart it simply starts cold. In write-back
 * mode that includes which blocks are dirty: what was not cleaned before a
 * crash is lost. That is acceptable for an example, not for real use.
 *
 *   dmsetup status NAME    hits, misses, ..., dirty and clean blocks,
 *                          blocks cleaned, cleaning errors
 *   dmsetup message NAME 0 invalidate | clean | clean_delay <ms>
 */
#include <dmio/dm-io.h>		/* was: #include <linux/dm-io.h> */
#include <dmio/dm-kcopyd.h>	/* was: #include <linux/dm-kcopyd.h> */
#include <linux/bio.h>
#include <linux/delay.h>
#include <linux/device-mapper.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#define DM_MSG_PREFIX "wtcache"

#define BLOCK_SECTORS	8	/* a cache slot holds 4 KiB */
#define IO_PAGES	64	/* dm_io_get(): pages we keep in flight */
#define CLEAN_DELAY_MS	1000	/* write-back: clean this long after a write */
#define CLEAN_JOBS	32	/* blocks being copied to the origin at once */
#define CLEAN_PASSES	16	/* a full clean waits for busy blocks this often */
#define REMOVE_TRIES	3	/* removal: full cleans tried before giving up */

/* Percent of time cleaning may keep I/O in flight, as dm-raid1's and dm-snap's. */
DECLARE_DM_KCOPYD_THROTTLE_WITH_MODULE_PARM(clean_throttle,
					    "Write-back cleaning throttle (percent)");

/*
 * One cache slot. Only one writer at a time, and never beside readers. A
 * dirty slot holds the only up-to-date copy of its block: nothing may
 * take the slot for another block until it is clean again.
 */
struct slot {
	sector_t block;		/* origin block held, when valid */
	u32 gen;		/* bumped whenever the slot may change */
	u16 readers;		/* hits being read from the slot */
	u16 bypassing;		/* writes of its blocks going to the origin alone */
	u8 writer;		/* a fill or write is changing the slot */
	u8 valid;
	u8 dirty;		/* newer than the origin (write-back) */
	u8 cleaning;		/* being copied to the origin */
};

struct wtcache;

/* One copy of a dirty block to the origin, as kcopyd's context. */
struct clean_job {
	struct wtcache *wc;
	sector_t slot;
};

struct wtcache {
	struct dm_dev *origin;
	struct dm_dev *cache;
	sector_t slots;
	struct slot *slot;
	spinlock_t lock;	/* the slots, the counters, @defer, @jobs_busy */
	unsigned long hits, misses, fills, writes, bypassed, cache_errors;
	unsigned long nr_valid, nr_dirty, cleaned, clean_errors, deferred;
	/* Where a completion that must submit more I/O goes on (see io_done). */
	struct workqueue_struct *wq;
	/* Bios that must wait for a dirty block to be free (write-back). */
	struct bio_list defer;
	struct work_struct defer_work;

	/* Write-back cleaning. */
	bool writeback;
	bool suspended;		/* no background cleaning */
	unsigned int clean_delay;	/* ms; 0: only when asked */
	struct dm_kcopyd_client *kc;
	struct workqueue_struct *clean_wq;
	struct delayed_work clean_dwork;
	struct mutex clean_mutex;	/* one cleaning pass at a time */
	wait_queue_head_t clean_wait;	/* a copy finished */
	unsigned long jobs_busy;	/* bit i: job[i] is in flight */
	struct clean_job job[CLEAN_JOBS];
};

/* What a bio in flight remembers (dm's per-bio data). */
enum wt_kind {
	WT_HIT, WT_MISS, WT_FILL, WT_WRITE, WT_BYPASS, WT_FLUSH,
	WT_WB_WRITE,		/* write-back: the write to the cache alone */
	WT_WB_RETRY,		/* ... that failed, now going to the origin */
	WT_DEFERRED,		/* waiting for its dirty block (wc->defer) */
};

struct wt_io {
	struct wtcache *wc;
	struct bio *bio;
	sector_t block;
	sector_t slot;
	u32 gen;
	enum wt_kind kind;
	bool owns_slot;		/* this bio is the slot's writer */
	bool bypassing;		/* counted in the slot's bypassing */
	bool was_dirty;		/* write-back: the slot was dirty before */
	unsigned long error;	/* of the request handed to @work */
	struct work_struct work;
};

static sector_t bio_block(struct bio *bio)
{
	return bio->bi_iter.bi_sector / BLOCK_SECTORS;
}

static bool whole_block(struct bio *bio)
{
	return !(bio->bi_iter.bi_sector % BLOCK_SECTORS) &&
	       bio_sectors(bio) == BLOCK_SECTORS;
}

/* Where sector @s of the origin lives in the cache (its slot). */
static sector_t cache_sector(struct wt_io *io, sector_t s)
{
	return io->slot * BLOCK_SECTORS + s % BLOCK_SECTORS;
}

static bool holds(struct slot *s, sector_t block)
{
	return s->valid && s->block == block;
}

/* Slot flags change through these, so that status can count them. */
static void set_valid(struct wtcache *wc, struct slot *s, bool valid)
{
	if (s->valid && !valid)
		wc->nr_valid--;
	else if (!s->valid && valid)
		wc->nr_valid++;
	s->valid = valid;
}

static void set_dirty(struct wtcache *wc, struct slot *s, bool dirty)
{
	if (s->dirty && !dirty)
		wc->nr_dirty--;
	else if (!s->dirty && dirty)
		wc->nr_dirty++;
	s->dirty = dirty;
}

/* Hold a bio until its dirty block is free (wc->lock held). */
static void defer_bio(struct wtcache *wc, struct wt_io *io)
{
	bio_list_add(&wc->defer, io->bio);
	wc->deferred++;
}

/*
 * A slot became free (wc->lock held): the bios that waited try again.
 * Holding and this check under one lock means no bio waits for a slot
 * that was freed meanwhile.
 */
static void retry_deferred(struct wtcache *wc)
{
	if (!bio_list_empty(&wc->defer))
		queue_work(wc->wq, &wc->defer_work);
}

/* A block is dirty: have the cleaner look in clean_delay ms (wc->lock held). */
static void schedule_clean(struct wtcache *wc)
{
	if (wc->clean_delay && !wc->suspended)
		queue_delayed_work(wc->clean_wq, &wc->clean_dwork,
				   msecs_to_jiffies(wc->clean_delay));
}

static void io_done(unsigned long error, void *context);

/*
 * Start an asynchronous dm-io request on the bio's data: the request API of
 * 2.6.26 (bi_rw), struct io_region of 2.6.18, the bio as memory when dm has
 * moved into its bio_vecs, the bio_vec array itself otherwise.
 */
static void submit(struct wt_io *io, int rw, struct io_region *where,
		   unsigned int n)
{
	struct bio *bio = io->bio;
	struct dm_io_request req = {
		.bi_rw = rw | (__force unsigned long)(bio->bi_opf & REQ_FUA),
		.notify.fn = io_done,
		.notify.context = io,
		.client = NULL,		/* the dm_io_get() client */
	};
	int r;

	if (bio->bi_iter.bi_bvec_done) {
		req.mem.type = DM_IO_BIO;
		req.mem.ptr.bio = bio;
	} else {
		req.mem.type = DM_IO_BVEC;
		req.mem.ptr.bvec = bio->bi_io_vec + bio->bi_iter.bi_idx;
	}
	r = dm_io(&req, n, where, NULL);
	if (r)
		io_done(r == -EIO ? 1 : ~0UL, io);
}

static void read_from(struct wt_io *io, struct dm_dev *dev, sector_t sector,
		      enum wt_kind kind)
{
	struct io_region where = {
		.bdev = dev->bdev, .sector = sector,
		.count = bio_sectors(io->bio),
	};

	io->kind = kind;
	submit(io, READ, &where, 1);
}

/* The slot is done with this bio; hand back what it held. */
static void release_slot(struct wt_io *io, bool validate)
{
	struct wtcache *wc = io->wc;
	struct slot *s = &wc->slot[io->slot];
	unsigned long flags;

	spin_lock_irqsave(&wc->lock, flags);
	if (io->kind == WT_HIT)
		s->readers--;
	if (io->owns_slot) {
		s->writer = 0;
		/* Nobody invalidated it meanwhile: its contents are this block. */
		if (validate && s->gen == io->gen) {
			s->block = io->block;
			set_valid(wc, s, true);
		}
		/* A write-back write is done: its block is the cleaner's now. */
		if (s->dirty)
			schedule_clean(wc);
	}
	retry_deferred(wc);
	spin_unlock_irqrestore(&wc->lock, flags);
}

/*
 * The cache failed on this block: count it and stop trusting the slot,
 * unless the slot holds the block's only up-to-date copy (dirty): that
 * stays, and the origin must not be read instead. True when it may be.
 */
static bool cache_failed(struct wt_io *io)
{
	struct wtcache *wc = io->wc;
	struct slot *s = &wc->slot[io->slot];
	bool origin_current = true;
	unsigned long flags;

	spin_lock_irqsave(&wc->lock, flags);
	wc->cache_errors++;
	if (s->block == io->block) {
		if (s->dirty) {
			origin_current = false;
		} else {
			set_valid(wc, s, false);
			s->gen++;
		}
	}
	spin_unlock_irqrestore(&wc->lock, flags);
	return origin_current;
}

/*
 * A write-back write failed on the cache. When it covers the whole block,
 * or the block was clean (the origin holds the rest of it), it goes to the
 * origin instead and the slot is dropped: true. A partial write into a
 * dirty block cannot: the rest of the block's newest data is in the cache
 * alone, so the slot stays dirty and the bio fails.
 */
static bool wb_write_failed(struct wt_io *io)
{
	struct wtcache *wc = io->wc;
	struct slot *s = &wc->slot[io->slot];
	unsigned long flags;
	bool redirect;

	spin_lock_irqsave(&wc->lock, flags);
	wc->cache_errors++;
	redirect = whole_block(io->bio) || !io->was_dirty;
	if (redirect) {
		set_dirty(wc, s, false);
		set_valid(wc, s, false);
		s->gen++;
	}
	spin_unlock_irqrestore(&wc->lock, flags);
	return redirect;
}

static void count_fill(struct wtcache *wc)
{
	unsigned long flags;

	spin_lock_irqsave(&wc->lock, flags);
	wc->fills++;
	spin_unlock_irqrestore(&wc->lock, flags);
}

/* A write that went around the cache is on the origin: fills may go on. */
static void bypass_done(struct wt_io *io)
{
	struct wtcache *wc = io->wc;
	unsigned long flags;

	spin_lock_irqsave(&wc->lock, flags);
	wc->slot[io->slot].bypassing--;
	spin_unlock_irqrestore(&wc->lock, flags);
}

/*
 * What to do once a request completed. Where it submits more I/O (a miss's
 * fill, a failed hit's retry on the origin) it runs in process context,
 * from io_work().
 */
static void io_continue(struct wt_io *io, unsigned long error)
{
	struct wtcache *wc = io->wc;
	struct io_region where;

	switch (io->kind) {
	case WT_HIT:
		release_slot(io, false);
		if (error && cache_failed(io)) {
			/* The cache failed us: the origin has the data. */
			read_from(io, wc->origin, io->bio->bi_iter.bi_sector,
				  WT_BYPASS);
			return;
		}
		break;
	case WT_MISS:
		if (error || !io->owns_slot) {
			release_slot(io, false);
			break;
		}
		/* Fill: the block just read goes into its slot. */
		where.bdev = wc->cache->bdev;
		where.sector = cache_sector(io, io->bio->bi_iter.bi_sector);
		where.count = bio_sectors(io->bio);
		io->kind = WT_FILL;
		submit(io, WRITE, &where, 1);
		return;
	case WT_FILL:
		release_slot(io, !error);
		if (error)
			cache_failed(io);
		else
			count_fill(wc);
		error = 0;	/* the read itself succeeded */
		break;
	case WT_WRITE:
		/* Region 0 is the origin, region 1 the cache. */
		release_slot(io, !error);
		if (error & 2)
			cache_failed(io);
		error &= 1;
		break;
	case WT_WB_WRITE:
		if (error && wb_write_failed(io)) {
			/* Still the slot's writer: nobody reads the old data. */
			where.bdev = wc->origin->bdev;
			where.sector = io->bio->bi_iter.bi_sector;
			where.count = bio_sectors(io->bio);
			io->kind = WT_WB_RETRY;
			submit(io, WRITE, &where, 1);
			return;
		}
		release_slot(io, false);
		break;
	case WT_WB_RETRY:
		release_slot(io, false);
		break;
	case WT_BYPASS:
		if (io->bypassing)
			bypass_done(io);
		break;
	case WT_FLUSH:
	case WT_DEFERRED:
		break;
	}
	io->bio->bi_status = error ? BLK_STS_IOERR : BLK_STS_OK;
	bio_endio(io->bio);
}

static void io_work(struct work_struct *work)
{
	struct wt_io *io = container_of(work, struct wt_io, work);

	io_continue(io, io->error);
}

/*
 * Completion of every request. dm-io calls it where the last bio ended,
 * in interrupt context as often as not, where nothing may sleep: what
 * submits more I/O goes on from our workqueue, the rest ends here, as
 * flashcache does it.
 */
static void io_done(unsigned long error, void *context)
{
	struct wt_io *io = context;
	bool more_io = (io->kind == WT_HIT && error) ||
		       (io->kind == WT_WB_WRITE && error) ||
		       (io->kind == WT_MISS && !error && io->owns_slot);

	if (more_io) {
		io->error = error;
		INIT_WORK(&io->work, io_work);
		queue_work(io->wc->wq, &io->work);
		return;
	}
	io_continue(io, error);
}

/*
 * Claim a slot for changing it: only when nobody reads or changes it, it
 * holds no dirty block, and no write of one of its blocks is on its way to
 * the origin alone (a fill could read the origin before that write lands,
 * and keep the old data).
 * The slot is invalid until the change completes, but names its new block
 * at once, so that a write of that block meanwhile (drop_block()) keeps
 * the change from validating what it brings.
 */
static bool claim_slot(struct wtcache *wc, struct wt_io *io)
{
	struct slot *s = &wc->slot[io->slot];

	if (s->writer || s->readers || s->bypassing || s->dirty)
		return false;
	s->writer = 1;
	set_valid(wc, s, false);
	s->block = io->block;
	io->gen = ++s->gen;
	io->owns_slot = true;
	return true;
}

/* The slot may hold this block but cannot be changed now: forget it. */
static void drop_block(struct wtcache *wc, struct wt_io *io)
{
	struct slot *s = &wc->slot[io->slot];

	if (s->block == io->block) {
		set_valid(wc, s, false);
		s->gen++;
	}
}

static int map_read(struct wtcache *wc, struct wt_io *io)
{
	struct slot *s = &wc->slot[io->slot];
	struct bio *bio = io->bio;
	unsigned long flags;
	enum wt_kind kind;

	spin_lock_irqsave(&wc->lock, flags);
	if (holds(s, io->block) && !s->writer) {
		s->readers++;
		wc->hits++;
		kind = WT_HIT;
	} else if (s->dirty && s->block == io->block) {
		/* Being written in the cache, and stale on the origin: wait. */
		defer_bio(wc, io);
		kind = WT_DEFERRED;
	} else {
		wc->misses++;
		kind = WT_MISS;
		/* Only whole blocks are filled, and only into a quiet slot. */
		if (!whole_block(bio) || !claim_slot(wc, io))
			kind = WT_BYPASS;
	}
	spin_unlock_irqrestore(&wc->lock, flags);

	if (kind == WT_DEFERRED)
		return DM_MAPIO_SUBMITTED;
	if (kind == WT_HIT)
		read_from(io, wc->cache, cache_sector(io, bio->bi_iter.bi_sector),
			  WT_HIT);
	else
		read_from(io, wc->origin, bio->bi_iter.bi_sector, kind);
	return DM_MAPIO_SUBMITTED;
}

/*
 * Write-back: the write goes to the cache alone and leaves the block dirty
 * (from now on: the cache is about to be newer than the origin). A dirty
 * block is changed by one request at a time, and never while it is read or
 * copied to the origin (the copy would read a torn block, and its end would
 * call the newer data clean): such requests wait. A slot dirty with another
 * block cannot take this one: the write goes to the origin.
 */
static bool wb_claim(struct wtcache *wc, struct wt_io *io)
{
	struct slot *s = &wc->slot[io->slot];

	if (s->writer || s->readers || s->cleaning)
		return false;
	/*
	 * Taking a slot that is not dirty with this block: as for a fill,
	 * not while a write of one of its blocks is on its way to the
	 * origin (that older data could land after our cleaning), and a
	 * partial write only where the slot holds the rest of the block.
	 */
	if (!(s->dirty && s->block == io->block) &&
	    (s->dirty || s->bypassing ||
	     (!whole_block(io->bio) && !holds(s, io->block))))
		return false;
	s->writer = 1;
	io->was_dirty = s->dirty;
	s->block = io->block;
	set_valid(wc, s, true);
	set_dirty(wc, s, true);
	io->gen = ++s->gen;
	io->owns_slot = true;
	return true;
}

static int map_write_back(struct wtcache *wc, struct wt_io *io)
{
	struct slot *s = &wc->slot[io->slot];
	sector_t sector = io->bio->bi_iter.bi_sector;
	struct io_region where;
	unsigned long flags;

	spin_lock_irqsave(&wc->lock, flags);
	if (wb_claim(wc, io)) {
		io->kind = WT_WB_WRITE;
		wc->writes++;
	} else if (s->dirty && s->block == io->block) {
		defer_bio(wc, io);
		io->kind = WT_DEFERRED;
	} else {
		/* Not in the cache, or its slot is busy: the origin takes it. */
		drop_block(wc, io);
		wc->writes++;
		wc->bypassed++;
		s->bypassing++;
		io->bypassing = true;
		io->kind = WT_BYPASS;
	}
	spin_unlock_irqrestore(&wc->lock, flags);

	if (io->kind == WT_DEFERRED)
		return DM_MAPIO_SUBMITTED;
	where.bdev = io->bypassing ? wc->origin->bdev : wc->cache->bdev;
	where.sector = io->bypassing ? sector : cache_sector(io, sector);
	where.count = bio_sectors(io->bio);
	submit(io, WRITE, &where, 1);
	return DM_MAPIO_SUBMITTED;
}

static int map_write(struct wtcache *wc, struct wt_io *io)
{
	struct slot *s = &wc->slot[io->slot];
	struct bio *bio = io->bio;
	struct io_region where[2];
	unsigned long flags;
	bool both = false;

	if (wc->writeback)
		return map_write_back(wc, io);
	spin_lock_irqsave(&wc->lock, flags);
	wc->writes++;
	/* A partial block can only update a slot that holds its block. */
	if ((whole_block(bio) || (s->valid && s->block == io->block)) &&
	    claim_slot(wc, io)) {
		both = true;
	} else {
		drop_block(wc, io);
		wc->bypassed++;
		s->bypassing++;
		io->bypassing = true;
	}
	spin_unlock_irqrestore(&wc->lock, flags);

	where[0].bdev = wc->origin->bdev;
	where[0].sector = bio->bi_iter.bi_sector;
	where[0].count = bio_sectors(bio);
	where[1].bdev = wc->cache->bdev;
	where[1].sector = cache_sector(io, bio->bi_iter.bi_sector);
	where[1].count = bio_sectors(bio);
	io->kind = both ? WT_WRITE : WT_BYPASS;
	/* One write to both devices: the error bits tell the legs apart. */
	submit(io, WRITE, where, both ? 2 : 1);
	return DM_MAPIO_SUBMITTED;
}

static int map_flush(struct wtcache *wc, struct wt_io *io)
{
	struct io_region where[2] = {
		{ .bdev = wc->origin->bdev }, { .bdev = wc->cache->bdev },
	};
	struct dm_io_request req = {
		.bi_rw = WRITE_FLUSH,		/* dm-log's flush of 2.6.37 */
		.mem.type = DM_IO_KMEM,
		.notify.fn = io_done,
		.notify.context = io,
	};
	int r;

	io->kind = WT_FLUSH;
	r = dm_io(&req, 2, where, NULL);
	if (r)
		io_done(1, io);
	return DM_MAPIO_SUBMITTED;
}

static int map_io(struct wtcache *wc, struct wt_io *io)
{
	if (bio_data_dir(io->bio) == READ)
		return map_read(wc, io);
	return map_write(wc, io);
}

/* Set up a bio's per-bio data (again, when it waited for its block). */
static struct wt_io *io_init(struct wtcache *wc, struct bio *bio)
{
	struct wt_io *io = dm_per_bio_data(bio, sizeof(struct wt_io));

	memset(io, 0, sizeof(*io));
	io->wc = wc;
	io->bio = bio;
	io->block = bio_block(bio);
	io->slot = io->block % wc->slots;
	return io;
}

static int wt_map(struct dm_target *ti, struct bio *bio)
{
	struct wtcache *wc = ti->private;

	if (!bio_sectors(bio))
		return map_flush(wc, io_init(wc, bio));
	bio->bi_iter.bi_sector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	return map_io(wc, io_init(wc, bio));
}

/* Bios that waited for their dirty block try again, in the order they came. */
static void defer_work(struct work_struct *work)
{
	struct wtcache *wc = container_of(work, struct wtcache, defer_work);
	struct bio_list bios;
	struct bio *bio;

	bio_list_init(&bios);
	spin_lock_irq(&wc->lock);
	bio_list_merge(&bios, &wc->defer);
	bio_list_init(&wc->defer);
	spin_unlock_irq(&wc->lock);
	while ((bio = bio_list_pop(&bios)))
		map_io(wc, io_init(wc, bio));
}

/*
 * kcopyd copied a dirty block to the origin (process context). Nobody
 * wrote the block meanwhile (writes wait for the copy), so on success it
 * is clean; on error it stays dirty and is tried again later.
 */
static void clean_done(int read_err, unsigned long write_err, void *context)
{
	struct clean_job *job = context;
	struct wtcache *wc = job->wc;
	struct slot *s = &wc->slot[job->slot];
	unsigned long flags;

	spin_lock_irqsave(&wc->lock, flags);
	s->cleaning = 0;
	if (read_err || write_err) {
		wc->clean_errors++;
		DMERR_LIMIT("cleaning block %llu failed (read %d, write %lu): it stays dirty",
			    (unsigned long long)s->block, read_err, write_err);
	} else {
		set_dirty(wc, s, false);
		wc->cleaned++;
	}
	__clear_bit(job - wc->job, &wc->jobs_busy);
	retry_deferred(wc);
	spin_unlock_irqrestore(&wc->lock, flags);
	/* wc outlives this: removal destroys the client, which waits for us. */
	wake_up(&wc->clean_wait);
}

static bool clean_job_free(struct wtcache *wc)
{
	return find_first_zero_bit(&wc->jobs_busy, CLEAN_JOBS) < CLEAN_JOBS;
}

static bool clean_idle(struct wtcache *wc)
{
	return !READ_ONCE(wc->jobs_busy);
}

/* Copy slot @i to the origin if it is dirty and nobody is changing it. */
static void clean_start(struct wtcache *wc, sector_t i)
{
	struct slot *s = &wc->slot[i];
	struct dm_io_region from, to;
	struct clean_job *job;
	unsigned int j;

	spin_lock_irq(&wc->lock);
	j = find_first_zero_bit(&wc->jobs_busy, CLEAN_JOBS);
	if (!s->dirty || s->writer || s->cleaning || j >= CLEAN_JOBS) {
		spin_unlock_irq(&wc->lock);
		return;
	}
	__set_bit(j, &wc->jobs_busy);
	s->cleaning = 1;
	job = &wc->job[j];
	job->slot = i;
	/* The last, partial block of an origin is never cached: whole blocks. */
	to.sector = s->block * BLOCK_SECTORS;
	spin_unlock_irq(&wc->lock);

	from.bdev = wc->cache->bdev;
	from.sector = i * BLOCK_SECTORS;
	from.count = BLOCK_SECTORS;
	to.bdev = wc->origin->bdev;
	to.count = BLOCK_SECTORS;
	if (dm_kcopyd_copy(wc->kc, &from, 1, &to, 0, clean_done, job))
		clean_done(1, 0, job);	/* refused: an error, tried again later */
}

/* Start a copy of every dirty block nobody is changing (clean_mutex held). */
static void clean_pass(struct wtcache *wc)
{
	sector_t i;

	for (i = 0; i < wc->slots && READ_ONCE(wc->nr_dirty); i++) {
		if (!READ_ONCE(wc->slot[i].dirty))
			continue;
		wait_event(wc->clean_wait, clean_job_free(wc));
		clean_start(wc, i);
	}
}

/* The background cleaner: a pass, and another later if blocks stay dirty. */
static void clean_background(struct work_struct *work)
{
	struct wtcache *wc = container_of(to_delayed_work(work), struct wtcache,
					  clean_dwork);

	mutex_lock(&wc->clean_mutex);
	clean_pass(wc);
	mutex_unlock(&wc->clean_mutex);
	spin_lock_irq(&wc->lock);
	if (wc->nr_dirty)
		schedule_clean(wc);
	spin_unlock_irq(&wc->lock);
}

/* What cleaning wrote must be stable on the origin before we call it clean. */
static int flush_origin(struct wtcache *wc)
{
	struct io_region where = { .bdev = wc->origin->bdev };
	struct dm_io_request req = {
		.bi_rw = WRITE_FLUSH,
		.mem.type = DM_IO_KMEM,
	};
	unsigned long bits;

	return dm_io(&req, 1, &where, &bits);
}

/*
 * Clean every dirty block and wait for it ("clean", suspend, removal).
 * Blocks that are being written are waited for and tried again. Returns 0
 * when nothing is dirty, -EIO when a copy failed, -EBUSY when writes kept
 * dirtying blocks.
 */
static int clean_all(struct wtcache *wc)
{
	unsigned long errors = READ_ONCE(wc->clean_errors);
	int pass;

	mutex_lock(&wc->clean_mutex);
	for (pass = 0; pass < CLEAN_PASSES && READ_ONCE(wc->nr_dirty); pass++) {
		if (pass)
			msleep(20);	/* let the writes that held a block end */
		clean_pass(wc);
		wait_event(wc->clean_wait, clean_idle(wc));
		if (READ_ONCE(wc->clean_errors) != errors)
			break;
	}
	mutex_unlock(&wc->clean_mutex);
	if (READ_ONCE(wc->nr_dirty))
		return READ_ONCE(wc->clean_errors) != errors ? -EIO : -EBUSY;
	return flush_origin(wc);
}

/* No background cleaning from now on, and none running. */
static void stop_background(struct wtcache *wc)
{
	spin_lock_irq(&wc->lock);
	wc->suspended = true;
	spin_unlock_irq(&wc->lock);
	cancel_delayed_work_sync(&wc->clean_dwork);
}

/*
 * Dirty blocks are not lost when a table is replaced or removed: dm
 * suspends the old table first, and here it gives the origin everything.
 */
static void wt_postsuspend(struct dm_target *ti)
{
	struct wtcache *wc = ti->private;
	int r;

	if (!wc->writeback)
		return;
	stop_background(wc);
	r = clean_all(wc);
	if (r)
		DMERR("suspended with %lu dirty blocks the origin refused (%d)",
		      READ_ONCE(wc->nr_dirty), r);
}

static void wt_resume(struct dm_target *ti)
{
	struct wtcache *wc = ti->private;

	if (!wc->writeback)
		return;
	spin_lock_irq(&wc->lock);
	wc->suspended = false;
	if (wc->nr_dirty)
		schedule_clean(wc);
	spin_unlock_irq(&wc->lock);
}

/* Forget every block the origin also holds; dirty blocks are cleaned first. */
static int wt_invalidate_all(struct wtcache *wc)
{
	unsigned long flags;
	sector_t i;
	int r;

	if (wc->writeback) {
		r = clean_all(wc);
		if (r) {
			DMWARN("invalidate: the origin did not take every dirty block (%d)", r);
			return r;
		}
	}
	spin_lock_irqsave(&wc->lock, flags);
	for (i = 0; i < wc->slots; i++) {
		/* Written since the clean: its only copy stays. */
		if (wc->slot[i].dirty)
			continue;
		/* A change in flight sees the new generation and stays invalid. */
		set_valid(wc, &wc->slot[i], false);
		wc->slot[i].gen++;
	}
	spin_unlock_irqrestore(&wc->lock, flags);
	return 0;
}

/* "clean" (or "flush", as dm-writecache calls it): every dirty block, now. */
static int wt_clean_message(struct wtcache *wc)
{
	int r;

	if (!wc->writeback)
		return 0;
	r = clean_all(wc);
	if (r)
		DMWARN("clean: %lu blocks stay dirty (%d)", READ_ONCE(wc->nr_dirty), r);
	return r;
}

static int wt_message(struct dm_target *ti, unsigned int argc, char **argv,
		      char *result, unsigned int maxlen)
{
	struct wtcache *wc = ti->private;
	unsigned int delay;

	if (argc == 1 && !strcasecmp(argv[0], "invalidate"))
		return wt_invalidate_all(wc);
	if (argc == 1 && (!strcasecmp(argv[0], "clean") ||
			  !strcasecmp(argv[0], "flush")))
		return wt_clean_message(wc);
	if (argc == 2 && !strcasecmp(argv[0], "clean_delay") &&
	    !kstrtouint(argv[1], 10, &delay)) {
		spin_lock_irq(&wc->lock);
		wc->clean_delay = delay;
		if (wc->writeback && wc->nr_dirty)
			schedule_clean(wc);
		spin_unlock_irq(&wc->lock);
		return 0;
	}
	DMWARN("unknown message; try: invalidate, clean, clean_delay <ms>");
	return -EINVAL;
}

static void wt_status(struct dm_target *ti, status_type_t type,
		      unsigned int status_flags, char *result,
		      unsigned int maxlen)
{
	struct wtcache *wc = ti->private;
	unsigned int sz = 0;
	unsigned long flags;

	switch (type) {
	case STATUSTYPE_INFO:
		spin_lock_irqsave(&wc->lock, flags);
		DMEMIT("hits %lu misses %lu fills %lu writes %lu bypassed %lu cache_errors %lu",
		       wc->hits, wc->misses, wc->fills, wc->writes, wc->bypassed,
		       wc->cache_errors);
		DMEMIT(" mode %s dirty %lu clean %lu cleaned %lu clean_errors %lu deferred %lu",
		       wc->writeback ? "writeback" : "writethrough", wc->nr_dirty,
		       wc->nr_valid - wc->nr_dirty, wc->cleaned, wc->clean_errors,
		       wc->deferred);
		spin_unlock_irqrestore(&wc->lock, flags);
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%s %s", wc->origin->name, wc->cache->name);
		if (wc->writeback)
			DMEMIT(" writeback %u", wc->clean_delay);
		break;
	default:
		*result = '\0';
		break;
	}
}

/* Write-back: the copy client and the cleaner (ctr). */
static int wb_create(struct wtcache *wc, char **error)
{
	unsigned int i;

	wc->kc = dm_kcopyd_client_create(&dm_kcopyd_throttle);
	if (IS_ERR(wc->kc)) {
		*error = "cannot create the kcopyd client";
		return PTR_ERR(wc->kc);
	}
	/* The cleaner sleeps for free jobs: apart from the fills' queue. */
	wc->clean_wq = alloc_ordered_workqueue("wtcache-clean", WQ_MEM_RECLAIM);
	if (!wc->clean_wq) {
		dm_kcopyd_client_destroy(wc->kc);
		*error = "cannot allocate the cleaner's workqueue";
		return -ENOMEM;
	}
	INIT_DELAYED_WORK(&wc->clean_dwork, clean_background);
	mutex_init(&wc->clean_mutex);
	init_waitqueue_head(&wc->clean_wait);
	for (i = 0; i < CLEAN_JOBS; i++)
		wc->job[i].wc = wc;
	return 0;
}

/*
 * Removal: the origin gets every dirty block first. A target cannot
 * refuse to go, so when the origin keeps failing, say what is lost.
 */
static void wb_destroy(struct wtcache *wc)
{
	int tries;

	stop_background(wc);
	for (tries = 0; wc->nr_dirty && tries < REMOVE_TRIES; tries++) {
		if (tries)
			msleep(1000);
		clean_all(wc);
	}
	if (wc->nr_dirty)
		DMERR("removed with %lu dirty blocks the origin refused: their data is lost",
		      wc->nr_dirty);
	dm_kcopyd_client_destroy(wc->kc);
	destroy_workqueue(wc->clean_wq);
}

static void wt_dtr(struct dm_target *ti)
{
	struct wtcache *wc = ti->private;

	if (wc->writeback)
		wb_destroy(wc);
	dm_io_put(IO_PAGES);
	destroy_workqueue(wc->wq);
	dm_put_device(ti, wc->cache);
	dm_put_device(ti, wc->origin);
	vfree(wc->slot);
	kfree(wc);
}

/* [writethrough | writeback [<clean delay ms>]], after the two devices. */
static int parse_mode(struct wtcache *wc, unsigned int argc, char **argv)
{
	wc->clean_delay = CLEAN_DELAY_MS;
	if (!argc)
		return 0;
	if (!strcasecmp(argv[0], "writethrough"))
		return argc == 1 ? 0 : -EINVAL;
	if (strcasecmp(argv[0], "writeback") || argc > 2)
		return -EINVAL;
	wc->writeback = true;
	if (argc == 2 && kstrtouint(argv[1], 10, &wc->clean_delay))
		return -EINVAL;
	return 0;
}

/* <origin dev> <cache dev> [writethrough | writeback [<clean delay ms>]] */
static int wt_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct wtcache *wc;
	int r;

	if (argc < 2 || argc > 4) {
		ti->error = "expected: <origin dev> <cache dev> [<mode>]";
		return -EINVAL;
	}
	wc = kzalloc(sizeof(*wc), GFP_KERNEL);
	if (!wc) {
		ti->error = "cannot allocate the cache context";
		return -ENOMEM;
	}
	spin_lock_init(&wc->lock);
	bio_list_init(&wc->defer);
	INIT_WORK(&wc->defer_work, defer_work);
	r = parse_mode(wc, argc - 2, argv + 2);
	if (r) {
		ti->error = "expected: writethrough, or writeback [<clean delay ms>]";
		goto free;
	}
	r = dm_get_device(ti, argv[0], dm_table_get_mode(ti->table), &wc->origin);
	if (r) {
		ti->error = "cannot open the origin device";
		goto free;
	}
	r = dm_get_device(ti, argv[1], dm_table_get_mode(ti->table), &wc->cache);
	if (r) {
		ti->error = "cannot open the cache device";
		goto put_origin;
	}
	wc->slots = dmio_bdev_nr_sectors(wc->cache->bdev) / BLOCK_SECTORS;
	if (!wc->slots) {
		ti->error = "the cache device is smaller than one block";
		r = -EINVAL;
		goto put_cache;
	}
	wc->slot = vzalloc(array_size(wc->slots, sizeof(*wc->slot)));
	if (!wc->slot) {
		ti->error = "cannot allocate the cache metadata";
		r = -ENOMEM;
		goto put_cache;
	}
	/* Fills run from it while memory is short: it needs a rescuer. */
	wc->wq = alloc_workqueue("wtcache", WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	if (!wc->wq) {
		ti->error = "cannot allocate the workqueue";
		r = -ENOMEM;
		goto free_slots;
	}
	r = dm_io_get(IO_PAGES);
	if (r) {
		ti->error = "cannot get the dm-io client";
		goto destroy_wq;
	}
	if (wc->writeback) {
		r = wb_create(wc, &ti->error);
		if (r)
			goto put_io;
	}
	/* Each bio stays inside one cache block. */
	r = dm_set_target_max_io_len(ti, BLOCK_SECTORS);
	if (r)
		goto destroy_wb;
	ti->num_flush_bios = 1;
	ti->per_io_data_size = sizeof(struct wt_io);
	ti->private = wc;
	return 0;

destroy_wb:
	if (wc->writeback) {
		dm_kcopyd_client_destroy(wc->kc);
		destroy_workqueue(wc->clean_wq);
	}
put_io:
	dm_io_put(IO_PAGES);
destroy_wq:
	destroy_workqueue(wc->wq);
free_slots:
	vfree(wc->slot);
put_cache:
	dm_put_device(ti, wc->cache);
put_origin:
	dm_put_device(ti, wc->origin);
free:
	kfree(wc);
	return r;
}

static struct target_type wt_target = {
	.name = "wtcache",
	.version = {1, 1, 0},
	.module = THIS_MODULE,
	.ctr = wt_ctr,
	.dtr = wt_dtr,
	.map = wt_map,
	.postsuspend = wt_postsuspend,
	.resume = wt_resume,
	.status = wt_status,
	.message = wt_message,
};

static int __init wt_init(void)
{
	return dm_register_target(&wt_target);
}

static void __exit wt_exit(void)
{
	dm_unregister_target(&wt_target);
}

module_init(wt_init);
module_exit(wt_exit);

MODULE_DESCRIPTION(DM_NAME " write-through and write-back cache on dmio");
MODULE_LICENSE("GPL");
