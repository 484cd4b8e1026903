#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make check`: load dmio and its selftest (KTAP from the
# kernel), then check from userspace, also as KTAP, that the bytes the
# selftest wrote really are on the device, and that both modules unload.
# The first results say which test devices the kernel could make (an old
# kernel may lack one: "# SKIP" with the reason, see devices.sh).
PATTERN_SECTOR=8
PATTERN_SECTORS=128

. /dmio/ktap.sh

. /dmio/devices.sh
insmod /dmio/dmio.ko || echo "dmio-guest: insmod dmio.ko failed"
insmod /dmio/dmio_selftest.ko dev=/dev/ram0 dev2=/dev/ram1 \
	dev4k=/dev/nullb0 err_dev=/dev/mapper/dmio-err zero_dev=/dev/loop0 \
	slow_dev=/dev/mapper/dmio-slow mq_err_dev="$MQ_ERR_DEV" \
	pattern_sector=$PATTERN_SECTOR pattern_sectors=$PATTERN_SECTORS ||
	echo "dmio-guest: insmod dmio_selftest.ko failed"

# The same text the selftest wrote: 16 lines of 32 bytes per sector.
make_pattern() {
	s=$PATTERN_SECTOR
	end=$((PATTERN_SECTOR + PATTERN_SECTORS))
	while [ $s -lt $end ]; do
		l=0
		while [ $l -lt 16 ]; do
			printf 'dmio sector %010d line %02d.\n' $s $l
			l=$((l + 1))
		done
		s=$((s + 1))
	done
}

# Check from userspace now, before later tests reuse /dev/ram0.
make_pattern >/tmp/expected
dd if=/dev/ram0 of=/tmp/actual bs=512 skip=$PATTERN_SECTOR \
	count=$PATTERN_SECTORS 2>/dev/null
cmp -s /tmp/expected /tmp/actual
dd_pattern=$?
# The sectors before the pattern were never written: still zero.
dd if=/dev/ram0 bs=512 count=$PATTERN_SECTOR 2>/dev/null | od -An -tx1 -v |
	grep -qv '^\( 00\)*$'
[ $? -ne 0 ]
dd_untouched=$?

insmod /dmio/dmio_difftest.ko dev=/dev/ram0 dev2=/dev/ram1 \
	err_dev=/dev/mapper/dmio-err nodiscard_dev=/dev/nullb0 ||
	echo "dmio-guest: insmod dmio_difftest.ko failed"
rmmod dmio_difftest
# The same copies through the kernel's dm-kcopyd and through dmio.
insmod /dmio/dmio_kcdifftest.ko dev=/dev/ram0 dev2=/dev/ram1 \
	err_dev=/dev/mapper/dmio-err zero_dev=/dev/loop0 ||
	echo "dmio-guest: insmod dmio_kcdifftest.ko failed"
rmmod dmio_kcdifftest

# One consumer per dm-io API era, through the drop-in <dmio/dm-io.h>, and
# two that define their own functions under the classic names.
ERAS="era_2_6_18 era_2_6_26 era_4x era_6x era_7x own_bvec own_bio"
for era in $ERAS; do
	insmod /dmio/$era.ko dev=/dev/ram0 dev2=/dev/ram1 \
		err_dev=/dev/mapper/dmio-err nodiscard_dev=/dev/nullb0 ||
		echo "dmio-guest: insmod $era.ko failed"
done
# One kcopyd user per dm-kcopyd API era, through <dmio/dm-kcopyd.h> (the
# 3.9 one declares a throttle module parameter), and one with a kcopyd
# layer of its own under the pre-2.6.26 names.
KC_ERAS="kc_2_6_18 kc_2_6_26 kc_3_0 kc_3_9 kc_4_19 kc_own"
for era in $KC_ERAS; do
	extra=
	[ "$era" = kc_3_9 ] && extra=kcopyd_throttle=20
	insmod /dmio/$era.ko dev=/dev/ram0 dev2=/dev/ram1 \
		err_dev=/dev/mapper/dmio-err $extra ||
		echo "dmio-guest: insmod $era.ko failed"
done

# dm-io's behaviour that drop-in consumers rely on (dm_io_rules.c); then
# its hint flags, seen by dm-flakey: a device that corrupts byte 1 (to
# 0x55) of every write carrying all of them. dm-flakey reads the flags in
# decimal.
insmod /dmio/dm_io_rules.ko dev=/dev/ram0 dev2=/dev/ram1 dev4k=/dev/nullb0 &&
	rmmod dm_io_rules
