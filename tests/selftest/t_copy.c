// SPDX-License-Identifier: GPL-2.0
/*
 * Copies and zeroing through the native API (dmio_copy(), dmio_zero()),
 * with the kernel's dm-kcopyd as the model: every byte of every
 * destination checked against a random pattern, the sector after each
 * destination checked untouched, and the callback counted (exactly once,
 * in process context, where it may sleep).
 */
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "tests.h"

/*
 * Where the copies go on the two 64 MiB ramdisks: sources on ram0 from
 * 8 MiB, destinations on ram1 from 8 MiB and on ram0 from 32 MiB. The
 * pattern the guest checks with dd (ram0, first 68 KiB) is never touched.
 */
#define CP_SRC		16384
#define CP_DST		16384
#define CP_DST2		65536
#define CP_SLOT		2560	/* sectors between the destinations of a copy */
#define CP_CHUNK	SZ_1M	/* bytes per read or write of the checks */
#define CP_WAIT		60	/* seconds a copy may take */

static u64 cp_seed;

/* What one copy reported, and how. */
struct copy_wait {
	struct completion done;
	atomic_t calls;
	int read_err;
	unsigned long write_err;
	bool in_task;
};

static void copy_done(int read_err, unsigned long write_err, void *context)
{
	struct copy_wait *w = context;

	w->read_err = read_err;
	w->write_err = write_err;
	w->in_task = in_task();
	/* Process context: the callback may sleep. */
	usleep_range(1000, 2000);
	if (atomic_inc_return(&w->calls) == 1)
		complete(&w->done);
}

static struct copy_wait *cw_alloc(void)
{
	struct copy_wait *w = kzalloc(sizeof(*w), GFP_KERNEL);

	if (w)
		init_completion(&w->done);
	return w;
}

/*
 * Wait for the callback of an accepted copy; true when it came once, in
 * process context. On a timeout @w is left allocated (a late callback
 * must not write to freed memory) and the caller must not free it.
 */
static bool cw_wait(struct copy_wait *w, unsigned int seconds)
{
	if (!wait_for_completion_timeout(&w->done, seconds * HZ)) {
		ktap_diag("no callback in %u s", seconds);
		return false;
	}
	/* Give a second, wrong, callback the time to show. */
	msleep(20);
	return ktap_expect(atomic_read(&w->calls) == 1, "%d callbacks",
			   atomic_read(&w->calls)) &&
	       ktap_expect(w->in_task, "callback not in process context");
}

/* The outcome of one copy or zeroing. */
struct copy_out {
	int read_err;
	unsigned long write_err;
};

/*
 * Run a copy (@from set) or a zeroing (@from NULL) and wait for it. True
 * when it was accepted and called back once, in process context.
 */
static bool run_copy(struct dmio_copy_client *cc, const struct dmio_region *from,
		     unsigned int n, const struct dmio_region *dests,
		     unsigned int flags, struct copy_out *o)
{
	struct copy_wait *w = cw_alloc();
	int ret;

	o->read_err = -1;
	o->write_err = ~0UL;
	if (!w)
		return false;
	if (from)
		ret = dmio_copy(cc, from, n, dests, flags, copy_done, w);
	else
		ret = dmio_zero(cc, n, dests, flags, copy_done, w);
	if (!ktap_expect(!ret, "%s refused: %d", from ? "copy" : "zero", ret)) {
		kfree(w);
		return false;
	}
	if (!cw_wait(w, CP_WAIT))
		return false;	/* w leaked on purpose */
	o->read_err = w->read_err;
	o->write_err = w->write_err;
	kfree(w);
	return true;
}

/* The pattern of @seed at byte @pos of a region, in a chunk buffer. */
static void chunk_fill(u64 *p, size_t len, u64 seed, u64 pos)
{
	size_t i;

	for (i = 0; i < len / 8; i++)
		p[i] = pattern_word(seed, pos + i * 8);
}

static int chunk_io(enum dmio_op op, void *buf, struct block_device *bdev,
		    sector_t sector, sector_t count)
{
	struct dmio_region where = { .bdev = bdev, .sector = sector, .count = count };
	struct dmio_request req = {
		.op = op, .mem.type = DMIO_MEM_VMALLOC, .mem.ptr.vaddr = buf,
		.client = tclient,
	};
	unsigned long bits = 0;
	int err = dmio_sync(&req, 1, &where, &bits, NULL);

	if (err)
		ktap_diag("%s of %llu+%llu failed: %d, bits %#lx",
			  op == DMIO_OP_READ ? "read" : "write",
			  (unsigned long long)sector, (unsigned long long)count,
			  err, bits);
	return err;
}

