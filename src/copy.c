// SPDX-License-Identifier: GPL-2.0
/*
 * Copies and zeroing: the service of the kernel's dm-kcopyd, built on
 * dmio's own requests. A copy is cut into pieces; each piece is read into
 * pages of the copy client, then written to every destination with one
 * multi-region write (dmio clones the bios, so the pages are read once and
 * never copied in memory). Up to PIECES_PER_JOB pieces of a copy are in
 * flight at once; with DMIO_COPY_WRITE_SEQ one, in order.
 *
 * Everything a copy decides happens in its client's work item, which the
 * workqueue never runs twice at once: the bios' completions only queue the
 * piece and the work item, so a job needs no lock of its own, and a piece
 * goes back to the reserve where the next one is started.
 */
#include <linux/blkdev.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include "dmio_internal.h"

/*
 * A piece is 256 KiB: large enough that a bio per destination carries it
 * on every device, small enough that eight in flight per copy and a
 * reserve of two (512 KiB, what the kernel's kcopyd keeps) stay cheap.
 */
#define PIECE_SECTORS	(SZ_256K >> SECTOR_SHIFT)
#define PIECE_PAGES	DIV_ROUND_UP(SZ_256K, PAGE_SIZE)
#define PIECES_PER_JOB	8
#define RESERVE_PIECES	2
/* Copy jobs a client keeps in reserve, as the kernel's kcopyd. */
#define RESERVE_JOBS	8

#define KNOWN_COPY_FLAGS	(DMIO_COPY_IGNORE_ERROR | DMIO_COPY_WRITE_SEQ)

#define dmio_copy_refuse(err, fmt, ...) ({				\
	pr_warn_ratelimited("dmio: refused copy: " fmt "\n", ##__VA_ARGS__); \
	(err);								\
})

struct dmio_copy_client {
	struct workqueue_struct *wq;	/* its own rescuer: see create */
	struct work_struct work;	/* runs every job of the client */
	struct delayed_work throttle_wait; /* queues @work when a throttle lets go */
	struct dmio_client *io;		/* reserve of the pieces' requests */
	mempool_t *jobs;		/* struct dmio_copy_job */
	struct dmio_throttle *throttle;	/* the caller's, or NULL */
	spinlock_t lock;		/* @incoming, @finished (taken in end_io) */
	struct list_head incoming;	/* jobs not yet seen by @work */
	struct list_head finished;	/* pieces whose request completed */
	/* Only @work touches these: */
	struct list_head active;	/* jobs with pieces to start or in flight */
	struct list_head reserve;	/* free reserved pieces */
	atomic_t nr_jobs;		/* accepted, callback not yet returned */
	/* While a callback runs (only @work writes them; see job_complete()): */
	struct task_struct *callback_task;
	struct dmio_copy_job *handoff;	/* the finished job, for the callback */
};

struct dmio_copy_job {
	struct list_head entry;		/* on incoming, then active */
	struct dmio_copy_client *cc;
	dmio_copy_fn fn;
	void *context;
	bool zero;			/* no source: write zeroes */
	unsigned int flags;
	unsigned int num_dests;
	struct dmio_region source;
	struct dmio_region dests[DMIO_COPY_MAX_DESTS];
	sector_t total;			/* sectors to copy */
	sector_t next;			/* offset of the next piece to start */
	unsigned int in_flight;		/* pieces started, not yet released */
	bool stopped;			/* failed without IGNORE_ERROR */
	int read_err;
	unsigned long write_err;
};

/* What a piece's request in flight does. */
enum piece_stage {
	PIECE_READ,		/* the source into the pages */
	PIECE_WRITE,		/* the pages (or zeroes) to the destinations */
	PIECE_WRITE_ZEROES,	/* write-zeroes to the destinations */
};

struct copy_piece {
	struct list_head entry;		/* on finished, or the reserve */
	struct dmio_copy_job *job;
	sector_t offset;		/* from the start of the copy */
	sector_t count;
	enum piece_stage stage;
	bool reserved;			/* from the client's reserve */
	unsigned int nr_pages;		/* pages it owns */
	/* The request's regions and the destination each one is. */
	unsigned int nr_regions;
	u8 dest_of[DMIO_COPY_MAX_DESTS];
	struct dmio_region where[DMIO_COPY_MAX_DESTS];
	unsigned long error_bits;	/* of the last request, per region */
	unsigned long unsup_bits;
	struct dmio_page_list pages[];
};