rules_loaded=$?
hint_mask=$(dmesg | sed -n 's/.*# dmio-hint-flags \(0x[0-9a-f]*\).*/\1/p' | tail -n 1)
hint_dev=1
if [ -n "$hint_mask" ] &&
   dmsetup create dmio-hints --noudevsync --table \
	"0 8 flakey /dev/ram0 130048 0 1 5 corrupt_bio_byte 1 w 85 $((hint_mask))"; then
	insmod /dmio/dm_io_rules.ko dev=/dev/ram0 dev2=/dev/ram1 \
		flags_dev=/dev/mapper/dmio-hints flags_sector=130048 only_hints=1 &&
		rmmod dm_io_rules && hint_dev=0
	dmsetup remove --noudevsync dmio-hints
fi
consumer_holders=$(ls /sys/module/dmio/holders 2>/dev/null | tr '\n' ' ')
dm_mod_holders=$(ls /sys/module/dm_mod/holders 2>/dev/null | tr '\n' ' ')
for era in $ERAS $KC_ERAS; do
	rmmod $era
done

# The example cache target (examples/wtcache) over /dev/ram0, with a 4 MiB
# cache on /dev/ram1 that turns flaky, then fails entirely.
. /dmio/cache.sh
cache_ok=1
cache_skip=
if [ ! -f /dmio/dm-wtcache.ko ]; then
	# Built only where the suite table says (lib.sh): its dm target API.
	cache_skip="the example target is not built for this kernel"
elif insmod /dmio/dm-wtcache.ko &&
   wt_setup /dev/ram0 "0 8192 linear /dev/ram1 0"; then
	cachetest() {
		insmod /dmio/dmio_cachetest.ko dev=/dev/mapper/wtc \
			origin=/dev/ram0 "$@" && rmmod dmio_cachetest
	}
	cachetest name=cache_healthy seed=1
	dmsetup message wtc 0 invalidate
	hits0=$(wt_stat hits)
	misses0=$(wt_stat misses)
	cachetest name=cache_reread mode=readset
	hit_delta=$(($(wt_stat hits) - hits0))
	miss_delta=$(($(wt_stat misses) - misses0))
	# Failing writes by name where dm-flakey knows the feature: RHEL 8.10
	# and 9.6 take a table without features as "never fail" (their
	# parse_features() returns before choosing the default).
	wt_cache_table "0 8192 flakey /dev/ram1 0 1 1 1 error_writes" ||
		wt_cache_table "0 8192 flakey /dev/ram1 0 1 1"
	# check-debug shortens it (CACHE_FLAKY_OPS on the kernel command line).
	cachetest name=cache_flaky seed=2 ops="${CACHE_FLAKY_OPS:-2500}"
	errors1=$(wt_stat cache_errors)
	wt_cache_table "0 8192 error"
	cachetest name=cache_gone seed=3
	errors2=$(wt_stat cache_errors)
	echo "# cache: $(dmsetup status wtc)"
	wt_teardown && rmmod dm_wtcache || cache_ok=0
else
	echo "dmio-guest: could not set up the cache target"
	cache_ok=0
fi