/* Write the pattern of @seed to @count sectors at @sector. */
static bool dev_fill(struct block_device *bdev, sector_t sector,
		     sector_t count, u64 seed)
{
	sector_t done, n;
	bool ok = true;
	void *buf;

	buf = vmalloc(CP_CHUNK);
	if (!buf)
		return false;
	for (done = 0; done < count && ok; done += n) {
		n = min_t(sector_t, count - done, CP_CHUNK >> SECTOR_SHIFT);
		chunk_fill(buf, n << SECTOR_SHIFT, seed, done << SECTOR_SHIFT);
		ok = !chunk_io(DMIO_OP_WRITE, buf, bdev, sector + done, n);
	}
	vfree(buf);
	return ok;
}

/*
 * Check that @count sectors at @sector hold the pattern of @seed from its
 * byte @pos0 on (with @zero: zeroes), reading them with plain dmio reads.
 */
static bool dev_check(struct block_device *bdev, sector_t sector,
		      sector_t count, u64 seed, u64 pos0, bool zero,
		      const char *what)
{
	sector_t done, n;
	bool ok = true;
	u64 *buf;
	size_t i;

	buf = vmalloc(CP_CHUNK);
	if (!buf)
		return false;
	for (done = 0; done < count && ok; done += n) {
		n = min_t(sector_t, count - done, CP_CHUNK >> SECTOR_SHIFT);
		memset(buf, 0x5a, CP_CHUNK);
		if (chunk_io(DMIO_OP_READ, buf, bdev, sector + done, n)) {
			ok = false;
			break;
		}
		for (i = 0; i < (n << SECTOR_SHIFT) / 8; i++) {
			u64 pos = pos0 + (done << SECTOR_SHIFT) + i * 8;
			u64 want = zero ? 0 : pattern_word(seed, pos);

			if (buf[i] != want) {
				ktap_diag("%s: sector %llu (+%llu) byte %zu: %016llx, not %016llx",
					  what, (unsigned long long)sector,
					  (unsigned long long)(done + i * 8 / SECTOR_SIZE),
					  i * 8 % SECTOR_SIZE, buf[i], want);
				ok = false;
				break;
			}
		}
	}
	vfree(buf);
	return ok;
}

static bool dev_holds(const struct dmio_region *r, sector_t count, u64 seed,
		      const char *what)
{
	return dev_check(r->bdev, r->sector, count, seed, 0, false, what);
}

static bool dev_zero(const struct dmio_region *r, sector_t count, const char *what)
{
	return dev_check(r->bdev, r->sector, count, 0, 0, true, what);
}

/*
 * The sector after a destination, which a copy of @count sectors must leave
 * alone: it still holds what dev_fill() of @count + 1 sectors with @seed
 * wrote there.
 */
static bool guard_holds(const struct dmio_region *r, sector_t count, u64 seed)
{
	return dev_check(r->bdev, r->sector + count, 1, seed,
			 count << SECTOR_SHIFT, false,
			 "the sector after the destination");
}

/*
 * Every destination holds the @count sectors of @seed, and the sector after
 * it what dev_fill() of @count + 1 sectors with @seed + 1 wrote (else
 * @past: "destination i: @past").
 */
static bool dests_hold(const struct dmio_region *dests, unsigned int n,
		       sector_t count, u64 seed, const char *past)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!dev_holds(&dests[i], count, seed, "destination") ||
		    !ktap_expect(guard_holds(&dests[i], count, seed + 1),
				 "destination %u: %s", i, past))
			return false;
	return true;
}

static struct dmio_copy_client *cc_create(struct dmio_throttle *t)
{
	struct dmio_copy_client *cc = dmio_copy_client_create(t);

	if (IS_ERR_OR_NULL(cc)) {
		ktap_diag("dmio_copy_client_create: %ld", PTR_ERR(cc));
		return NULL;
	}
	return cc;
}

/* Destination @i of a copy of up to @count sectors: ram1 and ram0 in turn. */
static void dest_layout(struct dmio_region *d, unsigned int n, sector_t count,
			sector_t slot)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		d[i].bdev = i & 1 ? tdev.ram0.bdev : tdev.ram1.bdev;
		d[i].sector = (i & 1 ? CP_DST2 : CP_DST) + (i / 2) * slot;
		d[i].count = count;
	}
}

/*
 * Copy @count sectors of ram0 to @n destinations with @flags; every byte of
 * every destination checked, and the sector after each untouched.
 */