/* One zero page that points at itself: zeroes of any length, no memory. */
static struct dmio_page_list zero_ring;

static struct kmem_cache *copy_job_cache;

/* Serialises the fields of every struct dmio_throttle (shared by clients). */
static DEFINE_SPINLOCK(throttle_lock);

/* ---- Throttling: a share of wall time with copy I/O in flight ---- */

/* Bring @t up to now; the periods halve every second so old I/O fades. */
static void throttle_account(struct dmio_throttle *t)
{
	unsigned int now = jiffies, delta = now - t->last_jiffies;

	t->last_jiffies = now;
	t->total_period += delta;
	if (t->num_io_jobs)
		t->io_period += delta;
	while (t->total_period >= HZ) {
		t->total_period >>= 1;
		t->io_period >>= 1;
	}
}

static void throttle_io(struct dmio_throttle *t, int change)
{
	unsigned long flags;

	if (!t)
		return;
	spin_lock_irqsave(&throttle_lock, flags);
	throttle_account(t);
	t->num_io_jobs += change;
	spin_unlock_irqrestore(&throttle_lock, flags);
}

/* Jiffies to wait before the next piece may start; 0: start it now. */
static unsigned long throttle_delay(struct dmio_throttle *t)
{
	unsigned int pct, busy_allowed;
	unsigned long wait = 0;

	if (!t)
		return 0;
	pct = READ_ONCE(t->throttle);
	if (pct >= 100)
		return 0;
	pct = max(pct, 1U);
	spin_lock_irq(&throttle_lock);
	throttle_account(t);
	busy_allowed = t->total_period * pct / 100;
	if (t->io_period > busy_allowed) {
		/* Idle time that brings the share back to @pct percent. */
		wait = t->io_period * 100 / pct - t->total_period;
		wait = clamp_t(unsigned long, wait, 1, HZ / 10);
	}
	spin_unlock_irq(&throttle_lock);
	return wait;
}

/* ---- Pieces and their pages ---- */

static void piece_free(struct copy_piece *piece)
{
	unsigned int i;

	for (i = 0; i < piece->nr_pages; i++)
		__free_page(piece->pages[i].page);
	kfree(piece);
}

/* A piece with @nr_pages pages chained into a page list, or NULL. */
static struct copy_piece *piece_alloc(unsigned int nr_pages, gfp_t gfp)
{
	struct copy_piece *piece;
	unsigned int i;

	piece = kzalloc(sizeof(*piece) + PIECE_PAGES * sizeof(piece->pages[0]), gfp);
	if (!piece)
		return NULL;
	for (i = 0; i < nr_pages; i++) {
		piece->pages[i].page = alloc_page(gfp);
		if (!piece->pages[i].page) {
			piece_free(piece);
			return NULL;
		}
		piece->nr_pages++;
		if (i)
			piece->pages[i - 1].next = &piece->pages[i];
	}
	return piece;
}

/*
 * A piece for @count sectors: the reserve first (no allocation on the
 * common path), then the page allocator with light reclaim only (no
 * retries, no OOM killer). NULL when both are out: a piece in flight comes
 * back to the reserve and the client's work item tries again then.
 */
static struct copy_piece *piece_get(struct dmio_copy_client *cc,
				    sector_t count, bool zero)
{
	struct copy_piece *piece;

	piece = list_first_entry_or_null(&cc->reserve, struct copy_piece, entry);
	if (piece) {
		list_del(&piece->entry);
		return piece;
	}
	return piece_alloc(zero ? 0 : DIV_ROUND_UP(count << SECTOR_SHIFT, PAGE_SIZE),
			   GFP_NOIO | __GFP_NORETRY | __GFP_NOWARN);
}

static void piece_put(struct dmio_copy_client *cc, struct copy_piece *piece)
{
	if (piece->reserved)
		list_add(&piece->entry, &cc->reserve);
	else
		piece_free(piece);
}

