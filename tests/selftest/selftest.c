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
#include "ktap.h"

static char *dev = "/dev/ram0";
module_param(dev, charp, 0444);
MODULE_PARM_DESC(dev, "block device the tests write to (its contents are lost)");

static ulong pattern_sector = 8;
module_param(pattern_sector, ulong, 0444);
MODULE_PARM_DESC(pattern_sector, "first sector of the pattern the guest checks with dd");

static uint pattern_sectors = 128;
module_param(pattern_sectors, uint, 0444);
MODULE_PARM_DESC(pattern_sectors, "length of that pattern in sectors");

static struct dmio_bdev target;
static struct dmio_client *client;

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
		.bdev = target.bdev, .sector = sector, .count = count,
	};
	struct dmio_request req = {
		.op = op,
		.mem.type = DMIO_MEM_KERNEL,
		.mem.ptr.vaddr = buf,
		.client = client,
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
	sector_t size = bdev_nr_sectors(target.bdev);
	unsigned long bits;
	void *buf;
	int err;

	buf = kzalloc(8 * SECTOR_SIZE, GFP_KERNEL);
	if (!buf)
		return KTAP_FAIL;
	/* Starts inside the device, ends 4 sectors past it. */
	err = kmem_io(DMIO_OP_READ, buf, size - 4, 8, &bits);
	kfree(buf);
	if (!ktap_expect(err == -EIO, "got %d", err))
		return KTAP_FAIL;
	if (!ktap_expect(bits == 1, "error bits %#lx", bits))
		return KTAP_FAIL;
	return KTAP_PASS;
}

static const struct ktap_case cases[] = {
	{ "client_create_destroy", test_client_create_destroy },
	{ "kmem_write_read_back", test_kmem_write_read_back },
	{ "read_past_end_fails", test_read_past_end_fails },
};

static int __init selftest_init(void)
{
	int err;

	err = dmio_bdev_open(dev, true, &target);
	if (err) {
		pr_err("dmio_selftest: cannot open %s: %d\n", dev, err);
		return err;
	}
	client = dmio_client_create(0);
	if (IS_ERR(client)) {
		dmio_bdev_close(&target);
		return PTR_ERR(client);
	}
	ktap_run("dmio", cases, ARRAY_SIZE(cases));
	dmio_client_destroy(client);
	dmio_bdev_close(&target);
	return 0;
}

static void __exit selftest_exit(void)
{
}

module_init(selftest_init);
module_exit(selftest_exit);

MODULE_DESCRIPTION("dmio selftest (KTAP)");
MODULE_LICENSE("GPL");
