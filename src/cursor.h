/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Iterators over the caller's memory: each memory type yields the next run
 * of bytes as (page, offset in page, length), so the one submission loop in
 * io.c works the same for all of them. Inline: they run for every bio.
 */
#ifndef _DMIO_CURSOR_H
#define _DMIO_CURSOR_H

#include <linux/mm.h>
#include <linux/vmalloc.h>
#include "dmio_internal.h"

/*
 * Skip whole bio_vecs so that cur->offset lies inside the current one. The
 * caller's offset may point past several of them.
 */
static inline void bvec_normalize(struct dmio_cursor *cur)
{
	while (cur->offset && cur->offset >= cur->bvec->bv_len) {
		cur->offset -= cur->bvec->bv_len;
		cur->bvec++;
	}
}

/**
 * dmio_cursor_init() - place a cursor at the start of the caller's memory
 * @cur: the cursor
 * @mem: the memory, already validated
 */
static __always_inline void dmio_cursor_init(struct dmio_cursor *cur,
					     const struct dmio_memory *mem)
{
	cur->type = mem->type;
	cur->offset = mem->offset;
	switch (mem->type) {
	case DMIO_MEM_PAGE_LIST:
		cur->pl = mem->ptr.pl;
		/* An offset of a page or more starts on a later page. */
		while (cur->pl && cur->offset >= PAGE_SIZE) {
			cur->offset -= PAGE_SIZE;
			cur->pl = cur->pl->next;
		}
		break;
	case DMIO_MEM_BVEC:
		cur->bvec = mem->ptr.bvec;
		bvec_normalize(cur);
		break;
	case DMIO_MEM_BIO:
		cur->bio = mem->ptr.bio;
		cur->iter = dmio_bio_iter(mem->ptr.bio);
		bio_advance_iter(cur->bio, &cur->iter, cur->offset);
		cur->offset = 0;
		break;
	case DMIO_MEM_KERNEL:
		/*
		 * Kernel memory outside the linear map (a vmap'ed stack, a
		 * module's static data) has its pages in the page tables, as
		 * vmalloc memory does: virt_to_page() would name wrong ones.
		 */
		if (unlikely(dmio_vmapped_addr(mem->ptr.vaddr)))
			cur->type = DMIO_MEM_VMALLOC;
		fallthrough;
	case DMIO_MEM_VMALLOC:
		cur->vaddr = mem->ptr.vaddr;
		break;
	case DMIO_MEM_NONE:
		break;
	}
}

/* A run that starts @pos bytes into the pages from @page on. */
static inline void run_at(struct page *page, size_t pos,
			  struct page **run_page, unsigned int *offset)
{
	*run_page = nth_page(page, pos >> PAGE_SHIFT);
	*offset = offset_in_page(pos);
}

/* Does @bv start @pos bytes into the pages from @page on? */
static inline bool bvec_follows(struct page *page, size_t pos,
				const struct bio_vec *bv)
{
	return nth_page(page, pos >> PAGE_SHIFT) ==
	       nth_page(bv->bv_page, bv->bv_offset >> PAGE_SHIFT) &&
	       offset_in_page(pos) == offset_in_page(bv->bv_offset);
}

