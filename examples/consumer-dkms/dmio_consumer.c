// SPDX-License-Identifier: GPL-2.0
/*
 * dmio_consumer - the smallest module built against an installed dmio.
 *
 * On load it opens the block device named by the "dev" parameter, creates
 * a dmio client, writes one 4 KiB block with dmio_sync(), reads it back
 * into another buffer and compares, then destroys the client and closes
 * the device. Each step is one KTAP result on the console.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/err.h>
#include <dmio/dmio.h>

static char *dev;
module_param(dev, charp, 0444);
MODULE_PARM_DESC(dev, "block device to write and read (e.g. /dev/ram0)");

static unsigned long sector = 64;
module_param(sector, ulong, 0444);
MODULE_PARM_DESC(sector, "first 512-byte sector of the 4 KiB test block");

#define CONSUMER_BYTES		4096
#define CONSUMER_SECTORS	(CONSUMER_BYTES / 512)
#define CONSUMER_LINE		32	/* bytes per pattern line */
#define CONSUMER_TESTS		5

static unsigned int test_nr;

static bool report(bool ok, const char *name)
{
	test_nr++;
	pr_info("%sok %u %s\n", ok ? "" : "not ", test_nr, name);
	return ok;
}

static int consumer_io(struct dmio_client *client, struct block_device *bdev,
		       enum dmio_op op, void *buf)
{
	struct dmio_request req = {
		.op = op,
		.mem.type = DMIO_MEM_KERNEL,
		.mem.ptr.vaddr = buf,
		.client = client,
	};
	struct dmio_region where = {
		.bdev = bdev,
		.sector = sector,
		.count = CONSUMER_SECTORS,
	};
	unsigned long error_bits = 0;
	int err;

	err = dmio_sync(&req, 1, &where, &error_bits, NULL);
	if (!err && error_bits)
		err = -EIO;
	return err;
}

static void consumer_run(void)
{
	struct dmio_client *client = NULL;
	struct dmio_bdev bdev = { };
	char line[CONSUMER_LINE + 1];
	char *out = NULL, *in = NULL;
	unsigned int i;
	bool ok;

	ok = report(dev && !dmio_bdev_open(dev, true, &bdev), "bdev_open");
	if (ok) {
		client = dmio_client_create(0);
		if (IS_ERR(client))
			client = NULL;
	}
	ok = report(client, "client_create");

	out = kmalloc(CONSUMER_BYTES, GFP_KERNEL);
	in = kzalloc(CONSUMER_BYTES, GFP_KERNEL);
	if (!out || !in)
		ok = false;
	/* Text a userspace dd can check: 32-byte lines naming their offset. */
	for (i = 0; ok && i < CONSUMER_BYTES; i += CONSUMER_LINE) {
		snprintf(line, sizeof(line), "dmio-consumer byte %010u..\n", i);
		memcpy(out + i, line, CONSUMER_LINE);
	}

	ok = report(ok && !consumer_io(client, bdev.bdev, DMIO_OP_WRITE, out),
		    "sync_write");
	ok = report(ok && !consumer_io(client, bdev.bdev, DMIO_OP_READ, in),
		    "sync_read");
	report(ok && !memcmp(out, in, CONSUMER_BYTES), "read_matches_write");

	kfree(in);
	kfree(out);
	if (client)
		dmio_client_destroy(client);
	dmio_bdev_close(&bdev);
}

static int __init consumer_init(void)
{
	pr_info("KTAP version 1\n");
	pr_info("1..%u\n", CONSUMER_TESTS);
	consumer_run();
	return 0;
}

static void __exit consumer_exit(void)
{
}

module_init(consumer_init);
module_exit(consumer_exit);

MODULE_DESCRIPTION("Example consumer of dmio, installed with DKMS");
MODULE_LICENSE("GPL");
