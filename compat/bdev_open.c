// SPDX-License-Identifier: GPL-2.0
/*
 * Open and release a block device by path. The kernel has changed this API
 * four times (fmode_t, blk_mode_t + holder ops, bdev_handle, struct file);
 * callers of dmio see one pair of functions on every kernel.
 */
#include <linux/blkdev.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <dmio/dmio.h>

#if defined(DMIO_HAVE_BDEV_FILE_OPEN_BY_PATH)

/* 6.9 and later: the open device is a struct file. */
static int open_path(const char *path, bool write, struct dmio_bdev *dev)
{
	struct file *f;

	f = bdev_file_open_by_path(path, BLK_OPEN_READ |
				   (write ? BLK_OPEN_WRITE : 0), NULL, NULL);
	if (IS_ERR(f))
		return PTR_ERR(f);
	dev->ref = f;
	dev->bdev = file_bdev(f);
	return 0;
}

static void release(struct dmio_bdev *dev)
{
	fput(dev->ref);
}

#elif defined(DMIO_HAVE_BDEV_OPEN_BY_PATH)

/* 6.7 and 6.8: a struct bdev_handle. */
static int open_path(const char *path, bool write, struct dmio_bdev *dev)
{
	struct bdev_handle *h;

	h = bdev_open_by_path(path, BLK_OPEN_READ |
			      (write ? BLK_OPEN_WRITE : 0), NULL, NULL);
	if (IS_ERR(h))
		return PTR_ERR(h);
	dev->ref = h;
	dev->bdev = h->bdev;
	return 0;
}

static void release(struct dmio_bdev *dev)
{
	bdev_release(dev->ref);
}

#elif defined(DMIO_HAVE_BLKDEV_GET_BY_PATH_HOLDER_OPS)

/* 6.5 and 6.6 (and RHEL 9.4): blk_mode_t and holder ops. */
static int open_path(const char *path, bool write, struct dmio_bdev *dev)
{
	struct block_device *bdev;

	bdev = blkdev_get_by_path(path, BLK_OPEN_READ |
				  (write ? BLK_OPEN_WRITE : 0), NULL, NULL);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	dev->bdev = bdev;
	return 0;
}

static void release(struct dmio_bdev *dev)
{
	blkdev_put(dev->bdev, NULL);
}

#else

/* 2.6.38 to 6.4: fmode_t, and blkdev_put() takes the mode back. */
static int open_path(const char *path, bool write, struct dmio_bdev *dev)
{
	fmode_t mode = FMODE_READ | (write ? FMODE_WRITE : 0);
	struct block_device *bdev;

	dev->mode = (__force unsigned int)mode;
	bdev = blkdev_get_by_path(path, mode, NULL);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	dev->bdev = bdev;
	return 0;
}

static void release(struct dmio_bdev *dev)
{
	blkdev_put(dev->bdev, (__force fmode_t)dev->mode);
}

#endif

/**
 * dmio_bdev_open() - open a block device by path, shared (not exclusive)
 * @path: the device node, e.g. "/dev/ram0"
 * @write: open for writing as well as reading
 * @dev: filled in on success; @dev->bdev is the device
 *
 * Context: process context; may sleep.
 * Return: 0, or a negative errno from the kernel's open.
 */
int dmio_bdev_open(const char *path, bool write, struct dmio_bdev *dev)
{
	if (!path || !dev)
		return -EINVAL;
	memset(dev, 0, sizeof(*dev));
	return open_path(path, write, dev);
}
EXPORT_SYMBOL_GPL(dmio_bdev_open);

/**
 * dmio_bdev_close() - release a device opened with dmio_bdev_open()
 * @dev: the device; ignored when it holds no open device
 *
 * Context: process context; may sleep.
 */
void dmio_bdev_close(struct dmio_bdev *dev)
{
	if (!dev || !dev->bdev)
		return;
	release(dev);
	memset(dev, 0, sizeof(*dev));
}
EXPORT_SYMBOL_GPL(dmio_bdev_close);

/**
 * dmio_bdev_nr_sectors() - size of a block device in 512-byte sectors
 * @bdev: the device (a whole disk or a partition)
 *
 * The kernel's own getter moved from the inode to bdev_nr_sectors() (5.11)
 * and the inode went away (6.10); this works on every supported kernel.
 *
 * Return: the size in sectors.
 */
sector_t dmio_bdev_nr_sectors(struct block_device *bdev)
{
	return bdev_nr_sectors(bdev);
}
EXPORT_SYMBOL_GPL(dmio_bdev_nr_sectors);