static enum ktap_result copy_case(sector_t count, unsigned int n,
				  unsigned int flags, struct dmio_throttle *t)
{
	struct dmio_region from = {
		.bdev = tdev.ram0.bdev, .sector = CP_SRC, .count = count,
	};
	struct dmio_region dests[DMIO_COPY_MAX_DESTS];
	u64 seed = cp_seed + count * 16 + n + flags;
	enum ktap_result res = KTAP_FAIL;
	struct dmio_copy_client *cc;
	struct copy_out o;
	unsigned int i;

	cc = cc_create(t);
	if (!cc)
		return KTAP_FAIL;
	dest_layout(dests, n, count, n > 1 ? max_t(sector_t, count + 8, CP_SLOT) : 0);
	if (!dev_fill(from.bdev, from.sector, count, seed))
		goto out;
	for (i = 0; i < n; i++)
		if (!dev_fill(dests[i].bdev, dests[i].sector, count + 1, seed + 1))
			goto out;
	if (!run_copy(cc, &from, n, dests, flags, &o) ||
	    !ktap_expect(!o.read_err && !o.write_err, "read_err %d, write_err %#lx",
			 o.read_err, o.write_err))
		goto out;
	if (dests_hold(dests, n, count, seed, "written past its end"))
		res = KTAP_PASS;
out:
	dmio_copy_client_destroy(cc);
	return res;
}

/*
 * Destination counts are ignored: each destination gets the source's
 * count of sectors, whatever its own count says.
 */
static enum ktap_result dest_counts_ignored(void)
{
	sector_t count = 1024;
	struct dmio_region from = {
		.bdev = tdev.ram0.bdev, .sector = CP_SRC, .count = count,
	};
	struct dmio_region dests[3];
	u64 seed = cp_seed + 31;
	enum ktap_result res = KTAP_FAIL;
	struct dmio_copy_client *cc;
	struct copy_out o;
	unsigned int i;

	cc = cc_create(NULL);
	if (!cc)
		return KTAP_FAIL;
	dest_layout(dests, 3, count, CP_SLOT);
	dests[0].count = 1;
	dests[1].count = 8 * count;
	dests[2].count = count - 8;
	if (!dev_fill(from.bdev, from.sector, count, seed))
		goto out;
	for (i = 0; i < 3; i++)
		if (!dev_fill(dests[i].bdev, dests[i].sector, count + 1, seed + 1))
			goto out;
	if (!run_copy(cc, &from, 3, dests, 0, &o) ||
	    !ktap_expect(!o.read_err && !o.write_err, "read_err %d, write_err %#lx",
			 o.read_err, o.write_err))
		goto out;
	if (dests_hold(dests, 3, count, seed, "written past the source's count"))
		res = KTAP_PASS;
out:
	dmio_copy_client_destroy(cc);
	return res;
}

/*
 * @n destinations, destination @bad on dm-error: write_err is exactly
 * BIT(@bad), read_err 0. With IGNORE_ERROR every other destination is
 * written in full.
 */
static enum ktap_result failing_dest(unsigned int n, unsigned int bad, bool ignore)
{
	sector_t count = SZ_2M / SECTOR_SIZE + 3;
	struct dmio_region from = {
		.bdev = tdev.ram0.bdev, .sector = CP_SRC, .count = count,
	};
	struct dmio_region dests[DMIO_COPY_MAX_DESTS];
	u64 seed = cp_seed + 100 + n * 10 + bad + ignore;
	enum ktap_result res = KTAP_FAIL;
	struct dmio_copy_client *cc;
	struct copy_out o;
	unsigned int i;

	if (!tdev.err.bdev)
		return KTAP_SKIP;
	cc = cc_create(NULL);
	if (!cc)
		return KTAP_FAIL;
	dest_layout(dests, n, count, count + 8);
	dests[bad].bdev = tdev.err.bdev;
	dests[bad].sector = 0;
	if (!dev_fill(from.bdev, from.sector, count, seed))
		goto out;
	for (i = 0; i < n; i++)
		if (i != bad &&
		    !dev_fill(dests[i].bdev, dests[i].sector, count + 1, seed + 1))
			goto out;
	if (!run_copy(cc, &from, n, dests, ignore ? DMIO_COPY_IGNORE_ERROR : 0, &o) ||
	    !ktap_expect(!o.read_err && o.write_err == BIT(bad),
			 "read_err %d, write_err %#lx, want %#lx", o.read_err,
			 o.write_err, BIT(bad)))
		goto out;
	for (i = 0; i < n; i++) {
		if (i == bad)
			continue;
		if (ignore && !dev_holds(&dests[i], count, seed, "healthy destination"))
			goto out;
		if (!ktap_expect(guard_holds(&dests[i], count, seed + 1),
				 "destination %u: written past its end", i))
			goto out;
	}
	res = KTAP_PASS;
out:
	dmio_copy_client_destroy(cc);
	return res;
}

/*
 * Without IGNORE_ERROR a failed write stops the copy: of a 24 MiB copy to
 * a healthy and a failing destination, the last piece never reaches the
 * healthy one (the kernel's kcopyd keeps at most 4 MiB in flight).
 */
static enum ktap_result error_stops_copy(void)
{
	sector_t count = 24 * (SZ_1M / SECTOR_SIZE), tail = 8;
	struct dmio_region from = {
		.bdev = tdev.ram0.bdev, .sector = CP_SRC, .count = count,
	};
	struct dmio_region dests[2] = {
		{ .bdev = tdev.ram1.bdev, .sector = CP_DST, .count = count },
		{ .bdev = tdev.err.bdev, .sector = 0, .count = count },
	};
	struct dmio_region last = {
		.bdev = tdev.ram1.bdev, .sector = CP_DST + count - tail,
	};
	u64 seed = cp_seed + 200;
	enum ktap_result res = KTAP_FAIL;
	struct dmio_copy_client *cc;
	struct copy_out o;

