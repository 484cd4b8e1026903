/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal definitions of the dmio engine. The engine is written against the
 * newest kernel API; compat/compat.h (force-included by Kbuild) makes that API
 * exist on older kernels.
 */
#ifndef _DMIO_INTERNAL_H
#define _DMIO_INTERNAL_H

#include <linux/bio.h>
#include <linux/mempool.h>
#include <linux/workqueue.h>
#include <dmio/dmio.h>

/* Reserve of a client when its creator does not say: what dm-io keeps. */
#define DMIO_DEFAULT_MIN_IOS	16

/*
 * Request objects a client with @min_ios keeps in reserve (its io_pool; a
 * synchronous request keeps its request object on the caller's stack).
 */
#define DMIO_RESERVE_IO_OBJS(min_ios)	(min_ios)

/* Bitmap longs an error or unsupported bitmap of DMIO_MAX_REGIONS needs. */
#define DMIO_BITMAP_LONGS	BITS_TO_LONGS(DMIO_MAX_REGIONS)

/*
 * First word of every client dmio made, XORed with the client's address: a
 * client of the kernel's own dm-io (dm-bufio hands its own to code rebuilt
 * through the drop-in) never holds it, so dmio can tell the two apart.
 */
#define DMIO_CLIENT_MAGIC	0x646d696fUL	/* "dmio" */

struct dmio_client {
	unsigned long magic;	/* DMIO_CLIENT_MAGIC ^ (unsigned long)this */
	/* Pointers, not embedded: mempool_init() is 4.18+, mempool_create() is everywhere. */
	mempool_t *io_pool;	/* struct dmio_io of asynchronous requests */
	mempool_t *bitmap_pool;	/* bitmaps of requests past BITS_PER_LONG */
	struct bio_set bios;	/* struct dmio_bio */
	/*
	 * Accepted requests not yet completed, plus one for the client itself
	 * until dmio_client_destroy() drops it: whoever brings it to zero is
	 * the last user, so a request never reads the client after its put.
	 */
	atomic_t in_flight;
};

/*
 * A request flag the drop-in (dm_io.c) sets, never a caller of the native
 * API: a region dmio would refuse (no device, not aligned to the logical
 * block) fails alone through its error bit, as it does in dm-io, where
 * the block layer fails it. Only for requests of BITS_PER_LONG regions or
 * fewer.
 */
#define DMIO_F_DM_IO_REGIONS	BIT(31)

/* Did dmio make @client (dmio_client_create())? */
static inline bool dmio_client_is_ours(const struct dmio_client *client)
{
	return READ_ONCE(client->magic) ==
	       (DMIO_CLIENT_MAGIC ^ (unsigned long)client);
}

/*
 * How a finished asynchronous request reports: @deliver calls the caller's
 * callback @fn, whatever its shape, with the request's bits. The engine
 * knows no callback shape: the native one is in io.c, the dm-io eras' ones
 * in dm_io.c. @fn is stored as a plain function pointer and cast back to
 * its own type by @deliver before the call.
 */
typedef void (*dmio_deliver_fn)(void (*fn)(void), void *context,
				const unsigned long *error_bits,
				const unsigned long *unsup_bits);

/**
 * struct dmio_callback - who hears of an asynchronous request, and where
 * @deliver: calls @fn with the bits (see &dmio_deliver_fn)
 * @fn: the caller's callback
 * @context: its argument
 * @in_endio: call it from the last bio's end_io (any context, as dm-io);
 *	otherwise in process context, from dmio's notification workqueue
 */
struct dmio_callback {
	dmio_deliver_fn deliver;
	void (*fn)(void);
	void *context;
	bool in_endio;
};

/*
 * A finished request's outcome on its way to a callback in process
 * context. Allocated at submission, apart from the client's reserve, so
 * that the request object goes back to the reserve as soon as the last bio
 * ends, before any callback runs.
 */
struct dmio_notice {
	struct work_struct work;
	struct dmio_callback cb;
	unsigned int num_regions;
	unsigned long bits[];	/* error bitmap, then unsupported bitmap */
};

/* struct dmio_io.flags */
#define DMIO_IO_SYNC	BIT(0)	/* a caller waits on @wait */
#define DMIO_IO_VMAP	BIT(1)	/* @vmap_addr/@vmap_len: invalidate at the end */
#define DMIO_IO_NOTICE	BIT(2)	/* report through @notice (process context) */

/*
 * One accepted request: counts its bios and completes once. Kept small (it
 * is the per-request part of a client's reserve): fields used at different
 * times share memory.
 */
struct dmio_io {
	struct dmio_client *client;
	atomic_t pending;		/* bios in flight + 1 while dispatching */
	unsigned short num_regions;
	unsigned short flags;		/* DMIO_IO_* */
	union {
		/* Up to BITS_PER_LONG regions: error bits, unsupported bits. */
		unsigned long small[2];
		/* More: from the bitmap pool, error then unsupported bitmap. */
		unsigned long *big;
	} bits;
	union {
		struct completion *wait;	/* DMIO_IO_SYNC */
		struct dmio_notice *notice;	/* DMIO_IO_NOTICE */
		dmio_deliver_fn deliver;	/* otherwise: from end_io */
	};
	void (*fn)(void);			/* end_io delivery: the callback */
	void *context;
	void *vmap_addr;			/* DMIO_IO_VMAP */
	unsigned int vmap_len;
};

/*
 * The bios of a request carry their region in front. A bio built from the
 * memory names its request in bi_private; a clone (same pages, another
 * region) names the bio whose pages it shares, on which it holds a
 * reference until it completes.
 */
struct dmio_bio {
	unsigned int region;
	struct bio bio;		/* must be last: the bioset's front pad ends here */
};

/* A position in the caller's memory, one iterator per memory type (cursor.h). */
struct dmio_cursor {
	enum dmio_mem_type type;
	unsigned int offset;		/* within the current element */
	union {
		struct dmio_page_list *pl;
		struct bio_vec *bvec;
		void *vaddr;
		struct {
			struct bio *bio;
			struct bvec_iter iter;
		};
	};
};

int dmio_async_callback(const struct dmio_request *req,
			unsigned int num_regions,
			const struct dmio_region *where,
			const struct dmio_callback *cb);
void dmio_test_set_put_delay(unsigned int ms);
int dmio_client_resize(struct dmio_client *client, unsigned int min_ios);
int dmio_dm_io_init(void);
int dmio_copy_init(void);
void dmio_copy_exit(void);
void dmio_dm_io_exit(void);

/* Map-path dispatch (io.c); never runs a caller's callback. */
extern struct workqueue_struct *dmio_defer_wq;
/* Callbacks in process context: may sleep and submit more I/O. */
extern struct workqueue_struct *dmio_notify_wq;
extern struct kmem_cache *dmio_io_cache;

#endif /* _DMIO_INTERNAL_H */
