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
 * The verdict is KTAP on the console; counts are KTAP diagnostics. The
 * module's init runs the whole torture, interruptibly, then stays loaded
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
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swap.h>
#include <linux/vmalloc.h>
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

static int __init torture_init(void)
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
	return 0;
}

static void __exit torture_exit(void)
{
}

module_init(torture_init);
module_exit(torture_exit);

MODULE_DESCRIPTION("dmio torture run for debug kernels");
MODULE_LICENSE("GPL");
