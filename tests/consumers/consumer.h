/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test glue shared by the era consumers: devices, a data pattern and KTAP.
 * The dm-io calls themselves are written in each consumer the way code of
 * its era was written; only <dmio/dm-io.h> stands in for <linux/dm-io.h>.
 */
#ifndef _DMIO_CONSUMER_H
#define _DMIO_CONSUMER_H

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <dmio/dmio.h>
#include "../selftest/ktap.h"

static char *dev = "/dev/ram0";
module_param(dev, charp, 0444);
MODULE_PARM_DESC(dev, "first healthy device (contents lost)");
static char *dev2 = "/dev/ram1";
module_param(dev2, charp, 0444);
MODULE_PARM_DESC(dev2, "second healthy device (contents lost)");
static char *err_dev = "";
module_param(err_dev, charp, 0444);
MODULE_PARM_DESC(err_dev, "device on which every I/O fails (dm-error)");
static char *nodiscard_dev = "";
module_param(nodiscard_dev, charp, 0444);
MODULE_PARM_DESC(nodiscard_dev, "device without discard support");
static ulong base = 65536;
module_param(base, ulong, 0444);
MODULE_PARM_DESC(base, "first sector this consumer may write");

KTAP_DEFINE_STATE;
static struct dmio_bdev d0, d1, derr, dnodiscard;

static inline u64 consumer_word(u64 seed, u64 pos)
{
	return (seed * 0x9E3779B97F4A7C15ULL) ^ (pos * 0xBF58476D1CE4E5B9ULL) ^ pos;
}

static inline void consumer_fill(void *buf, size_t len, u64 seed)
{
	u64 *p = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		p[i] = consumer_word(seed, i * 8);
}

static inline bool consumer_holds(const void *buf, size_t len, u64 seed)
{
	const u64 *p = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (p[i] != consumer_word(seed, i * 8)) {
			ktap_diag("data differs at byte %zu", i * 8);
			return false;
		}
	return true;
}

static inline int consumer_open(void)
{
	int err = dmio_bdev_open(dev, true, &d0);

	if (!err)
		err = dmio_bdev_open(dev2, true, &d1);
	if (err) {
		dmio_bdev_close(&d0);
		return err;
	}
	if (*err_dev && dmio_bdev_open(err_dev, true, &derr))
		ktap_diag("cannot open %s", err_dev);
	if (*nodiscard_dev && dmio_bdev_open(nodiscard_dev, true, &dnodiscard))
		ktap_diag("cannot open %s", nodiscard_dev);
	return 0;
}

static inline void consumer_close(void)
{
	dmio_bdev_close(&dnodiscard);
	dmio_bdev_close(&derr);
	dmio_bdev_close(&d1);
	dmio_bdev_close(&d0);
}

#endif
