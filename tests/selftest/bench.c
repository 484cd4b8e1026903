// SPDX-License-Identifier: GPL-2.0
/*
 * dmio benchmark: the same write requests through four engines, measured
 * in one run over the same devices and the same memory:
 *
 *   dmio        dmio_sync() / dmio_async(), callback from dmio's workqueue
 *   dmio-endio  dmio_async() with DMIO_F_NOTIFY_ENDIO: callback where the
 *               last bio completes (asynchronous cells only: dmio_sync()
 *               ignores the flag)
 *   dm-io       the kernel's own dm_io() (dm-mod), with the running kernel's API
 *   bare        a bare bio-submission loop, the floor: one bio built from a
 *               precomputed page array and cloned for every further region
 *
 * and the same copies (one source region to 1..8 destinations, several in
 * flight) through two:
 *
 *   dmio        dmio_copy()
 *   kcopyd      the kernel's own dm_kcopyd_copy() (dm-mod)
 *
 * Each cell (transfer size, queue depth, region count, memory type) is run
 * for a fixed time per engine and repeated; the engines take turns within
 * each repetition (their order rotates), so drift of the machine hits them
 * alike. CPU time is the busy time of all CPUs (everything but idle and
 * iowait, as /proc/stat counts it, but from the nohz clocks with ns
 * resolution), so completion work in interrupts, softirqs and workqueues
 * counts too, wherever it ran. Asynchronous cells also time every request
 * from its submission to its callback (median and 99th percentile).
 *
 * Results are plain "key=value" lines in debugfs (dmio_bench/results), read
 * by the guest and turned into a table, JSON and a plot on the host
 * (tests/harness/bench.sh); a KTAP line per cell says that every engine
 * completed its I/O without errors (the make check smoke step).
 */
#include <linux/blkdev.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dm-io.h>
#include <linux/dm-kcopyd.h>
#include <linux/ioprio.h>
#include <linux/kernel_stat.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/semaphore.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/tick.h>
#include <linux/utsname.h>
#include <linux/vmalloc.h>
#include <linux/sizes.h>
#include <dmio/dmio.h>
#include "dmio_internal.h"
#include "ktap.h"

static char *null_dev = "/dev/nullb0";
module_param(null_dev, charp, 0444);
MODULE_PARM_DESC(null_dev, "null_blk, no memory, irqmode=0 (\"\": skip)");
static char *soft_dev = "";
module_param(soft_dev, charp, 0444);
MODULE_PARM_DESC(soft_dev, "null_blk, no memory, irqmode=1: softirq (\"\": skip)");
static char *t10_dev = "";
module_param(t10_dev, charp, 0444);
MODULE_PARM_DESC(t10_dev, "null_blk, no memory, irqmode=2, completion_nsec=10000");
static char *t100_dev = "";
module_param(t100_dev, charp, 0444);
MODULE_PARM_DESC(t100_dev, "null_blk, no memory, irqmode=2, completion_nsec=100000");
static char *brd_dev = "/dev/ram0";
module_param(brd_dev, charp, 0444);
MODULE_PARM_DESC(brd_dev, "brd ramdisk of at least 64 MiB, more for the copy cells (\"\": skip)");
static uint ms = 50;
module_param(ms, uint, 0444);
MODULE_PARM_DESC(ms, "milliseconds per engine per repetition of a cell");
static uint reps = 3;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "repetitions of every cell");
static char *only = "";
module_param(only, charp, 0444);
MODULE_PARM_DESC(only, "run only the cells whose name contains one of these (comma-separated)");
static bool counts;
module_param(counts, bool, 0444);
MODULE_PARM_DESC(counts, "count kernel events per measurement (kprobes: slows every engine)");
static uint dm_io_obj_size;
module_param(dm_io_obj_size, uint, 0444);
MODULE_PARM_DESC(dm_io_obj_size, "object size of dm-io's struct io cache (from /sys/kernel/slab/io)");

#ifndef IOPRIO_DEFAULT
#define IOPRIO_DEFAULT IOPRIO_PRIO_VALUE(IOPRIO_CLASS_NONE, 0)
#endif

#define BENCH_MAX_BYTES		SZ_1M
#define BENCH_PAGES		(BENCH_MAX_BYTES >> PAGE_SHIFT)
#define BENCH_MAX_REGIONS	64	/* dm-io's limit: one unsigned long */
#define BENCH_SLOTS		16	/* async: places the requests rotate over */
#define BENCH_MIN_IOS		16	/* both engines' default reserve */
#define BENCH_OUT_SIZE		SZ_512K
#define BENCH_LAT_MAX		65536	/* latencies kept per measurement */

/* ENG_DMIO runs dmio_copy() in copy cells, ENG_KCOPYD only runs there. */
enum bench_engine {
	ENG_DMIO, ENG_DMIO_ENDIO, ENG_DM_IO, ENG_BARE, ENG_KCOPYD, ENG_COUNT
};

static const char * const engine_name[ENG_COUNT] = {
	"dmio", "dmio-endio", "dm-io", "bare", "kcopyd",
};

enum bench_mem { MEM_KERNEL, MEM_PAGE_LIST, MEM_BVEC, MEM_BIO, MEM_VMALLOC };
static const char * const mem_name[] = {
	"kernel", "pagelist", "bvec", "bio", "vmalloc",
};

/*
 * Where a cell runs: on the devices that complete during submission
 * (null_blk irqmode=0, brd: the path length) and/or on those that complete
 * later, from a softirq or a timer (the completion path, as real disks).
 */
#define ON_INLINE	BIT(0)
#define ON_ASYNC	BIT(1)
#define ON_ALL		(ON_INLINE | ON_ASYNC)
/*
 * Copy cells: dmio_copy() against the kernel's dm_kcopyd_copy(), on the
 * devices that complete from a softirq or a timer, and on brd (which
 * copies the data).
 */
