// SPDX-License-Identifier: GPL-2.0
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "util.h"

/* Layout of the buffers: offsets chosen to exercise every offset rule. */
#define PL_OFFSET	1536	/* page list: offset into the first page */
#define BVEC_SKIP	1024	/* bvec: a first element the offset skips */
#define BVEC_OFFSET	512	/* bvec: data starts this far into each page */
#define BVEC_LEN	3072	/* bvec: bytes per element (partial pages) */
#define BIO_SKIP	512	/* bio: bytes the iterator has already passed */
#define BIO_ORDER	5	/* bio: 128 KiB multi-page elements */
#define VM_OFFSET	512	/* vmalloc: mem.offset into the buffer */

const char *mem_type_name(enum dmio_mem_type type)
{
	static const char * const names[] = {
		[DMIO_MEM_PAGE_LIST] = "pagelist", [DMIO_MEM_BVEC] = "bvec",
		[DMIO_MEM_BIO] = "bio", [DMIO_MEM_VMALLOC] = "vmalloc",
		[DMIO_MEM_KERNEL] = "kmem", [DMIO_MEM_NONE] = "none",
	};

	return type <= DMIO_MEM_NONE ? names[type] : "?";
}

static struct page *tbuf_page(struct tbuf *b, unsigned int order)
{
	struct page *page = alloc_pages(GFP_KERNEL, order);

	if (page)
		b->pages[b->npages++] = page;
	return page;
}

static int tbuf_segs(struct tbuf *b, unsigned int nsegs, unsigned int npages)
{
	b->segs = kvcalloc(nsegs, sizeof(*b->segs), GFP_KERNEL);
	if (!b->segs)
		return -ENOMEM;
	b->pages = kvcalloc(npages, sizeof(*b->pages), GFP_KERNEL);
	if (!b->pages)
		return -ENOMEM;
	return 0;
}

static int build_page_list(struct tbuf *b)
{
	unsigned int i, n = DIV_ROUND_UP(PL_OFFSET + b->len, PAGE_SIZE);
	size_t left = b->len;

	if (tbuf_segs(b, n, n))
		return -ENOMEM;
	b->pl = kvcalloc(n, sizeof(*b->pl), GFP_KERNEL);
	if (!b->pl)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		b->pl[i].page = tbuf_page(b, 0);
		if (!b->pl[i].page)
			return -ENOMEM;
		b->pl[i].next = i + 1 < n ? &b->pl[i + 1] : NULL;
		b->segs[i].page = b->pl[i].page;
		b->segs[i].offset = i ? 0 : PL_OFFSET;
		b->segs[i].len = min_t(size_t, left, PAGE_SIZE - b->segs[i].offset);
		left -= b->segs[i].len;
	}
	b->nsegs = n;
	b->mem.ptr.pl = b->pl;
	b->mem.offset = PL_OFFSET;
	return 0;
}

static int build_bvec(struct tbuf *b)
{
	unsigned int i, n = DIV_ROUND_UP(b->len, BVEC_LEN);
	size_t left = b->len;
	struct page *page;

	if (tbuf_segs(b, n, n + 1))
		return -ENOMEM;
	b->bvec = kvcalloc(n + 1, sizeof(*b->bvec), GFP_KERNEL);
	if (!b->bvec)
		return -ENOMEM;
	/* Element 0 holds bytes the memory offset skips. */
	page = tbuf_page(b, 0);
	if (!page)
		return -ENOMEM;
	b->bvec[0].bv_page = page;
	b->bvec[0].bv_len = BVEC_SKIP;
	for (i = 0; i < n; i++) {
		page = tbuf_page(b, 0);
		if (!page)
			return -ENOMEM;
		b->segs[i].page = page;
		b->segs[i].offset = BVEC_OFFSET;
		b->segs[i].len = min_t(size_t, left, BVEC_LEN);
		left -= b->segs[i].len;
		b->bvec[i + 1].bv_page = page;
		b->bvec[i + 1].bv_offset = BVEC_OFFSET;
		b->bvec[i + 1].bv_len = b->segs[i].len;
	}
	b->nsegs = n;
	b->mem.ptr.bvec = b->bvec;
	b->mem.offset = BVEC_SKIP;
	return 0;
}

