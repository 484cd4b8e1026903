/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmio - the device-mapper dm-io services behind one stable API.
 *
 * The native interface. Every symbol is exported GPL from dmio.ko; the
 * definitions below are the same on every supported kernel.
 */
#ifndef _DMIO_DMIO_H
#define _DMIO_DMIO_H

#include <linux/bitops.h>
#include <linux/types.h>
#include <linux/blk_types.h>

struct block_device;
struct bio;
struct bio_vec;
struct page;
struct dmio_client;

/**
 * struct dmio_region - a run of sectors on one block device
 * @bdev: the device
 * @sector: first sector, in 512-byte units
 * @count: number of 512-byte sectors; a region with count 0 is skipped
 *	(unless the request carries a flush, which then goes to its device)
 */
struct dmio_region {
	struct block_device *bdev;
	sector_t sector;
	sector_t count;
};

/**
 * struct dmio_page_list - a singly linked list of pages
 * @next: next element, NULL at the end
 * @page: the page
 */
struct dmio_page_list {
	struct dmio_page_list *next;
	struct page *page;
};

/**
 * enum dmio_mem_type - where the data of a request lives
 * @DMIO_MEM_PAGE_LIST: a &struct dmio_page_list; @offset is into the first page
 * @DMIO_MEM_BVEC: an array of &struct bio_vec, long enough for the region;
 *	@offset is a byte offset into the data the array describes
 * @DMIO_MEM_BIO: the data of a &struct bio at its current iterator
 * @DMIO_MEM_VMALLOC: a vmalloc()ed buffer
 * @DMIO_MEM_KERNEL: kernel memory in the linear map (kmalloc(), page_address())
 * @DMIO_MEM_NONE: no data (flush, discard and write-zeroes requests)
 */
enum dmio_mem_type {
	DMIO_MEM_PAGE_LIST,
	DMIO_MEM_BVEC,
	DMIO_MEM_BIO,
	DMIO_MEM_VMALLOC,
	DMIO_MEM_KERNEL,
	DMIO_MEM_NONE,
};

/**
 * struct dmio_memory - the caller's data buffer
 * @type: which member of @ptr is valid
 * @offset: byte offset into the memory (see &enum dmio_mem_type)
 * @ptr: the memory itself
 * @ptr.pl: page list
 * @ptr.bvec: bio_vec array
 * @ptr.bio: bio
 * @ptr.vaddr: vmalloc()ed or kernel-memory buffer
 */
struct dmio_memory {
	enum dmio_mem_type type;
	unsigned int offset;
	union {
		struct dmio_page_list *pl;
		struct bio_vec *bvec;
		struct bio *bio;
		void *vaddr;
	} ptr;
};

/**
 * enum dmio_op - what a request does to each region
 * @DMIO_OP_READ: read one region into the memory
 * @DMIO_OP_WRITE: write the memory to every region
 * @DMIO_OP_FLUSH: flush the volatile cache of each region's device
 * @DMIO_OP_DISCARD: discard every region
 * @DMIO_OP_WRITE_ZEROES: write zeroes to every region
 */
enum dmio_op {
	DMIO_OP_READ,
	DMIO_OP_WRITE,
	DMIO_OP_FLUSH,
	DMIO_OP_DISCARD,
	DMIO_OP_WRITE_ZEROES,
};

/*
 * Request flags (&struct dmio_request.flags). FUA and PREFLUSH apply to
 * writes and flushes: the block layer forbids them on reads, discards and
 * write-zeroes, so there dmio drops them. The hints from DMIO_F_META on
 * reach the bios as the running kernel's REQ_* flag of the same name, and
 * are dropped where the kernel has no such flag (REQ_IDLE and
 * REQ_BACKGROUND are 4.10 and later).
 */
#define DMIO_F_FUA		BIT(0)	/* data reaches stable media */
#define DMIO_F_PREFLUSH		BIT(1)	/* flush the cache first */
#define DMIO_F_SYNC		BIT(2)	/* a waiter is blocked on it */
#define DMIO_F_NOUNMAP		BIT(3)	/* write-zeroes: keep allocated */
#define DMIO_F_META		BIT(4)	/* metadata I/O (REQ_META) */
#define DMIO_F_PRIO		BIT(5)	/* boost its priority (REQ_PRIO) */
#define DMIO_F_RAHEAD		BIT(6)	/* read-ahead: may fail fast */
#define DMIO_F_IDLE		BIT(7)	/* nothing follows soon (REQ_IDLE) */
#define DMIO_F_NOMERGE		BIT(8)	/* never merge (REQ_NOMERGE) */
#define DMIO_F_BACKGROUND	BIT(9)	/* background I/O (REQ_BACKGROUND) */
/*
 * dmio_async(): call @notify where the last bio completes (interrupt,
 * softirq or process context, as the kernel's dm-io does) instead of in
 * process context from dmio's workqueue. Saves a workqueue trip per
 * request; the callback must not sleep. Ignored by dmio_sync().
 */
#define DMIO_F_NOTIFY_ENDIO	BIT(10)

/**
 * typedef dmio_notify_fn - completion callback of an asynchronous request
 * @error_bits: bit i set when region i failed; a bitmap of
 *	BITS_TO_LONGS(num_regions) longs, valid only during the call
 * @unsup_bits: bit i set when region i's device does not support the
 *	operation (such a region has no bit in @error_bits)
 * @context: the request's @context
 *
 * Called exactly once per accepted request, after the request has given
 * its reserve back to the client (so the callback may destroy the client,
 * or start requests on it without waiting for itself). By default in
 * process context (dmio's notification workqueue, or dmio_async() itself
 * when the request finished while it was being submitted): the callback
 * may sleep and submit more I/O. With %DMIO_F_NOTIFY_ENDIO, where the last
 * bio completed, in any context: the callback must not sleep.
 */