	if (!tdev.err.bdev)
		return KTAP_SKIP;
	cc = cc_create(NULL);
	if (!cc)
		return KTAP_FAIL;
	/* Only the tails matter: new data at the source's, old at the copy's. */
	if (!dev_fill(from.bdev, from.sector + count - tail, tail, seed) ||
	    !dev_fill(last.bdev, last.sector, tail, seed + 1))
		goto out;
	if (run_copy(cc, &from, 2, dests, 0, &o) &&
	    ktap_expect(!o.read_err && o.write_err == BIT(1),
			"read_err %d, write_err %#lx", o.read_err, o.write_err) &&
	    ktap_expect(dev_holds(&last, tail, seed + 1, "tail of the healthy destination"),
			"the copy went on after the error"))
		res = KTAP_PASS;
out:
	dmio_copy_client_destroy(cc);
	return res;
}

/*
 * The source fails (dm-error): read_err set, write_err 0. Without
 * IGNORE_ERROR nothing is written; with it every destination is written
 * with what the read gave: zeroes.
 */
static enum ktap_result failing_source(bool ignore)
{
	sector_t count = SZ_1M / SECTOR_SIZE + 1;
	struct dmio_region from = { .bdev = tdev.err.bdev, .sector = 0, .count = count };
	struct dmio_region dests[2];
	u64 seed = cp_seed + 300 + ignore;
	enum ktap_result res = KTAP_FAIL;
	struct dmio_copy_client *cc;
	struct copy_out o;
	unsigned int i;

	if (!tdev.err.bdev)
		return KTAP_SKIP;
	cc = cc_create(NULL);
	if (!cc)
		return KTAP_FAIL;
	dest_layout(dests, 2, count, CP_SLOT);
	for (i = 0; i < 2; i++)
		if (!dev_fill(dests[i].bdev, dests[i].sector, count + 1, seed))
			goto out;
	if (!run_copy(cc, &from, 2, dests, ignore ? DMIO_COPY_IGNORE_ERROR : 0, &o) ||
	    !ktap_expect(o.read_err == 1 && !o.write_err, "read_err %d, write_err %#lx",
			 o.read_err, o.write_err))
		goto out;
	for (i = 0; i < 2; i++) {
		if (ignore ? !dev_zero(&dests[i], count, "destination of a failed read") :
			     !dev_holds(&dests[i], count, seed, "untouched destination"))
			goto out;
		if (!ktap_expect(guard_holds(&dests[i], count, seed),
				 "destination %u: written past its end", i))
			goto out;
	}
	res = KTAP_PASS;
out:
	dmio_copy_client_destroy(cc);
	return res;
}

static const char *zdev_name(struct block_device *bdev)
{
	if (bdev == tdev.loop.bdev)
		return "loop";
	return bdev == tdev.ram0.bdev ? "ram0" : "ram1";
}

/*
 * Zero @count sectors on @n devices (their first count is the length, the
 * others' are ignored): all zeroes, the sector after untouched.
 */
static enum ktap_result zero_case(struct block_device **devs, unsigned int n,
				  sector_t count)
{
	struct dmio_region dests[DMIO_COPY_MAX_DESTS];
	u64 seed = cp_seed + 400 + count + n;
	enum ktap_result res = KTAP_FAIL;
	struct dmio_copy_client *cc;
	struct copy_out o;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!devs[i])
			return KTAP_SKIP;
		dests[i].bdev = devs[i];
		dests[i].sector = CP_DST + i * (count + 8);
		dests[i].count = i ? 8 : count;
		ktap_diag("zero: %s %s write zeroes", zdev_name(devs[i]),
			  bdev_write_zeroes_sectors(devs[i]) ? "has" : "lacks");
	}
	cc = cc_create(NULL);
	if (!cc)
		return KTAP_FAIL;
	for (i = 0; i < n; i++)
		if (!dev_fill(dests[i].bdev, dests[i].sector, count + 1, seed))
			goto out;
	if (!run_copy(cc, NULL, n, dests, 0, &o) ||
	    !ktap_expect(!o.read_err && !o.write_err, "read_err %d, write_err %#lx",
			 o.read_err, o.write_err))
		goto out;
	for (i = 0; i < n; i++)
		if (!dev_zero(&dests[i], count, "zeroed destination") ||
		    !ktap_expect(guard_holds(&dests[i], count, seed),
				 "destination %u: zeroed past its end", i))
			goto out;
	res = KTAP_PASS;
out:
	dmio_copy_client_destroy(cc);
	return res;
}

