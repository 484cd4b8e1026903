#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Matrix step: dmio, its tests and the era consumers built with gcc 4.8,
# the compiler generation of RHEL 7 (its kernels build with gcc 4.8.5),
# against xenial's 4.4 headers, the bi_rw-era kernel of the matrix. gcc 4.8
# lacks what newer compilers let slip in (C11 _Generic, __auto_type,
# __has_attribute, the fallthrough attribute, several -Werror= options the
# probes use), so this is where code RHEL 7 cannot compile shows up.
# Ubuntu xenial ships the compiler (gcc-4.8 in universe). The build then
# boots with the selftest row's guest, whose results count in this row.
# Last, the paths only 3.10 takes are compiled with their probes turned
# off: they must fail on the 3.10 names alone (no 3.10 tree is to be had).
#
#   15-oldgcc.sh SUITE ABI KDEST BUILT OUTDIR
# only-on: xenial
set -uo pipefail
. "$(dirname "$0")/../../harness/lib.sh"
suite=$1 abi=$2 kdest=$3 built=$4 outdir=$5
cc=${DMIO_OLD_GCC:-gcc-4.8}
# A compiler diagnostic located in a source file (make's own lines are not).
diag_re='\.[ch]:[0-9]+(:[0-9]+)?: (warning|error)'

echo "KTAP version 1"
echo "1..6"

fail_all() {
	local i t
	i=1
	for t in old_gcc_installed old_gcc_builds_dmio_and_tests \
		 old_gcc_no_diagnostics old_gcc_built_the_modules \
		 old_gcc_probe_answers_match rhel7_paths_fail_on_3_10_names_only; do
		echo "not ok $i $t # $1"
		i=$((i + 1))
	done
	echo "dmio-guest: done"
	exit 1
}

if ! chroot_install "$suite" "$cc" >/dev/null 2>&1; then
	fail_all "cannot install $cc in the $suite chroot"
fi
version=$(in_chroot "$suite" "$cc" -dumpversion 2>/dev/null)
case $version in
4.8*) echo "ok 1 old_gcc_installed # $cc $version" ;;
*) fail_all "$cc says version '$version', not 4.8" ;;
esac

# The kernel was built with gcc 5, and its Makefile hands every module the
# hardening flags that gcc chose: -fstack-protector-strong and the
# retpoline options. RHEL 7's gcc 4.8.5 has them (Red Hat backported
# them), Ubuntu's gcc 4.8 does not: a wrapper gives the nearest flag or
# drops it, and leaves everything about the C language to gcc 4.8.
wrapper=/usr/local/bin/dmio-$cc
cat >"$(chroot_dir "$suite")$wrapper" <<WRAPPER
#!/bin/sh
for a; do
	shift
	case \$a in
	-fstack-protector-strong) set -- "\$@" -fstack-protector ;;
	-mindirect-branch=*|-mindirect-branch-register|-mfunction-return=*) ;;
	*) set -- "\$@" "\$a" ;;
	esac
done
exec $cc "\$@"
WRAPPER
chmod 755 "$(chroot_dir "$suite")$wrapper"

# A copy of the tree of its own, built from scratch (probes included).
name="dmio-oldgcc-$(tree_tag)"
dir="$(chroot_dir "$suite")/build/$name"
tree_copy "$dir"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if in_chroot "$suite" make -C "/build/$name" CC="$wrapper" \
	KDIR="/usr/src/linux-headers-$abi" tests >"$log" 2>&1; then
	echo "ok 2 old_gcc_builds_dmio_and_tests"
else
	grep -E '(error|warning):|Error' "$log" | head -n 20 | sed 's/^/# /'
	echo "not ok 2 old_gcc_builds_dmio_and_tests"
fi

# Not one compiler diagnostic, in dmio's files or the headers they include.
diags=$(grep -E "$diag_re" "$log")
if [ -z "$diags" ]; then
	echo "ok 3 old_gcc_no_diagnostics"
else
	echo "$diags" | head -n 20 | sed 's/^/# /'
	echo "not ok 3 old_gcc_no_diagnostics"
fi

# The objects say which compiler made them.
made_by=$(readelf -p .comment "$dir/dmio.ko" 2>/dev/null | grep -o 'GCC: .*' | sort -u)
if echo "$made_by" | grep -q ' 4\.8\.'; then
	echo "ok 4 old_gcc_built_the_modules # ${made_by//$'\n'/; }"
else
	echo "# .comment of dmio.ko: ${made_by:-none}"
	echo "not ok 4 old_gcc_built_the_modules"
fi

# Every probe answers as it did with the suite's own gcc (the answers are
# about the headers, not the compiler; a probe that needs a newer gcc's
# -Werror= option to see a mismatch would answer "yes" here).
if [ -f "$dir/.build/dmio_config.h" ] &&
   diff <(grep DMIO_HAVE "$built/.build/dmio_config.h") \
	<(grep DMIO_HAVE "$dir/.build/dmio_config.h") >"$log.diff"; then
	echo "ok 5 old_gcc_probe_answers_match"
else
	sed 's/^/# /' "$log.diff" 2>/dev/null
	echo "not ok 5 old_gcc_probe_answers_match"
fi
rm -f "$log.diff"

# The gcc 4.8 build at work: the selftest row's guest, booted with these
# modules. Its KTAP (and console, scanned like every console) follows.
if [ -f "$dir/dmio.ko" ]; then
	boot_guest "$abi" "$kdest" "$dir" \
		"$DMIO_TOP/tests/harness/guest/check.sh" "$outdir/oldgcc-console.log"
	echo "# the gcc 4.8 build in the guest ($outdir/oldgcc-console.log):"
	cat "$outdir/oldgcc-console.log"
fi

# RHEL 7's own paths, those of 3.10 before immutable bio_vecs (3.14) and
# the one-argument bi_end_io (4.3), have no kernel here to build against.
# Turned on over these 4.4 headers, they must fail on the 3.10 names alone:
# the bio's own bi_sector/bi_size/bi_idx, mempool_resize()'s gfp argument,
# the two-argument bi_end_io. Any other diagnostic is a mistake in them.
for m in BIO_BI_ITER BIO_ENDIO_1ARG BIO_BI_ERROR BIO_CLONE_FAST \
	 MEMPOOL_RESIZE_2ARG; do
	sed -i "s|^#define DMIO_HAVE_$m 1$|/* #undef DMIO_HAVE_$m */|" \
		"$dir/.build/dmio_config.h"
done
rm -f "$dir"/src/*.o "$dir"/compat/*.o
in_chroot "$suite" make -k -C "/build/$name" CC="$wrapper" \
	KDIR="/usr/src/linux-headers-$abi" modules >"$log" 2>&1
expected="has no member named .bi_(sector|size|idx).|too many arguments to function .mempool_resize.|assignment from incompatible pointer type"
diags=$(grep -E "$diag_re" "$log" | sort -u)
unexpected=$(echo "$diags" | grep -Ev "$expected" | grep -v '^$')
if [ -n "$unexpected" ]; then
	echo "$unexpected" | head -n 20 | sed 's/^/# /'
	echo "not ok 6 rhel7_paths_fail_on_3_10_names_only"
elif ! echo "$diags" | grep -q 'bi_sector'; then
	echo "# the 3.10 paths were not compiled: $(tail -n 3 "$log" | tr '\n' ' ')"
	echo "not ok 6 rhel7_paths_fail_on_3_10_names_only"
else
	echo "ok 6 rhel7_paths_fail_on_3_10_names_only # $(echo "$diags" | wc -l) expected mismatches with 4.4"
fi
rm -rf "$dir"
echo "dmio-guest: done"