/* The contiguous run at the cursor: see dmio_cursor_get(). */
static __always_inline bool cursor_run(struct dmio_cursor *cur,
				       unsigned int max, struct page **page,
				       unsigned int *len, unsigned int *offset)
{
	const struct bio_vec *bv_next;
	struct dmio_page_list *pl;
	unsigned long addr;
	struct bio_vec bv;

	switch (cur->type) {
	case DMIO_MEM_PAGE_LIST:
		if (!cur->pl || !cur->pl->page)
			return false;
		*page = cur->pl->page;
		*offset = cur->offset;
		*len = PAGE_SIZE - cur->offset;
		/* Further elements whose pages follow this one join the run. */
		for (pl = cur->pl->next; *len < max && pl && pl->page &&
		     pl->page == nth_page(*page, (*offset + *len) >> PAGE_SHIFT);
		     pl = pl->next)
			*len += PAGE_SIZE;
		*len = min(*len, max);
		return true;
	case DMIO_MEM_BVEC:
		run_at(cur->bvec->bv_page, cur->bvec->bv_offset + cur->offset,
		       page, offset);
		*len = cur->bvec->bv_len - cur->offset;
		if (!*len)
			return false;
		/*
		 * Further bio_vecs that go on where this one ends join the run;
		 * the array holds enough of them for @max more bytes.
		 */
		for (bv_next = cur->bvec + 1; *len < max && bv_next->bv_len &&
		     bvec_follows(*page, *offset + *len, bv_next); bv_next++)
			*len += bv_next->bv_len;
		*len = min(*len, max);
		return true;
	case DMIO_MEM_BIO:
		if (!cur->iter.bi_size)
			return false;
		bv = mp_bvec_iter_bvec(cur->bio->bi_io_vec, cur->iter);
		run_at(bv.bv_page, bv.bv_offset, page, offset);
		*len = min(max, bv.bv_len);
		return true;
	case DMIO_MEM_VMALLOC:
		addr = (unsigned long)cur->vaddr + cur->offset;
		*page = vmalloc_to_page((void *)addr);
		*offset = offset_in_page(addr);
		*len = min_t(unsigned int, max, PAGE_SIZE - *offset);
		return *page;
	case DMIO_MEM_KERNEL:
		addr = (unsigned long)cur->vaddr + cur->offset;
		*page = virt_to_page((void *)addr);
		*offset = offset_in_page(addr);
		*len = PAGE_SIZE - *offset;
		/* The linear map: extend over pages whose memmap is contiguous. */
		while (*len < max &&
		       virt_to_page((void *)(addr + *len)) ==
		       nth_page(*page, (*offset + *len) >> PAGE_SHIFT))
			*len += PAGE_SIZE;
		*len = min(*len, max);
		return true;
	case DMIO_MEM_NONE:
		break;
	}
	return false;
}

/**
 * dmio_cursor_get() - the run of bytes at the cursor
 * @cur: the cursor
 * @max: most bytes the caller wants (at least 1)
 * @page: the page the run starts in
 * @len: bytes of the run, at most @max; the run may go on into the pages
 *	that follow @page when they are physically contiguous (one bio_vec)
 * @offset: where in @page the run starts, below PAGE_SIZE
 *
 * Runs are as long as the memory is physically contiguous (consecutive
 * pages of a page list, bio_vecs that go on where the last one ended, a
 * multi-page bio_vec, kernel memory), so that one bio_add_page() call
 * covers them, and as long as one bio_vec of the running kernel may be.
 * Vmalloc memory goes one page at a time.
 *
 * Return: false when the memory is exhausted (a page list or bio shorter
 * than the regions), true otherwise.
 */
static __always_inline bool dmio_cursor_get(struct dmio_cursor *cur,
					    unsigned int max,
					    struct page **page,
					    unsigned int *len,
					    unsigned int *offset)
{
	if (!cursor_run(cur, max, page, len, offset))
		return false;
	*len = min(*len, dmio_bvec_room(*offset));
	return true;
}

/**
 * dmio_cursor_advance() - move the cursor forward
 * @cur: the cursor
 * @bytes: bytes consumed, at most the length dmio_cursor_get() returned
 */
static __always_inline void dmio_cursor_advance(struct dmio_cursor *cur,
						unsigned int bytes)
{
	switch (cur->type) {
	case DMIO_MEM_PAGE_LIST:
		cur->offset += bytes;
		while (cur->offset >= PAGE_SIZE) {
			cur->offset -= PAGE_SIZE;
			cur->pl = cur->pl->next;
		}
		break;
	case DMIO_MEM_BVEC:
		cur->offset += bytes;
		/* Never look at the bio_vec after the last one consumed. */
		while (cur->offset && cur->offset >= cur->bvec->bv_len) {
			cur->offset -= cur->bvec->bv_len;
			cur->bvec++;
		}
		break;
	case DMIO_MEM_BIO:
		bio_advance_iter(cur->bio, &cur->iter, bytes);
		break;
	case DMIO_MEM_VMALLOC:
	case DMIO_MEM_KERNEL:
		cur->offset += bytes;
		break;
	case DMIO_MEM_NONE:
		break;
	}
}

#endif /* _DMIO_CURSOR_H */
