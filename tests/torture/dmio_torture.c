// SPDX-License-Identifier: GPL-2.0
/*
 * dmio_torture - a bounded torture run of the dmio engine, for the debug
 * kernel of `make check-debug` (KASAN, UBSAN, lockdep, kmemleak, fault
 * injection; see docs/DEBUG.md).
 *
 * Several threads share one client and, for a given time, write random data
 * from every memory type (page list, bio_vec array, bio, vmalloc, kernel
 * memory; random offsets, partial pages, multi-page elements) to 1..128
 * regions at random offsets of several devices, mixing synchronous and
 * asynchronous requests, then read every healthy region back (again through
 * dmio, in a random memory type) and compare every byte. Each thread owns
 * its own slots of every device, so the expected contents are exact.
 *
 * Devices come in kinds, and the kind fixes the expected error bits:
 *   good=   no error bit may ever be set; every byte is verified
 *   werr=   writes fail (dm-flakey error_writes), reads work: a write's bit
 *           must be set, a read's must not
 *   err=    every bio fails (fail_make_request on the device): the bit must
 *           be set, and a failed read hands back zeroes
 *   gone=   a device the guest removes during the run: any outcome is
 *           allowed, but nothing may hang or crash; data read back without
 *           an error must still be right
 * With inject=1 the threads set make_it_fail around every dmio call, so the
 * guest's failslab / fail_page_alloc task filters fail dmio's (and the
 * block layer's) non-blocking allocations there: the reserves must carry the
 * I/O. hog_leave_mb=N holds all free memory but N MiB (above the zones' min
 * watermark) during the run.
 *
 * phase=chain runs the chain phase instead (see "the chain phase" below):
 * many clients with a tiny reserve, and hundreds of chains of cache fills
 * whose writes are submitted from the read's completion callback.
 *
 * phase=copy runs the copy phase (see "the copy phase" below): many
 * concurrent dmio_copy() and dmio_zero() calls on several copy clients, to
 * healthy and failing devices, some started from copy callbacks, with
 * every destination read back and compared.
 *
 * The verdict is KTAP on the console; counts are KTAP diagnostics. The
 * module's init runs the whole phase, interruptibly, then stays loaded
 * until rmmod (so the harness can unload it like any other).
 */
#include <linux/bio.h>
#include <linux/bitmap.h>
#include <linux/blkdev.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/debug.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swap.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <dmio/dmio.h>
#include "ktap.h"

KTAP_DEFINE_STATE;

static char *good;
module_param(good, charp, 0444);
MODULE_PARM_DESC(good, "comma-separated healthy devices");
static char *werr;
module_param(werr, charp, 0444);
MODULE_PARM_DESC(werr, "devices whose writes fail (dm-flakey error_writes)");
static char *err;
module_param(err, charp, 0444);
MODULE_PARM_DESC(err, "devices where every bio fails (fail_make_request)");
static char *gone;
module_param(gone, charp, 0444);
MODULE_PARM_DESC(gone, "devices removed during the run");
static unsigned int seconds = 60;
module_param(seconds, uint, 0444);
MODULE_PARM_DESC(seconds, "how long the torture runs");
static unsigned int threads = 4;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "torture threads");
static bool inject;
module_param(inject, bool, 0444);
MODULE_PARM_DESC(inject, "set make_it_fail around dmio calls (fault-injection task filter)");
static unsigned int hog_leave_mb;
module_param(hog_leave_mb, uint, 0444);
MODULE_PARM_DESC(hog_leave_mb, "hold free memory down to this many MiB above the min watermark during the run (0: off)");
static unsigned int min_ios = 4;
module_param(min_ios, uint, 0444);
MODULE_PARM_DESC(min_ios, "reserve of the shared client");
static char *phase = "torture";
module_param(phase, charp, 0444);
MODULE_PARM_DESC(phase, "what to run: torture (default), chain or copy");

#define MAX_DEVS	8
#define MAX_REGIONS	128
#define MAX_BATCH	4
#define MAX_SECTORS	256		/* per region: 128 KiB */
#define SLOT_SECTORS	MAX_SECTORS	/* one region per slot at a time */
#define WAIT_TIMEOUT	(120 * HZ)

enum dev_kind { DEV_GOOD, DEV_WERR, DEV_ERR, DEV_GONE };
static const char * const kind_name[] = { "good", "werr", "err", "gone" };

struct tdev {
	struct dmio_bdev bd;
	enum dev_kind kind;
	const char *path;
	sector_t slots_per_thread;	/* slots of SLOT_SECTORS each thread owns */
};

static struct tdev devs[MAX_DEVS];
static unsigned int ndevs;
static struct dmio_client *client;

static struct {
	atomic64_t requests, sync, async, writes, reads, regions;
	atomic64_t bytes_written, bytes_verified;
	atomic64_t expected_failures, gone_failures;
	atomic64_t mismatches, bad_bits, bad_returns, double_completions;
	atomic64_t timeouts, callbacks, skipped_alloc, async_accepted;
} st;

/* --- memory of every type, with runs to fill and compare ---------------- */

static const char *mem_type_name(enum dmio_mem_type type)
{
	static const char * const names[] = {
		[DMIO_MEM_PAGE_LIST] = "pagelist", [DMIO_MEM_BVEC] = "bvec",
		[DMIO_MEM_BIO] = "bio", [DMIO_MEM_VMALLOC] = "vmalloc",
		[DMIO_MEM_KERNEL] = "kmem", [DMIO_MEM_NONE] = "none",
	};

	return type <= DMIO_MEM_NONE ? names[type] : "?";
}

struct run {
	void *addr;
	unsigned int len;
};

struct tmem {
	struct dmio_memory mem;
	size_t len;
	struct run *runs;
	unsigned int nruns;
	struct page **pages;
	unsigned char *orders;
	unsigned int npages;
	struct dmio_page_list *pl;
	struct bio_vec *bvec;
	struct bio *bio;
	void *vaddr;
};

/* Failure diagnostics: the first few say enough; the counts say the rest. */
static atomic_t diags = ATOMIC_INIT(40);
#define fail_diag(fmt, ...) do {					\
	if (atomic_dec_return(&diags) >= 0)				\
		ktap_diag(fmt, ##__VA_ARGS__);				\
} while (0)

static u32 rnd(u32 n)
{
	return n ? get_random_u32() % n : 0;
}

static struct page *tmem_page(struct tmem *m, unsigned int order)
{
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);

	if (page) {
		m->orders[m->npages] = order;
		m->pages[m->npages++] = page;
	}
	return page;
}

static void tmem_free(struct tmem *m)
{
	unsigned int i;

	if (m->bio)
		bio_put(m->bio);
	for (i = 0; i < m->npages; i++)
		__free_pages(m->pages[i], m->orders[i]);
	kvfree(m->vaddr);	/* vmalloc() or kmalloc() memory */
	kfree(m->runs);
	kfree(m->pages);
	kfree(m->orders);
	kfree(m->pl);
	kfree(m->bvec);
	memset(m, 0, sizeof(*m));
}

/* Elements at most: every element holds at least 512 bytes. */
static int tmem_arrays(struct tmem *m, unsigned int n)
{
	m->runs = kcalloc(n, sizeof(*m->runs), GFP_KERNEL);
	m->pages = kcalloc(n, sizeof(*m->pages), GFP_KERNEL);
	m->orders = kcalloc(n, 1, GFP_KERNEL);
	return m->runs && m->pages && m->orders ? 0 : -ENOMEM;
}

static int build_page_list(struct tmem *m)
{
	unsigned int off = rnd(2 * PAGE_SIZE / 512) * 512;
	unsigned int i, n = DIV_ROUND_UP(off + m->len, PAGE_SIZE);
	unsigned int first = off / PAGE_SIZE, pos = off % PAGE_SIZE;
	size_t left = m->len;

	if (tmem_arrays(m, n))
		return -ENOMEM;
	m->pl = kcalloc(n, sizeof(*m->pl), GFP_KERNEL);
	if (!m->pl)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		m->pl[i].page = tmem_page(m, 0);
		if (!m->pl[i].page)
			return -ENOMEM;
		m->pl[i].next = i + 1 < n ? &m->pl[i + 1] : NULL;
		if (i < first)
			continue;
		m->runs[m->nruns].addr = page_address(m->pl[i].page) + pos;
		m->runs[m->nruns].len = min_t(size_t, left, PAGE_SIZE - pos);
		left -= m->runs[m->nruns++].len;
		pos = 0;
	}
	m->mem.ptr.pl = m->pl;
	m->mem.offset = off;
	return 0;
}

/*
 * One element of a bvec array or bio: a whole page, a part of a page at a
 * 512-byte boundary, or (bvec only) a run across an order-1 page.
 */
static int add_element(struct tmem *m, size_t left, bool multi,
		       struct page **page, unsigned int *off, unsigned int *len)
{
	unsigned int order = multi && !rnd(4) ? 1 : 0;
	unsigned int size = PAGE_SIZE << order;

	*page = tmem_page(m, order);
	if (!*page)
		return -ENOMEM;
	if (rnd(2)) {
		*off = 0;
		*len = size;
	} else {
		*off = rnd(size / 512) * 512;
		*len = (1 + rnd((size - *off) / 512)) * 512;
	}
	*len = min_t(size_t, *len, left);
	m->runs[m->nruns].addr = page_address(*page) + *off;
	m->runs[m->nruns++].len = *len;
	return 0;
}

static int build_bvec(struct tmem *m)
{
	unsigned int n = m->len / 512 + 2, i = 0, off, len;
	size_t left = m->len;
	struct page *page;

	if (tmem_arrays(m, n))
		return -ENOMEM;
	m->bvec = kcalloc(n, sizeof(*m->bvec), GFP_KERNEL);
	if (!m->bvec)
		return -ENOMEM;
	if (rnd(2)) {
		/* A first element the memory offset skips. */
		page = tmem_page(m, 0);
		if (!page)
			return -ENOMEM;
		m->bvec[0].bv_page = page;
		m->bvec[0].bv_offset = 512;
		m->bvec[0].bv_len = (1 + rnd(PAGE_SIZE / 512 - 1)) * 512;
		m->mem.offset = m->bvec[0].bv_len;
		i = 1;
	}
	while (left) {
		if (add_element(m, left, true, &page, &off, &len))
			return -ENOMEM;
		m->bvec[i].bv_page = page;
		m->bvec[i].bv_offset = off;
		m->bvec[i++].bv_len = len;
		left -= len;
	}
	m->mem.ptr.bvec = m->bvec;
	return 0;
}

static int build_bio(struct tmem *m)
{
	unsigned int n = m->len / 512 + 2, off, len, skip = 0;
	size_t left = m->len;
	struct page *page;

	if (tmem_arrays(m, n))
		return -ENOMEM;
	m->bio = bio_alloc_bioset(NULL, BIO_MAX_VECS, REQ_OP_WRITE, GFP_KERNEL,
				  &fs_bio_set);
	if (!m->bio)
		return -ENOMEM;
	if (rnd(2)) {
		page = tmem_page(m, 0);
		if (!page)
			return -ENOMEM;
		skip = (1 + rnd(PAGE_SIZE / 512 - 1)) * 512;
		if (bio_add_page(m->bio, page, skip, 0) != skip)
			return -EIO;
	}
	while (left) {
		/* Whole pages once the partial ones would overflow the bio. */
		if (BIO_MAX_VECS - m->bio->bi_vcnt <= DIV_ROUND_UP(left, PAGE_SIZE) + 1) {
			page = tmem_page(m, 0);
			if (!page)
				return -ENOMEM;
			off = 0;
			len = min_t(size_t, left, PAGE_SIZE);
			m->runs[m->nruns].addr = page_address(page);
			m->runs[m->nruns++].len = len;
		} else if (add_element(m, left, false, &page, &off, &len)) {
			return -ENOMEM;
		}
		if (bio_add_page(m->bio, page, len, off) != len)
			return -EIO;
		left -= len;
	}
	/* dmio must start at the bio's current position. */
	bio_advance_iter(m->bio, &m->bio->bi_iter, skip);
	m->mem.ptr.bio = m->bio;
	return 0;
}

static int build_linear(struct tmem *m, bool vm)
{
	unsigned int off = rnd((vm ? 2 * PAGE_SIZE : PAGE_SIZE) / 512) * 512;

	if (tmem_arrays(m, 1))
		return -ENOMEM;
	if (vm)
		m->vaddr = vmalloc(off + m->len);
	else	/* a power of two: kmalloc() aligns it to its size */
		m->vaddr = kmalloc(roundup_pow_of_two(off + m->len),
				   GFP_KERNEL | __GFP_NOWARN);
	if (!m->vaddr)
		return -ENOMEM;
	m->mem.ptr.vaddr = m->vaddr;
	m->mem.offset = off;
	m->runs[0].addr = m->vaddr + off;
	m->runs[0].len = m->len;
	m->nruns = 1;
	return 0;
}

static int tmem_alloc(struct tmem *m, enum dmio_mem_type type, size_t len)
{
	int ret;

	memset(m, 0, sizeof(*m));
	m->mem.type = type;
	m->len = len;
	switch (type) {
	case DMIO_MEM_PAGE_LIST:
		ret = build_page_list(m);
		break;
	case DMIO_MEM_BVEC:
		ret = build_bvec(m);
		break;
	case DMIO_MEM_BIO:
		ret = build_bio(m);
		break;
	default:
		ret = build_linear(m, type == DMIO_MEM_VMALLOC);
		break;
	}
	if (ret)
		tmem_free(m);
	return ret;
}

