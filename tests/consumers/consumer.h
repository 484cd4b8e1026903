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
#include "../selftest/util.h"

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