static enum ktap_result zero_one(struct block_device *bdev, sector_t count)
{
	return zero_case(&bdev, 1, count);
}

static enum ktap_result zero_mixed(void)
{
	struct block_device *devs[3] = { tdev.ram0.bdev, tdev.loop.bdev, tdev.ram1.bdev };

	return zero_case(devs, 3, SZ_1M / SECTOR_SIZE + 5);
}

/* Zeroing with a failing destination: its bit, and the others zeroed. */
static enum ktap_result zero_failing_dest(void)
{
	sector_t count = SZ_1M / SECTOR_SIZE;
	struct dmio_region dests[3];
	u64 seed = cp_seed + 500;
	enum ktap_result res = KTAP_FAIL;
	struct dmio_copy_client *cc;
	struct copy_out o;

	if (!tdev.err.bdev)
		return KTAP_SKIP;
	dest_layout(dests, 3, count, CP_SLOT);
	dests[2].bdev = tdev.err.bdev;
	dests[2].sector = 0;
	cc = cc_create(NULL);
	if (!cc)
		return KTAP_FAIL;
	if (!dev_fill(dests[0].bdev, dests[0].sector, count, seed) ||
	    !dev_fill(dests[1].bdev, dests[1].sector, count, seed))
		goto out;
	if (run_copy(cc, NULL, 3, dests, DMIO_COPY_IGNORE_ERROR, &o) &&
	    ktap_expect(!o.read_err && o.write_err == BIT(2),
			"read_err %d, write_err %#lx", o.read_err, o.write_err) &&
	    dev_zero(&dests[0], count, "zeroed destination 0") &&
	    dev_zero(&dests[1], count, "zeroed destination 1"))
		res = KTAP_PASS;
out:
	dmio_copy_client_destroy(cc);
	return res;
}

/* prepare_callback() + do_callback(): the callback once, with our values. */
static enum ktap_result prepared_callback(int read_err, unsigned long write_err)
{
	struct dmio_copy_client *cc = cc_create(NULL);
	enum ktap_result res = KTAP_FAIL;
	struct copy_wait *w;
	void *job;

	if (!cc)
		return KTAP_FAIL;
	w = cw_alloc();
	if (!w)
		goto out;
	job = dmio_copy_prepare_callback(cc, copy_done, w);
	if (!ktap_expect(!IS_ERR_OR_NULL(job), "prepare_callback: %ld", PTR_ERR(job))) {
		kfree(w);
		goto out;
	}
	dmio_copy_do_callback(job, read_err, write_err);
	if (!cw_wait(w, CP_WAIT))
		goto out;
	if (ktap_expect(w->read_err == read_err && w->write_err == write_err,
			"got %d/%#lx, gave %d/%#lx", w->read_err, w->write_err,
			read_err, write_err))
		res = KTAP_PASS;
	kfree(w);
out:
	dmio_copy_client_destroy(cc);
	return res;
}

#define FLUSH_COPIES	4

/* A callback that takes its time, so a flush that does not wait shows. */
static void slow_done(int read_err, unsigned long write_err, void *context)
{
	msleep(100);
	copy_done(read_err, write_err, context);
}

/*
 * dmio_copy_client_flush() returns once the callbacks that were ready
 * when it was called have run: four prepared jobs handed to
 * dmio_copy_do_callback(), each callback 100 ms long.
 */
static enum ktap_result flush_runs_ready_callbacks(void)
{
	struct copy_wait *w[FLUSH_COPIES] = { NULL };
	enum ktap_result res = KTAP_FAIL;
	struct dmio_copy_client *cc;
	unsigned int i, started = 0;
	void *job;

	cc = cc_create(NULL);
	if (!cc)
		return KTAP_FAIL;
	for (i = 0; i < FLUSH_COPIES; i++) {
		w[i] = cw_alloc();
		if (!w[i])
			goto wait;
	}
	for (i = 0; i < FLUSH_COPIES; i++) {
		job = dmio_copy_prepare_callback(cc, slow_done, w[i]);
		if (!ktap_expect(!IS_ERR_OR_NULL(job), "prepare_callback %u", i))
			goto wait;
		dmio_copy_do_callback(job, 0, 0);
		started++;
	}
	dmio_copy_client_flush(cc);
	for (i = 0; i < started; i++)
		if (!ktap_expect(completion_done(&w[i]->done),
				 "callback %u had not run when flush returned", i))
			break;
	if (i == FLUSH_COPIES)
		res = KTAP_PASS;
wait:
	for (i = 0; i < started; i++)
		if (!cw_wait(w[i], CP_WAIT))
			return KTAP_FAIL;	/* waits and client kept */
	for (i = 0; i < FLUSH_COPIES; i++)
		kfree(w[i]);
	dmio_copy_client_destroy(cc);
	return res;
}

