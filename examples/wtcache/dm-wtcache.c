// SPDX-License-Identifier: GPL-2.0
/*
 * dm-wtcache: a write-through block cache in front of a slow disk, written
 * the way flashcache is, on dmio's drop-in dm-io API.
 *
 *   dmsetup create NAME --table "0 <origin sectors> wtcache <origin> <cache>"
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
 * Metadata lives in memory only: a write-through cache holds nothing the
 * origin does not, so after a restart it simply starts cold.
 *
 *   dmsetup status NAME    hits, misses, fills, cache errors, ...
 *   dmsetup message NAME 0 invalidate
 */
#include <dmio/dm-io.h>		/* was: #include <linux/dm-io.h> */
#include <linux/bio.h>
#include <linux/device-mapper.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#define DM_MSG_PREFIX "wtcache"

#define BLOCK_SECTORS	8	/* a cache slot holds 4 KiB */
#define IO_PAGES	64	/* dm_io_get(): pages we keep in flight */

/* One cache slot. Only one writer at a time, and never beside readers. */
struct slot {
	sector_t block;		/* origin block held, when valid */
	u32 gen;		/* bumped whenever the slot may change */
	u16 readers;		/* hits being read from the slot */
	u16 bypassing;		/* writes of its blocks going to the origin alone */
	u8 writer;		/* a fill or write is changing the slot */
	u8 valid;
};

struct wtcache {
	struct dm_dev *origin;
	struct dm_dev *cache;
	sector_t slots;
	struct slot *slot;
	spinlock_t lock;	/* the slots and the counters */
	unsigned long hits, misses, fills, writes, bypassed, cache_errors;
	/* Where a completion that must submit more I/O goes on (see io_done). */
	struct workqueue_struct *wq;
};

/* What a bio in flight remembers (dm's per-bio data). */
enum wt_kind { WT_HIT, WT_MISS, WT_FILL, WT_WRITE, WT_BYPASS, WT_FLUSH };

struct wt_io {
	struct wtcache *wc;
	struct bio *bio;
	sector_t block;
	sector_t slot;
	u32 gen;
	enum wt_kind kind;
	bool owns_slot;		/* this bio is the slot's writer */
	bool bypassing;		/* counted in the slot's bypassing */
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
			s->valid = 1;
		}
	}
	spin_unlock_irqrestore(&wc->lock, flags);
}

/* The cache failed on this block: count it and stop trusting the slot. */
static void cache_failed(struct wt_io *io)
{
	struct wtcache *wc = io->wc;
	struct slot *s = &wc->slot[io->slot];
	unsigned long flags;

	spin_lock_irqsave(&wc->lock, flags);
	wc->cache_errors++;
	if (s->block == io->block) {
		s->valid = 0;
		s->gen++;
	}
	spin_unlock_irqrestore(&wc->lock, flags);
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
		if (error) {
			/* The cache failed us: the origin has the data. */
			cache_failed(io);
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
	case WT_BYPASS:
		if (io->bypassing)
			bypass_done(io);
		break;
	case WT_FLUSH:
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
 * Claim a slot for changing it: only when nobody reads or changes it, and
 * no write of one of its blocks is on its way to the origin alone (a fill
 * could read the origin before that write lands, and keep the old data).
 * The slot is invalid until the change completes, but names its new block
 * at once, so that a write of that block meanwhile (drop_block()) keeps
 * the change from validating what it brings.
 */
static bool claim_slot(struct wtcache *wc, struct wt_io *io)
{
	struct slot *s = &wc->slot[io->slot];

	if (s->writer || s->readers || s->bypassing)
		return false;
	s->writer = 1;
	s->valid = 0;
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
		s->valid = 0;
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
	if (s->valid && s->block == io->block && !s->writer) {
		s->readers++;
		wc->hits++;
		kind = WT_HIT;
	} else {
		wc->misses++;
		kind = WT_MISS;
		/* Only whole blocks are filled, and only into a quiet slot. */
		if (!whole_block(bio) || !claim_slot(wc, io))
			kind = WT_BYPASS;
	}
	spin_unlock_irqrestore(&wc->lock, flags);

	if (kind == WT_HIT)
		read_from(io, wc->cache, cache_sector(io, bio->bi_iter.bi_sector),
			  WT_HIT);
	else
		read_from(io, wc->origin, bio->bi_iter.bi_sector, kind);
	return DM_MAPIO_SUBMITTED;
}

static int map_write(struct wtcache *wc, struct wt_io *io)
{
	struct slot *s = &wc->slot[io->slot];
	struct bio *bio = io->bio;
	struct io_region where[2];
	unsigned long flags;
	bool both = false;

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

static int wt_map(struct dm_target *ti, struct bio *bio)
{
	struct wtcache *wc = ti->private;
	struct wt_io *io = dm_per_bio_data(bio, sizeof(struct wt_io));

	memset(io, 0, sizeof(*io));
	io->wc = wc;
	io->bio = bio;
	if (!bio_sectors(bio))
		return map_flush(wc, io);
	bio->bi_iter.bi_sector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	io->block = bio_block(bio);
	io->slot = io->block % wc->slots;
	if (bio_data_dir(bio) == READ)
		return map_read(wc, io);
	return map_write(wc, io);
}

static void wt_invalidate_all(struct wtcache *wc)
{
	unsigned long flags;
	sector_t i;

	spin_lock_irqsave(&wc->lock, flags);
	for (i = 0; i < wc->slots; i++) {
		/* A change in flight sees the new generation and stays invalid. */
		wc->slot[i].valid = 0;
		wc->slot[i].gen++;
	}
	spin_unlock_irqrestore(&wc->lock, flags);
}

static int wt_message(struct dm_target *ti, unsigned int argc, char **argv,
		      char *result, unsigned int maxlen)
{
	if (argc == 1 && !strcasecmp(argv[0], "invalidate")) {
		wt_invalidate_all(ti->private);
		return 0;
	}
	DMWARN("unknown message; try: invalidate");
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
		spin_unlock_irqrestore(&wc->lock, flags);
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%s %s", wc->origin->name, wc->cache->name);
		break;
	default:
		*result = '\0';
		break;
	}
}

static void wt_dtr(struct dm_target *ti)
{
	struct wtcache *wc = ti->private;

	dm_io_put(IO_PAGES);
	destroy_workqueue(wc->wq);
	dm_put_device(ti, wc->cache);
	dm_put_device(ti, wc->origin);
	vfree(wc->slot);
	kfree(wc);
}

/* <origin dev> <cache dev> */
static int wt_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct wtcache *wc;
	int r;

	if (argc != 2) {
		ti->error = "expected: <origin dev> <cache dev>";
		return -EINVAL;
	}
	wc = kzalloc(sizeof(*wc), GFP_KERNEL);
	if (!wc) {
		ti->error = "cannot allocate the cache context";
		return -ENOMEM;
	}
	spin_lock_init(&wc->lock);
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
	/* Each bio stays inside one cache block. */
	r = dm_set_target_max_io_len(ti, BLOCK_SECTORS);
	if (r)
		goto put_io;
	ti->num_flush_bios = 1;
	ti->per_io_data_size = sizeof(struct wt_io);
	ti->private = wc;
	return 0;

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
	.version = {1, 0, 0},
	.module = THIS_MODULE,
	.ctr = wt_ctr,
	.dtr = wt_dtr,
	.map = wt_map,
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

MODULE_DESCRIPTION(DM_NAME " write-through cache on dmio");
MODULE_LICENSE("GPL");