typedef void (*dmio_notify_fn)(const unsigned long *error_bits,
			       const unsigned long *unsup_bits, void *context);

/**
 * struct dmio_request - one I/O request
 * @op: an &enum dmio_op
 * @flags: DMIO_F_* flags
 * @ioprio: I/O priority for the bios (0: the submitter's default)
 * @mem: the data
 * @notify: completion callback; required by dmio_async()
 * @context: passed to @notify
 * @client: the client whose reserves the request uses
 */
struct dmio_request {
	enum dmio_op op;
	unsigned int flags;
	unsigned short ioprio;
	struct dmio_memory mem;
	dmio_notify_fn notify;
	void *context;
	struct dmio_client *client;
};

/* Most regions one request may name (the error bitmaps grow with it). */
#define DMIO_MAX_REGIONS	1024

/**
 * struct dmio_bdev - a block device opened by dmio_bdev_open()
 * @bdev: the open device
 * @ref: private: what the running kernel's open returned
 * @mode: private: the open mode, on kernels whose release needs it
 */
struct dmio_bdev {
	struct block_device *bdev;
	void *ref;
	unsigned int mode;
};

int dmio_bdev_open(const char *path, bool write, struct dmio_bdev *dev);
void dmio_bdev_close(struct dmio_bdev *dev);
sector_t dmio_bdev_nr_sectors(struct block_device *bdev);

struct dmio_client *dmio_client_create(unsigned int min_ios);
void dmio_client_destroy(struct dmio_client *client);
int dmio_sync(const struct dmio_request *req, unsigned int num_regions,
	      const struct dmio_region *where, unsigned long *error_bits,
	      unsigned long *unsup_bits);
int dmio_async(const struct dmio_request *req, unsigned int num_regions,
	       const struct dmio_region *where);

/*
 * Copies (dmio_copy(), dmio_zero()): one source region to up to
 * DMIO_COPY_MAX_DESTS destinations, in the background, as the kernel's
 * dm-kcopyd does. The flag values are the kernel's DM_KCOPYD_* bit numbers
 * turned into bits, so flags pass through the kcopyd drop-in unchanged.
 */
#define DMIO_COPY_MAX_DESTS	8
/* Keep going after a failed read or write; the errors are still reported. */
#define DMIO_COPY_IGNORE_ERROR	BIT(1)
/*
 * Write the destinations strictly in ascending order, one piece at a time
 * (zoned devices); set by itself when a destination is a zoned device.
 * Implies that errors are not ignored.
 */
#define DMIO_COPY_WRITE_SEQ	BIT(2)

/**
 * struct dmio_throttle - a limit on the share of time copies keep I/O in flight
 * @throttle: percent (1-100) of wall time during which the copy clients that
 *	share this structure may have I/O in flight; 100 or more: no limit.
 *	May be changed at any time (it is read for every piece of a copy).
 * @num_io_jobs: private: pieces in flight under this throttle
 * @io_period: private: jiffies with I/O in flight in the current window
 * @total_period: private: jiffies in the current window
 * @last_jiffies: private: when the two periods were last brought up to date
 *
 * The same layout as the kernel's struct dm_kcopyd_throttle. Initialise
 * @throttle and zero the rest.
 */
struct dmio_throttle {
	unsigned int throttle;
	unsigned int num_io_jobs;
	unsigned int io_period;
	unsigned int total_period;
	unsigned int last_jiffies;
};

struct dmio_copy_client;

/**
 * typedef dmio_copy_fn - completion callback of a copy or a zeroing
 * @read_err: nonzero when reading the source failed
 * @write_err: bit i set when writing destination i failed
 * @context: the copy's @context
 *
 * Called exactly once per accepted copy, in process context (the copy
 * client's workqueue): it may sleep and start copies, but must not destroy
 * or flush its own copy client. The first copy (or prepared callback) it
 * starts on its own client never waits for the client's reserve; more may
 * wait there, and that reserve refills only as the client's copies finish,
 * which they do in the work item the callback holds up: start at most one
 * on your own client from a callback, and hand the rest to your own work.
 */
typedef void (*dmio_copy_fn)(int read_err, unsigned long write_err,
			     void *context);

struct dmio_copy_client *dmio_copy_client_create(struct dmio_throttle *throttle);
void dmio_copy_client_destroy(struct dmio_copy_client *cc);
void dmio_copy_client_flush(struct dmio_copy_client *cc);
int dmio_copy(struct dmio_copy_client *cc, const struct dmio_region *from,
	      unsigned int num_dests, const struct dmio_region *dests,
	      unsigned int flags, dmio_copy_fn fn, void *context);
int dmio_zero(struct dmio_copy_client *cc, unsigned int num_dests,
	      const struct dmio_region *dests, unsigned int flags,
	      dmio_copy_fn fn, void *context);
void *dmio_copy_prepare_callback(struct dmio_copy_client *cc,
				 dmio_copy_fn fn, void *context);
void dmio_copy_do_callback(void *job, int read_err, unsigned long write_err);

#endif /* _DMIO_DMIO_H */