/* The data of a write: a 64-bit word per 8 bytes, from the seed. */
static u64 pattern(u64 seed, u64 pos)
{
	u64 x = seed ^ (pos * 0x9e3779b97f4a7c15ULL);

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

static void tmem_fill(struct tmem *m, u64 seed)
{
	unsigned int i, w;
	u64 pos = 0;

	for (i = 0; i < m->nruns; i++) {
		u64 *p = m->runs[i].addr;

		for (w = 0; w < m->runs[i].len / 8; w++, pos += 8)
			p[w] = pattern(seed, pos);
	}
}

/* Return the first byte that differs from the pattern (or zeroes), or -1. */
static s64 tmem_check(struct tmem *m, u64 seed, bool zero)
{
	unsigned int i, w;
	u64 pos = 0;

	for (i = 0; i < m->nruns; i++) {
		u64 *p = m->runs[i].addr;

		for (w = 0; w < m->runs[i].len / 8; w++, pos += 8)
			if (p[w] != (zero ? 0 : pattern(seed, pos)))
				return pos;
	}
	return -1;
}

static void tmem_poison(struct tmem *m)
{
	unsigned int i;

	for (i = 0; i < m->nruns; i++)
		memset(m->runs[i].addr, 0xa5, m->runs[i].len);
}

/* --- requests ------------------------------------------------------------ */

struct treq {
	struct dmio_request req;
	struct dmio_region where[MAX_REGIONS];
	unsigned char dev[MAX_REGIONS];
	unsigned int nr;
	struct tmem m;
	u64 seed;
	bool async;
	bool accepted;
	int ret;
	atomic_t calls;
	struct completion done;
	DECLARE_BITMAP(err_bits, MAX_REGIONS);
	DECLARE_BITMAP(unsup_bits, MAX_REGIONS);
};

static void torture_notify(const unsigned long *error_bits,
			   const unsigned long *unsup_bits, void *context)
{
	struct treq *r = context;

	atomic64_inc(&st.callbacks);
	if (atomic_inc_return(&r->calls) != 1) {
		atomic64_inc(&st.double_completions);
		return;
	}
	bitmap_copy(r->err_bits, error_bits, r->nr);
	bitmap_copy(r->unsup_bits, unsup_bits, r->nr);
	complete(&r->done);
}

/* Start (async) or perform (sync) a request; fault injection only here. */
static void treq_submit(struct treq *r)
{
	init_completion(&r->done);
	atomic_set(&r->calls, 0);
	bitmap_zero(r->err_bits, MAX_REGIONS);
	bitmap_zero(r->unsup_bits, MAX_REGIONS);
	r->req.client = client;
	r->req.mem = r->m.mem;
	r->req.notify = torture_notify;
	r->req.context = r;
#ifdef CONFIG_FAULT_INJECTION
	current->make_it_fail = inject;
#endif
	if (r->async) {
		r->ret = dmio_async(&r->req, r->nr, r->where);
		r->accepted = !r->ret;
		if (r->accepted)
			atomic64_inc(&st.async_accepted);
	} else {
		r->ret = dmio_sync(&r->req, r->nr, r->where, r->err_bits,
				   r->unsup_bits);
		r->accepted = true;
	}
#ifdef CONFIG_FAULT_INJECTION
	current->make_it_fail = 0;
#endif
	atomic64_inc(&st.requests);
	atomic64_inc(r->async ? &st.async : &st.sync);
	atomic64_add(r->nr, &st.regions);
	if (r->async && r->ret) {
		atomic64_inc(&st.bad_returns);
		fail_diag("async request of %u regions refused: %d", r->nr, r->ret);
	}
}

/* Wait for an async request; false if it never completes (then leak it). */
static bool treq_wait(struct treq *r)
{
	if (!r->async || !r->accepted)
		return true;
	if (!wait_for_completion_timeout(&r->done, WAIT_TIMEOUT)) {
		atomic64_inc(&st.timeouts);
		fail_diag("async request of %u regions never completed", r->nr);
		return false;
	}
	return true;
}

/* Check a completed request's bits against the kinds of its devices. */
static void treq_check_bits(struct treq *r, bool write)
{
	bool any = false, want, got;
	unsigned int i;
	int want_ret;

	if (!r->accepted)
		return;
	for (i = 0; i < r->nr; i++) {
		struct tdev *d = &devs[r->dev[i]];

		got = test_bit(i, r->err_bits);
		any |= got;
		if (test_bit(i, r->unsup_bits)) {
			atomic64_inc(&st.bad_bits);
			fail_diag("%s region %u (%s) reported unsupported",
				  write ? "write" : "read", i, d->path);
			continue;
		}
		if (d->kind == DEV_GONE) {
			if (got)
				atomic64_inc(&st.gone_failures);
			continue;
		}
		want = r->where[i].count &&
		       (d->kind == DEV_ERR || (d->kind == DEV_WERR && write));
		if (want != got) {
			atomic64_inc(&st.bad_bits);
			fail_diag("%s region %u/%u (%s %s, %llu+%llu): bit %d, want %d",
				  write ? "write" : "read", i, r->nr, kind_name[d->kind],
				  d->path, (unsigned long long)r->where[i].sector,
				  (unsigned long long)r->where[i].count, got, want);
		} else if (got) {
			atomic64_inc(&st.expected_failures);
		}
	}
	if (r->async)
		return;
	want_ret = any ? -EIO : 0;
	if (r->ret != want_ret) {
		atomic64_inc(&st.bad_returns);
		fail_diag("sync %s of %u regions returned %d, expected %d",
			  write ? "write" : "read", r->nr, r->ret, want_ret);
	}
}

struct tthread {
	struct task_struct *task;
	unsigned int id;
	unsigned long deadline;
	struct completion exited;
	struct treq reqs[MAX_BATCH];
	struct treq rd;
	unsigned long *used[MAX_DEVS];	/* slots of the current batch */
};

static enum dmio_mem_type random_type(void)
{
	static const enum dmio_mem_type types[] = {
		DMIO_MEM_PAGE_LIST, DMIO_MEM_BVEC, DMIO_MEM_BIO,
		DMIO_MEM_VMALLOC, DMIO_MEM_KERNEL,
	};

	return types[rnd(ARRAY_SIZE(types))];
}

static int alloc_any_type(struct tmem *m, size_t len)
{
	int tries;

	for (tries = 0; tries < 5; tries++)
		if (!tmem_alloc(m, random_type(), len))
			return 0;
	atomic64_inc(&st.skipped_alloc);
	return -ENOMEM;
}

/* A free slot of device @d in this thread's share, or -1. */
static long pick_slot(struct tthread *t, unsigned int d)
{
	unsigned long n = devs[d].slots_per_thread, s;

	if (!n)
		return -1;
	s = rnd(n);
	if (test_bit(s, t->used[d]))
		s = find_next_zero_bit(t->used[d], n, s);
	if (s >= n)
		s = find_first_zero_bit(t->used[d], n);
	if (s >= n)
		return -1;
	set_bit(s, t->used[d]);
	return s;
}

/* Build a write of 1..128 regions with random sizes, offsets and memory. */
static int build_write(struct tthread *t, struct treq *r)
{
	unsigned int sectors = 1 + rnd(MAX_SECTORS), i, want, d;
	long slot;

	want = rnd(8) ? 1 + rnd(64) : 65 + rnd(MAX_REGIONS - 64);
	memset(&r->req, 0, sizeof(r->req));
	r->req.op = DMIO_OP_WRITE;
	if (!rnd(8))
		r->req.flags |= DMIO_F_FUA;
	if (!rnd(8))
		r->req.flags |= DMIO_F_PREFLUSH;
	r->nr = 0;
	for (i = 0; i < want; i++) {
		d = rnd(ndevs);
		slot = pick_slot(t, d);
		if (slot < 0)
			break;
		r->dev[r->nr] = d;
		r->where[r->nr].bdev = devs[d].bd.bdev;
		r->where[r->nr].count = rnd(32) ? 1 + rnd(sectors) : 0;
		r->where[r->nr].sector =
			((sector_t)t->id * devs[d].slots_per_thread + slot) * SLOT_SECTORS +
			rnd(SLOT_SECTORS - r->where[r->nr].count + 1);
		r->nr++;
	}
	/* A zero-count region fails only if the request flushes. */
	if (r->req.flags & DMIO_F_PREFLUSH)
		for (i = 0; i < r->nr; i++)
			if (!r->where[i].count)
				r->where[i].count = 1;
	if (!r->nr)
		return -ENOSPC;
	if (alloc_any_type(&r->m, (size_t)sectors << SECTOR_SHIFT))
		return -ENOMEM;
	r->seed = get_random_u64();
	tmem_fill(&r->m, r->seed);
	r->async = rnd(2);
	return 0;
}

/* Read region @i of write @w back through dmio and compare every byte. */
static void read_back(struct tthread *t, struct treq *w, unsigned int i,
		      bool verify)
{
	struct treq *r = &t->rd;
	struct tdev *d = &devs[w->dev[i]];
	size_t len = (size_t)w->where[i].count << SECTOR_SHIFT;
	s64 bad;

	if (alloc_any_type(&r->m, len))
		return;
	tmem_poison(&r->m);
	memset(&r->req, 0, sizeof(r->req));
	r->req.op = DMIO_OP_READ;
	r->nr = 1;
	r->where[0] = w->where[i];
	r->dev[0] = w->dev[i];
	r->async = rnd(2);
	treq_submit(r);
	if (!treq_wait(r))
		return;	/* leaked on purpose: it may still complete */
	atomic64_inc(&st.reads);
	treq_check_bits(r, false);
	if (r->accepted && test_bit(0, r->err_bits)) {
		/* A failed read must not hand back stale memory. */
		bad = tmem_check(&r->m, 0, true);
		if (bad >= 0 && d->kind != DEV_GONE) {
			atomic64_inc(&st.mismatches);
			fail_diag("failed %s read of %s not zeroed at byte %lld",
				  mem_type_name(r->m.mem.type), d->path, bad);
		}
	} else if (r->accepted && verify && d->kind != DEV_WERR) {
		bad = tmem_check(&r->m, w->seed, false);
		if (bad >= 0) {
			atomic64_inc(&st.mismatches);
			fail_diag("%s read of %s %llu+%llu (written from %s) differs at byte %lld",
				  mem_type_name(r->m.mem.type), d->path,
				  (unsigned long long)w->where[i].sector,
				  (unsigned long long)w->where[i].count,
				  mem_type_name(w->m.mem.type), bad);
		} else {
			atomic64_add(len, &st.bytes_verified);
		}
	}
	tmem_free(&r->m);
}

static int torture_thread(void *data)
{
	struct tthread *t = data;
	unsigned int n, k, i, d;
	bool lost = false;

	while (!kthread_should_stop() && time_before(jiffies, t->deadline) && !lost) {
		for (d = 0; d < ndevs; d++)
			bitmap_zero(t->used[d], devs[d].slots_per_thread);
		n = 1 + rnd(MAX_BATCH);
		for (k = 0; k < n; k++) {
			if (build_write(t, &t->reqs[k])) {
				n = k;
				break;
			}
			treq_submit(&t->reqs[k]);
			atomic64_inc(&st.writes);
		}
		for (k = 0; k < n; k++) {
			struct treq *w = &t->reqs[k];

			if (!treq_wait(w)) {
				lost = true;	/* leak the rest: they may complete */
				break;
			}
			treq_check_bits(w, true);
			if (w->accepted)
				for (i = 0; i < w->nr; i++)
					if (!test_bit(i, w->err_bits))
						atomic64_add(w->where[i].count << SECTOR_SHIFT,
							     &st.bytes_written);
			/* Read back every region written, failed ones too. */
			for (i = 0; i < w->nr && w->accepted; i++) {
				if (!w->where[i].count)
					continue;
				if (test_bit(i, w->err_bits) && devs[w->dev[i]].kind != DEV_ERR &&
				    rnd(4))
					continue;
				read_back(t, w, i, !test_bit(i, w->err_bits));
			}
			tmem_free(&w->m);
		}
		cond_resched();
	}
	complete(&t->exited);
	/* Stay until kthread_stop(), so the task is still there for it. */
	while (!kthread_should_stop())
		msleep_interruptible(20);
	return 0;
}

/* --- memory hog ---------------------------------------------------------- */

static LIST_HEAD(hog);
static unsigned long hog_pages;

/*
 * Take every page a non-sleeping allocation still gets (down to about the
 * zones' min watermark), then give back hog_leave_mb MiB: the guest keeps
 * running on what is left, and dmio's non-sleeping fast paths meet an
 * almost empty page allocator.
 */
static void hog_fill(void)
{
	unsigned long give = (unsigned long)hog_leave_mb << (20 - PAGE_SHIFT);
	struct page *page;

	if (!hog_leave_mb)
		return;
	while ((page = alloc_page(GFP_NOWAIT | __GFP_NOWARN)) != NULL) {
		list_add(&page->lru, &hog);
		hog_pages++;
	}
	while (give-- && !list_empty(&hog)) {
		page = list_first_entry(&hog, struct page, lru);
		list_del(&page->lru);
		__free_page(page);
		hog_pages--;
	}
}

static void hog_free(void)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &hog, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

/* --- setup --------------------------------------------------------------- */

static int add_devs(char *list, enum dev_kind kind)
{
	char *p;
	int ret;

	while (list && (p = strsep(&list, ",")) != NULL) {
		if (!*p)
			continue;
		if (ndevs == MAX_DEVS)
			return -E2BIG;
		ret = dmio_bdev_open(p, true, &devs[ndevs].bd);
		if (ret) {
			ktap_diag("cannot open %s: %d", p, ret);
			return ret;
		}
		if (bdev_logical_block_size(devs[ndevs].bd.bdev) != 512) {
			ktap_diag("%s: the torture wants 512-byte logical blocks", p);
			dmio_bdev_close(&devs[ndevs].bd);
			return -EINVAL;
		}
		devs[ndevs].kind = kind;
		devs[ndevs].path = p;
		devs[ndevs].slots_per_thread =
			bdev_nr_sectors(devs[ndevs].bd.bdev) / SLOT_SECTORS / threads;
		ktap_diag("%s device %s: %llu slots per thread", kind_name[kind], p,
			  (unsigned long long)devs[ndevs].slots_per_thread);
		ndevs++;
	}
	return 0;
}

static struct tthread *tt;
static char *lists[4];

static void report(void)
{
	s64 bad_bits = atomic64_read(&st.bad_bits);
	s64 accepted_async = atomic64_read(&st.async_accepted);

	ktap_diag("torture: requests=%lld sync=%lld async=%lld writes=%lld reads=%lld",
		  atomic64_read(&st.requests), atomic64_read(&st.sync),
		  atomic64_read(&st.async), atomic64_read(&st.writes),
		  atomic64_read(&st.reads));
	ktap_diag("torture: regions=%lld", atomic64_read(&st.regions));
	ktap_diag("torture: bytes_written=%lld bytes_verified=%lld",
		  atomic64_read(&st.bytes_written), atomic64_read(&st.bytes_verified));
	ktap_diag("torture: expected_region_failures=%lld removed_device_failures=%lld",
		  atomic64_read(&st.expected_failures), atomic64_read(&st.gone_failures));
	ktap_diag("torture: hog_pages=%lu skipped_buffer_allocs=%lld callbacks=%lld",
		  hog_pages, atomic64_read(&st.skipped_alloc), atomic64_read(&st.callbacks));
	ktap_report(atomic64_read(&st.requests) ? KTAP_PASS : KTAP_FAIL, "requests_made");
	ktap_report(atomic64_read(&st.mismatches) ? KTAP_FAIL : KTAP_PASS,
		    "no_data_mismatch");
	ktap_report(bad_bits ? KTAP_FAIL : KTAP_PASS, "error_bits_exact");
	ktap_report(atomic64_read(&st.bad_returns) ? KTAP_FAIL : KTAP_PASS,
		    "return_codes_right");
	ktap_report(atomic64_read(&st.timeouts) ? KTAP_FAIL : KTAP_PASS,
		    "every_request_completed");
	/* Once the device is gone, its regions must fail (not hang). */
	if (gone && *gone)
		ktap_report(atomic64_read(&st.gone_failures) ? KTAP_PASS : KTAP_FAIL,
			    "removed_device_regions_failed");
	else
		ktap_report(KTAP_SKIP, "removed_device_regions_failed");
	ktap_report(atomic64_read(&st.double_completions) ||
		    atomic64_read(&st.callbacks) != accepted_async ? KTAP_FAIL : KTAP_PASS,
		    "completed_exactly_once");
}

static void teardown(void)
{
	unsigned int i;

	if (atomic64_read(&st.timeouts)) {
		/* Requests still in flight use them: leak rather than crash. */
		ktap_diag("leaving the client and devices open: requests never completed");
		return;
	}
	dmio_client_destroy(client);
	client = NULL;
	for (i = 0; i < ndevs; i++)
		dmio_bdev_close(&devs[i].bd);
	ndevs = 0;
	for (i = 0; i < ARRAY_SIZE(lists); i++)
		kfree(lists[i]);
}

static void torture_run(void)
{
	char *params[4] = { good, werr, err, gone };
	unsigned int i, d;
	int ret = 0;

	ktap_begin("dmio-torture");
	threads = clamp(threads, 1U, 16U);
	for (i = 0; i < ARRAY_SIZE(params) && !ret; i++) {
		lists[i] = params[i] ? kstrdup(params[i], GFP_KERNEL) : NULL;
		ret = add_devs(lists[i], i);
	}
	if (!ret && !ndevs)
		ret = -EINVAL;
	client = ret ? NULL : dmio_client_create(min_ios);
	if (IS_ERR(client)) {
		ret = PTR_ERR(client);
		client = NULL;
	}
	tt = ret ? NULL : kcalloc(threads, sizeof(*tt), GFP_KERNEL);
	if (!ret && !tt)
		ret = -ENOMEM;
	for (i = 0; !ret && i < threads; i++) {
		for (d = 0; d < ndevs && !ret; d++) {
			tt[i].used[d] = bitmap_zalloc(devs[d].slots_per_thread + 1, GFP_KERNEL);
			if (!tt[i].used[d])
				ret = -ENOMEM;
		}
	}
	if (ret) {
		ktap_report(KTAP_FAIL, "setup");
		goto out;
	}
	ktap_report(KTAP_PASS, "setup");
	hog_fill();
	ktap_diag("torture: %u threads, %u s, inject=%d, min_ios=%u, hogging %lu pages (%lu free)",
		  threads, seconds, inject, min_ios, hog_pages, nr_free_pages());
	for (i = 0; i < threads; i++) {
		tt[i].id = i;
		tt[i].deadline = jiffies + seconds * HZ;
		init_completion(&tt[i].exited);
		tt[i].task = kthread_run(torture_thread, &tt[i], "dmio_torture/%u", i);
		if (IS_ERR(tt[i].task)) {
			tt[i].task = NULL;
			complete(&tt[i].exited);
		}
	}
	/* Sleep interruptibly: a long run is no hung task. */
	for (i = 0; i < threads; i++)
		while (!wait_for_completion_timeout(&tt[i].exited, HZ))
			msleep_interruptible(1);
	for (i = 0; i < threads; i++)
		if (tt[i].task)
			kthread_stop(tt[i].task);
	hog_free();
	report();
out:
	teardown();
	if (tt)
		for (i = 0; i < threads; i++)
			for (d = 0; d < MAX_DEVS; d++)
				bitmap_free(tt[i].used[d]);
	kfree(tt);
	tt = NULL;
	ktap_end();
}

/* --- the chain phase ----------------------------------------------------- */

/*
 * A cache's miss fill, over and over: read a region of the origin device,
 * and from the read's completion callback write the data to 1..4 regions of
 * the cache device (as one request, or one request per region); the last
 * write's callback takes the next step. A chain runs 1..max_steps steps on one of many clients
 * whose reserve holds chain_min_ios (1) requests; when it ends, a new chain
 * takes its place until the time is up.
 *
 * The guest fails every allocation from dmio's request cache made inside a
 * dmio call (failslab, cache and task filters): every request then lives on
 * its client's reserve, and a callback that submits the fill waits in
 * mempool_alloc() for another request of its client to give its object
 * back. That must never depend on work queued behind the waiting callback.
 * By default the callback runs in process context, sleeps sleep_ms (so it
 * holds its worker a while) and submits the fill itself; with
 * DMIO_F_NOTIFY_ENDIO (endio_pct of the chains) it must not sleep, so it
 * hands the fill to this module's own WQ_MEM_RECLAIM queue. Every read is
 * checked against the origin's pattern, and at the end every cache region
 * against the origin region last written to it.
 */
static char *origin;
module_param(origin, charp, 0444);
MODULE_PARM_DESC(origin, "chain, copy: the device read from (overwritten with a pattern)");
static char *cache;
module_param(cache, charp, 0444);
MODULE_PARM_DESC(cache, "chain: the device the fills write to");
static unsigned int chains = 256;
module_param(chains, uint, 0444);
MODULE_PARM_DESC(chains, "chain: chains running at once");
static unsigned int clients = 12;
module_param(clients, uint, 0444);
MODULE_PARM_DESC(clients, "chain: clients the chains share");
static unsigned int chain_min_ios = 1;
module_param(chain_min_ios, uint, 0444);
MODULE_PARM_DESC(chain_min_ios, "chain: reserve of each client");
static unsigned int endio_pct = 25;
module_param(endio_pct, uint, 0444);
MODULE_PARM_DESC(endio_pct, "chain: percentage of chains with DMIO_F_NOTIFY_ENDIO callbacks");
static unsigned int sleep_ms = 1;
module_param(sleep_ms, uint, 0444);
MODULE_PARM_DESC(sleep_ms, "chain: sleep in each default-mode callback");
static unsigned int max_steps = 16;
module_param(max_steps, uint, 0444);
MODULE_PARM_DESC(max_steps, "chain: most steps of one chain");
static unsigned int finish_secs = 120;
module_param(finish_secs, uint, 0444);
MODULE_PARM_DESC(finish_secs, "chain, copy: how long the chains (copies) may take to finish once the time is up");

#define CHAIN_SECTORS	64	/* largest origin region: 32 KiB */
#define CHAIN_FILLS	4	/* cache regions a step writes, at most */
#define CHAIN_MAX	1024
#define CHAIN_CLIENTS	64
#define CHAIN_STACKS	3	/* stacks shown of chains that never finished */

#ifdef DMIO_F_NOTIFY_ENDIO
#define CHAIN_ENDIO_FLAG	DMIO_F_NOTIFY_ENDIO
#else
/* An engine older than DMIO_F_NOTIFY_ENDIO: every chain in default mode. */
#define CHAIN_ENDIO_FLAG	0
#endif

enum chain_state { CS_IDLE, CS_STEP, CS_READ, CS_FILL_QUEUED, CS_FILL, CS_NR };
static const char * const chain_state_name[] = {
	"idle", "step queued", "reading", "fill queued", "filling",
};

struct chain;

/* One fill request: fill regions first..first + nr - 1 of the step. */
struct chain_write {
	struct chain *c;
	unsigned int first;
	unsigned int nr;
};

/* What a cache region holds: the origin region last written to it. */
struct chain_rec {
	sector_t origin;
	unsigned int count;
	bool valid;
};

struct chain {
	unsigned int id;
	struct dmio_client *client;
	bool endio;
	unsigned int steps_left;
	struct dmio_memory mem;
	sector_t origin;		/* this step's origin region */
	unsigned int count;
	atomic_t pending;		/* fill requests, and the submitter */
	int state;			/* enum chain_state, for diagnostics */
	struct task_struct *submitter;	/* inside dmio_async() for the chain */
	struct work_struct step_work;
	struct work_struct fill_work;
	struct chain_write w[CHAIN_FILLS];
	struct chain_rec rec[CHAIN_FILLS];
};

static struct {
	struct dmio_bdev origin, cache;
	sector_t origin_sectors;
	struct dmio_client *clients[CHAIN_CLIENTS];
	unsigned int nclients;
	struct chain *chains;
	unsigned int nchains;
	struct workqueue_struct *wq;
	unsigned long deadline;
	atomic_t active;		/* chain slots still running */
	atomic_t callers;		/* callbacks running in this module */
	u64 seed;
} ch;

static struct {
	atomic64_t started, done, steps, reads, writes, fill_regions;
	atomic64_t accepted, callbacks, cb_default, cb_endio, wrong_context;
	atomic64_t fills_in_callback, fills_queued, steps_in_callback;
	atomic64_t io_errors, refused, read_mismatches, cache_mismatches;
	atomic64_t regions_verified, bytes_verified;
} cst;

/* The origin holds pattern(seed, byte offset). */
static void chain_pattern(void *buf, sector_t sector, unsigned int count)
{
	u64 *p = buf, pos = (u64)sector << SECTOR_SHIFT;
	unsigned int w;

	for (w = 0; w < (count << SECTOR_SHIFT) / 8; w++)
		p[w] = pattern(ch.seed, pos + 8 * w);
}

/* The first byte of @buf that is not the origin's, or -1. */
static s64 chain_check(const void *buf, sector_t sector, unsigned int count)
{
	const u64 *p = buf;
	u64 pos = (u64)sector << SECTOR_SHIFT;
	unsigned int w;

	for (w = 0; w < (count << SECTOR_SHIFT) / 8; w++)
		if (p[w] != pattern(ch.seed, pos + 8 * w))
			return 8 * w;
	return -1;
}

/* Start a request of chain @c; faults are injected only in here. */
static int chain_async(struct chain *c, struct dmio_request *req,
		       unsigned int nr, struct dmio_region *where)
{
#ifdef CONFIG_FAULT_INJECTION
	int fail = current->make_it_fail;
#endif
	int ret;

	req->client = c->client;
	req->mem = c->mem;
	if (c->endio)
		req->flags |= CHAIN_ENDIO_FLAG;
	WRITE_ONCE(c->submitter, current);
#ifdef CONFIG_FAULT_INJECTION
	current->make_it_fail = inject;
#endif
	ret = dmio_async(req, nr, where);
#ifdef CONFIG_FAULT_INJECTION
	current->make_it_fail = fail;
#endif
	cmpxchg(&c->submitter, current, NULL);
	if (ret) {
		atomic64_inc(&cst.refused);
		fail_diag("chain %u: request of %u regions refused: %d", c->id, nr, ret);
	} else {
		atomic64_inc(&cst.accepted);
	}
	return ret;
}

/*
 * Count a callback; a default-mode one must be free to sleep. Every
 * callback ends with chain_callback_end(): the chains are freed only when
 * none runs (a chain may end, elsewhere, before its callback returns).
 */
static void chain_callback(struct chain *c)
{
	atomic_inc(&ch.callers);
	atomic64_inc(&cst.callbacks);
	if (c->endio) {
		atomic64_inc(&cst.cb_endio);
		return;
	}
	atomic64_inc(&cst.cb_default);
	if (!in_task() || irqs_disabled()) {
		atomic64_inc(&cst.wrong_context);
		return;
	}
	might_sleep();
	if (sleep_ms)
		msleep(sleep_ms);
}

static void chain_callback_end(void)
{
	/* Everything the callback did to its chain comes before. */
	smp_mb__before_atomic();
	atomic_dec(&ch.callers);
}

static void chain_begin(struct chain *c)
{
	atomic64_inc(&cst.started);
	c->client = ch.clients[rnd(ch.nclients)];
	c->endio = CHAIN_ENDIO_FLAG != 0 && rnd(100) < endio_pct;
	c->steps_left = 1 + rnd(max(max_steps, 1U));
	WRITE_ONCE(c->state, CS_STEP);
	queue_work(ch.wq, &c->step_work);
}

/* A chain is done: start the next in its place while there is time. */
static void chain_end(struct chain *c)
{
	atomic64_inc(&cst.done);
	WRITE_ONCE(c->state, CS_IDLE);
	if (time_before(jiffies, ch.deadline))
		chain_begin(c);
	else
		atomic_dec(&ch.active);
}

static void chain_step(struct chain *c);

/*
 * One fill request (or the submitter) is done; the last takes the next
 * step. A default-mode write callback takes it itself (its read is I/O
 * submitted from a callback again); the submitter, which may itself be in
 * the read's callback, and end_io callbacks queue it.
 */
static void chain_write_put(struct chain *c, bool in_callback)
{
	if (!atomic_dec_and_test(&c->pending))
		return;
	atomic64_inc(&cst.steps);
	c->steps_left--;
	WRITE_ONCE(c->state, CS_STEP);
	if (in_callback && !c->endio) {
		atomic64_inc(&cst.steps_in_callback);
		chain_step(c);
	} else {
		queue_work(ch.wq, &c->step_work);
	}
}

static void chain_write_done(const unsigned long *error_bits,
			     const unsigned long *unsup_bits, void *context)
{
	struct chain_write *w = context;
	struct chain *c = w->c;
	unsigned int i;

	chain_callback(c);
	for (i = 0; i < w->nr; i++) {
		struct chain_rec *rec = &c->rec[w->first + i];

		if (test_bit(i, error_bits) || test_bit(i, unsup_bits)) {
			atomic64_inc(&cst.io_errors);
			fail_diag("chain %u: fill write %u failed", c->id, w->first + i);
			continue;
		}
		rec->origin = c->origin;
		rec->count = c->count;
		rec->valid = true;
	}
	chain_write_put(c, true);
	chain_callback_end();
}

/* Process context: check what was read, then write it to the cache. */
static void chain_fill(struct chain *c)
{
	struct dmio_region where[CHAIN_FILLS];
	unsigned int nr = 1 + rnd(CHAIN_FILLS), reqs, i;
	struct dmio_request req;
	s64 bad;

	bad = chain_check(c->mem.ptr.vaddr, c->origin, c->count);
	if (bad >= 0) {
		atomic64_inc(&cst.read_mismatches);
		fail_diag("chain %u: read of origin %llu+%u differs at byte %lld",
			  c->id, (unsigned long long)c->origin, c->count, bad);
	}
	for (i = 0; i < nr; i++) {
		where[i].bdev = ch.cache.bdev;
		where[i].sector = ((sector_t)c->id * CHAIN_FILLS + i) * CHAIN_SECTORS;
		where[i].count = c->count;
		c->rec[i].valid = false;
	}
	reqs = rnd(2) ? nr : 1;
	atomic64_add(nr, &cst.fill_regions);
	WRITE_ONCE(c->state, CS_FILL);
	/* A hold per request, and the submitter's own until all are sent. */
	atomic_set(&c->pending, reqs + 1);
	for (i = 0; i < reqs; i++) {
		c->w[i].c = c;
		c->w[i].first = i;
		c->w[i].nr = reqs == nr ? 1 : nr;
		memset(&req, 0, sizeof(req));
		req.op = DMIO_OP_WRITE;
		req.notify = chain_write_done;
		req.context = &c->w[i];
		atomic64_inc(&cst.writes);
		if (chain_async(c, &req, c->w[i].nr, &where[i]))
			chain_write_put(c, false);
	}
	chain_write_put(c, false);
}

static void chain_fill_work(struct work_struct *work)
{
	chain_fill(container_of(work, struct chain, fill_work));
}

static void chain_read_done(const unsigned long *error_bits,
			    const unsigned long *unsup_bits, void *context)
{
	struct chain *c = context;

	chain_callback(c);
	atomic64_inc(&cst.reads);
	if (test_bit(0, error_bits) || test_bit(0, unsup_bits)) {
		atomic64_inc(&cst.io_errors);
		fail_diag("chain %u: read of origin %llu+%u failed", c->id,
			  (unsigned long long)c->origin, c->count);
		c->steps_left = 0;
		WRITE_ONCE(c->state, CS_STEP);
		queue_work(ch.wq, &c->step_work);
	} else if (c->endio) {
		/* No sleeping here: the fill goes to our own queue. */
		atomic64_inc(&cst.fills_queued);
		WRITE_ONCE(c->state, CS_FILL_QUEUED);
		queue_work(ch.wq, &c->fill_work);
	} else {
		/* I/O submitted from the callback itself. */
		atomic64_inc(&cst.fills_in_callback);
		chain_fill(c);
	}
	chain_callback_end();
}

static void chain_step(struct chain *c)
{
	struct dmio_request req;
	struct dmio_region where;

	if (!c->steps_left || !time_before(jiffies, ch.deadline)) {
		chain_end(c);
		return;
	}
	c->count = 1 + rnd(CHAIN_SECTORS);
	c->origin = rnd(ch.origin_sectors - c->count + 1);
	WRITE_ONCE(c->state, CS_READ);
	memset(&req, 0, sizeof(req));
	req.op = DMIO_OP_READ;
	req.notify = chain_read_done;
	req.context = c;
	where.bdev = ch.origin.bdev;
	where.sector = c->origin;
	where.count = c->count;
	if (chain_async(c, &req, 1, &where))
		chain_end(c);
}

static void chain_step_work(struct work_struct *work)
{
	chain_step(container_of(work, struct chain, step_work));
}

static int chain_open(const char *path, struct dmio_bdev *bd)
{
	int ret;

	if (!path || !*path) {
		ktap_diag("chain: origin= and cache= name the devices");
		return -EINVAL;
	}
	ret = dmio_bdev_open(path, true, bd);
	if (ret) {
		ktap_diag("chain: cannot open %s: %d", path, ret);
		return ret;
	}
	if (bdev_logical_block_size(bd->bdev) != 512) {
		ktap_diag("chain: %s: the chains want 512-byte logical blocks", path);
		return -EINVAL;
	}
	return 0;
}

/* Write the pattern over the whole origin (no faults injected). */
static int chain_fill_origin(void)
{
	struct chain *c = &ch.chains[0];
	struct dmio_request req = {
		.op = DMIO_OP_WRITE, .mem = c->mem, .client = ch.clients[0],
	};
	struct dmio_region where = { .bdev = ch.origin.bdev, .count = CHAIN_SECTORS };
	unsigned long error_bits = 0, unsup_bits = 0;
	sector_t s;
	int ret;

	for (s = 0; s + CHAIN_SECTORS <= ch.origin_sectors; s += CHAIN_SECTORS) {
		chain_pattern(c->mem.ptr.vaddr, s, CHAIN_SECTORS);
		where.sector = s;
		ret = dmio_sync(&req, 1, &where, &error_bits, &unsup_bits);
		if (ret) {
			ktap_diag("chain: writing the origin at %llu failed: %d",
				  (unsigned long long)s, ret);
			return ret;
		}
	}
	ch.origin_sectors = s;
	return 0;
}

static int chain_setup(void)
{
	sector_t cache_sectors;
	struct dmio_client *cl;
	unsigned int i;
	int ret;

	ret = chain_open(origin, &ch.origin);
	if (!ret)
		ret = chain_open(cache, &ch.cache);
	if (ret)
		return ret;
	ch.origin_sectors = bdev_nr_sectors(ch.origin.bdev);
	cache_sectors = bdev_nr_sectors(ch.cache.bdev);
	if (ch.origin_sectors < CHAIN_SECTORS) {
		ktap_diag("chain: %s is too small", origin);
		return -EINVAL;
	}
	ch.nchains = clamp(chains, 1U, (unsigned int)CHAIN_MAX);
	if ((sector_t)ch.nchains * CHAIN_FILLS * CHAIN_SECTORS > cache_sectors) {
		ch.nchains = cache_sectors / (CHAIN_FILLS * CHAIN_SECTORS);
		ktap_diag("chain: %s holds the regions of %u chains only", cache, ch.nchains);
		if (!ch.nchains)
			return -ENOSPC;
	}
	for (ch.nclients = 0; ch.nclients < clamp(clients, 1U, (unsigned int)CHAIN_CLIENTS);
	     ch.nclients++) {
		cl = dmio_client_create(chain_min_ios);
		if (IS_ERR(cl))
			return PTR_ERR(cl);
		ch.clients[ch.nclients] = cl;
	}
	ch.chains = kvcalloc(ch.nchains, sizeof(*ch.chains), GFP_KERNEL);
	if (!ch.chains)
		return -ENOMEM;
	for (i = 0; i < ch.nchains; i++) {
		struct chain *c = &ch.chains[i];

		c->id = i;
		INIT_WORK(&c->step_work, chain_step_work);
		INIT_WORK(&c->fill_work, chain_fill_work);
		/* Half in kernel memory, half vmalloc()ed. */
		c->mem.type = i % 2 ? DMIO_MEM_VMALLOC : DMIO_MEM_KERNEL;
		c->mem.ptr.vaddr = i % 2 ? vmalloc(CHAIN_SECTORS << SECTOR_SHIFT) :
				   kmalloc(CHAIN_SECTORS << SECTOR_SHIFT, GFP_KERNEL);
		if (!c->mem.ptr.vaddr)
			return -ENOMEM;
	}
	ch.wq = alloc_workqueue("dmio_chain", WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	if (!ch.wq)
		return -ENOMEM;
	ch.seed = get_random_u64();
	return chain_fill_origin();
}

/* Every cache region against the origin region last written to it. */
static void chain_verify(void)
{
	unsigned long error_bits, unsup_bits;
	struct dmio_region where;
	struct dmio_request req;
	unsigned int i, k;
	s64 bad;

	for (i = 0; i < ch.nchains; i++) {
		struct chain *c = &ch.chains[i];

		for (k = 0; k < CHAIN_FILLS; k++) {
			if (!c->rec[k].valid)
				continue;
			memset(&req, 0, sizeof(req));
			req.op = DMIO_OP_READ;
			req.mem = c->mem;
			req.client = ch.clients[0];
			where.bdev = ch.cache.bdev;
			where.sector = ((sector_t)i * CHAIN_FILLS + k) * CHAIN_SECTORS;
			where.count = c->rec[k].count;
			memset(c->mem.ptr.vaddr, 0xa5, CHAIN_SECTORS << SECTOR_SHIFT);
			error_bits = 0;
			unsup_bits = 0;
			if (dmio_sync(&req, 1, &where, &error_bits, &unsup_bits)) {
				atomic64_inc(&cst.io_errors);
				fail_diag("chain: reading cache region %u/%u failed", i, k);
				continue;
			}
			bad = chain_check(c->mem.ptr.vaddr, c->rec[k].origin, c->rec[k].count);
			if (bad >= 0) {
				atomic64_inc(&cst.cache_mismatches);
				fail_diag("chain: cache %u/%u != origin %llu+%u at byte %lld",
					  i, k, (unsigned long long)c->rec[k].origin,
					  c->rec[k].count, bad);
				continue;
			}
			atomic64_inc(&cst.regions_verified);
			atomic64_add(c->rec[k].count << SECTOR_SHIFT, &cst.bytes_verified);
		}
	}
}

/* Where the chains that never finished are, and what waits inside dmio. */
static void chain_show_stuck(void)
{
	unsigned int n[CS_NR] = { 0 }, inside = 0, shown = 0, i, s;
	struct task_struct *t;

	for (i = 0; i < ch.nchains; i++) {
		struct chain *c = &ch.chains[i];

		s = READ_ONCE(c->state);
		if (s == CS_IDLE || s >= CS_NR)
			continue;
		n[s]++;
		rcu_read_lock();
		t = READ_ONCE(c->submitter);
		if (t) {
			inside++;
			if (shown++ < CHAIN_STACKS) {
				ktap_diag("chain: chain %u (%s, %s) in dmio_async() in %s/%d:",
					  i, chain_state_name[s],
					  c->endio ? "end_io" : "default", t->comm, task_pid_nr(t));
				sched_show_task(t);
			}
		}
		rcu_read_unlock();
	}
	ktap_diag("chain: unfinished: %u step queued, %u reading, %u fill queued, %u filling",
		  n[CS_STEP], n[CS_READ], n[CS_FILL_QUEUED], n[CS_FILL]);
	ktap_diag("chain: unfinished: %u inside dmio_async(), %d callbacks running",
		  inside, atomic_read(&ch.callers));
}

static void chain_teardown(bool stuck)
{
	unsigned int i;

	if (stuck) {
		/* Requests may still call back into this module: stay. */
		__module_get(THIS_MODULE);
		ktap_diag("chain: leaving the clients, devices and module in place");
		return;
	}
	if (ch.wq)
		destroy_workqueue(ch.wq);
	for (i = 0; ch.chains && i < ch.nchains; i++)
		kvfree(ch.chains[i].mem.ptr.vaddr);
	kvfree(ch.chains);
	for (i = 0; i < ch.nclients; i++)
		dmio_client_destroy(ch.clients[i]);
	dmio_bdev_close(&ch.cache);
	dmio_bdev_close(&ch.origin);
	memset(&ch, 0, sizeof(ch));
}

static void chain_run(void)
{
	bool endio_wanted = CHAIN_ENDIO_FLAG != 0 && endio_pct;
	unsigned long limit;
	s64 started, done;
	bool finished;
	unsigned int i;
	int ret;

	ktap_begin("dmio-chain");
	ret = chain_setup();
	ktap_report(ret ? KTAP_FAIL : KTAP_PASS, "chain_setup");
	if (ret) {
		chain_teardown(false);
		ktap_end();
		return;
	}
	ktap_diag("chain: %u chains, %u clients (min_ios %u), %u s, inject=%d",
		  ch.nchains, ch.nclients, chain_min_ios, seconds, inject);
	ktap_diag("chain: end_io callbacks %u%%%s, sleep %u ms in default ones",
		  endio_pct, CHAIN_ENDIO_FLAG != 0 ? "" : " (not in this engine)", sleep_ms);
	ch.deadline = jiffies + seconds * HZ;
	atomic_set(&ch.active, ch.nchains);
	for (i = 0; i < ch.nchains; i++)
		chain_begin(&ch.chains[i]);
	/* Sleep interruptibly: a long run is no hung task. */
	while (time_before(jiffies, ch.deadline))
		msleep_interruptible(100);
	limit = jiffies + finish_secs * HZ;
	while ((atomic_read(&ch.active) || atomic_read(&ch.callers)) &&
	       time_before(jiffies, limit))
		msleep_interruptible(100);
	started = atomic64_read(&cst.started);
	done = atomic64_read(&cst.done);
	finished = done == started && !atomic_read(&ch.callers);
	if (finished)
		chain_verify();

	ktap_diag("chain: chains started=%lld done=%lld steps=%lld",
		  started, done, atomic64_read(&cst.steps));
	ktap_diag("chain: reads=%lld fill_writes=%lld fill_regions=%lld",
		  atomic64_read(&cst.reads), atomic64_read(&cst.writes),
		  atomic64_read(&cst.fill_regions));
	ktap_diag("chain: callbacks=%lld (default %lld, end_io %lld) accepted=%lld",
		  atomic64_read(&cst.callbacks), atomic64_read(&cst.cb_default),
		  atomic64_read(&cst.cb_endio), atomic64_read(&cst.accepted));
	ktap_diag("chain: fills_from_callback=%lld fills_from_workqueue=%lld",
		  atomic64_read(&cst.fills_in_callback), atomic64_read(&cst.fills_queued));
	ktap_diag("chain: reads_from_callback=%lld",
		  atomic64_read(&cst.steps_in_callback));
	ktap_diag("chain: io_errors=%lld refused=%lld read_mismatches=%lld",
		  atomic64_read(&cst.io_errors), atomic64_read(&cst.refused),
		  atomic64_read(&cst.read_mismatches));
	ktap_diag("chain: cache_regions_verified=%lld bytes_verified=%lld cache_mismatches=%lld",
		  atomic64_read(&cst.regions_verified), atomic64_read(&cst.bytes_verified),
		  atomic64_read(&cst.cache_mismatches));

	ktap_report(done && atomic64_read(&cst.steps) && atomic64_read(&cst.cb_default) &&
		    (!endio_wanted || atomic64_read(&cst.cb_endio)) ? KTAP_PASS : KTAP_FAIL,
		    "chains_ran_both_callback_modes");
	if (!finished) {
		ktap_diag("chain: %lld of %lld chains never finished in %u s",
			  started - done, started, finish_secs);
		chain_show_stuck();
	} else {
		ktap_diag("chain: all %lld chains finished", started);
	}
	ktap_report(finished ? KTAP_PASS : KTAP_FAIL, "chains_all_finished");
	ktap_report(atomic64_read(&cst.wrong_context) ? KTAP_FAIL : KTAP_PASS,
		    "default_callbacks_may_sleep");
	ktap_report(atomic64_read(&cst.io_errors) || atomic64_read(&cst.refused) ?
		    KTAP_FAIL : KTAP_PASS, "no_io_errors");
	ktap_report(atomic64_read(&cst.read_mismatches) ? KTAP_FAIL : KTAP_PASS,
		    "origin_reads_match");
	if (!finished) {
		ktap_report(KTAP_SKIP, "callbacks_exactly_once");
		ktap_report(KTAP_SKIP, "cache_matches_origin");
	} else {
		ktap_report(atomic64_read(&cst.callbacks) == atomic64_read(&cst.accepted) ?
			    KTAP_PASS : KTAP_FAIL, "callbacks_exactly_once");
		ktap_report(atomic64_read(&cst.cache_mismatches) ||
			    !atomic64_read(&cst.regions_verified) ? KTAP_FAIL : KTAP_PASS,
			    "cache_matches_origin");
	}
	chain_teardown(!finished);
	ktap_end();
}

/* --- the copy phase ------------------------------------------------------ */

/*
 * dmio_copy() and dmio_zero() under load and faults. threads= threads keep
 * copies in flight on copy_clients= copy clients (one of them throttled):
 * from a region of the origin (origin=, filled with a position-keyed
 * pattern) to 1..8 destinations on the good=, werr= and err= devices, of
 * 4 KiB to copy_max_kb (log-uniform, 512-byte steps), at 512-byte offsets;
 * zero_pct of them are dmio_zero(), ignore_pct carry DMIO_COPY_IGNORE_ERROR,
 * fault_pct write to a failing device too, read_err_pct read from the err=
 * device, and chain_pct go on as chains: the copy's callback starts the
 * next copy, from one of its destinations, up to max_chain times. Every
 * destination is a run of 4 KiB chunks the copy holds until it has been
 * checked (a link of a chain holds its source too), so what each one must
 * hold is exact:
 *   - a good device's bit is never set; a failing device's bit is set
 *     whenever the source was read (or for a zeroing); read_err is set
 *     exactly for copies from the err= device;
 *   - a good destination of a copy that read its source and either had no
 *     error or ignored errors holds exactly the source bytes (zeroes for a
 *     zeroing): each is read back through dmio and compared. (Without
 *     DMIO_COPY_IGNORE_ERROR a copy stops at its first error, so then the
 *     other destinations may hold only a part: they are not compared.)
 * Every accepted copy must be called back exactly once, in process context;
 * the thread that made it checks it. Once the time is up, the copies in
 * flight (and their chains) must finish within finish_secs, or the phase
 * prints "N of M copies never finished" with the copies and the blocked
 * tasks, and leaves everything in place. Then copies are started on a fresh
 * client that is destroyed at once: every callback must have come when
 * dmio_copy_client_destroy() returns. Then every client is flushed and
 * destroyed.
 *
 * The guest arms fault injection only once the module is ready (ready=Y),
 * then sets armed=Y (wait_armed=1): failslab fails allocations from dmio's
 * caches and fail_page_alloc page allocations in every task, dmio's own
 * workers too, so the module makes its clients, buffers and the records of
 * its copies (copy_jobs of them) before, and allocates nothing after. With
 * pressure=1 (the memory-pressure case) the guest fails every allocation
 * from dmio's caches and every page allocation: copies must still finish,
 * on the engine's reserves.
 */
static unsigned int copy_clients = 4;
module_param(copy_clients, uint, 0444);
MODULE_PARM_DESC(copy_clients, "copy: copy clients the threads share");
static unsigned int copy_depth = 8;
module_param(copy_depth, uint, 0444);
MODULE_PARM_DESC(copy_depth, "copy: copies each thread keeps in flight");
static unsigned int copy_max_kb = 4096;
module_param(copy_max_kb, uint, 0444);
MODULE_PARM_DESC(copy_max_kb, "copy: largest copy");
static unsigned int copy_inflight_mb = 16;
module_param(copy_inflight_mb, uint, 0444);
MODULE_PARM_DESC(copy_inflight_mb, "copy: destination bytes each thread keeps in flight, at most");
static unsigned int copy_area_mb = 32;
module_param(copy_area_mb, uint, 0444);
MODULE_PARM_DESC(copy_area_mb, "copy: the part of each destination device used");
static unsigned int zero_pct = 15;
module_param(zero_pct, uint, 0444);
MODULE_PARM_DESC(zero_pct, "copy: percentage of dmio_zero()");
static unsigned int ignore_pct = 50;
module_param(ignore_pct, uint, 0444);
MODULE_PARM_DESC(ignore_pct, "copy: percentage with DMIO_COPY_IGNORE_ERROR");
static unsigned int seq_pct = 5;
module_param(seq_pct, uint, 0444);
MODULE_PARM_DESC(seq_pct, "copy: percentage with DMIO_COPY_WRITE_SEQ (of those without IGNORE_ERROR)");
static unsigned int fault_pct = 25;
module_param(fault_pct, uint, 0444);
MODULE_PARM_DESC(fault_pct, "copy: percentage writing to a failing device too");
static unsigned int read_err_pct = 5;
module_param(read_err_pct, uint, 0444);
MODULE_PARM_DESC(read_err_pct, "copy: percentage reading from the err= device");
static unsigned int chain_pct = 20;
module_param(chain_pct, uint, 0444);
MODULE_PARM_DESC(chain_pct, "copy: percentage starting a chain of copies from their callbacks");
static unsigned int max_chain = 6;
module_param(max_chain, uint, 0444);
MODULE_PARM_DESC(max_chain, "copy: most links a chain adds");
static unsigned int throttle_pct = 80;
module_param(throttle_pct, uint, 0444);
MODULE_PARM_DESC(throttle_pct, "copy: the throttle of the second client (100: none)");
static unsigned int copy_jobs = 16384;
module_param(copy_jobs, uint, 0444);
MODULE_PARM_DESC(copy_jobs, "copy: most copies made (their records are allocated at setup)");
static bool pressure;
module_param(pressure, bool, 0444);
MODULE_PARM_DESC(pressure, "copy: the memory-pressure case (reported as dmio-copy-pressure)");
static bool wait_armed;
module_param(wait_armed, bool, 0444);
MODULE_PARM_DESC(wait_armed, "copy: once set up (ready=Y), wait until the guest sets armed=Y");
static bool ready;
module_param(ready, bool, 0444);
MODULE_PARM_DESC(ready, "copy: set up; fault injection may be armed now");
static bool armed;
module_param(armed, bool, 0644);
MODULE_PARM_DESC(armed, "copy: written Y by the guest once fault injection is armed");

#define COPY_CHUNK		8	/* sectors: destinations are runs of 4 KiB chunks */
#define COPY_DESTS		DMIO_COPY_MAX_DESTS
#define COPY_CLIENTS_MAX	16
#define COPY_DESTROY_COPIES	16
#define COPY_DESTROY_SECTORS	512	/* 256 KiB */
#define COPY_SHOWN		5	/* unfinished copies shown */
#define COPY_TASKS_SHOWN	8	/* blocked tasks shown */

enum cjob_state { CJ_INFLIGHT, CJ_DONE, CJ_REFUSED };

struct cdev {
	struct dmio_bdev bd;
	const char *path;
	enum dev_kind kind;
	sector_t sectors;		/* the part used */
	unsigned long nchunks;
	unsigned long *map;		/* chunks held by a copy */
	spinlock_t lock;		/* of @map */
};

struct cthread;

struct cjob {
	struct list_head node;		/* in flight, then on its thread's done list */
	struct cthread *t;		/* checks it */
	unsigned int id;
	unsigned int client;
	int state;			/* enum cjob_state, under cp.lock */
	bool zero;
	bool cb_only;			/* dmio_copy_prepare_callback() */
	unsigned int flags;
	unsigned int nr;
	struct dmio_region from;
	int from_dev;			/* a struct cdev, or -1: the origin */
	bool src_zero;			/* the source holds zeroes, or */
	u64 src_base;			/* the pattern from this origin byte on */
	unsigned int chain_left;
	unsigned int link;		/* 0: started by a thread */
	struct dmio_region to[COPY_DESTS];
	unsigned char dev[COPY_DESTS];
	unsigned long first[COPY_DESTS];	/* chunks held per destination */
	unsigned long chunks[COPY_DESTS];	/* 0: none, or handed on */
	int hold_dev;			/* a chain link's source chunks, or -1 */
	unsigned long hold_first, hold_chunks;
	int read_err, want_read_err;
	unsigned long write_err, want_write_err;
	size_t bytes;			/* destination bytes */
	unsigned long started;		/* jiffies */
};

struct cthread {
	struct task_struct *task;
	unsigned int id;
	spinlock_t lock;		/* of @done */
	struct list_head done;		/* called back, to be checked */
	wait_queue_head_t wait;
	atomic_t pending;		/* made, not checked yet (chain links too) */
	atomic64_t bytes;		/* their destination bytes */
	void *buf;			/* read-back buffer */
	struct completion exited;
};

static struct {
	struct dmio_bdev origin;
	sector_t origin_sectors;
	struct cdev devs[MAX_DEVS];
	unsigned int ndevs;
	unsigned char good[MAX_DEVS], faulty[MAX_DEVS], errsrc[MAX_DEVS];
	unsigned int ngood, nfaulty, nerrsrc;
	struct dmio_copy_client *cc[COPY_CLIENTS_MAX + 1];	/* + the destroy test's */
	unsigned int ncc;
	struct dmio_copy_client *spare;	/* for the destroy test */
	struct dmio_throttle throttle;
	struct dmio_client *vclient;	/* origin fill and read-back */
	struct cthread *threads;
	unsigned int nthreads;
	unsigned int max_sectors;
	u64 seed;
	unsigned long deadline, limit;
	spinlock_t lock;		/* of the lists, and each copy's state */
	struct list_head inflight;	/* accepted, not called back */
	struct cjob *jobs;		/* every copy made; kept to the end, so a */
	long njobs;			/* late second callback finds its copy */
	atomic_long_t used;
	atomic_t next_id;
	atomic_t inside;		/* tasks inside a copy call */
	char *lists[3];
} cp;

static struct {
	atomic64_t made, accepted, refused, callbacks, first_callbacks, doubles;
	atomic64_t wrong_context, slept, copies, zeroes, cb_only, chained, chains;
	atomic64_t multi_dest, ignore, seq, faulty_copies, err_source, dests;
	atomic64_t bytes_copied, write_err_bits, read_errs, bad_bits;
	atomic64_t dests_verified, bytes_verified, unverified, mismatches;
	atomic64_t verify_errors, no_room, out_of_jobs, flushes;
} cps;

static const char *copy_dev_name(int d)
{
	return d < 0 ? "origin" : cp.devs[d].path;
}

/* 4 KiB .. max_sectors, log-uniform, in 512-byte steps (or 4 KiB ones). */
static unsigned int copy_size(void)
{
	unsigned int s = COPY_CHUNK << rnd(ilog2(cp.max_sectors / COPY_CHUNK) + 1);

	s = min(s + rnd(s), cp.max_sectors);
	if (rnd(2))
		s = round_down(s, COPY_CHUNK);
	return max_t(unsigned int, s, COPY_CHUNK);
}

/* Hold a run of chunks of @d for a region of @sectors; false if none. */
static bool cdev_get(struct cdev *d, unsigned int sectors, struct dmio_region *r,
		     unsigned long *first, unsigned long *chunks)
{
	unsigned long n = DIV_ROUND_UP(sectors + rnd(COPY_CHUNK), COPY_CHUNK), pos;

	if (n > d->nchunks)
		return false;
	spin_lock(&d->lock);
	pos = bitmap_find_next_zero_area(d->map, d->nchunks, rnd(d->nchunks), n, 0);
	if (pos >= d->nchunks)
		pos = bitmap_find_next_zero_area(d->map, d->nchunks, 0, n, 0);
	if (pos < d->nchunks)
		bitmap_set(d->map, pos, n);
	spin_unlock(&d->lock);
	if (pos >= d->nchunks)
		return false;
	*first = pos;
	*chunks = n;
	r->bdev = d->bd.bdev;
	r->count = sectors;
	r->sector = (sector_t)pos * COPY_CHUNK + rnd(n * COPY_CHUNK - sectors + 1);
	return true;
}

static void cdev_put(int d, unsigned long first, unsigned long chunks)
{
	if (d < 0 || !chunks)
		return;
	spin_lock(&cp.devs[d].lock);
	bitmap_clear(cp.devs[d].map, first, chunks);
	spin_unlock(&cp.devs[d].lock);
}

static void cjob_release(struct cjob *j)
{
	unsigned int i;

	for (i = 0; i < j->nr; i++) {
		cdev_put(j->dev[i], j->first[i], j->chunks[i]);
		j->chunks[i] = 0;
	}
	cdev_put(j->hold_dev, j->hold_first, j->hold_chunks);
	j->hold_chunks = 0;
}

/* Read the source and, on no error or ignoring errors, wrote all of it. */
static bool cjob_exact(const struct cjob *j)
{
	return !j->read_err && (!j->write_err || (j->flags & DMIO_COPY_IGNORE_ERROR));
}

/*
 * Make a copy for thread @t: a new one (@parent NULL), or the next link of
 * @parent's chain, from its destination @k (whose chunks it takes over).
 * Counted as pending from here on. NULL when the devices have no room.
 */
static struct cjob *cjob_make(struct cthread *t, struct cjob *parent, unsigned int k)
{
	unsigned int i, nr, sectors, forced = COPY_DESTS;
	struct cjob tmp = { }, *j = &tmp;
	bool faulty = false;
	long n;
	int d;

	j->t = t;
	j->client = rnd(cp.ncc);
	j->hold_dev = -1;
	j->from_dev = -1;
	if (parent) {
		j->from = parent->to[k];
		j->from_dev = parent->dev[k];
		j->src_zero = parent->src_zero;
		j->src_base = parent->src_base;
		j->chain_left = parent->chain_left - 1;
		j->link = parent->link + 1;
		sectors = j->from.count;
	} else {
		sectors = copy_size();
		j->zero = rnd(100) < zero_pct;
		j->src_zero = j->zero;
		if (!j->zero && cp.nerrsrc && rnd(100) < read_err_pct) {
			j->from_dev = cp.errsrc[rnd(cp.nerrsrc)];
			sectors = min_t(sector_t, sectors, cp.devs[j->from_dev].sectors);
			j->from.bdev = cp.devs[j->from_dev].bd.bdev;
			j->from.sector = rnd(cp.devs[j->from_dev].sectors - sectors + 1);
		} else if (!j->zero) {
			j->from.bdev = cp.origin.bdev;
			j->from.sector = rnd(cp.origin_sectors - sectors + 1);
			j->src_base = (u64)j->from.sector << SECTOR_SHIFT;
		}
		j->from.count = sectors;
		if (rnd(100) < chain_pct && max_chain)
			j->chain_left = 1 + rnd(max_chain);
		faulty = cp.nfaulty && rnd(100) < fault_pct;
	}
	if (rnd(100) < ignore_pct)
		j->flags |= DMIO_COPY_IGNORE_ERROR;
	else if (rnd(100) < seq_pct)
		j->flags |= DMIO_COPY_WRITE_SEQ;
	nr = 1 + rnd(COPY_DESTS);
	if (faulty)
		forced = rnd(nr);
	for (i = 0; i < nr; i++) {
		if (faulty && (i == forced || !rnd(3)))
			d = cp.faulty[rnd(cp.nfaulty)];
		else
			d = cp.good[rnd(cp.ngood)];
		if (!cdev_get(&cp.devs[d], sectors, &j->to[j->nr], &j->first[j->nr],
			      &j->chunks[j->nr]))
			continue;
		j->dev[j->nr++] = d;
	}
	if (!j->nr) {
		atomic64_inc(&cps.no_room);
		return NULL;
	}
	/* From the array made at setup: no allocation while faults are armed. */
	n = atomic_long_inc_return(&cp.used) - 1;
	if (n >= cp.njobs) {
		atomic64_inc(&cps.out_of_jobs);
		cjob_release(j);
		return NULL;
	}
	j = &cp.jobs[n];
	*j = tmp;
	INIT_LIST_HEAD(&j->node);
	if (parent) {
		j->hold_dev = parent->dev[k];
		j->hold_first = parent->first[k];
		j->hold_chunks = parent->chunks[k];
		parent->chunks[k] = 0;
	}
	j->bytes = (size_t)sectors * j->nr << SECTOR_SHIFT;
	atomic_inc(&t->pending);
	atomic64_add(j->bytes, &t->bytes);
	atomic64_inc(&cps.made);
	return j;
}

/* Not accepted, or checked: no longer pending for its thread. */
static void cjob_unpend(struct cjob *j)
{
	atomic64_sub(j->bytes, &j->t->bytes);
	/* Everything done with the copy comes before its thread sees it gone. */
	smp_mb__before_atomic();
	atomic_dec(&j->t->pending);
	wake_up(&j->t->wait);
}

static void copy_done(int read_err, unsigned long write_err, void *context);

/* Start copy @j (ours until then); faults are injected only in here. */
static int cjob_start(struct cjob *j)
{
	struct dmio_copy_client *cc = cp.cc[j->client];
	unsigned int i;
	int __maybe_unused fail;
	int state, ret = 0;
	void *job = NULL;

	j->id = atomic_inc_return(&cp.next_id);
	j->started = jiffies;
	j->state = CJ_INFLIGHT;
	if (j->cb_only)
		atomic64_inc(&cps.cb_only);
	else if (j->zero)
		atomic64_inc(&cps.zeroes);
	else
		atomic64_inc(&cps.copies);
	if (j->link)
		atomic64_inc(&cps.chained);
	else if (j->chain_left)
		atomic64_inc(&cps.chains);
	if (j->nr > 1)
		atomic64_inc(&cps.multi_dest);
	if (j->flags & DMIO_COPY_IGNORE_ERROR)
		atomic64_inc(&cps.ignore);
	if (j->flags & DMIO_COPY_WRITE_SEQ)
		atomic64_inc(&cps.seq);
	for (i = 0; i < j->nr; i++)
		if (cp.devs[j->dev[i]].kind != DEV_GOOD)
			break;
	if (i < j->nr)
		atomic64_inc(&cps.faulty_copies);
	if (j->from_dev >= 0 && cp.devs[j->from_dev].kind == DEV_ERR)
		atomic64_inc(&cps.err_source);
	spin_lock(&cp.lock);
	list_add_tail(&j->node, &cp.inflight);
	spin_unlock(&cp.lock);

#ifdef CONFIG_FAULT_INJECTION
	fail = current->make_it_fail;
	current->make_it_fail = inject;
#endif
	atomic_inc(&cp.inside);
	if (j->cb_only) {
		job = dmio_copy_prepare_callback(cc, copy_done, j);
		if (IS_ERR_OR_NULL(job))
			ret = job ? PTR_ERR(job) : -ENOMEM;
	} else if (j->zero) {
		ret = dmio_zero(cc, j->nr, j->to, j->flags, copy_done, j);
	} else {
		ret = dmio_copy(cc, &j->from, j->nr, j->to, j->flags, copy_done, j);
	}
	atomic_dec(&cp.inside);
#ifdef CONFIG_FAULT_INJECTION
	current->make_it_fail = fail;
#endif
	if (!ret) {
		atomic64_inc(&cps.accepted);
		if (j->cb_only) {
			/* Deliver what the copy would have. */
			j->want_read_err = rnd(2);
			j->want_write_err = rnd(2) ? get_random_u32() : 0;
			dmio_copy_do_callback(job, j->want_read_err, j->want_write_err);
		}
		return 0;	/* @j may be gone already */
	}
	atomic64_inc(&cps.refused);
	fail_diag("copy %u: %s of %u sectors to %u destinations refused: %d", j->id,
		  j->cb_only ? "callback" : j->zero ? "zeroing" : "copy",
		  (unsigned int)j->from.count, j->nr, ret);
	spin_lock(&cp.lock);
	state = j->state;
	if (state == CJ_INFLIGHT) {
		list_del_init(&j->node);
		j->state = CJ_REFUSED;
	}
	spin_unlock(&cp.lock);
	if (state != CJ_INFLIGHT) {
		/* Refused, yet called back: its thread checks it. */
		atomic64_inc(&cps.doubles);
		fail_diag("copy %u: refused, yet called back", j->id);
		return ret;
	}
	cjob_release(j);
	cjob_unpend(j);
	return ret;
}

static void cjob_queue_done(struct cjob *j)
{
	struct cthread *t = j->t;

	spin_lock(&t->lock);
	list_add_tail(&j->node, &t->done);
	spin_unlock(&t->lock);
	wake_up(&t->wait);
}

/*
 * The next link of @j's chain, from one of its good destinations that must
 * hold the source now; NULL when the chain ends here.
 */
static struct cjob *copy_next_link(struct cjob *j)
{
	unsigned int cand[COPY_DESTS], n = 0, i;

	if (!j->chain_left || !cjob_exact(j) || !time_before(jiffies, cp.deadline))
		return NULL;
	for (i = 0; i < j->nr; i++)
		if (cp.devs[j->dev[i]].kind == DEV_GOOD && j->chunks[i] &&
		    !test_bit(i, &j->write_err))
			cand[n++] = i;
	return n ? cjob_make(j->t, j, cand[rnd(n)]) : NULL;
}

static void copy_done(int read_err, unsigned long write_err, void *context)
{
	struct cjob *j = context, *next;
	int state;

	atomic64_inc(&cps.callbacks);
	spin_lock(&cp.lock);
	state = j->state;
	if (state == CJ_INFLIGHT) {
		j->state = CJ_DONE;
		list_del_init(&j->node);
	}
	spin_unlock(&cp.lock);
	if (state != CJ_INFLIGHT) {
		atomic64_inc(&cps.doubles);
		fail_diag("copy %u called back %s (read_err %d, write_err %#lx)", j->id,
			  state == CJ_REFUSED ? "after being refused" : "again",
			  read_err, write_err);
		return;
	}
	atomic64_inc(&cps.first_callbacks);
	j->read_err = read_err;
	j->write_err = write_err;
	if (!in_task() || irqs_disabled() || preempt_count()) {
		atomic64_inc(&cps.wrong_context);
		fail_diag("copy %u called back in atomic context", j->id);
	} else if (!rnd(16)) {
		/* Hold the worker a while: callbacks may sleep. */
		atomic64_inc(&cps.slept);
		usleep_range(1000, 2000);
	}
	/* Made (and pending) before @j can be checked and its chunks freed. */
	next = j->cb_only ? NULL : copy_next_link(j);
	cjob_queue_done(j);
	if (next)
		cjob_start(next);	/* from the callback itself */
}

/* Region @i of @j read back: the source bytes? */
static void cjob_verify(struct cjob *j, unsigned int i)
{
	struct dmio_request req = {
		.op = DMIO_OP_READ, .client = cp.vclient,
		.mem = { .type = DMIO_MEM_VMALLOC, .ptr.vaddr = j->t->buf },
	};
	unsigned long error_bits = 0, unsup_bits = 0;
	size_t len = (size_t)j->to[i].count << SECTOR_SHIFT;
	u64 *p = j->t->buf, want;
	size_t w;
	int ret;

	memset(p, 0xa5, len);
	ret = dmio_sync(&req, 1, &j->to[i], &error_bits, &unsup_bits);
	if (ret) {
		atomic64_inc(&cps.verify_errors);
		fail_diag("copy %u: reading back destination %u (%s) failed: %d",
			  j->id, i, copy_dev_name(j->dev[i]), ret);
		return;
	}
	for (w = 0; w < len / 8; w++) {
		want = j->src_zero ? 0 : pattern(cp.seed, j->src_base + 8 * w);
		if (p[w] != want)
			break;
	}
	if (w < len / 8) {
		atomic64_inc(&cps.mismatches);
		fail_diag("copy %u (%s, link %u, flags %#x) from %s+%llu: destination %u/%u",
			  j->id, j->zero ? "zeroing" : j->src_zero ? "copy of zeroes" : "copy",
			  j->link, j->flags, copy_dev_name(j->from_dev),
			  (unsigned long long)j->from.sector, i, j->nr);
		fail_diag("copy %u: %s+%llu (%u sectors) differs at %zu: %016llx, not %016llx",
			  j->id, copy_dev_name(j->dev[i]), (unsigned long long)j->to[i].sector,
			  (unsigned int)j->to[i].count, 8 * w, p[w], want);
		return;
	}
	atomic64_inc(&cps.dests_verified);
	atomic64_add(len, &cps.bytes_verified);
}

/* A copy called back: its bits, then every destination that must be right. */
static void cjob_check(struct cjob *j)
{
	bool want_read_err = j->from_dev >= 0 && cp.devs[j->from_dev].kind == DEV_ERR;
	bool exact = cjob_exact(j), bit;
	unsigned int i;

	if (j->cb_only) {
		if (j->read_err != j->want_read_err || j->write_err != j->want_write_err) {
			atomic64_inc(&cps.bad_bits);
			fail_diag("copy %u: do_callback(%d, %#lx) called back with (%d, %#lx)",
				  j->id, j->want_read_err, j->want_write_err,
				  j->read_err, j->write_err);
		}
		goto out;
	}
	if (j->read_err)
		atomic64_inc(&cps.read_errs);
	atomic64_add(hweight_long(j->write_err), &cps.write_err_bits);
	if (!!j->read_err != want_read_err || (j->zero && j->read_err) ||
	    (j->write_err & ~GENMASK(j->nr - 1, 0))) {
		atomic64_inc(&cps.bad_bits);
		fail_diag("copy %u (%s from %s, %u destinations): read_err %d write_err %#lx",
			  j->id, j->zero ? "zeroing" : "copy", copy_dev_name(j->from_dev),
			  j->nr, j->read_err, j->write_err);
	}
	for (i = 0; i < j->nr; i++) {
		bit = test_bit(i, &j->write_err);
		if (cp.devs[j->dev[i]].kind != DEV_GOOD) {
			/* Written whenever there was something to write. */
			if (!bit && !j->read_err) {
				atomic64_inc(&cps.bad_bits);
				fail_diag("copy %u (flags %#x): %u/%u on failing %s: no bit (%#lx)",
					  j->id, j->flags, i, j->nr, copy_dev_name(j->dev[i]),
					  j->write_err);
			}
			continue;
		}
		if (bit) {
			atomic64_inc(&cps.bad_bits);
			fail_diag("copy %u (flags %#x): %u/%u on good %s failed (%d, %#lx)",
				  j->id, j->flags, i, j->nr, copy_dev_name(j->dev[i]),
				  j->read_err, j->write_err);
			continue;
		}
		atomic64_add(j->to[i].count << SECTOR_SHIFT, &cps.bytes_copied);
		if (exact)
			cjob_verify(j, i);
		else
			atomic64_inc(&cps.unverified);
	}
out:
	cjob_release(j);
	cjob_unpend(j);
}

/* Check what is done; false if nothing was. */
static bool cthread_check_done(struct cthread *t)
{
	struct cjob *j, *tmp;
	LIST_HEAD(done);

	spin_lock(&t->lock);
	list_splice_init(&t->done, &done);
	spin_unlock(&t->lock);
	if (list_empty(&done))
		return false;
	list_for_each_entry_safe(j, tmp, &done, node) {
		list_del_init(&j->node);
		cjob_check(j);
	}
	return true;
}

/* Something to check, or nothing pending. */
static bool cthread_woken(struct cthread *t)
{
	bool empty;

	spin_lock(&t->lock);
	empty = list_empty(&t->done);
	spin_unlock(&t->lock);
	return !empty || !atomic_read(&t->pending);
}

static int cthread_fn(void *data)
{
	struct cthread *t = data;
	s64 budget = (s64)copy_inflight_mb << 20;
	struct cjob *j;

	for (;;) {
		bool running = time_before(jiffies, cp.deadline);

		if (!running && !atomic_read(&t->pending))
			break;
		if (time_after(jiffies, cp.limit) || kthread_should_stop())
			break;	/* the rest never finished: leave them */
		while (running && atomic_read(&t->pending) < copy_depth &&
		       atomic64_read(&t->bytes) < budget) {
			j = cjob_make(t, NULL, 0);
			if (!j)
				break;
			if (!rnd(32)) {
				/* A callback prepared and called by hand. */
				cjob_release(j);
				j->nr = 0;
				j->from_dev = -1;
				j->cb_only = true;
			}
			cjob_start(j);
		}
		if (running && !rnd(64)) {
			dmio_copy_client_flush(cp.cc[rnd(cp.ncc)]);
			atomic64_inc(&cps.flushes);
		}
		if (!cthread_check_done(t))
			wait_event_interruptible_timeout(t->wait, cthread_woken(t), HZ / 10);
	}
	complete(&t->exited);
	while (!kthread_should_stop())
		msleep_interruptible(20);
	return 0;
}

/* --- copy: setup, the end, and the report -------------------------------- */

static int copy_add_devs(char *list, enum dev_kind kind)
{
	struct cdev *d;
	char *p;
	int ret;

	while (list && (p = strsep(&list, ",")) != NULL) {
		if (!*p)
			continue;
		if (cp.ndevs == MAX_DEVS)
			return -E2BIG;
		d = &cp.devs[cp.ndevs];
		ret = dmio_bdev_open(p, true, &d->bd);
		if (ret) {
			ktap_diag("copy: cannot open %s: %d", p, ret);
			return ret;
		}
		d->path = p;
		d->kind = kind;
		spin_lock_init(&d->lock);
		d->sectors = min_t(sector_t, bdev_nr_sectors(d->bd.bdev),
				   (sector_t)copy_area_mb << (20 - SECTOR_SHIFT));
		d->nchunks = d->sectors / COPY_CHUNK;
		d->map = bitmap_zalloc(d->nchunks + 1, GFP_KERNEL);
		cp.ndevs++;
		if (!d->map)
			return -ENOMEM;
		if (kind == DEV_GOOD)
			cp.good[cp.ngood++] = cp.ndevs - 1;
		else
			cp.faulty[cp.nfaulty++] = cp.ndevs - 1;
		if (kind == DEV_ERR)
			cp.errsrc[cp.nerrsrc++] = cp.ndevs - 1;
		ktap_diag("copy: %s device %s: %lu chunks of 4 KiB", kind_name[kind], p,
			  d->nchunks);
	}
	return 0;
}

/* The origin holds pattern(seed, byte offset) (no faults injected yet). */
static int copy_fill_origin(void)
{
	struct dmio_request req = {
		.op = DMIO_OP_WRITE, .client = cp.vclient,
		.mem = { .type = DMIO_MEM_VMALLOC, .ptr.vaddr = cp.threads[0].buf },
	};
	unsigned long error_bits = 0, unsup_bits = 0;
	struct dmio_region where = { .bdev = cp.origin.bdev };
	u64 *p = cp.threads[0].buf;
	sector_t s;
	size_t w;
	int ret;

	where.count = cp.max_sectors;
	for (s = 0; s + where.count <= cp.origin_sectors; s += where.count) {
		for (w = 0; w < (where.count << SECTOR_SHIFT) / 8; w++)
			p[w] = pattern(cp.seed, ((u64)s << SECTOR_SHIFT) + 8 * w);
		where.sector = s;
		ret = dmio_sync(&req, 1, &where, &error_bits, &unsup_bits);
		if (ret) {
			ktap_diag("copy: writing the origin at %llu failed: %d",
				  (unsigned long long)s, ret);
			return ret;
		}
	}
	cp.origin_sectors = s;
	return 0;
}

static int copy_setup(void)
{
	char *params[3] = { good, werr, err };
	struct dmio_copy_client *cc;
	unsigned int i;
	int ret;

	spin_lock_init(&cp.lock);
	INIT_LIST_HEAD(&cp.inflight);
	cp.njobs = max(copy_jobs, 64U);
	cp.jobs = kvcalloc(cp.njobs, sizeof(*cp.jobs), GFP_KERNEL);
	if (!cp.jobs)
		return -ENOMEM;
	cp.max_sectors = clamp(copy_max_kb, 4U, 64U << 10) * 2;
	cp.max_sectors = round_down(cp.max_sectors, COPY_CHUNK);
	if (!origin || !*origin) {
		ktap_diag("copy: origin= names the source device");
		return -EINVAL;
	}
	ret = dmio_bdev_open(origin, true, &cp.origin);
	if (ret) {
		ktap_diag("copy: cannot open %s: %d", origin, ret);
		return ret;
	}
	cp.origin_sectors = bdev_nr_sectors(cp.origin.bdev);
	if (cp.origin_sectors < cp.max_sectors) {
		ktap_diag("copy: %s is smaller than the largest copy", origin);
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(params); i++) {
		cp.lists[i] = params[i] ? kstrdup(params[i], GFP_KERNEL) : NULL;
		ret = copy_add_devs(cp.lists[i], i);
		if (ret)
			return ret;
	}
	if (!cp.ngood) {
		ktap_diag("copy: good= names at least one destination device");
		return -EINVAL;
	}
	cp.vclient = dmio_client_create(4);
	if (IS_ERR(cp.vclient)) {
		ret = PTR_ERR(cp.vclient);
		cp.vclient = NULL;
		return ret;
	}
	cp.throttle.throttle = throttle_pct;
	for (cp.ncc = 0; cp.ncc < clamp(copy_clients, 1U, (unsigned int)COPY_CLIENTS_MAX);
	     cp.ncc++) {
		cc = dmio_copy_client_create(cp.ncc == 1 ? &cp.throttle : NULL);
		if (IS_ERR_OR_NULL(cc)) {
			ktap_diag("copy: dmio_copy_client_create() failed: %ld", PTR_ERR(cc));
			return cc ? PTR_ERR(cc) : -ENOMEM;
		}
		cp.cc[cp.ncc] = cc;
	}
	/* Made now: the guest may fail every allocation of dmio's later. */
	cp.spare = dmio_copy_client_create(NULL);
	if (IS_ERR_OR_NULL(cp.spare)) {
		ret = cp.spare ? PTR_ERR(cp.spare) : -ENOMEM;
		cp.spare = NULL;
		return ret;
	}
	cp.nthreads = clamp(threads, 1U, 16U);
	cp.threads = kcalloc(cp.nthreads, sizeof(*cp.threads), GFP_KERNEL);
	if (!cp.threads)
		return -ENOMEM;
	for (i = 0; i < cp.nthreads; i++) {
		struct cthread *t = &cp.threads[i];

		t->id = i;
		spin_lock_init(&t->lock);
		INIT_LIST_HEAD(&t->done);
		init_waitqueue_head(&t->wait);
		init_completion(&t->exited);
		t->buf = vmalloc((size_t)cp.max_sectors << SECTOR_SHIFT);
		if (!t->buf)
			return -ENOMEM;
	}
	cp.seed = get_random_u64();
	return copy_fill_origin();
}

/* The guest arms fault injection now; wait (bounded) until it says so. */
static bool copy_wait_armed(void)
{
	unsigned long limit = jiffies + 120 * HZ;

	WRITE_ONCE(ready, true);
	if (!wait_armed)
		return true;
	ktap_diag("copy: ready; waiting for armed=Y");
	while (!READ_ONCE(armed) && time_before(jiffies, limit))
		msleep_interruptible(50);
	return READ_ONCE(armed);
}

/* The copies that never finished, and every task blocked in D state. */
static void copy_show_stuck(void)
{
	struct task_struct *g, *task;
	unsigned int shown = 0, i;
	struct cjob *j;

	spin_lock(&cp.lock);
	list_for_each_entry(j, &cp.inflight, node) {
		if (shown++ == COPY_SHOWN)
			break;
		ktap_diag("copy: unfinished: copy %u on client %u, %s, link %u, flags %#x,",
			  j->id, j->client, j->cb_only ? "callback" : j->zero ? "zeroing" : "copy",
			  j->link, j->flags);
		ktap_diag("copy:   %u sectors from %s+%llu, started %u ms ago, to:",
			  (unsigned int)j->from.count, copy_dev_name(j->from_dev),
			  (unsigned long long)j->from.sector,
			  jiffies_to_msecs(jiffies - j->started));
		for (i = 0; i < j->nr; i++)
			ktap_diag("copy:   %s+%llu", copy_dev_name(j->dev[i]),
				  (unsigned long long)j->to[i].sector);
	}
	spin_unlock(&cp.lock);
	shown = 0;
	rcu_read_lock();
	for_each_process_thread(g, task) {
		unsigned int state = READ_ONCE(task->__state);

		if (!(state & TASK_UNINTERRUPTIBLE) || (state & TASK_NOLOAD))
			continue;
		if (shown++ == COPY_TASKS_SHOWN)
			goto out;
		ktap_diag("copy: blocked task %s/%d:", task->comm, task_pid_nr(task));
		sched_show_task(task);
	}
out:
	rcu_read_unlock();
}

/*
 * Copies on a fresh client, destroyed at once: dmio_copy_client_destroy()
 * must wait for them, so every callback has come when it returns. The
 * copies are then checked like the others (by this task: the threads are
 * gone). Returns the copies not called back when destroy returned.
 */
static int copy_destroy_test(unsigned int *started)
{
	struct cthread *t = &cp.threads[0];
	unsigned int i, extra = cp.ncc;
	int missing = 0;
	struct cjob *js[COPY_DESTROY_COPIES], *j;

	*started = 0;
	cp.cc[extra] = cp.spare;
	cp.spare = NULL;
	/* Only copies of the origin to good devices, of 256 KiB at most. */
	cp.nfaulty = 0;
	cp.nerrsrc = 0;
	cp.max_sectors = min_t(unsigned int, cp.max_sectors, COPY_DESTROY_SECTORS);
	cp.deadline = jiffies;	/* no chains */
	for (i = 0; i < COPY_DESTROY_COPIES; i++) {
		j = cjob_make(t, NULL, 0);
		js[i] = NULL;
		if (!j)
			continue;
		j->client = extra;
		j->chain_left = 0;
		/* Only this task checks it, below: still there after the call. */
		if (!cjob_start(j)) {
			js[i] = j;
			(*started)++;
		}
	}
	dmio_copy_client_destroy(cp.cc[extra]);
	cp.cc[extra] = NULL;
	spin_lock(&cp.lock);
	for (i = 0; i < COPY_DESTROY_COPIES; i++)
		if (js[i] && js[i]->state == CJ_INFLIGHT)
			missing++;
	spin_unlock(&cp.lock);
	if (missing)
		ktap_diag("copy: %d of %u copies not called back when destroy returned",
			  missing, *started);
	else
		cthread_check_done(t);
	return missing;
}

static void copy_teardown(bool stuck)
{
	unsigned int i;

	if (stuck) {
		/* Copies may still call back into this module: stay. */
		__module_get(THIS_MODULE);
		ktap_diag("copy: leaving the clients, devices and module in place");
		return;
	}
	for (i = 0; i < cp.ncc; i++)
		if (cp.cc[i])
			dmio_copy_client_destroy(cp.cc[i]);
	if (cp.spare)
		dmio_copy_client_destroy(cp.spare);
	kvfree(cp.jobs);
	for (i = 0; cp.threads && i < cp.nthreads; i++)
		vfree(cp.threads[i].buf);
	kfree(cp.threads);
	if (cp.vclient)
		dmio_client_destroy(cp.vclient);
	for (i = 0; i < cp.ndevs; i++) {
		bitmap_free(cp.devs[i].map);
		dmio_bdev_close(&cp.devs[i].bd);
	}
	dmio_bdev_close(&cp.origin);
	for (i = 0; i < ARRAY_SIZE(cp.lists); i++)
		kfree(cp.lists[i]);
	memset(&cp, 0, sizeof(cp));
}

static void copy_report(void)
{
	ktap_diag("copy: accepted=%lld refused=%lld copies=%lld zeroings=%lld by_hand=%lld",
		  atomic64_read(&cps.accepted), atomic64_read(&cps.refused),
		  atomic64_read(&cps.copies), atomic64_read(&cps.zeroes),
		  atomic64_read(&cps.cb_only));
	ktap_diag("copy: chains=%lld links_from_callbacks=%lld multi_dest=%lld",
		  atomic64_read(&cps.chains), atomic64_read(&cps.chained),
		  atomic64_read(&cps.multi_dest));
	ktap_diag("copy: ignore_error=%lld write_seq=%lld flushes=%lld",
		  atomic64_read(&cps.ignore), atomic64_read(&cps.seq),
		  atomic64_read(&cps.flushes));
	ktap_diag("copy: no_room=%lld out_of_jobs=%lld (of %ld)",
		  atomic64_read(&cps.no_room), atomic64_read(&cps.out_of_jobs), cp.njobs);
	ktap_diag("copy: to_failing_devices=%lld from_failing_device=%lld",
		  atomic64_read(&cps.faulty_copies), atomic64_read(&cps.err_source));
	ktap_diag("copy: write_err_bits=%lld read_errs=%lld bad_bits=%lld",
		  atomic64_read(&cps.write_err_bits), atomic64_read(&cps.read_errs),
		  atomic64_read(&cps.bad_bits));
	ktap_diag("copy: callbacks=%lld doubles=%lld wrong_context=%lld slept=%lld",
		  atomic64_read(&cps.callbacks), atomic64_read(&cps.doubles),
		  atomic64_read(&cps.wrong_context), atomic64_read(&cps.slept));
	ktap_diag("copy: bytes_copied=%lld dests_verified=%lld bytes_verified=%lld",
		  atomic64_read(&cps.bytes_copied), atomic64_read(&cps.dests_verified),
		  atomic64_read(&cps.bytes_verified));
	ktap_diag("copy: unverified=%lld mismatches=%lld verify_errors=%lld",
		  atomic64_read(&cps.unverified), atomic64_read(&cps.mismatches),
		  atomic64_read(&cps.verify_errors));
}

static void copy_run(void)
{
	unsigned long t0 = jiffies, end, destroy_ms, give_up;
	unsigned int i, destroyed = 0, stuck_threads = 0;
	s64 accepted, finished_n, cbs;
	bool ok_setup, finished, ran;
	int missing = -1, ret;

	ktap_begin(pressure ? "dmio-copy-pressure" : "dmio-copy");
	ret = copy_setup();
	/* The threads too are made before the faults are armed. */
	for (i = 0; !ret && i < cp.nthreads; i++) {
		struct cthread *t = &cp.threads[i];

		t->task = kthread_create(cthread_fn, t, "dmio_copy_t/%u", i);
		if (IS_ERR(t->task)) {
			ret = PTR_ERR(t->task);
			t->task = NULL;
		}
	}
	if (!ret)
		hog_fill();
	ok_setup = !ret && copy_wait_armed();
	if (!ret && !ok_setup)
		ktap_diag("copy: fault injection was never armed");
	ktap_report(ok_setup ? KTAP_PASS : KTAP_FAIL, "copy_setup");
	if (ret) {
		for (i = 0; cp.threads && i < cp.nthreads; i++)
			if (cp.threads[i].task)
				kthread_stop(cp.threads[i].task);
		hog_free();
		copy_teardown(false);
		ktap_end();
		return;
	}
	ktap_diag("copy: %u threads, %u clients (throttle of the second: %u%%), %u s, inject=%d",
		  cp.nthreads, cp.ncc, cp.ncc > 1 ? throttle_pct : 100, seconds, inject);
	ktap_diag("copy: copies up to %u KiB, hogging %lu pages (%lu free)",
		  cp.max_sectors / 2, hog_pages, nr_free_pages());
	t0 = jiffies;
	cp.deadline = jiffies + seconds * HZ;
	cp.limit = cp.deadline + finish_secs * HZ;
	for (i = 0; i < cp.nthreads; i++)
		wake_up_process(cp.threads[i].task);
	/*
	 * Sleep interruptibly: a long run is no hung task. A thread stuck
	 * inside a dmio call past the limit is left behind.
	 */
	give_up = cp.limit + 10 * HZ;
	for (i = 0; i < cp.nthreads; i++)
		while (!completion_done(&cp.threads[i].exited) && time_before(jiffies, give_up))
			msleep_interruptible(100);
	for (i = 0; i < cp.nthreads; i++) {
		if (!completion_done(&cp.threads[i].exited)) {
			stuck_threads++;
			continue;
		}
		kthread_stop(cp.threads[i].task);
		cp.threads[i].task = NULL;
	}
	end = jiffies;
	hog_free();

	accepted = atomic64_read(&cps.accepted);
	finished_n = atomic64_read(&cps.first_callbacks);
	finished = finished_n == accepted && !stuck_threads;
	if (finished) {
		unsigned int started;

		missing = copy_destroy_test(&started);
		ktap_diag("copy: destroy test: %u copies started on a client destroyed at once",
			  started);
		accepted = atomic64_read(&cps.accepted);
		finished = atomic64_read(&cps.first_callbacks) == accepted;
	}
	copy_report();
	ktap_diag("copy: phase took %u s (%u ms after the deadline to finish)",
		  jiffies_to_msecs(end - t0) / 1000,
		  time_after(end, cp.deadline) ? jiffies_to_msecs(end - cp.deadline) : 0);

	ran = accepted && atomic64_read(&cps.copies) && atomic64_read(&cps.multi_dest) &&
	      (!zero_pct || atomic64_read(&cps.zeroes)) &&
	      (!chain_pct || !max_chain || atomic64_read(&cps.chained)) &&
	      (!cp.nfaulty || !fault_pct || atomic64_read(&cps.faulty_copies)) &&
	      (!cp.nerrsrc || !read_err_pct || atomic64_read(&cps.err_source));
	ktap_report(ran ? KTAP_PASS : KTAP_FAIL, "copies_of_every_kind_made");
	if (!finished) {
		ktap_diag("copy: %lld of %lld copies never finished in %u s", accepted - finished_n,
			  accepted, finish_secs);
		ktap_diag("copy: %u of %u threads stuck, %d tasks inside a copy call",
			  stuck_threads, cp.nthreads, atomic_read(&cp.inside));
		copy_show_stuck();
	} else {
		ktap_diag("copy: all %lld copies finished", accepted);
	}
	ktap_report(finished ? KTAP_PASS : KTAP_FAIL, "copies_all_finished");
	ktap_report(atomic64_read(&cps.doubles) ? KTAP_FAIL : KTAP_PASS,
		    "callbacks_exactly_once");
	ktap_report(atomic64_read(&cps.wrong_context) ? KTAP_FAIL : KTAP_PASS,
		    "callbacks_in_process_context");
	ktap_report(atomic64_read(&cps.refused) ? KTAP_FAIL : KTAP_PASS, "no_copy_refused");
	ktap_report(atomic64_read(&cps.bad_bits) ? KTAP_FAIL : KTAP_PASS, "error_bits_exact");
	if (!finished) {
		ktap_report(KTAP_SKIP, "destinations_hold_the_source");
		/* missing: the destroy test ran, and left copies behind. */
		ktap_report(missing > 0 ? KTAP_FAIL : KTAP_SKIP, "destroy_waits_for_copies");
		ktap_report(KTAP_SKIP, "copy_clients_destroyed");
		copy_teardown(true);
		ktap_end();
		return;
	}
	ktap_report(atomic64_read(&cps.mismatches) || atomic64_read(&cps.verify_errors) ||
		    !atomic64_read(&cps.dests_verified) ? KTAP_FAIL : KTAP_PASS,
		    "destinations_hold_the_source");
	ktap_report(missing ? KTAP_FAIL : KTAP_PASS, "destroy_waits_for_copies");
	/* Flush and destroy every client; nothing may call back after. */
	end = jiffies;
	cbs = atomic64_read(&cps.callbacks);
	for (i = 0; i < cp.ncc; i++) {
		dmio_copy_client_flush(cp.cc[i]);
		dmio_copy_client_destroy(cp.cc[i]);
		cp.cc[i] = NULL;
		destroyed++;
	}
	destroy_ms = jiffies_to_msecs(jiffies - end);
	msleep(100);
	ktap_diag("copy: %u clients flushed and destroyed in %lu ms", destroyed, destroy_ms);
	ktap_report(atomic64_read(&cps.callbacks) == cbs ? KTAP_PASS : KTAP_FAIL,
		    "copy_clients_destroyed");
	copy_teardown(false);
	ktap_end();
}

static int __init torture_init(void)
{
	if (!strcmp(phase, "chain")) {
		chain_run();
	} else if (!strcmp(phase, "copy")) {
		copy_run();
	} else if (!strcmp(phase, "torture")) {
		torture_run();
	} else {
		ktap_begin("dmio-torture");
		ktap_diag("unknown phase=%s (torture, chain or copy)", phase);
		ktap_report(KTAP_FAIL, "setup");
		ktap_end();
	}
	return 0;
}

static void __exit torture_exit(void)
{
}

module_init(torture_init);
module_exit(torture_exit);

MODULE_DESCRIPTION("dmio torture run for debug kernels");
MODULE_LICENSE("GPL");
