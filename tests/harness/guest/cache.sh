# SPDX-License-Identifier: GPL-2.0
# Sourced by guest scripts: helpers for the example cache target.
#   wt_setup ORIGIN CACHE_TABLE [MODE...]
#                                 /dev/mapper/wtc over ORIGIN, its cache
#                                 device /dev/mapper/wtc-cache made from
#                                 CACHE_TABLE (so it can be swapped later);
#                                 MODE: the target's mode arguments
#                                 (writeback 0, ...), write-through without
#   wt_cache_table TABLE          swap the cache device's table live
#   wt_swap NAME TABLE            swap any device's table live
#   wt_mode MODE...               reload wtc with the same devices, another mode
#   wt_stat FIELD                 a counter from `dmsetup status wtc`
export DM_DISABLE_UDEV=1

wt_setup() {
	origin=$1
	cache_table=$2
	shift 2
	sectors=$(blockdev --getsz "$origin")
	dmsetup create wtc-cache --noudevsync --table "$cache_table" &&
		dmsetup create wtc --noudevsync \
			--table "0 $sectors wtcache $origin /dev/mapper/wtc-cache $*"
}

wt_swap() {
	dmsetup suspend --noudevsync "$1" &&
		dmsetup reload "$1" --table "$2" &&
		dmsetup resume --noudevsync "$1"
}

wt_cache_table() {
	wt_swap wtc-cache "$1"
}

# The old table is suspended (a write-back one cleans then) and replaced.
wt_mode() {
	dmsetup reload wtc --table "$(dmsetup table wtc | cut -d' ' -f1-5) $*" &&
		dmsetup resume --noudevsync wtc
}

wt_stat() {
	dmsetup status wtc | awk -v f="$1" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }'
}

wt_teardown() {
	dmsetup remove --noudevsync wtc && dmsetup remove --noudevsync wtc-cache
}