static int build_bio(struct tbuf *b)
{
	size_t chunk = PAGE_SIZE << BIO_ORDER, left = b->len;
	unsigned int i, n = DIV_ROUND_UP(b->len, chunk);
	struct page *page;

	if (n + 1 > BIO_MAX_VECS)
		return -E2BIG;
	if (tbuf_segs(b, n, n + 1))
		return -ENOMEM;
	b->bio = bio_alloc_bioset(NULL, n + 1, REQ_OP_WRITE, GFP_KERNEL,
				  &fs_bio_set);
	if (!b->bio)
		return -ENOMEM;
	page = tbuf_page(b, 0);
	if (!page || bio_add_page(b->bio, page, BIO_SKIP, 0) != BIO_SKIP)
		return -ENOMEM;
	b->page_order = BIO_ORDER;
	for (i = 0; i < n; i++) {
		page = tbuf_page(b, BIO_ORDER);
		if (!page)
			return -ENOMEM;
		b->segs[i].page = page;
		b->segs[i].len = min(left, chunk);
		left -= b->segs[i].len;
		if (bio_add_page(b->bio, page, b->segs[i].len, 0) != b->segs[i].len)
			return -EIO;
	}
	b->nsegs = n;
	/* dmio must start at the bio's current position, not its first page. */
	bio_advance(b->bio, BIO_SKIP);
	b->mem.ptr.bio = b->bio;
	return 0;
}

/**
 * tbuf_alloc() - make a test buffer of a memory type
 * @b: the buffer
 * @type: its memory type
 * @len: bytes of data, a multiple of 512
 *
 * Return: 0, -ENOMEM, or -E2BIG when the type cannot hold @len.
 */
int tbuf_alloc(struct tbuf *b, enum dmio_mem_type type, size_t len)
{
	int err = 0;

	memset(b, 0, sizeof(*b));
	b->len = len;
	b->mem.type = type;
	switch (type) {
	case DMIO_MEM_PAGE_LIST:
		err = build_page_list(b);
		break;
	case DMIO_MEM_BVEC:
		err = build_bvec(b);
		break;
	case DMIO_MEM_BIO:
		err = build_bio(b);
		break;
	case DMIO_MEM_VMALLOC:
		b->vaddr = vmalloc(len + VM_OFFSET);
		if (!b->vaddr)
			return -ENOMEM;
		b->mem.ptr.vaddr = b->vaddr;
		b->mem.offset = VM_OFFSET;
		break;
	case DMIO_MEM_KERNEL:
		if (len > KMALLOC_MAX_SIZE)
			return -E2BIG;
		b->vaddr = kmalloc(len, GFP_KERNEL);
		if (!b->vaddr)
			return -ENOMEM;
		b->mem.ptr.vaddr = b->vaddr;
		break;
	default:
		err = -EINVAL;
	}
	if (err)
		tbuf_free(b);
	return err;
}

/**
 * tbuf_free() - free a test buffer
 * @b: the buffer
 */
void tbuf_free(struct tbuf *b)
{
	unsigned int i;

	if (b->bio)
		bio_put(b->bio);
	for (i = 0; i < b->npages; i++)
		__free_pages(b->pages[i], i && b->page_order ? b->page_order : 0);
	if (b->mem.type == DMIO_MEM_VMALLOC)
		vfree(b->vaddr);
	else
		kfree(b->vaddr);
	kvfree(b->pages);
	kvfree(b->segs);
	kvfree(b->pl);
	kvfree(b->bvec);
	memset(b, 0, sizeof(*b));
}

/* Data bytes of the buffer as runs of kernel virtual memory. */
static void *tbuf_run(struct tbuf *b, unsigned int i, size_t *len)
{
	if (b->vaddr) {
		*len = b->len;
		return b->vaddr + (b->mem.type == DMIO_MEM_VMALLOC ? VM_OFFSET : 0);
	}
	*len = b->segs[i].len;
	return page_address(b->segs[i].page) + b->segs[i].offset;
}

static unsigned int tbuf_runs(struct tbuf *b)
{
	return b->vaddr ? 1 : b->nsegs;
}

/**
 * tbuf_fill() - write the pattern of @seed into the buffer
 * @b: the buffer
 * @seed: pattern seed
 */
void tbuf_fill(struct tbuf *b, u64 seed)
{
	unsigned int i;
	u64 pos = 0;
	size_t len, w;
	u64 *p;

	for (i = 0; i < tbuf_runs(b); i++) {
		p = tbuf_run(b, i, &len);
		for (w = 0; w < len / 8; w++, pos += 8)
			p[w] = pattern_word(seed, pos);
	}
}

/**
 * tbuf_poison() - fill the buffer with a byte no pattern is made of
 * @b: the buffer
 */
void tbuf_poison(struct tbuf *b)
{
	unsigned int i;
	size_t len;
	void *p;

	for (i = 0; i < tbuf_runs(b); i++) {
		p = tbuf_run(b, i, &len);
		memset(p, 0x5a, len);
	}
}

/**
 * tbuf_check() - compare the first @len bytes with the pattern of @seed
 * @b: the buffer
 * @seed: pattern seed
 * @len: bytes to check
 *
 * Return: true when they match; a mismatch is reported as a diagnostic.
 */
bool tbuf_check(struct tbuf *b, u64 seed, size_t len)
{
	unsigned int i;
	u64 pos = 0;
	size_t run, w;
	u64 *p;

	for (i = 0; i < tbuf_runs(b) && pos < len; i++) {
		p = tbuf_run(b, i, &run);
		for (w = 0; w < run / 8 && pos < len; w++, pos += 8)
			if (p[w] != pattern_word(seed, pos)) {
				ktap_diag("%s buffer differs at byte %llu: %016llx, not %016llx",
					  mem_type_name(b->mem.type), pos, p[w],
					  pattern_word(seed, pos));
				return false;
			}
	}
	return true;
}