#define ON_COPY		BIT(2)

struct bench_cell {
	const char *name;
	unsigned int size;	/* bytes per region */
	unsigned int regions;	/* copy cells: destinations */
	unsigned int qd;	/* 0: synchronous */
	enum bench_mem mem;
	unsigned int on;	/* ON_* */
};

static const struct bench_cell cells[] = {
	{ "sync-4k",		SZ_4K,	1, 0,	MEM_KERNEL, ON_INLINE },
	{ "async-4k-qd1",	SZ_4K,	1, 1,	MEM_KERNEL, ON_ALL },
	{ "async-4k-qd8",	SZ_4K,	1, 8,	MEM_KERNEL, ON_ALL },
	{ "async-4k-qd32",	SZ_4K,	1, 32,	MEM_KERNEL, ON_ALL },
	{ "async-4k-qd128",	SZ_4K,	1, 128,	MEM_KERNEL, ON_ALL },
	{ "async-64k-qd8",	SZ_64K,	1, 8,	MEM_KERNEL, ON_ALL },
	{ "async-1m-qd8",	SZ_1M,	1, 8,	MEM_KERNEL, ON_INLINE },
	{ "async-64k-qd1",	SZ_64K,	1, 1,	MEM_KERNEL, ON_ASYNC },
	{ "async-64k-qd32",	SZ_64K,	1, 32,	MEM_KERNEL, ON_ASYNC },
	{ "async-64k-qd128",	SZ_64K,	1, 128,	MEM_KERNEL, ON_ASYNC },
	{ "async-4k-qd1-r4",	SZ_4K,	4, 1,	MEM_KERNEL, ON_ASYNC },
	{ "async-4k-qd8-r4",	SZ_4K,	4, 8,	MEM_KERNEL, ON_ASYNC },
	{ "async-4k-qd32-r4",	SZ_4K,	4, 32,	MEM_KERNEL, ON_ASYNC },
	{ "async-4k-qd128-r4",	SZ_4K,	4, 128,	MEM_KERNEL, ON_ASYNC },
	{ "async-64k-qd1-r4",	SZ_64K,	4, 1,	MEM_KERNEL, ON_ASYNC },
	{ "async-64k-qd8-r4",	SZ_64K,	4, 8,	MEM_KERNEL, ON_ASYNC },
	{ "async-64k-qd32-r4",	SZ_64K,	4, 32,	MEM_KERNEL, ON_ASYNC },
	{ "async-64k-qd128-r4",	SZ_64K,	4, 128,	MEM_KERNEL, ON_ASYNC },
	{ "regions-1-4k",	SZ_4K,	1, 0,	MEM_KERNEL, ON_INLINE },
	{ "regions-2-4k",	SZ_4K,	2, 0,	MEM_KERNEL, ON_INLINE },
	{ "regions-4-4k",	SZ_4K,	4, 0,	MEM_KERNEL, ON_INLINE },
	{ "regions-8-4k",	SZ_4K,	8, 0,	MEM_KERNEL, ON_INLINE },
	{ "regions-16-4k",	SZ_4K,	16, 0,	MEM_KERNEL, ON_INLINE },
	{ "regions-64-4k",	SZ_4K,	64, 0,	MEM_KERNEL, ON_INLINE },
	{ "regions-1-64k",	SZ_64K,	1, 0,	MEM_KERNEL, ON_INLINE },
	{ "regions-2-64k",	SZ_64K,	2, 0,	MEM_KERNEL, ON_INLINE },
	{ "regions-4-64k",	SZ_64K,	4, 0,	MEM_KERNEL, ON_INLINE },
	{ "regions-8-64k",	SZ_64K,	8, 0,	MEM_KERNEL, ON_INLINE },
	{ "regions-16-64k",	SZ_64K,	16, 0,	MEM_KERNEL, ON_INLINE },
	{ "regions-64-64k",	SZ_64K,	64, 0,	MEM_KERNEL, ON_INLINE },
	{ "mem-kernel-64k",	SZ_64K,	1, 0,	MEM_KERNEL, ON_INLINE },
	{ "mem-pagelist-64k",	SZ_64K,	1, 0,	MEM_PAGE_LIST, ON_INLINE },
	{ "mem-bvec-64k",	SZ_64K,	1, 0,	MEM_BVEC, ON_INLINE },
	{ "mem-bio-64k",	SZ_64K,	1, 0,	MEM_BIO, ON_INLINE },
	{ "mem-vmalloc-64k",	SZ_64K,	1, 0,	MEM_VMALLOC, ON_INLINE },
	{ "copy-64k-qd8-d1",	SZ_64K,	1, 8,	MEM_KERNEL, ON_COPY },
	{ "copy-64k-qd8-d2",	SZ_64K,	2, 8,	MEM_KERNEL, ON_COPY },
	{ "copy-64k-qd8-d8",	SZ_64K,	8, 8,	MEM_KERNEL, ON_COPY },
	{ "copy-1m-qd8-d1",	SZ_1M,	1, 8,	MEM_KERNEL, ON_COPY },
	{ "copy-1m-qd8-d2",	SZ_1M,	2, 8,	MEM_KERNEL, ON_COPY },
	{ "copy-1m-qd8-d8",	SZ_1M,	8, 8,	MEM_KERNEL, ON_COPY },
	{ "copy-8m-qd4-d1",	SZ_8M,	1, 4,	MEM_KERNEL, ON_COPY },
	{ "copy-8m-qd4-d2",	SZ_8M,	2, 4,	MEM_KERNEL, ON_COPY },
	{ "copy-8m-qd4-d8",	SZ_8M,	8, 4,	MEM_KERNEL, ON_COPY },
};

static bool is_copy(const struct bench_cell *c)
{
	return c->on == ON_COPY;
}

