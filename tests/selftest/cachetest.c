// SPDX-License-Identifier: GPL-2.0
/*
 * Workload for the example cache target (examples/wtcache), run through the
 * target with dmio itself (no page cache in the way):
 *
 *   mode=integrity  fill an area, then random writes and reads of 512 B to
 *                   1 MiB, every sector checked against what was last
 *                   written there; finally the origin (when given) is read
 *                   directly and must hold exactly the same.
 *   mode=verify     what a mode=integrity run with the same seed, ops_seed,
 *                   ops and area_mib left: its operations are replayed
 *                   without I/O, then @dev is read and checked. A write-back
 *                   cache is written in one run, cleaned, and its origin
 *                   checked in a second.
 *   mode=readset    read a working set twice and time both passes.
 */
#include <linux/blkdev.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/vmalloc.h>
#include <dmio/dmio.h>
#include "ktap.h"
#include "util.h"

static char *dev = "/dev/mapper/wtc";
module_param(dev, charp, 0444);
MODULE_PARM_DESC(dev, "the cache target");
static char *origin = "";
module_param(origin, charp, 0444);
MODULE_PARM_DESC(origin, "its origin device, read directly at the end");
static char *mode = "integrity";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "integrity, verify or readset");
static uint ops = 400;
module_param(ops, uint, 0444);
MODULE_PARM_DESC(ops, "random operations (integrity)");
static uint area_mib = 8;
module_param(area_mib, uint, 0444);
MODULE_PARM_DESC(area_mib, "size of the area under test");
static uint seed = 1;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "seed of this run's data");
static uint ops_seed;
module_param(ops_seed, uint, 0444);
MODULE_PARM_DESC(ops_seed, "seed of the operations (0: new ones each run)");
static char *name = "cache";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "name of this run in the KTAP output");

KTAP_DEFINE_STATE;

#define MAX_IO_SECTORS	2048	/* 1 MiB */

static struct dmio_bdev target, origin_dev;
static struct dmio_client *client;
static u32 *shadow;		/* seed last written to each sector */
static void *buf;
static unsigned long io_errors, mismatches, bytes_checked;
static u64 rng;

/*
 * The operations' random numbers: with ops_seed, the same sequence every
 * time (xorshift64*), so that mode=verify can replay a run.
 */
static u32 rnd(void)
{
	if (!ops_seed)
		return get_random_u32();
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (rng * 0x2545F4914F6CDD1DULL) >> 32;
}

/* Sector s written with seed k holds pattern_word(k, s * 512 + i). */
static void fill(sector_t first, unsigned int sectors, u32 k)
{
	u64 *p = buf;
	unsigned int i;

	for (i = 0; i < sectors * (SECTOR_SIZE / 8); i++)
		p[i] = pattern_word(k, first * SECTOR_SIZE + i * 8ULL);
}

static void check(sector_t first, unsigned int sectors)
{
	u64 *p = buf;
	unsigned int s, w;

	for (s = 0; s < sectors; s++) {
		u32 k = shadow[first + s];
		u64 pos = (first + s) * SECTOR_SIZE;

		for (w = 0; w < SECTOR_SIZE / 8; w++)
			if (p[s * 64 + w] != pattern_word(k, pos + w * 8ULL)) {
				if (mismatches++ < 5)
					ktap_diag("%s: sector %llu holds wrong data",
						  name, (unsigned long long)(first + s));
				break;
			}
		bytes_checked += SECTOR_SIZE;
	}
}

static int io(struct block_device *bdev, enum dmio_op op, sector_t sector,
	      unsigned int sectors)
{
	struct dmio_region where = { bdev, sector, sectors };
	struct dmio_request req = {
		.op = op, .client = client,
		.mem = { .type = DMIO_MEM_VMALLOC, .ptr.vaddr = buf },
	};
	unsigned long bits;
	int err = dmio_sync(&req, 1, &where, &bits, NULL);

	if (err && io_errors++ < 5)
		ktap_diag("%s: %s of %u sectors at %llu: %d", name,
			  op == DMIO_OP_READ ? "read" : "write", sectors,
			  (unsigned long long)sector, err);
	return err;
}

/* Sizes from 512 B to 1 MiB, small ones more often, as file systems do. */
static unsigned int random_sectors(void)
{
	switch (rnd() % 4) {
	case 0:
		return 1 + rnd() % MAX_IO_SECTORS;
	case 1:
		return 8 * (1 + rnd() % 16);
	default:
		return 1 + rnd() % 16;
	}
}

/* One random operation: @n sectors at @s, a write when true. */
static bool next_op(sector_t area, sector_t *s, unsigned int *n)
{
	*n = random_sectors();
	*s = rnd() % (area - *n + 1);
	return rnd() % 2;
}

static void set_shadow(sector_t s, unsigned int n, u32 k)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		shadow[s + i] = k;
}

/* Read @area of @bdev and check it against the shadow. */
static void check_device(struct block_device *bdev, sector_t area)
{
	sector_t s;

	for (s = 0; s < area; s += MAX_IO_SECTORS)
		if (!io(bdev, DMIO_OP_READ, s, MAX_IO_SECTORS))
			check(s, MAX_IO_SECTORS);
}