/**
 * tbuf_is_zero() - whether the first @len bytes are all zero
 * @b: the buffer
 * @len: bytes to check
 *
 * Return: true when they are.
 */
bool tbuf_is_zero(struct tbuf *b, size_t len)
{
	unsigned int i;
	size_t run, done = 0;
	u8 *p;

	for (i = 0; i < tbuf_runs(b) && done < len; i++) {
		p = tbuf_run(b, i, &run);
		run = min(run, len - done);
		if (memchr_inv(p, 0, run))
			return false;
		done += run;
	}
	return true;
}

/**
 * raw_read_check() - read one logical block without dmio and compare it
 * @bdev: the device
 * @sector: where to read (aligned to the logical block size)
 * @seed: pattern seed expected there
 * @pattern_pos: byte offset in the pattern the block should hold
 *
 * Return: 0 when the block holds the expected pattern, 1 when it differs,
 * or a negative errno when it cannot be read.
 */
int raw_read_check(struct block_device *bdev, sector_t sector, u64 seed,
		   u64 pattern_pos)
{
	unsigned int lbs = bdev_logical_block_size(bdev), w;
	struct page *page;
	struct bio *bio;
	u64 *p;
	int err;

	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	bio = bio_alloc_bioset(bdev, 1, REQ_OP_READ, GFP_KERNEL, &fs_bio_set);
	dmio_bio_sector(bio) = sector;
	if (bio_add_page(bio, page, lbs, 0) == lbs)
		err = submit_bio_wait(bio);
	else
		err = -EIO;
	bio_put(bio);
	if (!err) {
		p = page_address(page);
		for (w = 0; w < lbs / 8; w++)
			if (p[w] != pattern_word(seed, pattern_pos + w * 8)) {
				ktap_diag("raw read of sector %llu differs at word %u",
					  (unsigned long long)sector, w);
				err = 1;
				break;
			}
	}
	__free_page(page);
	return err;
}

struct tnotify_ctx {
	struct completion done;
	atomic_t calls;
	bool in_task;
	unsigned int n;
	unsigned long *error_bits;
	unsigned long *unsup_bits;
};

static void tnotify(const unsigned long *error_bits,
		    const unsigned long *unsup_bits, void *context)
{
	struct tnotify_ctx *ctx = context;

	ctx->in_task = in_task();
	bitmap_copy(ctx->error_bits, error_bits, ctx->n);
	bitmap_copy(ctx->unsup_bits, unsup_bits, ctx->n);
	if (atomic_inc_return(&ctx->calls) == 1)
		complete(&ctx->done);
}

/**
 * run_request() - run a request synchronously or asynchronously and wait
 * @req: the request (its notify/context are set here for async)
 * @async: use dmio_async() and wait for the callback
 * @n: number of regions
 * @where: the regions
 * @res: outcome; @res->error_bits and @res->unsup_bits must hold @n bits
 *
 * For an async request that was started, @res->ret is what dmio_sync()
 * would have returned for the same outcome, so cases check both alike.
 *
 * Return: @res->ret.
 */
int run_request(struct dmio_request *req, bool async, unsigned int n,
		struct dmio_region *where, struct tresult *res)
{
	struct tnotify_ctx *ctx;

	bitmap_zero(res->error_bits, n);
	bitmap_zero(res->unsup_bits, n);
	res->callbacks = 0;
	res->callback_in_task = false;
	if (!async) {
		res->ret = dmio_sync(req, n, where, res->error_bits,
				     res->unsup_bits);
		return res->ret;
	}
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return res->ret = -ENOMEM;
	init_completion(&ctx->done);
	ctx->n = n;
	ctx->error_bits = res->error_bits;
	ctx->unsup_bits = res->unsup_bits;
	req->notify = tnotify;
	req->context = ctx;
	res->ret = dmio_async(req, n, where);
	if (!res->ret) {
		if (!wait_for_completion_timeout(&ctx->done, 60 * HZ)) {
			/* Never free what a late callback would write to. */
			ktap_diag("async request did not complete in 60 s");
			res->ret = -ETIMEDOUT;
			return res->ret;
		}
		/* Give a second, wrong, completion the time to show. */
		msleep(20);
		/* Report the outcome the way dmio_sync() would have. */
		if (!bitmap_empty(res->error_bits, n))
			res->ret = -EIO;
		else if (!bitmap_empty(res->unsup_bits, n))
			res->ret = -EOPNOTSUPP;
	}
	res->callbacks = atomic_read(&ctx->calls);
	res->callback_in_task = ctx->in_task;
	kfree(ctx);
	return res->ret;
}