/*
 * The devices: null_blk without memory (the CPU path dominates), completing
 * inside submit_bio() (irqmode=0), from a softirq (irqmode=1) or from a
 * timer after 10 or 100 us (irqmode=2); and brd (memcpy too, inline).
 */
struct bench_dev {
	const char *name;
	char **path;
	unsigned int on;	/* ON_INLINE or ON_ASYNC */
	struct dmio_bdev d;
};

static struct bench_dev devs[] = {
	{ .name = "nb-none",	.path = &null_dev,	.on = ON_INLINE },
	{ .name = "nb-soft",	.path = &soft_dev,	.on = ON_ASYNC | ON_COPY },
	{ .name = "nb-t10us",	.path = &t10_dev,	.on = ON_ASYNC | ON_COPY },
	{ .name = "nb-t100us",	.path = &t100_dev,	.on = ON_ASYNC },
	{ .name = "brd",	.path = &brd_dev,	.on = ON_INLINE | ON_COPY },
};

KTAP_DEFINE_STATE;
static struct dm_io_client *kclient;
static struct dmio_client *mclient;
static struct dm_kcopyd_client *kcclient;
static struct dmio_copy_client *mcclient;
static struct bio_set bare_bs;

/* One megabyte of data, reachable as every memory type. */
static struct page *kpages;		/* order-8 block: kernel memory */
static void *kbuf;
static void *vbuf;
static struct page *kpage_array[BENCH_PAGES];
static struct page *vpages[BENCH_PAGES];
static struct dmio_page_list mpl[BENCH_PAGES];
static struct page_list kpl[BENCH_PAGES];
static struct bio_vec bvecs[BENCH_PAGES];
static struct bio *membio;		/* contiguous pages: one multi-page bio_vec */
static struct bio *bvbio;		/* the same as bvecs[]: one bio_vec per page */

/* The running measurement. */
struct bench_run {
	const struct bench_cell *cell;
	struct block_device *bdev;
	unsigned int size_sectors;
	unsigned int copy_slots;	/* copy cells: region sets in use */
	struct semaphore slots;		/* free queue-depth slots */
	atomic_t errors;
	atomic_t done;
	/* Copy cells: [0] the source, [1..] the destinations. */
	struct dmio_region mwhere[BENCH_MAX_REGIONS];
	struct dm_io_region kwhere[BENCH_MAX_REGIONS];
	struct page **pages;		/* bare: the memory's pages */
	unsigned int page_offset;
	unsigned long submit_ns;	/* of the request being submitted */
	atomic_t nlat;			/* completions timed */
	u32 *lat;			/* their latencies (ns), BENCH_LAT_MAX */
};

static struct bench_run run;
static char *out;
static size_t out_len;
static struct debugfs_blob_wrapper out_blob;
static struct dentry *out_dir;

static __printf(1, 2) void emit(const char *fmt, ...)
{
	va_list args;

	if (out_len >= BENCH_OUT_SIZE - 1)
		return;
	va_start(args, fmt);
	out_len += vscnprintf(out + out_len, BENCH_OUT_SIZE - out_len, fmt, args);
	va_end(args);
}

/* Busy time of all CPUs so far: everything but idle and iowait (ns). */
static u64 cpu_busy_ns(void)
{
	u64 now = ktime_get_ns(), idle = 0, t;
	unsigned int cpu, n = 0;

	for_each_online_cpu(cpu) {
		t = get_cpu_idle_time_us(cpu, NULL);
		if (t == (u64)-1)
			return 0;	/* no nohz clocks: reported as 0 */
		idle += t;
		t = get_cpu_iowait_time_us(cpu, NULL);
		if (t != (u64)-1)
			idle += t;
		n++;
	}
	return now * n - idle * NSEC_PER_USEC;
}

/* Place of region @r of request @seq: apart, so nothing merges. */
static sector_t place(unsigned int r, unsigned int seq)
{
	unsigned int slots = run.cell->qd ? BENCH_SLOTS : 1;
	sector_t stride = 2 * run.size_sectors;

	return (sector_t)r * slots * stride + (seq % slots) * stride;
}

static void set_regions(unsigned int seq)
{
	unsigned int r;

	for (r = 0; r < run.cell->regions; r++) {
		run.mwhere[r].bdev = run.bdev;
		run.mwhere[r].sector = place(r, seq);
		run.mwhere[r].count = run.size_sectors;
		run.kwhere[r].bdev = run.bdev;
		run.kwhere[r].sector = place(r, seq);
		run.kwhere[r].count = run.size_sectors;
	}
}

/*
 * Every asynchronous callback ends here. @context carries the request's
 * submit time (run.submit_ns), so no engine needs per-request state for
 * it; unsigned long arithmetic is right across a wrap.
 */
static void async_done(bool failed, void *context)
{
	unsigned long lat = (unsigned long)ktime_get_ns() - (unsigned long)context;
	unsigned int i = atomic_inc_return(&run.nlat) - 1;

	if (i < BENCH_LAT_MAX)
		run.lat[i] = min_t(unsigned long, lat, U32_MAX);
	if (failed)
		atomic_inc(&run.errors);
	atomic_inc(&run.done);
	up(&run.slots);
}

static void *submit_context(void)
{
	return (void *)run.submit_ns;
}

/* --- dmio --- */

static void dmio_done(const unsigned long *error_bits,
		      const unsigned long *unsup_bits, void *context)
{
	/* Asynchronous cells write at most 4 regions: one word of bits. */
	async_done(error_bits[0] | unsup_bits[0], context);
}