/* ---- Requests of a piece ---- */

/* Where a piece's request ended (end_io, any context): back to the work item. */
static void piece_io_done(const unsigned long *error_bits,
			  const unsigned long *unsup_bits, void *context)
{
	struct copy_piece *piece = context;
	struct dmio_copy_client *cc = piece->job->cc;
	unsigned long flags;

	/* Eight regions at most: one long holds each bitmap. */
	piece->error_bits = error_bits[0];
	piece->unsup_bits = unsup_bits[0];
	/*
	 * Queued under the lock: once the work item can see the piece, this
	 * function touches @cc no more (its last callback may destroy it).
	 */
	spin_lock_irqsave(&cc->lock, flags);
	list_add_tail(&piece->entry, &cc->finished);
	queue_work(cc->wq, &cc->work);
	spin_unlock_irqrestore(&cc->lock, flags);
}

static void piece_submit(struct copy_piece *piece, enum dmio_op op,
			 struct dmio_page_list *pl)
{
	struct dmio_request req = {
		.op = op,
		/* A bad region fails alone, through its bit, as in kcopyd. */
		.flags = DMIO_F_NOTIFY_ENDIO | DMIO_F_DM_IO_REGIONS,
		.mem = { .type = pl ? DMIO_MEM_PAGE_LIST : DMIO_MEM_NONE,
			 .ptr.pl = pl },
		.notify = piece_io_done,
		.context = piece,
		.client = piece->job->cc->io,
	};
	unsigned long all = BIT(piece->nr_regions) - 1;
	unsigned long none = 0;

	piece->stage = op == DMIO_OP_READ ? PIECE_READ :
		       op == DMIO_OP_WRITE_ZEROES ? PIECE_WRITE_ZEROES : PIECE_WRITE;
	if (dmio_async(&req, piece->nr_regions, piece->where))
		/* Refused (cannot happen with valid pieces): every region failed. */
		piece_io_done(&all, &none, piece);
}

/* Aim the piece's request at the destinations in @mask. */
static void piece_aim_dests(struct copy_piece *piece, unsigned long mask)
{
	struct dmio_copy_job *job = piece->job;
	unsigned int i, n = 0;

	for_each_set_bit(i, &mask, job->num_dests) {
		piece->where[n].bdev = job->dests[i].bdev;
		piece->where[n].sector = job->dests[i].sector + piece->offset;
		piece->where[n].count = piece->count;
		piece->dest_of[n++] = i;
	}
	piece->nr_regions = n;
}

static unsigned long all_dests(const struct dmio_copy_job *job)
{
	return BIT(job->num_dests) - 1;
}

static void piece_start(struct copy_piece *piece)
{
	struct dmio_copy_job *job = piece->job;

	throttle_io(job->cc->throttle, 1);
	if (job->zero) {
		piece_aim_dests(piece, all_dests(job));
		piece_submit(piece, DMIO_OP_WRITE_ZEROES, NULL);
		return;
	}
	piece->where[0].bdev = job->source.bdev;
	piece->where[0].sector = job->source.sector + piece->offset;
	piece->where[0].count = piece->count;
	piece->nr_regions = 1;
	piece_submit(piece, DMIO_OP_READ, piece->pages);
}

static void piece_release(struct copy_piece *piece)
{
	struct dmio_copy_job *job = piece->job;

	throttle_io(job->cc->throttle, -1);
	job->in_flight--;
	piece_put(job->cc, piece);
}

/* The destinations (as a mask of the job's) whose bit is set in @bits. */
static unsigned long piece_dests(const struct copy_piece *piece,
				 unsigned long bits)
{
	unsigned long dests = 0;
	unsigned int i;

	for_each_set_bit(i, &bits, piece->nr_regions)
		dests |= BIT(piece->dest_of[i]);
	return dests;
}

static void job_note_error(struct dmio_copy_job *job)
{
	if (!(job->flags & DMIO_COPY_IGNORE_ERROR))
		job->stopped = true;
}

