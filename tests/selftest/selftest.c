// SPDX-License-Identifier: GPL-2.0
/*
 * dmio selftest: real I/O through dmio to a block device (a brd ramdisk in
 * the test guest), results printed as KTAP. The guest's userspace then reads
 * the same sectors with dd to confirm the bytes reached the device.
 */
#include <linux/blkdev.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <dmio/dmio.h>
#include "tests.h"

static char *dev = "/dev/ram0";
module_param(dev, charp, 0444);
MODULE_PARM_DESC(dev, "block device the tests write to (its contents are lost)");

static char *dev2 = "/dev/ram1";
module_param(dev2, charp, 0444);
MODULE_PARM_DESC(dev2, "second device for multi-region writes (contents lost)");

static char *dev4k = "";
module_param(dev4k, charp, 0444);
MODULE_PARM_DESC(dev4k, "device with 4 KiB blocks and a write cache (null_blk)");

static char *err_dev = "";
module_param(err_dev, charp, 0444);
MODULE_PARM_DESC(err_dev, "device on which every I/O fails (dm-error)");

static char *zero_dev = "";
module_param(zero_dev, charp, 0444);
MODULE_PARM_DESC(zero_dev, "device that supports write zeroes (loop on tmpfs)");

static char *slow_dev = "";
module_param(slow_dev, charp, 0444);
MODULE_PARM_DESC(slow_dev, "device whose I/O is delayed (dm-delay)");

static char *mq_err_dev = "";
module_param(mq_err_dev, charp, 0444);
MODULE_PARM_DESC(mq_err_dev, "blk-mq device whose sectors 0-511 fail (null_blk bad blocks)");

static uint stress_seconds = 5;
module_param(stress_seconds, uint, 0444);
MODULE_PARM_DESC(stress_seconds, "how long the stress test runs");

static ulong pattern_sector = 8;
module_param(pattern_sector, ulong, 0444);
MODULE_PARM_DESC(pattern_sector, "first sector of the pattern the guest checks with dd");

static uint pattern_sectors = 128;
module_param(pattern_sectors, uint, 0444);
MODULE_PARM_DESC(pattern_sectors, "length of that pattern in sectors");

KTAP_DEFINE_STATE;
struct test_devs tdev;
struct dmio_client *tclient;

/*
 * The pattern is text, so the guest's shell can make the same bytes with
 * printf: 16 lines of 32 bytes per sector, naming the sector and the line.
 */
#define PATTERN_LINE	32

static void fill_pattern(char *buf, sector_t first, unsigned int sectors)
{
	unsigned int s, l;
	char line[PATTERN_LINE + 1];

	for (s = 0; s < sectors; s++)
		for (l = 0; l < SECTOR_SIZE / PATTERN_LINE; l++) {
			snprintf(line, sizeof(line), "dmio sector %010llu line %02u.\n",
				 (unsigned long long)(first + s), l);
			memcpy(buf + s * SECTOR_SIZE + l * PATTERN_LINE, line,
			       PATTERN_LINE);
		}
}

static int kmem_io(enum dmio_op op, void *buf, sector_t sector,
		   sector_t count, unsigned long *error_bits)
{
	struct dmio_region where = {
		.bdev = tdev.ram0.bdev, .sector = sector, .count = count,
	};
	struct dmio_request req = {
		.op = op,
		.mem.type = DMIO_MEM_KERNEL,
		.mem.ptr.vaddr = buf,
		.client = tclient,
	};

	*error_bits = 0;
	return dmio_sync(&req, 1, &where, error_bits, NULL);
}

static enum ktap_result test_client_create_destroy(void)
{
	struct dmio_client *c;
	unsigned int i;

	for (i = 0; i < 64; i++) {
		c = dmio_client_create(i % 4 ? 0 : 4);
		if (!ktap_expect(!IS_ERR(c), "iteration %u: %ld", i, PTR_ERR(c)))
			return KTAP_FAIL;
		dmio_client_destroy(c);
	}
	return KTAP_PASS;
}

static enum ktap_result test_kmem_write_read_back(void)
{
	size_t len = (size_t)pattern_sectors * SECTOR_SIZE;
	unsigned long bits;
	char *wbuf, *rbuf;
	enum ktap_result res = KTAP_FAIL;
	int err;