static int dmio_submit(unsigned int seq, unsigned int flags)
{
	struct dmio_request req = {
		.op = DMIO_OP_WRITE, .flags = flags, .client = mclient,
	};
	unsigned long bits = 0;

	switch (run.cell->mem) {
	case MEM_KERNEL:
		req.mem.type = DMIO_MEM_KERNEL;
		req.mem.ptr.vaddr = kbuf;
		break;
	case MEM_PAGE_LIST:
		req.mem.type = DMIO_MEM_PAGE_LIST;
		req.mem.ptr.pl = mpl;
		break;
	case MEM_BVEC:
		req.mem.type = DMIO_MEM_BVEC;
		req.mem.ptr.bvec = bvecs;
		break;
	case MEM_BIO:
		req.mem.type = DMIO_MEM_BIO;
		req.mem.ptr.bio = membio;
		break;
	case MEM_VMALLOC:
		req.mem.type = DMIO_MEM_VMALLOC;
		req.mem.ptr.vaddr = vbuf;
		break;
	}
	set_regions(seq);
	if (!run.cell->qd) {
		if (dmio_sync(&req, run.cell->regions, run.mwhere, &bits, NULL))
			atomic_inc(&run.errors);
		return 0;
	}
	req.notify = dmio_done;
	req.context = submit_context();
	return dmio_async(&req, run.cell->regions, run.mwhere);
}

static int eng_dmio(unsigned int seq)
{
	return dmio_submit(seq, 0);
}

static int eng_dmio_endio(unsigned int seq)
{
	return dmio_submit(seq, DMIO_F_NOTIFY_ENDIO);
}

/* --- the kernel's dm-io --- */

#ifdef DMIO_HAVE_IO_NOTIFY_FN_UNSUP
static void dm_io_done(unsigned long error, unsigned long unsup, void *context)
{
	async_done(error | unsup, context);
}
#else
static void dm_io_done(unsigned long error, void *context)
{
	async_done(error, context);
}
#endif

static int eng_dm_io(unsigned int seq)
{
	struct dm_io_request req = { .client = kclient };
	unsigned long bits = 0, unsup = 0;
	int err;

#if defined(DMIO_HAVE_DM_IO_REQUEST_BI_OPF)
	req.bi_opf = REQ_OP_WRITE | (run.cell->qd ? 0 : REQ_SYNC);
#elif defined(DMIO_HAVE_DM_IO_REQUEST_BI_OP)
	req.bi_op = REQ_OP_WRITE;
	req.bi_op_flags = run.cell->qd ? 0 : REQ_SYNC;
#else
	req.bi_rw = REQ_OP_WRITE | (run.cell->qd ? 0 : REQ_SYNC);
#endif
	switch (run.cell->mem) {
	case MEM_KERNEL:
		req.mem.type = DM_IO_KMEM;
		req.mem.ptr.addr = kbuf;
		break;
	case MEM_PAGE_LIST:
		req.mem.type = DM_IO_PAGE_LIST;
		req.mem.ptr.pl = kpl;
		break;
	case MEM_BVEC:
		/* dm-io has no bio_vec array: a bio over the same bio_vecs. */
		req.mem.type = DM_IO_BIO;
		req.mem.ptr.bio = bvbio;
		break;
	case MEM_BIO:
		req.mem.type = DM_IO_BIO;
		req.mem.ptr.bio = membio;
		break;
	case MEM_VMALLOC:
		req.mem.type = DM_IO_VMA;
		req.mem.ptr.vma = vbuf;
		break;
	}
	set_regions(seq);
	if (run.cell->qd) {
		req.notify.fn = dm_io_done;
		req.notify.context = submit_context();
	}
#if defined(DMIO_HAVE_DM_IO_UNSUP)
	err = dm_io(&req, run.cell->regions, run.kwhere, &bits, &unsup,
		    IOPRIO_DEFAULT);
#elif defined(DMIO_HAVE_DM_IO_IOPRIO)
	err = dm_io(&req, run.cell->regions, run.kwhere, &bits, IOPRIO_DEFAULT);
#else
	err = dm_io(&req, run.cell->regions, run.kwhere, &bits);
#endif
	if (!run.cell->qd) {
		if (err || bits || unsup)
			atomic_inc(&run.errors);
		return 0;
	}
	return err;
}

/* --- the bare loop: the floor --- */

struct bare_sync {
	atomic_t pending;
	struct completion done;
	struct bio *parent;
};

static void bare_sync_endio(struct bio *bio)
{
	struct bare_sync *bs = bio->bi_private;

	if (bio->bi_status)
		atomic_inc(&run.errors);
	/* The parent lends its pages to the clones: it goes last. */
	if (bio != bs->parent)
		bio_put(bio);
	if (atomic_dec_and_test(&bs->pending))
		complete(&bs->done);
}

/* The parent: bio_chain() ends it after every clone. */
static void bare_async_endio(struct bio *bio)
{
	bool failed = !!bio->bi_status;
	void *context = bio->bi_private;

	bio_put(bio);
	async_done(failed, context);
}

static struct bio *bare_build(unsigned int seq, blk_opf_t opf)
{
	unsigned int left = run.cell->size, off = run.page_offset, len, i = 0;
	struct bio *bio;

	bio = bio_alloc_bioset(run.bdev, DIV_ROUND_UP(left, PAGE_SIZE), opf,
			       GFP_NOIO, &bare_bs);
	bio->bi_iter.bi_sector = place(0, seq);
	while (left) {
		len = min_t(unsigned int, left, PAGE_SIZE - off);
		__bio_add_page(bio, run.pages[i++], len, off);
		left -= len;
		off = 0;
	}
	return bio;
}

/*
 * Asynchronous: the clones are chained to the parent, which lends them its
 * pages and so completes last (bio_chain() ends it after every clone).
 */
static int bare_async(unsigned int seq)
{
	struct blk_plug plug;
	struct bio *bio, *clone;
	unsigned int r;

	bio = bare_build(seq, REQ_OP_WRITE);
	bio->bi_private = submit_context();
	bio->bi_end_io = bare_async_endio;
	blk_start_plug(&plug);
	for (r = 1; r < run.cell->regions; r++) {
		clone = bio_alloc_clone(run.bdev, bio, GFP_NOIO, &bare_bs);
		clone->bi_iter.bi_sector = place(r, seq);
		bio_chain(clone, bio);
		submit_bio(clone);
	}
	submit_bio(bio);
	blk_finish_plug(&plug);
	return 0;
}

