/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The request operations by their modern names on every kernel.
 *
 * Since 4.10 a bio's bi_opf holds a REQ_OP_* operation in its low bits and
 * REQ_* flags above. Before 4.8 there were no operations: bi_rw was a word
 * of flags, the direction in REQ_WRITE and a discard in REQ_DISCARD. On
 * such kernels the modern names are defined here as the flag words that
 * meant the same, so code written with REQ_OP_WRITE | REQ_FUA builds and
 * means what it says, and (word & REQ_OP_MASK) still tells the operation.
 * Kernels 4.8 and 4.9 (the operation in bi_opf's top bits) are not
 * supported.
 *
 * Only preprocessor tests here: consumers include this (through
 * <dmio/dm-io.h>) without dmio's configure results.
 */
#ifndef _DMIO_REQ_OPS_H
#define _DMIO_REQ_OPS_H

#include <linux/blk_types.h>

#ifdef REQ_WRITE
/*
 * A bi_rw kernel (before 4.8, and RHEL 7): the operation is made of flags.
 * These are the words 3.10's block layer takes for each operation.
 */
#define DMIO_REQ_LEGACY_FLAGS	1
#define DMIO_REQ_OP_MASK	(REQ_WRITE | REQ_DISCARD | REQ_WRITE_SAME)
#define DMIO_REQ_OP_READ	0
#define DMIO_REQ_OP_WRITE	REQ_WRITE
#define DMIO_REQ_OP_DISCARD	(REQ_WRITE | REQ_DISCARD)
/*
 * No such operations yet: values no (word & DMIO_REQ_OP_MASK) can take, so
 * they exist for code to name and are never mistaken for another.
 */
#define DMIO_REQ_OP_FLUSH	(REQ_WRITE | REQ_FLUSH)
#define DMIO_REQ_OP_WRITE_ZEROES (REQ_WRITE | REQ_WRITE_SAME | REQ_FLUSH)

/*
 * The modern names, where the kernel has none. RHEL 7 backports some of
 * them as aliases of its flags (its REQ_OP_DISCARD is REQ_DISCARD alone):
 * those stay as they are for the consumer's own bios, and
 * dmio_req_normalize() makes either spelling the same operation to dmio.
 */
#ifndef REQ_OP_MASK
#define REQ_OP_MASK		DMIO_REQ_OP_MASK
#endif
#ifndef REQ_OP_READ
#define REQ_OP_READ		DMIO_REQ_OP_READ
#endif
#ifndef REQ_OP_WRITE
#define REQ_OP_WRITE		DMIO_REQ_OP_WRITE
#endif
#ifndef REQ_OP_DISCARD
#define REQ_OP_DISCARD		DMIO_REQ_OP_DISCARD
#endif
#ifndef REQ_OP_FLUSH
#define REQ_OP_FLUSH		DMIO_REQ_OP_FLUSH
#endif
#ifndef REQ_OP_WRITE_ZEROES
#define REQ_OP_WRITE_ZEROES	DMIO_REQ_OP_WRITE_ZEROES
#endif

/*
 * A discard (or write same) was a write in the kernel's own helpers, yet
 * dm-io looked at REQ_DISCARD alone, and RHEL 7's REQ_OP_DISCARD is that
 * bit alone: count it as the write it is.
 */
static inline unsigned long long dmio_req_normalize(unsigned long long word)
{
	return word & (REQ_DISCARD | REQ_WRITE_SAME) ? word | REQ_WRITE : word;
}
#else
static inline unsigned long long dmio_req_normalize(unsigned long long word)
{
	return word;
}
#endif

/* 4.8 renamed REQ_FLUSH; code of either era uses its own name. */
#if !defined(REQ_PREFLUSH) && defined(REQ_FLUSH)
#define REQ_PREFLUSH		REQ_FLUSH
#endif
#if !defined(REQ_FLUSH) && defined(REQ_PREFLUSH)
#define REQ_FLUSH		REQ_PREFLUSH
#endif

/* 4.10: write zeroes may deallocate unless told not to; before, no flag. */
#ifndef REQ_NOUNMAP
#define REQ_NOUNMAP		0
#endif

#endif /* _DMIO_REQ_OPS_H */