/* The next step of a piece whose request completed. */
static void piece_advance(struct copy_piece *piece)
{
	struct dmio_copy_job *job = piece->job;
	unsigned long unsup;

	switch (piece->stage) {
	case PIECE_READ:
		if (piece->error_bits) {
			job->read_err = 1;
			job_note_error(job);
			if (job->stopped)
				break;
		}
		/* IGNORE_ERROR writes what the read left (dmio zeroes it). */
		piece_aim_dests(piece, all_dests(job));
		piece_submit(piece, DMIO_OP_WRITE, piece->pages);
		return;
	case PIECE_WRITE_ZEROES:
		unsup = piece_dests(piece, piece->unsup_bits);
		if (piece->error_bits) {
			job->write_err |= piece_dests(piece, piece->error_bits);
			job_note_error(job);
		}
		if (unsup && !job->stopped) {
			/* No write-zeroes there: write the zero page instead. */
			piece_aim_dests(piece, unsup);
			piece_submit(piece, DMIO_OP_WRITE, &zero_ring);
			return;
		}
		break;
	case PIECE_WRITE:
		/* A device that refuses a plain write has failed it. */
		if (piece->error_bits | piece->unsup_bits) {
			job->write_err |= piece_dests(piece, piece->error_bits |
							     piece->unsup_bits);
			job_note_error(job);
		}
		break;
	}
	piece_release(piece);
}

/* ---- Jobs ---- */

static bool job_done(const struct dmio_copy_job *job)
{
	return !job->in_flight && (job->stopped || job->next >= job->total);
}

/*
 * Report a finished job. Its object is kept for the callback: the first
 * copy (or prepared callback) the callback starts on this client takes it
 * without waiting. Given back to the reserve instead, a submitter already
 * waiting there could take it, and a callback that starts a copy would
 * wait for the reserve in the very work item that finishes this client's
 * jobs, for ever.
 */
static void job_complete(struct dmio_copy_job *job)
{
	struct dmio_copy_client *cc = job->cc;
	dmio_copy_fn fn = job->fn;
	void *context = job->context;
	int read_err = job->read_err;
	unsigned long write_err = job->write_err;

	list_del(&job->entry);
	cc->handoff = job;
	WRITE_ONCE(cc->callback_task, current);
	fn(read_err, write_err, context);
	WRITE_ONCE(cc->callback_task, NULL);
	if (cc->handoff) {
		mempool_free(cc->handoff, cc->jobs);
		cc->handoff = NULL;
	}
	/* The last touch of @cc by this job; destroy waits for it. */
	if (atomic_dec_and_test(&cc->nr_jobs))
		wake_up_var(&cc->nr_jobs);
}

/*
 * Start what the job may start now. False when the client is out of
 * pieces or throttled: later jobs wait too, so the first comes first.
 */
static bool job_start_pieces(struct dmio_copy_job *job)
{
	unsigned int limit = job->flags & DMIO_COPY_WRITE_SEQ ? 1 : PIECES_PER_JOB;
	struct dmio_copy_client *cc = job->cc;
	struct copy_piece *piece;
	unsigned long wait;
	sector_t count;

	while (!job->stopped && job->next < job->total && job->in_flight < limit) {
		wait = throttle_delay(cc->throttle);
		if (wait) {
			queue_delayed_work(cc->wq, &cc->throttle_wait, wait);
			return false;
		}
		count = min_t(sector_t, PIECE_SECTORS, job->total - job->next);
		piece = piece_get(cc, count, job->zero);
		if (!piece)
			return false;
		piece->job = job;
		piece->offset = job->next;
		piece->count = count;
		job->next += count;
		job->in_flight++;
		piece_start(piece);
	}
	return true;
}

static void copy_work(struct work_struct *work)
{
	struct dmio_copy_client *cc = container_of(work, struct dmio_copy_client, work);
	struct copy_piece *piece, *next_piece;
	struct dmio_copy_job *job, *next_job;
	bool may_start = true;
	LIST_HEAD(finished);

	spin_lock_irq(&cc->lock);
	list_splice_tail_init(&cc->incoming, &cc->active);
	list_splice_init(&cc->finished, &finished);
	spin_unlock_irq(&cc->lock);

	list_for_each_entry_safe(piece, next_piece, &finished, entry) {
		list_del(&piece->entry);
		piece_advance(piece);
	}
	/*
	 * Once a job stalls (no piece, or throttled), the jobs behind it start
	 * nothing, so the first comes first; any of them may still have
	 * finished its last piece.
	 */
	list_for_each_entry_safe(job, next_job, &cc->active, entry) {
		if (may_start)
			may_start = job_start_pieces(job);
		if (job_done(job))
			job_complete(job);
	}
}