static int eng_bare(unsigned int seq)
{
	struct bare_sync bs;
	struct blk_plug plug;
	struct bio *bio, *clone;
	unsigned int r;

	if (run.cell->qd)
		return bare_async(seq);
	bio = bare_build(seq, REQ_OP_WRITE | REQ_SYNC);
	atomic_set(&bs.pending, run.cell->regions);
	init_completion(&bs.done);
	bs.parent = bio;
	bio->bi_private = &bs;
	bio->bi_end_io = bare_sync_endio;
	blk_start_plug(&plug);
	for (r = 1; r < run.cell->regions; r++) {
		clone = bio_alloc_clone(run.bdev, bio, GFP_NOIO, &bare_bs);
		clone->bi_iter.bi_sector = place(r, seq);
		clone->bi_private = &bs;
		clone->bi_end_io = bare_sync_endio;
		submit_bio(clone);
	}
	submit_bio(bio);
	blk_finish_plug(&plug);
	wait_for_completion_io(&bs.done);
	bio_put(bio);
	return 0;
}

/* --- copies: dmio_copy() against the kernel's dm_kcopyd_copy() --- */

/*
 * Region @r (0: the source, 1..: the destinations) of copy @seq. The
 * copies in flight rotate over run.copy_slots sets of regions, as many as
 * the device has room for (at most the queue depth), each set of regions
 * one page apart, so that no two regions' bios merge.
 */
static sector_t copy_place(unsigned int r, unsigned int seq)
{
	sector_t stride = run.size_sectors + (PAGE_SIZE >> SECTOR_SHIFT);
	unsigned int set = seq % run.copy_slots;

	return ((sector_t)set * (run.cell->regions + 1) + r) * stride;
}

static sector_t copy_footprint(unsigned int sets)
{
	sector_t stride = run.size_sectors + (PAGE_SIZE >> SECTOR_SHIFT);

	return (sector_t)sets * (run.cell->regions + 1) * stride;
}

static void set_copy_regions(unsigned int seq)
{
	unsigned int r;

	for (r = 0; r <= run.cell->regions; r++) {
		run.mwhere[r].bdev = run.bdev;
		run.mwhere[r].sector = copy_place(r, seq);
		run.mwhere[r].count = run.size_sectors;
		run.kwhere[r].bdev = run.bdev;
		run.kwhere[r].sector = copy_place(r, seq);
		run.kwhere[r].count = run.size_sectors;
	}
}

/* dmio_copy_fn and dm_kcopyd_notify_fn: the same type. */
static void copy_done(int read_err, unsigned long write_err, void *context)
{
	async_done(read_err || write_err, context);
}

static int eng_dmio_copy(unsigned int seq)
{
	set_copy_regions(seq);
	return dmio_copy(mcclient, &run.mwhere[0], run.cell->regions,
			 &run.mwhere[1], 0, copy_done, submit_context());
}

/*
 * dm_kcopyd_copy() returned int (always 0) before 4.19 and returns nothing
 * since: called as a statement, the same line builds on both.
 */
static int eng_kcopyd(unsigned int seq)
{
	set_copy_regions(seq);
	dm_kcopyd_copy(kcclient, &run.kwhere[0], run.cell->regions,
		       &run.kwhere[1], 0, copy_done, submit_context());
	return 0;
}

static int eng_dmio_or_copy(unsigned int seq)
{
	return is_copy(run.cell) ? eng_dmio_copy(seq) : eng_dmio(seq);
}

static int (* const engines[ENG_COUNT])(unsigned int seq) = {
	eng_dmio_or_copy, eng_dmio_endio, eng_dm_io, eng_bare, eng_kcopyd,
};

/*
 * Optional (counts=1): kprobes count a few kernel functions during each
 * measurement, to tell where an engine's time goes (bios submitted, pages
 * added to bios, pages allocated, work items run, sleeps). Each event has
 * names for several kernel eras; the first that can be probed counts. A
 * kprobe costs a trap per hit, so such a run is for the counts, not the
 * times.
 */
struct bench_count {
	const char *key;
	const char * const names[3];
	struct kprobe kp;
	bool on;
	atomic64_t hits;
};

static struct bench_count bcounts[] = {
	{ .key = "bios", .names = { "submit_bio_noacct", "generic_make_request" } },
	{ .key = "addpage", .names = { "bio_add_page" } },
	{ .key = "pages", .names = { "__alloc_pages", "__alloc_pages_nodemask" } },
	{ .key = "works", .names = { "process_one_work" } },
	{ .key = "sleeps", .names = { "schedule" } },
};

static int count_hit(struct kprobe *kp, struct pt_regs *regs)
{
	atomic64_inc(&container_of(kp, struct bench_count, kp)->hits);
	return 0;
}

static void counts_start(void)
{
	struct bench_count *bc;
	unsigned int i;

	for (bc = bcounts; counts && bc < bcounts + ARRAY_SIZE(bcounts); bc++) {
		for (i = 0; i < ARRAY_SIZE(bc->names) && bc->names[i]; i++) {
			memset(&bc->kp, 0, sizeof(bc->kp));
			bc->kp.symbol_name = bc->names[i];
			bc->kp.pre_handler = count_hit;
			if (!register_kprobe(&bc->kp)) {
				bc->on = true;
				break;
			}
		}
		if (!bc->on)
			pr_warn("dmio_bench: cannot count %s\n", bc->key);
	}
}

