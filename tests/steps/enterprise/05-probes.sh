#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Enterprise step (per RHEL release): every compile probe answers what the
# tree really has. The kernel version decides (the suite step's table),
# except where the release backported an API, moved it to another header,
# dropped an old one early or kept an old one beside the new: for those,
# the rows below name the tree's header and a pattern found there exactly
# when the API is there, and the probe must answer the same. So the table
# is checked against the tree too, not only the probe against the table.
#
#   05-probes.sh SUITE ABI TREE BUILT OUTDIR
set -uo pipefail
suite=$1 abi=$2 tree=$3 built=$4 outdir=$5

# release  feature  answer  file  extended-regex (matches iff the answer is yes)
backports='
7.9  WAIT_VAR_EVENT            yes  include/linux/wait.h      define wait_var_event\(
7.9  REQ_OP                    yes  include/linux/blk_types.h enum req_op \{
7.9  QUEUE_MQ_OPS              yes  include/linux/blkdev.h    struct blk_mq_ops \*mq_ops;
7.9  ARRAY_SIZE                yes  include/linux/overflow.h  size_t array_size\(
7.9  KVZALLOC                  yes  include/linux/mm.h        void \*kvzalloc\(
7.9  KVCALLOC                  yes  include/linux/mm.h        void \*kvcalloc\(
8.10 BITMAP_ZALLOC             yes  include/linux/bitmap.h    long \*bitmap_zalloc\(
8.10 BIO_ADD_PAGE_UNCHECKED    yes  include/linux/bio.h       void __bio_add_page\(
8.10 QUEUE_IS_MQ               yes  include/linux/blkdev.h    bool queue_is_mq\(
8.10 MEMZERO_PAGE              yes  include/linux/highmem.h   void memzero_page\(
9.6  BIO_CLONE_FAST            no   include/linux/bio.h       bio_clone_fast\(
9.6  BDEV_FILE_OPEN_BY_PATH    yes  include/linux/blkdev.h    struct file \*bdev_file_open_by_path\(
9.6  BDEV_MAX_DISCARD_SECTORS  yes  include/linux/blkdev.h    bdev_max_discard_sectors\(struct block_device
9.6  BIO_ALLOC_BIOSET_BDEV     yes  include/linux/bio.h       bio_alloc_bioset\(struct block_device \*bdev
9.6  BIO_ALLOC_CLONE           yes  include/linux/bio.h       bio_alloc_clone\(struct block_device
9.6  BLK_OPF_T                 yes  include/linux/blk_types.h typedef .* blk_opf_t;
9.6  DM_IO_IOPRIO              yes  include/linux/dm-io.h     unsigned short ioprio\);
9.6  DM_IO_REQUEST_BI_OP       no   include/linux/dm-io.h     bi_op_flags;
9.6  DM_IO_REQUEST_BI_OPF      yes  include/linux/dm-io.h     blk_opf_t[[:space:]]+bi_opf;
9.6  BLK_QUEUE_SPLIT           no   include/linux/blkdev.h    blk_queue_split\(
9.6  BIO_SPLIT_TO_LIMITS       yes  include/linux/blkdev.h    struct bio \*bio_split_to_limits\(
'

DMIO_PROBE_BACKPORTS=$(echo "$backports" | awk -v r="${suite#rhel-}" '$1 == r { $1 = ""; print }')
DMIO_PROBE_TREE=$tree
export DMIO_PROBE_BACKPORTS DMIO_PROBE_TREE
exec "$(dirname "$0")/../suite/05-probes.sh" "$suite" "$abi" - "$built" "$outdir"