/*
 * The integrity workload, or (@replay) only what it does to the shadow.
 * Known contents everywhere first, then the random operations.
 */
static void run_ops(sector_t area, bool replay)
{
	unsigned int i, n;
	sector_t s;
	u32 k;

	rng = ops_seed;
	for (s = 0; s < area; s += MAX_IO_SECTORS) {
		if (!replay) {
			fill(s, MAX_IO_SECTORS, seed);
			io(target.bdev, DMIO_OP_WRITE, s, MAX_IO_SECTORS);
		}
		set_shadow(s, MAX_IO_SECTORS, seed);
	}
	for (i = 0; i < ops; i++) {
		k = seed * 100000 + i + 1;
		if (next_op(area, &s, &n)) {
			if (replay) {
				set_shadow(s, n, k);
				continue;
			}
			fill(s, n, k);
			if (!io(target.bdev, DMIO_OP_WRITE, s, n))
				set_shadow(s, n, k);
		} else if (!replay && !io(target.bdev, DMIO_OP_READ, s, n)) {
			check(s, n);
		}
	}
}

static void run_integrity(bool verify)
{
	sector_t area = (sector_t)area_mib << 11;

	shadow = vzalloc(array_size(area, sizeof(*shadow)));
	if (!shadow || (verify && !ops_seed)) {
		ktap_diag("%s: %s", name, shadow ? "verify needs ops_seed" : "no memory");
		ktap_report(KTAP_FAIL, "%s_setup", name);
		return;
	}
	if (ops_seed)
		ktap_diag("%s: seed %u, ops_seed %u", name, seed, ops_seed);
	if (verify) {
		/* A device that a run with these seeds wrote: is it all there? */
		run_ops(area, true);
		check_device(target.bdev, area);
		ktap_diag("%s: %lu bytes checked, %lu mismatches, %lu I/O errors",
			  name, bytes_checked, mismatches, io_errors);
		ktap_report(!mismatches && !io_errors ? KTAP_PASS : KTAP_FAIL,
			    "%s_device_holds_every_byte", name);
		return;
	}
	run_ops(area, false);
	ktap_diag("%s: %u operations, %lu bytes checked, %lu mismatches, %lu I/O errors",
		  name, ops, bytes_checked, mismatches, io_errors);
	ktap_report(!mismatches && !io_errors ? KTAP_PASS : KTAP_FAIL,
		    "%s_random_io_through_target", name);

	/* The origin, read around the cache, must hold exactly the same. */
	mismatches = 0;
	if (!*origin)
		return;		/* checked later (write-back: after cleaning) */
	if (!origin_dev.bdev) {
		ktap_report(KTAP_SKIP, "%s_origin_matches", name);
		return;
	}
	check_device(origin_dev.bdev, area);
	ktap_report(!mismatches && !io_errors ? KTAP_PASS : KTAP_FAIL,
		    "%s_origin_matches", name);
}

/* Read a 1 MiB working set in 4 KiB blocks, twice; time both passes. */
static void run_readset(void)
{
	unsigned int pass, i;
	u64 ns[2];

	for (pass = 0; pass < 2; pass++) {
		u64 t0 = ktime_get_ns();

		for (i = 0; i < 256; i++)
			io(target.bdev, DMIO_OP_READ, (sector_t)i * 8, 8);
		ns[pass] = ktime_get_ns() - t0;
	}
	ktap_diag("%s: pass 1 took %llu ms, pass 2 %llu ms", name,
		  ns[0] / 1000000, ns[1] / 1000000);
	pr_info("dmio-cachetest: readset pass1_ms=%llu pass2_ms=%llu\n",
		ns[0] / 1000000, ns[1] / 1000000);
	ktap_report(io_errors ? KTAP_FAIL : KTAP_PASS, "%s_readset_twice", name);
}

static int __init cachetest_init(void)
{
	int err;

	/* Verify only reads: the device may be another target's. */
	err = dmio_bdev_open(dev, strcmp(mode, "verify"), &target);
	if (err) {
		pr_err("dmio_cachetest: cannot open %s: %d\n", dev, err);
		return err;
	}
	if (*origin && dmio_bdev_open(origin, false, &origin_dev))
		pr_warn("dmio_cachetest: cannot open %s\n", origin);
	client = dmio_client_create(0);
	buf = vmalloc(MAX_IO_SECTORS * SECTOR_SIZE);
	if (IS_ERR(client) || !buf) {
		err = -ENOMEM;
		goto out;
	}
	ktap_begin(name);
	if (!strcmp(mode, "readset"))
		run_readset();
	else
		run_integrity(!strcmp(mode, "verify"));
	ktap_end();
	err = 0;
out:
	vfree(shadow);
	vfree(buf);
	dmio_client_destroy(client);
	dmio_bdev_close(&origin_dev);
	dmio_bdev_close(&target);
	return err;
}

static void __exit cachetest_exit(void)
{
}

module_init(cachetest_init);
module_exit(cachetest_exit);

MODULE_DESCRIPTION("workload for the dmio example cache (KTAP)");
MODULE_LICENSE("GPL");