static void counts_stop(void)
{
	struct bench_count *bc;

	for (bc = bcounts; bc < bcounts + ARRAY_SIZE(bcounts); bc++)
		if (bc->on)
			unregister_kprobe(&bc->kp);
}

static void counts_reset(void)
{
	struct bench_count *bc;

	for (bc = bcounts; bc < bcounts + ARRAY_SIZE(bcounts); bc++)
		atomic64_set(&bc->hits, 0);
}

struct bench_sample {
	u64 counts[ARRAY_SIZE(bcounts)];
	u64 ios;
	u64 wall_ns;
	u64 busy_ns;
	unsigned int errors;
	int refused;
	unsigned int lat_n;	/* completions timed (at most BENCH_LAT_MAX) */
	u32 lat_p50;		/* submit to callback, ns */
	u32 lat_p99;
};

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* Median and 99th percentile of the latencies of the last measurement. */
static void lat_percentiles(struct bench_sample *s)
{
	unsigned int n = min_t(unsigned int, atomic_read(&run.nlat),
			       BENCH_LAT_MAX);

	s->lat_n = n;
	s->lat_p50 = 0;
	s->lat_p99 = 0;
	if (!n)
		return;
	sort(run.lat, n, sizeof(*run.lat), cmp_u32, NULL);
	s->lat_p50 = run.lat[n / 2];
	s->lat_p99 = run.lat[(u64)n * 99 / 100];
}

/*
 * Copy cells run dmio (dmio_copy()) and kcopyd only. The endio flag
 * changes nothing for dmio_sync(): that run would repeat dmio's.
 */
static bool engine_runs(enum bench_engine e)
{
	if (is_copy(run.cell))
		return e == ENG_DMIO || e == ENG_KCOPYD;
	if (e == ENG_KCOPYD)
		return false;
	return e != ENG_DMIO_ENDIO || run.cell->qd;
}

/* Run one engine on the current cell for @budget_ns. */
static void measure(enum bench_engine e, u64 budget_ns, struct bench_sample *s)
{
	unsigned int qd = run.cell->qd, i;
	/*
	 * A copy takes long enough that a time budget alone would end after
	 * a handful; at least four queues' worth, so that the drain at the
	 * end (fewer copies in flight) is a small part of the measurement.
	 * A budget of a few ms (the make check smoke run) is not a
	 * measurement: one queue's worth.
	 */
	u64 start, busy, seq = 0, min_reqs = 0;
	int err = 0;

	if (is_copy(run.cell))
		min_reqs = (budget_ns >= 10 * NSEC_PER_MSEC ? 4 : 1) * qd;

	sema_init(&run.slots, qd ? qd : 1);
	counts_reset();
	atomic_set(&run.errors, 0);
	atomic_set(&run.done, 0);
	atomic_set(&run.nlat, 0);
	busy = cpu_busy_ns();
	start = ktime_get_ns();
	do {
		if (qd)
			down(&run.slots);
		run.submit_ns = ktime_get_ns();
		err = engines[e](seq);
		if (err) {
			if (qd)
				up(&run.slots);
			break;
		}
		seq++;
		cond_resched();
	} while (ktime_get_ns() - start < budget_ns || seq < min_reqs);
	/* Every request in flight completes inside the measurement. */
	for (i = 0; qd && i < qd; i++)
		down(&run.slots);
	s->wall_ns = ktime_get_ns() - start;
	s->busy_ns = cpu_busy_ns() - busy;
	for (i = 0; i < ARRAY_SIZE(bcounts); i++)
		s->counts[i] = atomic64_read(&bcounts[i].hits);
	s->ios = seq;
	s->errors = atomic_read(&run.errors);
	s->refused = err;
	if (qd && atomic_read(&run.done) != seq)
		s->errors++;
	lat_percentiles(s);
}

static void setup_cell(const struct bench_cell *c, struct block_device *bdev)
{
	run.cell = c;
	run.bdev = bdev;
	run.size_sectors = c->size >> SECTOR_SHIFT;
	run.page_offset = 0;
	run.pages = c->mem == MEM_VMALLOC ? vpages : kpage_array;
	/* The memory bios: this cell's size from their start. */
	membio->bi_iter.bi_sector = 0;
	membio->bi_iter.bi_size = c->size;
	membio->bi_iter.bi_idx = 0;
	membio->bi_iter.bi_bvec_done = 0;
	bvbio->bi_iter = membio->bi_iter;
	if (is_copy(c))
		run.copy_slots = clamp_t(sector_t, bdev_nr_sectors(bdev) /
					 copy_footprint(1), 1, c->qd);
}

/*
 * Before a copy cell: write every region it uses once, so that brd has
 * allocated its pages (no engine pays for that) and the sources hold
 * data (brd reads unwritten sectors as zeroes, without a copy).
 */
static int copy_prefill(void)
{
	struct dmio_request req = {
		.op = DMIO_OP_WRITE, .client = mclient,
		.mem.type = DMIO_MEM_KERNEL, .mem.ptr.vaddr = kbuf,
	};
	struct dmio_region where = { .bdev = run.bdev };
	sector_t end = copy_footprint(run.copy_slots), s;
	unsigned long bits = 0;

	for (s = 0; s < end; s += where.count) {
		where.sector = s;
		where.count = min_t(sector_t, end - s,
				    BENCH_MAX_BYTES >> SECTOR_SHIFT);
		if (dmio_sync(&req, 1, &where, &bits, NULL))
			return -EIO;
	}
	return 0;
}

/*
 * Does the "only" filter select @name? It is a comma-separated list of
 * parts of cell names; empty selects every cell.
 */
static bool selected(const char *name)
{
	const char *p = only, *end;
	char part[32];
	size_t len;

	if (!*only)
		return true;
	for (; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ',');
		len = min_t(size_t, end - p, sizeof(part) - 1);
		memcpy(part, p, len);
		part[len] = '\0';
		if (len && strstr(name, part))
			return true;
	}
	return false;
}

