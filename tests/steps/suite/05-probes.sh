#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Matrix step (per suite): every compile probe answers what the kernel's
# version says it must, so a probe broken by a typo or a missing include
# (which would silently answer "no") is caught on the kernels we have.
#
#   05-probes.sh SUITE ABI KDEST BUILT OUTDIR
#
# DMIO_PROBE_BACKPORTS (set by tests/steps/enterprise/05-probes.sh): rows
# "FEATURE yes|no FILE REGEX" for a kernel whose headers differ from its
# version's (RHEL). FILE of the tree DMIO_PROBE_TREE matches REGEX exactly
# when the answer is yes, and the probe must give that answer.
set -uo pipefail
suite=$1 abi=$2 built=$4
config="$built/.build/dmio_config.h"

# feature  first-mainline  gone-in  (gone-in "-": still there). A "+" after
# the first version marks a feature that stable or distribution kernels
# backport: only "present from that version on" is checked for it.
expectations='
BIO_ADD_PAGE_UNCHECKED		4.19+	-
BITMAP_ZALLOC			4.19+	-
ARRAY_SIZE			4.18+	-
BDEV_WRITE_ZEROES_SECTORS	4.10	-
BDEV_IS_ZONED			4.10	-
BIO_BI_ERROR			4.3	4.13
BIO_BI_IOPRIO			4.10	-
BIO_BI_ITER			3.14	-
BIO_BI_OPF			4.10	-
BIO_CLONE_FAST			3.14+	5.18
BIO_ENDIO_1ARG			4.3	-
BIO_SET_DEV			4.14+	-
BIOSET_CREATE_FLAGS		4.13	4.18
BIOSET_INIT			4.18	-
BLK_QUEUE_SPLIT			4.3	6.0
BLK_STATUS_T			4.13	-
GET_RANDOM_U32			4.11+	-
KVCALLOC			4.18+	-
KVZALLOC			4.12+	-
MEMPOOL_RESIZE_2ARG		4.1+	-
QUEUE_IS_MQ			5.0+	-
QUEUE_MQ_OPS			3.13+	-
REQ_OP				4.8+	-
SUBMIT_BIO_1ARG			4.8	-
WAIT_BIT_H			4.14+	-
WAIT_VAR_EVENT			4.16+	-
BDEV_FILE_OPEN_BY_PATH		6.9	-
BDEV_MAX_DISCARD_SECTORS	5.19	-
BDEV_NR_SECTORS			5.11	-
BDEV_OPEN_BY_PATH		6.7	6.9
BIO_ALLOC_BIOSET_BDEV		5.18	-
BIO_ALLOC_CLONE			5.18+	-
BIO_MAX_SEGS			5.12	-
BIO_SPLIT_TO_LIMITS		6.0	-
BLK_OPF_T			6.0	-
BLKDEV_GET_BY_PATH_HOLDER_OPS	6.5	6.9
DM_IO_IOPRIO			6.9+	7.1
DM_IO_REQUEST_BI_OP		4.8	6.0
DM_IO_REQUEST_BI_OPF		6.0	-
DM_IO_UNSUP			7.1+	-
IO_NOTIFY_FN_UNSUP		7.1+	-
MEMZERO_PAGE			5.12	-
'

# Version of the kernel as a sortable number: 6.12 -> 6012.
vnum() { echo "$1" | awk -F. '{ printf "%d%03d\n", $1, $2 }'; }
kver=$(vnum "${abi%%-*}")

echo "KTAP version 1"
echo "# Subtest: probes"
echo "# kernel $abi; probe results in $config"
n=0
failed=0
while read -r feature first gone; do
	[ -n "$feature" ] || continue
	n=$((n + 1))
	backported=no
	case $first in *+) backported=yes; first=${first%+} ;; esac
	want=no
	[ "$kver" -ge "$(vnum "$first")" ] && want=yes
	[ "$gone" != - ] && [ "$kver" -ge "$(vnum "$gone")" ] && want=no
	have=no
	grep -q "^#define DMIO_HAVE_$feature 1" "$config" && have=yes
	# A distribution kernel that differs from its version (enterprise
	# step): the tree must show it, and the probe must answer so.
	bp=$(echo "${DMIO_PROBE_BACKPORTS:-}" | awk -v f="$feature" '$1 == f')
	if [ -n "$bp" ]; then
		read -r _ want file pattern <<<"$bp"
		shows=no
		grep -Eq -- "$pattern" "$DMIO_PROBE_TREE/$file" 2>/dev/null && shows=yes
		if [ "$shows" != "$want" ]; then
			echo "not ok $n probe_$feature # the tree says $shows, the table $want: /$pattern/ in $file"
			failed=$((failed + 1))
		elif [ "$have" = "$want" ]; then
			echo "ok $n probe_$feature # have=$have as $file shows (mainline: $first, gone: $gone)"
		else
			echo "not ok $n probe_$feature # have=$have, expected $want on $abi ($file)"
			failed=$((failed + 1))
		fi
		continue
	fi
	if [ "$have" = "$want" ] || { [ "$backported" = yes ] && [ "$want" = no ]; }; then
		echo "ok $n probe_$feature # have=$have"
	else
		echo "not ok $n probe_$feature # have=$have, expected $want on $abi"
		failed=$((failed + 1))
	fi
done <<<"$expectations"
echo "1..$n"
echo "dmio-guest: done"
[ "$failed" -eq 0 ]