static void throttle_wait_done(struct work_struct *work)
{
	struct dmio_copy_client *cc =
		container_of(to_delayed_work(work), struct dmio_copy_client,
			     throttle_wait);

	queue_work(cc->wq, &cc->work);
}

/*
 * A job object for @cc, counted in @cc's jobs: in one of @cc's callbacks
 * the finished job's object, once; otherwise from the reserve, which may
 * wait. Only the callback's own task can see itself in @callback_task, so
 * no other reads @handoff.
 */
static struct dmio_copy_job *job_alloc(struct dmio_copy_client *cc,
				       dmio_copy_fn fn, void *context)
{
	struct dmio_copy_job *job;

	if (READ_ONCE(cc->callback_task) == current && cc->handoff) {
		job = cc->handoff;
		cc->handoff = NULL;
	} else {
		job = mempool_alloc(cc->jobs, GFP_NOIO);
	}

	memset(job, 0, sizeof(*job));
	job->cc = cc;
	job->fn = fn;
	job->context = context;
	atomic_inc(&cc->nr_jobs);
	return job;
}

static void job_queue(struct dmio_copy_job *job)
{
	struct dmio_copy_client *cc = job->cc;

	spin_lock_irq(&cc->lock);
	list_add_tail(&job->entry, &cc->incoming);
	spin_unlock_irq(&cc->lock);
	queue_work(cc->wq, &cc->work);
}

static bool any_dest_zoned(unsigned int num_dests, const struct dmio_region *dests)
{
	unsigned int i;

	for (i = 0; i < num_dests; i++)
		if (dests[i].bdev && bdev_is_zoned(dests[i].bdev))
			return true;
	return false;
}

static int start_job(struct dmio_copy_client *cc, const struct dmio_region *from,
		     unsigned int num_dests, const struct dmio_region *dests,
		     unsigned int flags, dmio_copy_fn fn, void *context)
{
	struct dmio_copy_job *job;

	if (!cc)
		return dmio_copy_refuse(-EINVAL, "no copy client");
	if (!fn)
		return dmio_copy_refuse(-EINVAL, "no callback");
	if (!dests || !num_dests || num_dests > DMIO_COPY_MAX_DESTS)
		return dmio_copy_refuse(-EINVAL, "%u destinations, 1 to %u allowed",
					dests ? num_dests : 0, DMIO_COPY_MAX_DESTS);
	if (flags & ~KNOWN_COPY_FLAGS)
		return dmio_copy_refuse(-EINVAL, "unknown flags %#x", flags);
	if (from && from->count && !from->bdev)
		return dmio_copy_refuse(-EINVAL, "the source has no block device");

	/* A zoned destination takes writes in order only, as in kcopyd. */
	if (any_dest_zoned(num_dests, dests))
		flags |= DMIO_COPY_WRITE_SEQ;
	/* In-order writes stop at a hole: errors cannot be ignored. */
	if (flags & DMIO_COPY_WRITE_SEQ)
		flags &= ~DMIO_COPY_IGNORE_ERROR;

	job = job_alloc(cc, fn, context);
	job->flags = flags;
	job->num_dests = num_dests;
	memcpy(job->dests, dests, num_dests * sizeof(*dests));
	if (from) {
		job->source = *from;
		job->total = from->count;
	} else {
		job->zero = true;
		job->total = dests[0].count;
	}
	job_queue(job);
	return 0;
}