static bool cell_wanted(const struct bench_dev *dev, const struct bench_cell *c)
{
	return (c->on & dev->on) && selected(c->name);
}

/* One line per sample; false when the engine failed. */
static bool emit_sample(const struct bench_dev *dev, enum bench_engine e,
			unsigned int rep, const struct bench_sample *s)
{
	const struct bench_cell *c = run.cell;
	unsigned int i;

	emit("sample dev=%s cell=%s engine=%s rep=%u ",
	     dev->name, c->name, engine_name[e], rep);
	emit("size=%u regions=%u qd=%u mem=%s ", c->size,
	     c->regions, c->qd, mem_name[c->mem]);
	emit("ios=%llu wall_ns=%llu busy_ns=%llu ", s->ios,
	     s->wall_ns, s->busy_ns);
	if (c->qd)
		emit("lat_n=%u lat_p50_ns=%u lat_p99_ns=%u ", s->lat_n,
		     s->lat_p50, s->lat_p99);
	for (i = 0; i < ARRAY_SIZE(bcounts); i++)
		if (bcounts[i].on)
			emit("n_%s=%llu ", bcounts[i].key, s->counts[i]);
	emit("errors=%u refused=%d\n", s->errors, s->refused);
	if (s->ios && !s->errors && !s->refused)
		return true;
	emit("# %s %s %s: %llu I/Os, %u errors, refused %d\n", dev->name,
	     c->name, engine_name[e], s->ios, s->errors, s->refused);
	return false;
}

static bool run_cell(struct bench_dev *dev, const struct bench_cell *c)
{
	enum bench_engine order[ENG_COUNT];
	struct bench_sample s, warm;
	unsigned int rep, k, n = 0;
	bool ok = true;

	setup_cell(c, dev->d.bdev);
	if (is_copy(c) && copy_prefill()) {
		emit("# %s %s: could not write its regions first\n", dev->name,
		     c->name);
		return false;
	}
	for (k = 0; k < ENG_COUNT; k++)
		if (engine_runs(k))
			order[n++] = k;
	/* Untimed warm-up of every engine: brd allocates its pages here. */
	for (k = 0; k < n; k++)
		measure(order[k], 20 * NSEC_PER_MSEC / (reps > 1 ? 1 : 4), &warm);
	/* The engines that run take turns, in an order rotating per repetition. */
	for (rep = 0; rep < reps; rep++) {
		for (k = 0; k < n; k++) {
			measure(order[(rep + k) % n], (u64)ms * NSEC_PER_MSEC, &s);
			ok &= emit_sample(dev, order[(rep + k) % n], rep, &s);
		}
	}
	return ok;
}

/*
 * Memory each client holds in reserve (mempool minimums and bioset pools),
 * from the objects' sizes. dm-io: its client has a mempool of min_ios
 * struct io (object size read from the running kernel's slab) and a bioset
 * of min_ios bios (no front pad) with BIOSET_NEED_BVECS. BIO_INLINE_VECS
 * (block/bio.c) has been 4 in every supported kernel.
 */
#define BENCH_INLINE_VECS	4
#define POOL_BYTES(n, size)	((u64)(n) * ((size) + sizeof(void *)))

static void report_reserve(void)
{
	u64 bio_obj = sizeof(struct bio) + BENCH_INLINE_VECS * sizeof(struct bio_vec);
	u64 bvecs_max = BIO_MAX_VECS * sizeof(struct bio_vec);
	u64 kio = dm_io_obj_size ? dm_io_obj_size : 64;
	u64 k_ios, k_bios, k_bvecs, m_ios, m_bios, m_bvecs, m_bitmaps;

	k_ios = POOL_BYTES(BENCH_MIN_IOS, kio);
	k_bios = POOL_BYTES(BENCH_MIN_IOS, bio_obj);
	k_bvecs = POOL_BYTES(BENCH_MIN_IOS, bvecs_max);
	emit("reserve engine=dm-io total=%llu requests=%llu bios=%llu ",
	     k_ios + k_bios + k_bvecs, k_ios, k_bios);
	emit("bvecs=%llu request_obj=%llu%s bio_obj=%llu bvec_obj=%llu ",
	     k_bvecs, kio, dm_io_obj_size ? "" : "(assumed)", bio_obj,
	     bvecs_max);
	emit("min_ios=%u\n", BENCH_MIN_IOS);
	m_ios = DMIO_RESERVE_IO_OBJS(BENCH_MIN_IOS) ?
		POOL_BYTES(DMIO_RESERVE_IO_OBJS(BENCH_MIN_IOS),
			   sizeof(struct dmio_io)) : 0;
	m_bitmaps = POOL_BYTES(1, 2 * DMIO_BITMAP_LONGS * sizeof(long));
	m_bios = POOL_BYTES(BENCH_MIN_IOS, bio_obj + offsetof(struct dmio_bio, bio));
	m_bvecs = k_bvecs;
	emit("reserve engine=dmio total=%llu requests=%llu bitmaps=%llu ",
	     m_ios + m_bitmaps + m_bios + m_bvecs, m_ios, m_bitmaps);
	emit("bios=%llu bvecs=%llu request_obj=%zu front_pad=%zu ", m_bios,
	     m_bvecs, sizeof(struct dmio_io), offsetof(struct dmio_bio, bio));
	emit("bio_obj=%llu bvec_obj=%llu min_ios=%u\n",
	     bio_obj + offsetof(struct dmio_bio, bio), bvecs_max, BENCH_MIN_IOS);
}