# --- The example cache in write-back mode: begin ---------------------------
# Its own KTAP document (results gathered here, printed at the end of the
# block), beside the ones the cache workload prints from the kernel. The
# origin is /dev/mapper/wtc-origin over /dev/ram0, so it can fail; the
# cache 4 MiB of /dev/ram1. Random I/O through the cache with the
# background cleaner racing it (every 50 ms), "clean", then the origin read
# directly; dirty blocks while the origin fails (dm-error): "clean" fails,
# the background cleaner retries, nothing is lost, and once the origin is
# back the cleaner alone cleans them; removal with dirty blocks cleans them
# first. Its variables all start with wb_: the results printed after it
# read the ones above.
WB_RESULTS=7
wb_n=0
wb_out=/tmp/wb-results
: >"$wb_out"
wb_result() {	# STATUS NAME
	wb_n=$((wb_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $wb_n $2" >>"$wb_out"
	else
		echo "not ok $wb_n $2" >>"$wb_out"
	fi
}
wb_load() {
	insmod /dmio/dmio_cachetest.ko "$@" && rmmod dmio_cachetest
}
# NAME SEED OPS: random I/O through the cache; then what it left, on the
# origin read directly (the same seeds replay the operations).
wb_write() {
	wb_load dev=/dev/mapper/wtc name="$1" seed="$2" ops_seed="$2" ops="$3"
}
wb_verify() {
	wb_load mode=verify dev=/dev/ram0 name="$1_origin" seed="$2" \
		ops_seed="$2" ops="$3"
}
wb_origin_sectors=$(blockdev --getsz /dev/ram0)
wb_origin_up="0 $wb_origin_sectors linear /dev/ram0 0"
if [ ! -f /dmio/dm-wtcache.ko ]; then
	wb_skip="the example target is not built for this kernel"
elif insmod /dmio/dm-wtcache.ko &&
   dmsetup create wtc-origin --noudevsync --table "$wb_origin_up" &&
   wt_setup /dev/mapper/wtc-origin "0 8192 linear /dev/ram1 0" writeback 50; then
	wb_skip=
	wb_result 0 "wb_target_created ($(dmsetup table wtc | cut -d' ' -f6-))"

	# check-debug shortens it, as the flaky case above.
	wb_ops=${CACHE_FLAKY_OPS:-500}
	wb_write wb_racing 11 "$wb_ops"
	wb_rc=$?
	dmsetup message wtc 0 clean
	wb_rc2=$?
	wb_dirty=$(wt_stat dirty)
	wb_cleaned=$(wt_stat cleaned)
	wb_verify wb_racing 11 "$wb_ops"
	wb_rc3=$?
	[ $wb_rc = 0 ] && [ $wb_rc2 = 0 ] && [ $wb_rc3 = 0 ] && [ "$wb_dirty" = 0 ] &&
		[ "${wb_cleaned:-0}" -gt 0 ]
	wb_result $? "wb_racing_cleaned_then_origin_checked (cleaned ${wb_cleaned:-?}, dirty ${wb_dirty:-?}, waited $(wt_stat deferred))"

	# No background cleaning: the run leaves dirty blocks for certain.
	dmsetup message wtc 0 clean_delay 0
	wb_write wb_fault 12 200
	wb_rc=$?
	wb_dirty1=$(wt_stat dirty)
	wb_errors1=$(wt_stat clean_errors)
	wt_swap wtc-origin "0 $wb_origin_sectors error"
	dmsetup message wtc 0 clean
	wb_rc2=$?
	wb_dirty2=$(wt_stat dirty)
	wb_errors2=$(wt_stat clean_errors)
	[ $wb_rc = 0 ] && [ $wb_rc2 != 0 ] && [ "${wb_dirty1:-0}" -gt 0 ] &&
		[ "$wb_dirty2" = "$wb_dirty1" ] && [ "${wb_errors2:-0}" -gt "${wb_errors1:-0}" ]
	wb_result $? "wb_origin_fails_blocks_stay_dirty (dirty $wb_dirty1 then $wb_dirty2, clean_errors $wb_errors1 then $wb_errors2)"
	dmsetup message wtc 0 clean_delay 100
	sleep 2
	wb_dirty3=$(wt_stat dirty)
	wb_errors3=$(wt_stat clean_errors)
	[ "$wb_dirty3" = "$wb_dirty1" ] && [ "${wb_errors3:-0}" -gt "${wb_errors2:-0}" ]
	wb_result $? "wb_background_retries_keep_blocks_dirty (dirty $wb_dirty3, clean_errors $wb_errors3)"
	wt_swap wtc-origin "$wb_origin_up"
	wb_t=0
	while [ "$(wt_stat dirty)" != 0 ] && [ $wb_t -lt 60 ]; do
		sleep 1
		wb_t=$((wb_t + 1))
	done
	wb_verify wb_fault 12 200
	[ $? = 0 ] && [ "$(wt_stat dirty)" = 0 ]
	wb_result $? "wb_background_cleans_once_origin_is_back (${wb_t} s, cleaned $(wt_stat cleaned))"

	# dm suspends a target before removing it: that cleans.
	dmsetup message wtc 0 clean_delay 0
	wb_write wb_remove 13 100
	wb_rc=$?
	wb_dirty1=$(wt_stat dirty)
	echo "# wtcache write-back: $(dmsetup status wtc)"
	dmsetup remove --noudevsync wtc
	wb_rc2=$?
	wb_verify wb_remove 13 100
	[ $? = 0 ] && [ $wb_rc = 0 ] && [ $wb_rc2 = 0 ] && [ "${wb_dirty1:-0}" -gt 0 ] &&
		! dmesg | grep -q 'data is lost'
	wb_result $? "wb_remove_cleans_dirty_blocks_first (dirty $wb_dirty1)"
	dmsetup remove --noudevsync wtc-cache &&
		dmsetup remove --noudevsync wtc-origin && rmmod dm_wtcache
	wb_result $? "wb_target_removed_and_unloaded"
else
	wb_skip="could not set up the cache target in write-back mode"
	echo "dmio-guest: $wb_skip"
	dmsetup remove --noudevsync wtc
	dmsetup remove --noudevsync wtc-cache
	dmsetup remove --noudevsync wtc-origin
	rmmod dm_wtcache
fi
echo "KTAP version 1"
echo "# Subtest: wtcache-writeback"
echo "1..$WB_RESULTS"
if [ -n "$wb_skip" ]; then
	# The same results, each skipped (or failed) with the reason.
	for wb_name in target_created racing_cleaned_then_origin_checked \
		origin_fails_blocks_stay_dirty background_retries_keep_blocks_dirty \
		background_cleans_once_origin_is_back remove_cleans_dirty_blocks_first \
		target_removed_and_unloaded; do
		wb_n=$((wb_n + 1))
		case $wb_skip in
		*"not built"*) echo "ok $wb_n wb_$wb_name # SKIP $wb_skip" ;;
		*) echo "not ok $wb_n wb_$wb_name" ;;
		esac
	done