/**
 * dmio_copy() - copy one region to up to DMIO_COPY_MAX_DESTS others
 * @cc: the copy client
 * @from: the source; its @count sectors are copied. NULL zeroes the
 *	destinations instead, as dmio_zero().
 * @num_dests: number of destinations (1..DMIO_COPY_MAX_DESTS)
 * @dests: the destinations; each receives @from->count sectors at its
 *	@sector (its @count is not used). The array may be reused once this
 *	returns.
 * @flags: DMIO_COPY_IGNORE_ERROR, DMIO_COPY_WRITE_SEQ
 * @fn: called once the copy is over, with whether the source could not be
 *	read and a bit per destination that could not be written
 * @context: passed to @fn
 *
 * The copy runs in the background, a piece at a time: the source is read
 * once into the client's pages and written to every destination with one
 * request. Without %DMIO_COPY_IGNORE_ERROR the first failure stops it
 * (pieces in flight still complete; no new one starts). A destination
 * on a zoned device makes it %DMIO_COPY_WRITE_SEQ.
 *
 * Context: process context; may sleep for the client's reserve of jobs.
 * Return: 0 if the copy was accepted (@fn runs exactly once, in process
 * context), or -EINVAL if it was refused (one rate-limited line says why;
 * no callback).
 */
int dmio_copy(struct dmio_copy_client *cc, const struct dmio_region *from,
	      unsigned int num_dests, const struct dmio_region *dests,
	      unsigned int flags, dmio_copy_fn fn, void *context)
{
	return start_job(cc, from, num_dests, dests, flags, fn, context);
}
EXPORT_SYMBOL_GPL(dmio_copy);

/**
 * dmio_zero() - write zeroes to up to DMIO_COPY_MAX_DESTS regions
 * @cc: the copy client
 * @num_dests: number of destinations (1..DMIO_COPY_MAX_DESTS)
 * @dests: the destinations; each gets @dests[0].count sectors of zeroes
 * @flags: as dmio_copy()
 * @fn: called once it is over (read_err is always 0)
 * @context: passed to @fn
 *
 * Uses the devices' write-zeroes where they have it, and writes a zero
 * page elsewhere (or where a device turns write-zeroes down).
 *
 * Context: process context; may sleep for the client's reserve of jobs.
 * Return: as dmio_copy().
 */
int dmio_zero(struct dmio_copy_client *cc, unsigned int num_dests,
	      const struct dmio_region *dests, unsigned int flags,
	      dmio_copy_fn fn, void *context)
{
	return start_job(cc, NULL, num_dests, dests, flags, fn, context);
}
EXPORT_SYMBOL_GPL(dmio_zero);

/**
 * dmio_copy_prepare_callback() - reserve a job that only calls back
 * @cc: the copy client
 * @fn: the callback
 * @context: passed to @fn
 *
 * For callers that want a completion of their own delivered in the same
 * context as their copies' (the kernel's dm_kcopyd_prepare_callback()).
 * Hand the result to dmio_copy_do_callback() exactly once.
 *
 * Context: process context; may sleep for the client's reserve of jobs.
 * Return: the job.
 */
void *dmio_copy_prepare_callback(struct dmio_copy_client *cc,
				 dmio_copy_fn fn, void *context)
{
	return job_alloc(cc, fn, context);
}
EXPORT_SYMBOL_GPL(dmio_copy_prepare_callback);

/**
 * dmio_copy_do_callback() - run a job from dmio_copy_prepare_callback()
 * @job: the job
 * @read_err: passed to the callback
 * @write_err: passed to the callback
 *
 * The callback runs in process context from the client's workqueue.
 *
 * Context: any context.
 */
void dmio_copy_do_callback(void *job, int read_err, unsigned long write_err)
{
	struct dmio_copy_job *j = job;
	struct dmio_copy_client *cc = j->cc;
	unsigned long flags;

	j->read_err = read_err;
	j->write_err = write_err;
	spin_lock_irqsave(&cc->lock, flags);
	list_add_tail(&j->entry, &cc->incoming);
	queue_work(cc->wq, &cc->work);
	spin_unlock_irqrestore(&cc->lock, flags);
}
EXPORT_SYMBOL_GPL(dmio_copy_do_callback);

static void copy_client_free(struct dmio_copy_client *cc)
{
	struct copy_piece *piece, *next;

	list_for_each_entry_safe(piece, next, &cc->reserve, entry)
		piece_free(piece);
	mempool_destroy(cc->jobs);
	if (!IS_ERR_OR_NULL(cc->io))
		dmio_client_destroy(cc->io);
	if (cc->wq)
		destroy_workqueue(cc->wq);
	kfree(cc);
}