static int alloc_memory(void)
{
	unsigned int i;

	kpages = alloc_pages(GFP_KERNEL | __GFP_ZERO, get_order(BENCH_MAX_BYTES));
	vbuf = vzalloc(BENCH_MAX_BYTES);
	membio = bio_alloc_bioset(NULL, BENCH_PAGES, REQ_OP_WRITE, GFP_KERNEL,
				  &bare_bs);
	bvbio = bio_alloc_bioset(NULL, BENCH_PAGES, REQ_OP_WRITE, GFP_KERNEL,
				 &bare_bs);
	if (!kpages || !vbuf || !membio || !bvbio)
		return -ENOMEM;
	kbuf = page_address(kpages);
	for (i = 0; i < BENCH_PAGES; i++) {
		kpage_array[i] = nth_page(kpages, i);
		vpages[i] = vmalloc_to_page(vbuf + i * PAGE_SIZE);
		mpl[i].page = kpage_array[i];
		mpl[i].next = i + 1 < BENCH_PAGES ? &mpl[i + 1] : NULL;
		kpl[i].page = kpage_array[i];
		kpl[i].next = i + 1 < BENCH_PAGES ? &kpl[i + 1] : NULL;
		bvecs[i].bv_page = kpage_array[i];
		bvecs[i].bv_offset = 0;
		bvecs[i].bv_len = PAGE_SIZE;
		if (bio_add_page(membio, kpage_array[i], PAGE_SIZE, 0) != PAGE_SIZE)
			return -ENOMEM;
		__bio_add_page(bvbio, kpage_array[i], PAGE_SIZE, 0);
	}
	return 0;
}

static void free_memory(void)
{
	if (membio)
		bio_put(membio);
	if (bvbio)
		bio_put(bvbio);
	vfree(vbuf);
	if (kpages)
		__free_pages(kpages, get_order(BENCH_MAX_BYTES));
}

static void run_all(void)
{
	static enum ktap_result res[ARRAY_SIZE(devs)][ARRAY_SIZE(cells)];
	unsigned int d, c;

	emit("bench kernel=%s ms=%u reps=%u cpus=%u page_size=%lu ",
	     init_utsname()->release, ms, reps, num_online_cpus(), PAGE_SIZE);
	/* How far the kernel merged the memory bio's pages (mem-bio-64k). */
	emit("membio_vcnt=%u membio_bv0_len=%u\n", membio->bi_vcnt,
	     membio->bi_io_vec[0].bv_len);
	report_reserve();
	/* Let the boot's console output drain: it would count as busy time. */
	msleep(500);
	for (d = 0; d < ARRAY_SIZE(devs); d++)
		for (c = 0; c < ARRAY_SIZE(cells); c++)
			if (cell_wanted(&devs[d], &cells[c]))
				res[d][c] = !devs[d].d.bdev ? KTAP_SKIP :
					    run_cell(&devs[d], &cells[c]) ?
					    KTAP_PASS : KTAP_FAIL;
	/* KTAP afterwards, so that no console output overlaps a measurement. */
	ktap_begin("dmio-bench");
	for (d = 0; d < ARRAY_SIZE(devs); d++)
		for (c = 0; c < ARRAY_SIZE(cells); c++)
			if (cell_wanted(&devs[d], &cells[c]))
				ktap_report(res[d][c], "%s_%s", devs[d].name,
					    cells[c].name);
	ktap_end();
	emit("end\n");
}

static int __init bench_init(void)
{
	unsigned int d;
	int err;

	if (!reps)
		reps = 1;
	out = kvzalloc(BENCH_OUT_SIZE, GFP_KERNEL);
	run.lat = kvcalloc(BENCH_LAT_MAX, sizeof(*run.lat), GFP_KERNEL);
	if (!out || !run.lat) {
		kvfree(run.lat);
		kvfree(out);
		return -ENOMEM;
	}
	err = bioset_init(&bare_bs, BENCH_MIN_IOS, 0, BIOSET_NEED_BVECS);
	if (err)
		goto free_out;
	err = alloc_memory();
	if (err)
		goto free_mem;
	for (d = 0; d < ARRAY_SIZE(devs); d++)
		if (**devs[d].path &&
		    dmio_bdev_open(*devs[d].path, true, &devs[d].d))
			pr_warn("dmio_bench: cannot open %s; its cells are skipped\n",
				*devs[d].path);
	kclient = dm_io_client_create();
	mclient = dmio_client_create(BENCH_MIN_IOS);
	/* 3.9 and later: a throttle or NULL (none), as dmio's. */
	kcclient = dm_kcopyd_client_create(NULL);
	mcclient = dmio_copy_client_create(NULL);
	if (IS_ERR(kclient) || IS_ERR(mclient) || IS_ERR(kcclient) ||
	    IS_ERR(mcclient)) {
		err = -ENOMEM;
		goto clients;
	}
	counts_start();
	run_all();
	counts_stop();
	out_blob.data = out;
	out_blob.size = out_len;
	out_dir = debugfs_create_dir("dmio_bench", NULL);
	debugfs_create_blob("results", 0444, out_dir, &out_blob);
	err = 0;
clients:
	if (!IS_ERR_OR_NULL(kcclient))
		dm_kcopyd_client_destroy(kcclient);
	if (!IS_ERR_OR_NULL(mcclient))
		dmio_copy_client_destroy(mcclient);
	if (!IS_ERR_OR_NULL(kclient))
		dm_io_client_destroy(kclient);
	dmio_client_destroy(mclient);
	for (d = 0; d < ARRAY_SIZE(devs); d++)
		dmio_bdev_close(&devs[d].d);
free_mem:
	free_memory();
	bioset_exit(&bare_bs);
free_out:
	kvfree(run.lat);
	if (err)
		kvfree(out);
	return err;
}

static void __exit bench_exit(void)
{
	debugfs_remove_recursive(out_dir);
	kvfree(out);
}

module_init(bench_init);
module_exit(bench_exit);

MODULE_DESCRIPTION("dmio against the kernel's dm-io, dm-kcopyd and a bare bio loop");
MODULE_LICENSE("GPL");