/*
 * dmio_copy_client_destroy() waits for every accepted copy: copies to the
 * slow device (300 ms per I/O) are still in flight when it is called, and
 * have all called back when it returns.
 */
static enum ktap_result destroy_waits_for_copies(void)
{
	struct block_device *slow = tdev.slow.bdev;
	struct copy_wait *w[FLUSH_COPIES] = { NULL };
	struct dmio_region from = {
		.bdev = tdev.ram0.bdev, .sector = CP_SRC, .count = 128,
	};
	struct dmio_region dest = { .bdev = slow, .count = 128 };
	enum ktap_result res = KTAP_FAIL;
	struct dmio_copy_client *cc;
	unsigned int i, started = 0;

	if (!slow)
		return KTAP_SKIP;
	cc = cc_create(NULL);
	if (!cc)
		return KTAP_FAIL;
	if (!dev_fill(from.bdev, from.sector, 128, cp_seed + 600))
		goto destroy;
	for (i = 0; i < FLUSH_COPIES; i++) {
		w[i] = cw_alloc();
		if (!w[i])
			goto destroy;
		dest.sector = i * 256;
		if (!ktap_expect(!dmio_copy(cc, &from, 1, &dest, 0, copy_done, w[i]),
				 "copy %u refused", i))
			goto destroy;
		started++;
	}
	dmio_copy_client_destroy(cc);
	cc = NULL;
	for (i = 0; i < started; i++)
		if (!ktap_expect(completion_done(&w[i]->done),
				 "copy %u had not called back when destroy returned", i))
			break;
	if (i == FLUSH_COPIES)
		res = KTAP_PASS;
destroy:
	dmio_copy_client_destroy(cc);
	for (i = 0; i < started; i++)
		if (!cw_wait(w[i], CP_WAIT))
			return KTAP_FAIL;	/* waits kept */
	for (i = 0; i < started; i++) {
		dest.sector = i * 256;
		if (!ktap_expect(!w[i]->read_err && !w[i]->write_err,
				 "copy %u: %d/%#lx", i, w[i]->read_err, w[i]->write_err) ||
		    !dev_holds(&dest, 128, cp_seed + 600, "copy to the slow device"))
			res = KTAP_FAIL;
	}
	for (i = 0; i < FLUSH_COPIES; i++)
		kfree(w[i]);
	return res;
}

/* A callback starts the next copy (process context, same client). */
struct chain {
	struct dmio_copy_client *cc;
	struct dmio_region from, to;
	struct copy_wait *second;
	int ret;
	atomic_t calls;
};

static void chain_first_done(int read_err, unsigned long write_err, void *context)
{
	struct chain *c = context;

	if (atomic_inc_return(&c->calls) > 1)
		return;
	if (read_err || write_err) {
		c->ret = -EIO;
		complete(&c->second->done);
		return;
	}
	c->ret = dmio_copy(c->cc, &c->from, 1, &c->to, 0, copy_done, c->second);
	if (c->ret)
		complete(&c->second->done);
}

static enum ktap_result chained_copy(void)
{
	sector_t count = 512;
	u64 seed = cp_seed + 700;
	enum ktap_result res = KTAP_FAIL;
	struct dmio_region src = {
		.bdev = tdev.ram0.bdev, .sector = CP_SRC, .count = count,
	};
	struct chain *c;
	int ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return KTAP_FAIL;
	c->second = cw_alloc();
	c->cc = cc_create(NULL);
	if (!c->second || !c->cc)
		goto out;
	/* ram0 -> ram1, then, from the callback, that copy -> ram0 again. */
	c->from.bdev = tdev.ram1.bdev;
	c->from.sector = CP_DST;
	c->from.count = count;
	c->to.bdev = tdev.ram0.bdev;
	c->to.sector = CP_DST2;
	c->to.count = count;
	if (!dev_fill(src.bdev, src.sector, count, seed) ||
	    !dev_fill(c->from.bdev, c->from.sector, count, seed + 1) ||
	    !dev_fill(c->to.bdev, c->to.sector, count, seed + 2))
		goto out;
	ret = dmio_copy(c->cc, &src, 1, &c->from, 0, chain_first_done, c);
	if (!ktap_expect(!ret, "first copy refused: %d", ret))
		goto out;
	if (!wait_for_completion_timeout(&c->second->done, CP_WAIT * HZ)) {
		ktap_diag("the chained copies did not finish");
		return KTAP_FAIL;	/* c kept: callbacks may still come */
	}
	msleep(20);
	if (ktap_expect(!c->ret, "second copy: %d", c->ret) &&
	    ktap_expect(atomic_read(&c->calls) == 1 &&
			atomic_read(&c->second->calls) == 1,
			"callbacks: %d and %d", atomic_read(&c->calls),
			atomic_read(&c->second->calls)) &&
	    ktap_expect(!c->second->read_err && !c->second->write_err,
			"second copy: %d/%#lx", c->second->read_err,
			c->second->write_err) &&
	    dev_holds(&c->to, count, seed, "copy of the copy"))
		res = KTAP_PASS;
out:
	if (c->cc)
		dmio_copy_client_destroy(c->cc);
	kfree(c->second);
	kfree(c);
	return res;
}

