# SPDX-License-Identifier: GPL-2.0
# Sourced by guest scripts: helpers for the example cache target.
#   wt_setup ORIGIN CACHE_TABLE   /dev/mapper/wtc over ORIGIN, its cache
#                                 device /dev/mapper/wtc-cache made from
#                                 CACHE_TABLE (so it can be swapped later)
#   wt_cache_table TABLE          swap the cache device's table live
#   wt_stat FIELD                 a counter from `dmsetup status wtc`
export DM_DISABLE_UDEV=1

wt_setup() {
	origin=$1
	cache_table=$2
	sectors=$(blockdev --getsz "$origin")
	dmsetup create wtc-cache --noudevsync --table "$cache_table" &&
		dmsetup create wtc --noudevsync \
			--table "0 $sectors wtcache $origin /dev/mapper/wtc-cache"
}

wt_cache_table() {
	dmsetup suspend --noudevsync wtc-cache &&
		dmsetup reload wtc-cache --table "$1" &&
		dmsetup resume --noudevsync wtc-cache
}

wt_stat() {
	dmsetup status wtc | awk -v f="$1" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }'
}

wt_teardown() {
	dmsetup remove --noudevsync wtc && dmsetup remove --noudevsync wtc-cache
}