	wbuf = kmalloc(len, GFP_KERNEL);
	rbuf = kmalloc(len, GFP_KERNEL);
	if (!wbuf || !rbuf)
		goto out;
	fill_pattern(wbuf, pattern_sector, pattern_sectors);
	err = kmem_io(DMIO_OP_WRITE, wbuf, pattern_sector, pattern_sectors, &bits);
	if (!ktap_expect(!err && !bits, "write: %d, error bits %#lx", err, bits))
		goto out;
	memset(rbuf, 0xa5, len);
	err = kmem_io(DMIO_OP_READ, rbuf, pattern_sector, pattern_sectors, &bits);
	if (!ktap_expect(!err && !bits, "read: %d, error bits %#lx", err, bits))
		goto out;
	if (!ktap_expect(!memcmp(wbuf, rbuf, len), "read-back differs from what was written"))
		goto out;
	res = KTAP_PASS;
out:
	kfree(wbuf);
	kfree(rbuf);
	return res;
}

static enum ktap_result test_read_past_end_fails(void)
{
	sector_t size = bdev_nr_sectors(tdev.ram0.bdev);
	enum ktap_result res = KTAP_FAIL;
	unsigned long bits;
	void *buf;
	int err;

	buf = kmalloc(8 * SECTOR_SIZE, GFP_KERNEL);
	if (!buf)
		return KTAP_FAIL;
	memset(buf, 0x5a, 8 * SECTOR_SIZE);
	/* Starts inside the device, ends 4 sectors past it. */
	err = kmem_io(DMIO_OP_READ, buf, size - 4, 8, &bits);
	if (ktap_expect(err == -EIO, "got %d", err) &&
	    ktap_expect(bits == 1, "error bits %#lx", bits) &&
	    ktap_expect(!memchr_inv(buf, 0, 8 * SECTOR_SIZE),
			"the failed read left stale memory"))
		res = KTAP_PASS;
	kfree(buf);
	return res;
}

static void open_optional(const char *path, struct dmio_bdev *d)
{
	int err;

	if (!*path)
		return;
	err = dmio_bdev_open(path, true, d);
	if (err)
		ktap_diag("cannot open %s: %d; its tests are skipped", path, err);
}

static int __init selftest_init(void)
{
	int err;

	err = dmio_bdev_open(dev, true, &tdev.ram0);
	if (!err)
		err = dmio_bdev_open(dev2, true, &tdev.ram1);
	if (err) {
		pr_err("dmio_selftest: cannot open %s and %s: %d\n", dev, dev2, err);
		dmio_bdev_close(&tdev.ram0);
		return err;
	}
	open_optional(dev4k, &tdev.nullb);
	open_optional(err_dev, &tdev.err);
	open_optional(zero_dev, &tdev.loop);
	open_optional(slow_dev, &tdev.slow);
	open_optional(mq_err_dev, &tdev.mq_err);
	tclient = dmio_client_create(0);
	if (IS_ERR(tclient)) {
		err = PTR_ERR(tclient);
		goto close;
	}
	ktap_begin("dmio");
	ktap_report(test_client_create_destroy(), "client_create_destroy");
	ktap_report(test_kmem_write_read_back(), "kmem_write_read_back");
	ktap_report(test_read_past_end_fails(), "read_past_end_fails");
	run_mem_tests();
	run_region_tests();
	run_op_tests();
	run_bad_input_tests();
	run_stress_tests(stress_seconds);
	run_lifecycle_tests();
	run_completion_tests();
	run_copy_tests();
	ktap_end();
	dmio_client_destroy(tclient);
	err = 0;
close:
	dmio_bdev_close(&tdev.mq_err);
	dmio_bdev_close(&tdev.slow);
	dmio_bdev_close(&tdev.loop);
	dmio_bdev_close(&tdev.err);
	dmio_bdev_close(&tdev.nullb);
	dmio_bdev_close(&tdev.ram1);
	dmio_bdev_close(&tdev.ram0);
	return err;
}

static void __exit selftest_exit(void)
{
}

module_init(selftest_init);
module_exit(selftest_exit);

MODULE_DESCRIPTION("dmio selftest (KTAP)");
MODULE_LICENSE("GPL");
