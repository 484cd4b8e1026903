// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: several threads keep batches of asynchronous writes (1 or 2
 * regions, mixed memory types and sizes) and then reads in flight, for a
 * bounded time, verifying every byte and that each request completes once.
 */
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/slab.h>
#include "tests.h"

#define STRESS_THREADS	4
#define STRESS_BATCH	8
#define STRESS_SLOTS	32
#define STRESS_SLOT	128		/* sectors (64 KiB) per slot */
#define STRESS_BASE	49152		/* 24 MiB into the devices */

struct stress_req {
	struct tbuf buf;
	struct dmio_region where[2];
	unsigned int nregions;
	u64 seed;
	atomic_t calls;
	unsigned long error_bits;
	struct completion done;
};

struct stress_thread {
	unsigned int id;
	unsigned long deadline;
	struct completion finished;
	unsigned long requests;
	unsigned long long bytes_verified;
	unsigned long failures;
	struct stress_req reqs[STRESS_BATCH];
};

static void stress_notify(const unsigned long *error_bits,
			  const unsigned long *unsup_bits, void *context)
{
	struct stress_req *r = context;

	r->error_bits = error_bits[0] | unsup_bits[0];
	if (atomic_inc_return(&r->calls) == 1)
		complete(&r->done);
}

static const enum dmio_mem_type stress_types[] = {
	DMIO_MEM_PAGE_LIST, DMIO_MEM_BVEC, DMIO_MEM_VMALLOC, DMIO_MEM_KERNEL,
};

/* Submit every request of the batch, then wait for all of them. */
static void stress_round(struct stress_thread *t, enum dmio_op op,
			 unsigned int n)
{
	struct dmio_request req = { .op = op, .client = tclient,
				    .notify = stress_notify };
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		struct stress_req *r = &t->reqs[i];

		atomic_set(&r->calls, 0);
		r->error_bits = 0;
		init_completion(&r->done);
		req.mem = r->buf.mem;
		req.context = r;
		if (op == DMIO_OP_READ)
			tbuf_poison(&r->buf);
		err = dmio_async(&req, op == DMIO_OP_READ ? 1 : r->nregions,
				 r->where);
		if (err) {
			ktap_diag("thread %u: dmio_async: %d", t->id, err);
			t->failures++;
			complete(&r->done);
			atomic_inc(&r->calls);
		}
		t->requests++;
	}
	for (i = 0; i < n; i++) {
		struct stress_req *r = &t->reqs[i];

		if (!wait_for_completion_timeout(&r->done, 60 * HZ)) {
			ktap_diag("thread %u: request did not complete", t->id);
			t->failures++;
			continue;
		}
		if (r->error_bits) {
			ktap_diag("thread %u: error bits %#lx", t->id, r->error_bits);
			t->failures++;
		}
	}
	msleep(20);
	for (i = 0; i < n; i++)
		if (atomic_read(&t->reqs[i].calls) != 1) {
			ktap_diag("thread %u: %d completions", t->id,
				  atomic_read(&t->reqs[i].calls));
			t->failures++;
		}
}

static int stress_fn(void *data)
{
	struct stress_thread *t = data;
	sector_t zone = STRESS_BASE + t->id * STRESS_SLOTS * STRESS_SLOT;
	unsigned int i, n, slot0;

	while (time_before(jiffies, t->deadline) && !t->failures) {
		n = 1 + get_random_u32() % STRESS_BATCH;
		slot0 = get_random_u32() % (STRESS_SLOTS - n + 1);
		for (i = 0; i < n; i++) {
			struct stress_req *r = &t->reqs[i];
			size_t len = (1 + get_random_u32() % 16) * 4096;
			sector_t s = zone + (slot0 + i) * STRESS_SLOT;

			if (tbuf_alloc(&r->buf, stress_types[get_random_u32() % 4], len)) {
				t->failures++;
				n = i;
				break;
			}
			r->seed = get_random_u64();
			tbuf_fill(&r->buf, r->seed);
			r->nregions = 1 + get_random_u32() % 2;
			r->where[0] = (struct dmio_region){ tdev.ram0.bdev, s, len >> 9 };
			r->where[1] = (struct dmio_region){ tdev.ram1.bdev, s, len >> 9 };
		}
		stress_round(t, DMIO_OP_WRITE, n);
		/* Read back from the last region each request wrote. */
		for (i = 0; i < n; i++)
			if (t->reqs[i].nregions == 2)
				swap(t->reqs[i].where[0], t->reqs[i].where[1]);
		stress_round(t, DMIO_OP_READ, n);
		for (i = 0; i < n; i++) {
			struct stress_req *r = &t->reqs[i];

			if (tbuf_check(&r->buf, r->seed, r->buf.len))
				t->bytes_verified += r->buf.len;
			else
				t->failures++;
			tbuf_free(&r->buf);
		}
	}
	complete(&t->finished);
	return 0;
}

void run_stress_tests(unsigned int seconds)
{
	struct stress_thread *threads;
	unsigned long long bytes = 0;
	unsigned long reqs = 0, failures = 0;
	struct task_struct *task;
	unsigned int i;

	threads = kcalloc(STRESS_THREADS, sizeof(*threads), GFP_KERNEL);
	if (!threads) {
		ktap_report(KTAP_FAIL, "stress_async_mixed");
		return;
	}
	for (i = 0; i < STRESS_THREADS; i++) {
		threads[i].id = i;
		threads[i].deadline = jiffies + seconds * HZ;
		init_completion(&threads[i].finished);
		task = kthread_run(stress_fn, &threads[i], "dmio-stress/%u", i);
		if (IS_ERR(task)) {
			threads[i].failures++;
			complete(&threads[i].finished);
		}
	}
	for (i = 0; i < STRESS_THREADS; i++) {
		wait_for_completion(&threads[i].finished);
		reqs += threads[i].requests;
		bytes += threads[i].bytes_verified;
		failures += threads[i].failures;
	}
	ktap_diag("stress: %u threads, %lu requests, %llu bytes verified, %lu failures",
		  STRESS_THREADS, reqs, bytes, failures);
	ktap_report(!failures && reqs ? KTAP_PASS : KTAP_FAIL, "stress_async_mixed");
	kfree(threads);
}