/**
 * dmio_copy_client_create() - make a client for copies and zeroing
 * @throttle: limits the share of time the client has copy I/O in flight
 *	(several clients may share one); NULL: no limit
 *
 * The client keeps what its copies need to make progress under memory
 * pressure: two pieces' pages (512 KiB), eight jobs and a request reserve.
 *
 * Context: process context; may sleep.
 * Return: the client, or an ERR_PTR() (-ENOMEM).
 */
struct dmio_copy_client *dmio_copy_client_create(struct dmio_throttle *throttle)
{
	struct dmio_copy_client *cc;
	struct copy_piece *piece;
	unsigned int i;

	cc = kzalloc(sizeof(*cc), GFP_KERNEL);
	if (!cc)
		return ERR_PTR(-ENOMEM);
	cc->throttle = throttle;
	spin_lock_init(&cc->lock);
	INIT_LIST_HEAD(&cc->incoming);
	INIT_LIST_HEAD(&cc->finished);
	INIT_LIST_HEAD(&cc->active);
	INIT_LIST_HEAD(&cc->reserve);
	INIT_WORK(&cc->work, copy_work);
	INIT_DELAYED_WORK(&cc->throttle_wait, throttle_wait_done);
	atomic_set(&cc->nr_jobs, 0);
	/*
	 * A queue (and rescuer) per client, as kcopyd has: a callback that
	 * waits for another client's reserve never holds up that client.
	 * Unbound, as 7.x wants every workqueue to say.
	 */
	cc->wq = alloc_workqueue("dmio_copy", WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	if (!cc->wq)
		goto fail;
	cc->io = dmio_client_create(0);
	if (IS_ERR(cc->io))
		goto fail;
	cc->jobs = mempool_create_slab_pool(RESERVE_JOBS, copy_job_cache);
	if (!cc->jobs)
		goto fail;
	for (i = 0; i < RESERVE_PIECES; i++) {
		piece = piece_alloc(PIECE_PAGES, GFP_KERNEL);
		if (!piece)
			goto fail;
		piece->reserved = true;
		list_add(&piece->entry, &cc->reserve);
	}
	return cc;
fail:
	copy_client_free(cc);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_GPL(dmio_copy_client_create);

/**
 * dmio_copy_client_flush() - run the callbacks that are ready
 * @cc: the copy client
 *
 * Returns once the client's work queued before the call has run: every
 * copy whose I/O had completed has called back. Copies still in flight
 * are not waited for. Not from one of @cc's own callbacks.
 *
 * Context: process context; sleeps.
 */
void dmio_copy_client_flush(struct dmio_copy_client *cc)
{
	flush_workqueue(cc->wq);
}
EXPORT_SYMBOL_GPL(dmio_copy_client_flush);

/**
 * dmio_copy_client_destroy() - wait for a client's copies, then free it
 * @cc: the copy client (NULL or an ERR_PTR() is ignored)
 *
 * Waits until every accepted copy has called back. Not from one of @cc's
 * own callbacks.
 *
 * Context: process context; sleeps.
 */
void dmio_copy_client_destroy(struct dmio_copy_client *cc)
{
	if (IS_ERR_OR_NULL(cc))
		return;
	wait_var_event(&cc->nr_jobs, !atomic_read(&cc->nr_jobs));
	cancel_delayed_work_sync(&cc->throttle_wait);
	/* destroy_workqueue() drains: the last job's work item has returned. */
	copy_client_free(cc);
}
EXPORT_SYMBOL_GPL(dmio_copy_client_destroy);

/* Module init and exit. */
int dmio_copy_init(void)
{
	zero_ring.page = ZERO_PAGE(0);
	zero_ring.next = &zero_ring;
	copy_job_cache = KMEM_CACHE(dmio_copy_job, SLAB_NO_MERGE);
	return copy_job_cache ? 0 : -ENOMEM;
}

void dmio_copy_exit(void)
{
	kmem_cache_destroy(copy_job_cache);
}
