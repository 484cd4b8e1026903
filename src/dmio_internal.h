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

/* Bitmap longs an error or unsupported bitmap of DMIO_MAX_REGIONS needs. */
#define DMIO_BITMAP_LONGS	BITS_TO_LONGS(DMIO_MAX_REGIONS)

struct dmio_client {
	mempool_t io_pool;	/* struct dmio_io */
	mempool_t bitmap_pool;	/* bitmaps of requests past BITS_PER_LONG */
	struct bio_set bios;	/* struct dmio_bio */
	atomic_t in_flight;	/* accepted requests not yet completed */
};

/* One accepted request: counts its bios and completes once. */
struct dmio_io {
	struct dmio_client *client;
	atomic_t pending;		/* bios in flight + 1 while dispatching */
	unsigned int num_regions;
	unsigned long *error_bits;
	unsigned long *unsup_bits;
	unsigned long small_bits[2];	/* the bitmaps when num_regions fits a long */
	dmio_notify_fn notify;
	/* Callbacks of the dm-io drop-in (dm_io.c), instead of notify. */
	void (*notify2)(unsigned long error_bits, void *context);
	void (*notify3)(unsigned long error_bits, unsigned long unsup_bits,
			void *context);
	void *context;
	struct completion *wait;	/* set for a synchronous request */
	void *vmap_addr;		/* vmalloc buffer to invalidate after a read */
	unsigned int vmap_len;
	struct work_struct work;	/* async completion, or deferred dispatch */
	/* A dispatch deferred to the workqueue; the sync caller waits. */
	const struct dmio_request *req;
	const struct dmio_region *where;
	blk_opf_t opf;
};

/* The bios of a request carry the request and their region in front. */
struct dmio_bio {
	struct dmio_io *io;
	unsigned int region;
	struct bio bio;		/* must be last: the bioset's front pad ends here */
};

/* A position in the caller's memory, one iterator per memory type. */
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

void dmio_cursor_init(struct dmio_cursor *cur, const struct dmio_memory *mem);
bool dmio_cursor_get(struct dmio_cursor *cur, struct page **page,
		     unsigned int *len, unsigned int *offset);
void dmio_cursor_advance(struct dmio_cursor *cur, unsigned int bytes);

/* dm-io era callbacks: (bits, context) or (bits, unsupported bits, context). */
struct dmio_legacy_notify {
	void (*notify2)(unsigned long error_bits, void *context);
	void (*notify3)(unsigned long error_bits, unsigned long unsup_bits,
			void *context);
};

int dmio_async_legacy(const struct dmio_request *req, unsigned int num_regions,
		      const struct dmio_region *where,
		      const struct dmio_legacy_notify *legacy);
int dmio_client_resize(struct dmio_client *client, unsigned int min_ios);
void dmio_dm_io_exit(void);

extern struct workqueue_struct *dmio_wq;
extern struct kmem_cache *dmio_io_cache;

#endif /* _DMIO_INTERNAL_H */