else
	cat "$wb_out"
fi
# --- The example cache in write-back mode: end -----------------------------

echo "KTAP version 1"
echo "# Subtest: dmio-guest"
# One result per device made (devices.sh), then the twelve below.
echo "1..$(($(grep -c . "$DEVICES_STATUS") + 12))"
device_results
result $dd_pattern "userspace_dd_sees_pattern"
result $dd_untouched "sectors_before_pattern_untouched"
rmmod dmio_selftest
result $? "rmmod_dmio_selftest"
remove_nullb_mqerr
# The era consumers bound to dmio's exports, none to dm-mod's dm_io.
bound=0
for era in $ERAS; do
	case " $consumer_holders " in *" $era "*) ;; *) bound=1 ;; esac
	case " $dm_mod_holders " in *" $era "*) bound=1 ;; esac
done
echo "# dmio holders: $consumer_holders; dm_mod holders: $dm_mod_holders"
result $bound "era_consumers_use_dmio_not_dm_mod"
bound=0
for era in $KC_ERAS; do
	case " $consumer_holders " in *" $era "*) ;; *) bound=1 ;; esac
	case " $dm_mod_holders " in *" $era "*) bound=1 ;; esac
done
result $bound "kcopyd_consumers_use_dmio_not_dm_mod"
result $rules_loaded "dm_io_rules_loaded_and_unloaded"
echo "# hint flags ${hint_mask:-?} ($((${hint_mask:-0})))"
result $hint_dev "hint_flag_device_made_and_case_ran"
if [ -n "$cache_skip" ]; then
	result_skip cache_reread_hits "$cache_skip"
	result_skip cache_errors_counted_flaky_then_gone "$cache_skip"
	result_skip cache_target_removed_and_unloaded "$cache_skip"
else
	# Re-reading a working set after invalidating: one miss then one hit
	# per block (256 blocks), allowing a few for blocks another pass evicted.
	[ "${hit_delta:-0}" -ge 243 ] && [ "${miss_delta:-0}" -le 269 ]
	result $? "cache_reread_hits (hits +${hit_delta:-?}, misses +${miss_delta:-?})"
	[ "${errors1:-0}" -gt 0 ] && [ "${errors2:-0}" -gt "${errors1:-0}" ]
	result $? "cache_errors_counted_flaky_then_gone (${errors1:-?} then ${errors2:-?})"
	[ "$cache_ok" = 1 ]
	result $? "cache_target_removed_and_unloaded"
fi
rmmod dmio
result $? "rmmod_dmio"
# Destroying dmio's request cache reports any object never given back.
! dmesg | grep -q 'Objects remaining'
result $? "no_request_objects_left_at_unload"
echo "# dmio-guest: $((n - failed)) passed, $failed failed"
