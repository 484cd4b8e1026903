// SPDX-License-Identifier: GPL-2.0
/*
 * Iterators over the caller's memory: each memory type yields the next run
 * of bytes as (page, offset in page, length), never crossing a page, so the
 * one submission loop in io.c works the same for all of them.
 */
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include "dmio_internal.h"

/*
 * Skip whole bio_vecs so that cur->offset lies inside the current one. The
 * caller's offset may point past several of them.
 */
static void bvec_normalize(struct dmio_cursor *cur)
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
void dmio_cursor_init(struct dmio_cursor *cur, const struct dmio_memory *mem)
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
		cur->iter = mem->ptr.bio->bi_iter;
		bio_advance_iter(cur->bio, &cur->iter, cur->offset);
		cur->offset = 0;
		break;
	case DMIO_MEM_VMALLOC:
	case DMIO_MEM_KERNEL:
		cur->vaddr = mem->ptr.vaddr;
		break;
	case DMIO_MEM_NONE:
		break;
	}
}

/**
 * dmio_cursor_get() - the run of bytes at the cursor
 * @cur: the cursor
 * @page: the page the run is in
 * @len: bytes of the run, up to the end of @page
 * @offset: where in @page the run starts
 *
 * Return: false when the memory is exhausted (a page list or bio shorter
 * than the regions), true otherwise.
 */
bool dmio_cursor_get(struct dmio_cursor *cur, struct page **page,
		     unsigned int *len, unsigned int *offset)
{
	unsigned long addr;
	struct bio_vec bv;
	size_t pos;

	switch (cur->type) {
	case DMIO_MEM_PAGE_LIST:
		if (!cur->pl || !cur->pl->page)
			return false;
		*page = cur->pl->page;
		*offset = cur->offset;
		*len = PAGE_SIZE - cur->offset;
		return true;
	case DMIO_MEM_BVEC:
		/* A multi-page bio_vec is handed out one page at a time. */
		pos = cur->bvec->bv_offset + cur->offset;
		*page = nth_page(cur->bvec->bv_page, pos >> PAGE_SHIFT);
		*offset = offset_in_page(pos);
		*len = min_t(size_t, cur->bvec->bv_len - cur->offset,
			     PAGE_SIZE - *offset);
		return *len != 0;
	case DMIO_MEM_BIO:
		if (!cur->iter.bi_size)
			return false;
		/* The iterator already yields single-page bio_vecs. */
		bv = bio_iter_iovec(cur->bio, cur->iter);
		*page = bv.bv_page;
		*offset = bv.bv_offset;
		*len = bv.bv_len;
		return true;
	case DMIO_MEM_VMALLOC:
		addr = (unsigned long)cur->vaddr + cur->offset;
		*page = vmalloc_to_page((void *)addr);
		*offset = offset_in_page(addr);
		*len = PAGE_SIZE - *offset;
		return *page;
	case DMIO_MEM_KERNEL:
		addr = (unsigned long)cur->vaddr + cur->offset;
		*page = virt_to_page((void *)addr);
		*offset = offset_in_page(addr);
		*len = PAGE_SIZE - *offset;
		return true;
	case DMIO_MEM_NONE:
		break;
	}
	return false;
}

/**
 * dmio_cursor_advance() - move the cursor forward
 * @cur: the cursor
 * @bytes: bytes consumed, at most the length dmio_cursor_get() returned
 */
void dmio_cursor_advance(struct dmio_cursor *cur, unsigned int bytes)
{
	switch (cur->type) {
	case DMIO_MEM_PAGE_LIST:
		cur->offset += bytes;
		if (cur->offset >= PAGE_SIZE) {
			cur->offset -= PAGE_SIZE;
			cur->pl = cur->pl->next;
		}
		break;
	case DMIO_MEM_BVEC:
		cur->offset += bytes;
		if (cur->offset >= cur->bvec->bv_len) {
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