/*
 * A throttle of 10 %: copies still complete, byte for byte, and the
 * throttle counts no piece in flight afterwards. Two clients share it.
 */
static enum ktap_result copy_under_throttle(void)
{
	sector_t count = SZ_2M / SECTOR_SIZE + 1;
	struct dmio_region from[2], to[2];
	struct dmio_copy_client *cc[2] = { NULL };
	struct copy_wait *w[2] = { NULL };
	u64 seed = cp_seed + 800;
	enum ktap_result res = KTAP_FAIL;
	struct dmio_throttle *t;
	unsigned long start;
	unsigned int i, started = 0;
	bool leak = false;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return KTAP_FAIL;
	t->throttle = 10;
	for (i = 0; i < 2; i++) {
		from[i].bdev = tdev.ram0.bdev;
		from[i].sector = CP_SRC + i * (count + 8);
		from[i].count = count;
		to[i].bdev = tdev.ram1.bdev;
		to[i].sector = CP_DST + i * (count + 8);
		to[i].count = count;
		cc[i] = cc_create(t);
		w[i] = cw_alloc();
		if (!cc[i] || !w[i] ||
		    !dev_fill(from[i].bdev, from[i].sector, count, seed + i) ||
		    !dev_fill(to[i].bdev, to[i].sector, count + 1, seed + 2))
			goto out;
	}
	start = jiffies;
	for (i = 0; i < 2; i++) {
		if (!ktap_expect(!dmio_copy(cc[i], &from[i], 1, &to[i], 0,
					    copy_done, w[i]), "copy %u refused", i))
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		if (!cw_wait(w[i], 2 * CP_WAIT))
			leak = true;
	if (leak)
		return KTAP_FAIL;	/* waits, clients and throttle all kept */
	ktap_diag("two copies of %llu KiB at 10 %%: %u ms",
		  (unsigned long long)count / 2, jiffies_to_msecs(jiffies - start));
	if (started < 2)
		goto out;
	for (i = 0; i < 2; i++)
		if (!ktap_expect(!w[i]->read_err && !w[i]->write_err, "copy %u: %d/%#lx",
				 i, w[i]->read_err, w[i]->write_err) ||
		    !dev_holds(&to[i], count, seed + i, "copy at 10 %") ||
		    !guard_holds(&to[i], count, seed + 2))
			goto out;
	if (ktap_expect(!t->num_io_jobs, "throttle still counts %u pieces",
			t->num_io_jobs))
		res = KTAP_PASS;
out:
	for (i = 0; i < 2; i++) {
		if (cc[i])
			dmio_copy_client_destroy(cc[i]);
		kfree(w[i]);
	}
	kfree(t);
	return res;
}

/* Clients come and go, with and without a throttle, none used. */
static enum ktap_result client_create_destroy(void)
{
	struct dmio_throttle t = { .throttle = 50 };
	struct dmio_copy_client *cc;
	unsigned int i;

	for (i = 0; i < 32; i++) {
		cc = dmio_copy_client_create(i & 1 ? &t : NULL);
		if (!ktap_expect(!IS_ERR_OR_NULL(cc), "iteration %u: %ld", i, PTR_ERR(cc)))
			return KTAP_FAIL;
		if (i & 2)
			dmio_copy_client_flush(cc);
		dmio_copy_client_destroy(cc);
	}
	return KTAP_PASS;
}

/* A refused call: -EINVAL and never a callback. */
enum bad_kind {
	BAD_NO_CLIENT, BAD_NO_DESTS, BAD_TOO_MANY_DESTS, BAD_NULL_DESTS,
	BAD_FLAG_0, BAD_FLAG_3, BAD_FLAG_31, BAD_NO_CALLBACK,
};

static const char * const bad_names[] = {
	"no_client", "zero_dests", "nine_dests", "null_dests",
	"unknown_flag_bit0", "unknown_flag_bit3", "unknown_flag_bit31",
	"no_callback",
};

static enum ktap_result bad_input(enum bad_kind kind, bool zero)
{
	struct dmio_region from = { .bdev = tdev.ram0.bdev, .sector = CP_SRC, .count = 8 };
	struct dmio_region dests[DMIO_COPY_MAX_DESTS + 1];
	struct dmio_copy_client *cc = cc_create(NULL), *use;
	const struct dmio_region *d = dests;
	dmio_copy_fn fn = copy_done;
	unsigned int n = 2, flags = 0;
	enum ktap_result res = KTAP_FAIL;
	struct copy_wait *w;
	int ret;

	if (!cc)
		return KTAP_FAIL;
	w = cw_alloc();
	if (!w)
		goto out;
	dest_layout(dests, ARRAY_SIZE(dests), 8, 16);
	use = cc;
	switch (kind) {
	case BAD_NO_CLIENT:
		use = NULL;
		break;
	case BAD_NO_DESTS:
		n = 0;
		break;
	case BAD_TOO_MANY_DESTS:
		n = DMIO_COPY_MAX_DESTS + 1;
		break;
	case BAD_NULL_DESTS:
		d = NULL;
		break;
	case BAD_FLAG_0:
		flags = BIT(0);
		break;
	case BAD_FLAG_3:
		flags = BIT(3);
		break;
	case BAD_FLAG_31:
		flags = BIT(31);
		break;
	case BAD_NO_CALLBACK:
		fn = NULL;
		break;
	}
	if (zero)
		ret = dmio_zero(use, n, d, flags, fn, w);
	else
		ret = dmio_copy(use, &from, n, d, flags, fn, w);
	msleep(50);
	if (ktap_expect(ret == -EINVAL, "got %d", ret) &&
	    ktap_expect(!atomic_read(&w->calls), "%d callbacks for a refused call",
			atomic_read(&w->calls)))
		res = KTAP_PASS;
	if (!ret && !cw_wait(w, CP_WAIT))
		return KTAP_FAIL;	/* accepted, never called back: all kept */
	kfree(w);
out:
	dmio_copy_client_destroy(cc);
	return res;
}

void run_copy_tests(void)
{
	static const sector_t sizes[] = { 1, 8, SZ_1M / SECTOR_SIZE,
					  SZ_8M / SECTOR_SIZE + 1 };
	static const char * const size_names[] = { "512", "4k", "1m", "8m_plus_512" };
	struct dmio_throttle t100 = { .throttle = 100 };
	unsigned int i;

	get_random_bytes(&cp_seed, sizeof(cp_seed));
	ktap_diag("copy pattern seed %#llx", cp_seed);
	ktap_report(client_create_destroy(), "copy_client_create_destroy");
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		ktap_report(copy_case(sizes[i], 1, 0, NULL), "copy_single_%s", size_names[i]);
	ktap_report(copy_case(SZ_1M / SECTOR_SIZE + 1, 2, 0, NULL), "copy_2_dests");
	ktap_report(copy_case(SZ_1M / SECTOR_SIZE + 1, DMIO_COPY_MAX_DESTS, 0, NULL),
		    "copy_8_dests");
	ktap_report(copy_case(SZ_2M / SECTOR_SIZE + 1, 2, DMIO_COPY_WRITE_SEQ, NULL),
		    "copy_write_seq_2_dests");
	ktap_report(dest_counts_ignored(), "copy_dest_counts_ignored");
	ktap_report(failing_dest(3, 1, false), "copy_failing_dest_1_of_3_write_err");
	ktap_report(failing_dest(3, 1, true), "copy_failing_dest_1_of_3_ignore_error");
	ktap_report(failing_dest(8, 7, true), "copy_failing_dest_7_of_8_ignore_error");
	ktap_report(failing_dest(8, 0, false), "copy_failing_dest_0_of_8_write_err");
	ktap_report(error_stops_copy(), "copy_error_stops_remaining_pieces");
	ktap_report(failing_source(false), "copy_failing_source_dests_untouched");
	ktap_report(failing_source(true), "copy_failing_source_ignore_error_zeroes");
	ktap_report(zero_one(tdev.ram0.bdev, SZ_1M / SECTOR_SIZE), "zero_ram0_1m");
	ktap_report(zero_one(tdev.ram0.bdev, SZ_8M / SECTOR_SIZE + 1),
		    "zero_ram0_8m_plus_512");
	ktap_report(zero_one(tdev.loop.bdev, SZ_1M / SECTOR_SIZE + 1), "zero_loop_1m_plus_512");
	ktap_report(zero_mixed(), "zero_3_dests_first_count_is_length");
	ktap_report(zero_failing_dest(), "zero_failing_dest_write_err");
	ktap_report(prepared_callback(0, 0), "copy_prepare_do_callback_clean");
	ktap_report(prepared_callback(1, 0x5), "copy_prepare_do_callback_errors");
	ktap_report(flush_runs_ready_callbacks(), "copy_client_flush_runs_ready_callbacks");
	ktap_report(destroy_waits_for_copies(), "copy_client_destroy_waits_for_copies");
	ktap_report(chained_copy(), "copy_started_from_callback");
	ktap_report(copy_under_throttle(), "copy_throttle_10_two_clients");
	ktap_report(copy_case(SZ_1M / SECTOR_SIZE, 1, 0, &t100), "copy_throttle_100");
	for (i = 0; i < ARRAY_SIZE(bad_names); i++) {
		ktap_report(bad_input(i, false), "copy_bad_%s", bad_names[i]);
		ktap_report(bad_input(i, true), "zero_bad_%s", bad_names[i]);
	}
}
