#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The static-analysis gate behind `make lint` (see docs/LINT.md). Prints KTAP
# and exits non-zero on any finding in our files.
#
#   lint.sh [all]     global checks, then sparse in every tier-1 suite
#   lint.sh global    checks that need no kernel: house rules, checkpatch,
#                     kernel-doc, Coccinelle (each rule proven on fixtures)
#   lint.sh sparse    sparse only, per suite (KERNELS=bookworm,sid: a subset)
#   lint.sh self-test only the self-tests: each checker on a planted defect
#
# The kernel's own scripts (checkpatch.pl, kernel-doc, scripts/coccinelle)
# come from Debian's $DMIO_LINT_SOURCE package, unpacked once into
# $DMIO_CACHE/kernel-scripts (a link to the unpacked folder) and reused.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../harness/lib.sh"

DMIO_LINT_SOURCE=${DMIO_LINT_SOURCE:-linux-source-6.1}
KSCRIPTS=${KSCRIPTS:-$DMIO_CACHE/kernel-scripts}
LINT=$here
FIX=$here/fixtures
SPATCH_OPTS=(-D report --very-quiet --no-show-diff --no-includes --include-headers)

# --- tools ------------------------------------------------------------------

apt_install_host() {
	[ "$(id -u)" = 0 ] || { say "lint: missing $*; install it or run as root"; return 1; }
	say "lint: installing $*"
	export DEBIAN_FRONTEND=noninteractive
	host_apt_get update -qq >/dev/null && host_apt_get install -y -qq "$@" >/dev/null
}

# The files of the kernel's scripts/ folder the checks run.
KSCRIPTS_FILES="checkpatch.pl spelling.txt const_structs.checkpatch kernel-doc \
coccinelle/free/ifnullfree.cocci"

kscripts_usable() {	# DIR: complete and holding every file we run?
	local f
	[ -f "$1/.complete" ] || return 1
	for f in $KSCRIPTS_FILES; do
		[ -s "$1/$f" ] || return 1
	done
}

# checkpatch.pl, spelling.txt, const_structs.checkpatch, kernel-doc and
# scripts/coccinelle from a Debian kernel source package.
#
# Several runs share the cache (make lint beside make check, two work trees
# on one machine), so a run must never see the folder half made or removed
# under its feet. The scripts are unpacked once, under a cache lock, into a
# new folder "kernel-scripts-VERSION.XXXXXX" that appears by rename only when
# complete and is never changed after; $KSCRIPTS is a symbolic link switched
# to it in one rename. Each run resolves the link once (kscripts_pin) and
# keeps that folder to its end. So no folder a run may be reading is ever
# deleted: a refresh (remove the link) leaves the old one, about 3 MB.
fetch_kernel_scripts() {
	kscripts_usable "$KSCRIPTS" && return 0
	mkdir -p "$DMIO_CACHE/locks"
	( flock 9 && fetch_kernel_scripts_unlocked ) 9>"$DMIO_CACHE/locks/kernel-scripts.lock"
}

fetch_kernel_scripts_unlocked() {
	local tmp deb ver dest parent
	# Another run may have made it while this one waited for the lock.
	kscripts_usable "$KSCRIPTS" && return 0
	parent=$(dirname "$KSCRIPTS")
	mkdir -p "$parent"
	tmp=$(mktemp -d "$parent/.kernel-scripts.tmp.XXXXXX")
	say "lint: fetching $DMIO_LINT_SOURCE for checkpatch, kernel-doc and coccinelle"
	# apt's sandbox user cannot write into a root-only folder. Package
	# lists older than the archive make the download fail: refresh once.
	(cd "$tmp" && host_apt_get -o APT::Sandbox::User=root download -qq "$DMIO_LINT_SOURCE" ||
		{ host_apt_get update -qq && host_apt_get -o APT::Sandbox::User=root download -qq "$DMIO_LINT_SOURCE"; }) >&2 ||
		{ rm -rf "$tmp"; say "lint: cannot download $DMIO_LINT_SOURCE"; return 1; }
	deb=$(ls "$tmp"/*.deb)
	ver=$(dpkg-deb -f "$deb" Version)
	mkdir -p "$tmp/x"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C "$tmp/x" --strip-components=1 --wildcards \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch' '*/scripts/kernel-doc' \
			'*/scripts/coccinelle/*' ||
		{ rm -rf "$tmp"; say "lint: cannot unpack $deb"; return 1; }
	dpkg-deb -f "$deb" Package Version | tr '\n' ' ' >"$tmp/x/scripts/.complete"
	kscripts_usable "$tmp/x/scripts" ||
		{ rm -rf "$tmp"; say "lint: $deb lacks one of: $KSCRIPTS_FILES"; return 1; }
	# A new name every time: an older folder, even of the same version,
	# may still be in use by a run that pinned it.
	dest=$(mktemp -d "$KSCRIPTS-$ver.XXXXXX")
	rmdir "$dest"
	mv "$tmp/x/scripts" "$dest"
	rm -rf "$tmp"
	# A plain folder from before this scheme: only ever reached when it is
	# incomplete, so no run is reading it.
	[ -L "$KSCRIPTS" ] || rm -rf "$KSCRIPTS"
	ln -sfn "$(basename "$dest")" "$KSCRIPTS.new.$$"
	mv -T "$KSCRIPTS.new.$$" "$KSCRIPTS"
}

# Resolve $KSCRIPTS to the folder it names now, for the rest of the run.
kscripts_pin() {
	KSCRIPTS=$(cd "$KSCRIPTS" && pwd -P)
}

# The kernel's perl scripts read these from the environment: a value set by
# a kernel build around us (SRCTREE makes kernel-doc look for our files
# elsewhere; KCFLAGS=-Werror, KDOC_WERROR, KBUILD_VERBOSE change what it
# prints) must not change the verdict, nor the locale (perl warns on an
# unknown one, in lines that look like findings).
kperl() {
	env -u SRCTREE -u KCFLAGS -u KDOC_WERROR -u KBUILD_VERBOSE \
		-u KBUILD_BUILD_TIMESTAMP -u KERNELVERSION LC_ALL=C.UTF-8 LANGUAGE= \
		perl "$@"
}

ensure_lint_tools() {
	command -v spatch >/dev/null 2>&1 || apt_install_host coccinelle || return 1
	# perl-base alone has /usr/bin/perl but not the modules the kernel's
	# scripts use (Pod::Usage, Term::ANSIColor, Encode).
	perl -MPod::Usage -MTerm::ANSIColor -MEncode -MGetopt::Long -e 1 >/dev/null 2>&1 ||
		apt_install_host perl || return 1
	fetch_kernel_scripts && kscripts_pin
}

# --- what we own --------------------------------------------------------------

# Every .c/.h of the project: not generated (.build/, *.mod.c), not the
# fixtures (deliberate defects), not results.
own_sources() {
	(cd "$DMIO_TOP" && find . \( -path ./.git -o -path ./.build -o -path ./results \
		-o -path ./tests/lint/fixtures -o -path '*/.tmp_versions' \) -prune -o \
		-type f \( -name '*.c' -o -name '*.h' \) ! -name '*.mod.c' -print |
		sed 's|^\./||' | sort)
}

# Our files under the given top folders.
own_under() {
	local re
	re="^($(echo "$*" | tr ' ' '|'))/"
	own_sources | grep -E "$re" || true
}

# --- KTAP -------------------------------------------------------------------

n=0
failed=0
result() {	# result OK|FAIL NAME [DIAGNOSTICS]
	n=$((n + 1))
	if [ -n "${3:-}" ]; then
		echo "$3" | sed 's/^/# /'
	fi
	if [ "$1" = OK ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}

# --- checkpatch ---------------------------------------------------------------

checkpatch_raw() {	# FILES... -> "path:line: LEVEL:TYPE: message" lines
	local out status
	out=$(kperl "$KSCRIPTS/checkpatch.pl" --no-tree --strict --terse --show-types \
		--no-summary --file "$@" 2>&1)
	status=$?
	# 0: clean, 1: findings; anything else is checkpatch itself failing,
	# which must fail the check rather than read as "nothing found".
	if [ $status -gt 1 ]; then
		echo "checkpatch.pl failed (exit $status): $(echo "$out" | tail -n 3)"
		return 0
	fi
	echo "$out" | grep -E '^[^ :]+:[0-9]+: [A-Z]+:' || true
}

# Drop the findings tests/lint/checkpatch.ignore allows (TYPE GLOB reason).
checkpatch_filter() {
	local line path type ig_type ig_glob keep
	local -a types=() globs=()
	while read -r ig_type ig_glob _; do
		case "$ig_type" in ''|'#'*) continue ;; esac
		types+=("$ig_type")
		globs+=("$ig_glob")
	done <"$LINT/checkpatch.ignore"
	while IFS= read -r line; do
		path=${line%%:*}
		type=$(echo "$line" | sed -E 's/^[^ ]+ [A-Z]+:([A-Z0-9_]+):.*/\1/')
		keep=1
		for i in "${!types[@]}"; do
			# shellcheck disable=SC2053
			if [ "$type" = "${types[$i]}" ] && [[ $path == ${globs[$i]} ]]; then
				keep=0
				break
			fi
		done
		[ $keep = 1 ] && echo "$line"
	done
}

t_checkpatch_self_test() {
	local tmp out
	tmp=$(mktemp -d)
	# A clean file must pass, a file with planted defects must not.
	printf '// SPDX-License-Identifier: GPL-2.0\n#include <linux/types.h>\n\nint dmio_fixture(int a);\n\nint dmio_fixture(int a)\n{\n\treturn a + 1;\n}\n' >"$tmp/good.c"
	printf '#include <linux/types.h>\nint dmio_fixture(int a) {\n    return a+1; \n}\n' >"$tmp/bad.c"
	out=$(cd "$tmp" && checkpatch_raw good.c)
	if [ -n "$out" ]; then
		result FAIL checkpatch_self_test "a clean file was flagged: $out"
	elif [ "$(cd "$tmp" && checkpatch_raw bad.c | wc -l)" -lt 3 ]; then
		result FAIL checkpatch_self_test "planted defects were missed"
	else
		result OK checkpatch_self_test
	fi
	rm -rf "$tmp"
}

t_checkpatch() {
	local raw kept ignored
	raw=$(cd "$DMIO_TOP" && checkpatch_raw $(own_sources))
	kept=$(echo "$raw" | grep -v '^$' | checkpatch_filter)
	ignored=$(( $(echo "$raw" | grep -c .) - $(echo "$kept" | grep -c .) ))
	[ -z "$kept" ] && result OK "checkpatch_strict # $ignored finding(s) on the ignore list" ||
		result FAIL checkpatch_strict "$kept"
}

# --- kernel-doc ---------------------------------------------------------------

kdoc_warnings() {	# FILES... -> warnings and errors
	local out status
	out=$(kperl "$KSCRIPTS/kernel-doc" -none -v "$@" 2>&1)
	status=$?
	# With -none kernel-doc exits 0 whatever it finds: a non-zero exit
	# is the script failing (missing, unreadable, a perl module absent).
	if [ $status -ne 0 ]; then
		echo "kernel-doc failed (exit $status): error: $(echo "$out" | tail -n 3)"
		return 0
	fi
	echo "$out" | grep -E '(warning|error): ' | grep -v 'Sphinx version' || true
}

# "file symbol" for every EXPORT_SYMBOL*() in FILES.
exported_symbols() {
	grep -HoE '^EXPORT_SYMBOL(_GPL|_NS|_NS_GPL)?\([A-Za-z0-9_]+' "$@" 2>/dev/null |
		sed -E 's/:EXPORT_SYMBOL[A-Z_]*\(/ /'
}

# Exported symbols of FILES that have no kernel-doc comment (next to the
# definition, or in a public header of include/dmio/).
undocumented_exports() {
	local file sym headers out status
	headers=$(ls include/dmio/*.h 2>/dev/null)
	exported_symbols "$@" | while read -r file sym; do
		# The output is taken whole before it is searched: grep -q
		# leaving early would kill kernel-doc with SIGPIPE, which
		# pipefail would turn into a false "undocumented".
		out=$(kperl "$KSCRIPTS/kernel-doc" -rst -function "$sym" "$file" $headers \
			</dev/null 2>/dev/null)
		status=$?
		if [ $status -ne 0 ]; then
			echo "$file: kernel-doc failed (exit $status) on $sym"
		elif ! echo "$out" | grep -E "^\.\. c:(function|macro|var)::.*[ *]$sym *\(" >/dev/null; then
			echo "$file: $sym is exported without a kernel-doc comment"
		fi
	done
}

t_kernel_doc_self_test() {
	local tmp a b
	tmp=$(mktemp -d)
	cat >"$tmp/bad.c" <<'EOF'
/**
 * dmio_fixture_doc() - a function with an undocumented parameter
 * @a: documented
 */
int dmio_fixture_doc(int a, int b)
{
	return a + b;
}
EXPORT_SYMBOL_GPL(dmio_fixture_doc);

int dmio_fixture_nodoc(int a)
{
	return a;
}
EXPORT_SYMBOL(dmio_fixture_nodoc);
EOF
	a=$(kdoc_warnings "$tmp/bad.c")
	b=$(cd "$tmp" && undocumented_exports bad.c)
	if ! echo "$a" | grep -E "warning: .*'b' not described" >/dev/null; then
		result FAIL kernel_doc_self_test "an undocumented parameter was missed; kernel-doc said:
$a"
	elif ! echo "$b" | grep 'dmio_fixture_nodoc is exported without' >/dev/null ||
	     [ "$(echo "$b" | grep -c .)" != 1 ]; then
		result FAIL kernel_doc_self_test "the export check is wrong: $b"
	else
		result OK kernel_doc_self_test
	fi
	rm -rf "$tmp"
}

t_kernel_doc() {
	local files out
	files=$(cd "$DMIO_TOP" && { own_under include/dmio; grep -lE '^EXPORT_SYMBOL' $(own_sources); } | sort -u)
	out=$(cd "$DMIO_TOP" && kdoc_warnings $files)
	[ -z "$out" ] && result OK "kernel_doc # $(echo $files | wc -w) files" ||
		result FAIL kernel_doc "$out"
	out=$(cd "$DMIO_TOP" && undocumented_exports $(own_sources))
	[ -z "$out" ] &&
		result OK "kernel_doc_every_export # $(cd "$DMIO_TOP" && exported_symbols $(own_sources) | wc -l) exports" ||
		result FAIL kernel_doc_every_export "$out"
}

# --- Coccinelle ---------------------------------------------------------------

cocci_run() {	# COCCI FILES... -> findings; fails when spatch fails
	local cocci=$1 out status
	shift
	[ $# -gt 0 ] || return 0
	out=$(spatch "${SPATCH_OPTS[@]}" --cocci-file "$cocci" "$@" 2>&1)
	status=$?
	echo "$out" | grep -E '^[^ :]+:[0-9]+:' | sort -u
	if [ $status -ne 0 ]; then
		echo "spatch failed on $cocci:"
		echo "$out" | tail -n 5
		return 1
	fi
}

# Our own rules and where each applies (top folders).
declare -A OWN_SCOPE=(
	[no-bug]="src compat"
	[compat-wrapped]="src"
	[alloc-checked]="src compat include tests/selftest examples"
)

# Each rule reports exactly what its bad fixture expects ("lint-expect: N")
# and nothing on its good fixture.
t_cocci_fixtures() {
	local rule want got good
	for rule in $(printf '%s\n' "${!OWN_SCOPE[@]}" | sort); do
		want=$(sed -n 's/.*lint-expect: \([0-9]*\).*/\1/p' "$FIX/cocci/$rule.bad.c")
		got=$(cd "$FIX/cocci" && cocci_run "$LINT/cocci/$rule.cocci" "$rule.bad.c")
		good=$(cd "$FIX/cocci" && cocci_run "$LINT/cocci/$rule.cocci" "$rule.good.c")
		if [ "$(echo "$got" | grep -c "dmio-$rule")" != "${want:-x}" ]; then
			result FAIL "cocci_rule_${rule//-/_}_fixtures" \
				"$rule.bad.c: expected $want finding(s), got:
$got"
		elif [ -n "$good" ]; then
			result FAIL "cocci_rule_${rule//-/_}_fixtures" "$rule.good.c flagged: $good"
		else
			result OK "cocci_rule_${rule//-/_}_fixtures"
		fi
	done
}

t_cocci_own() {
	local rule out all=""
	for rule in $(printf '%s\n' "${!OWN_SCOPE[@]}" | sort); do
		out=$(cd "$DMIO_TOP" && cocci_run "$LINT/cocci/$rule.cocci" $(own_under ${OWN_SCOPE[$rule]}))
		all="$all${out:+$out
}"
	done
	all=$(echo "$all" | grep -v '^$' || true)
	[ -z "$all" ] && result OK cocci_house_rules || result FAIL cocci_house_rules "$all"
}

# The kernel's own semantic patches that apply to this kind of code, in
# report mode (tests/lint/cocci/kernel-rules.txt).
kernel_rules() {
	grep -Ev '^[[:space:]]*(#|$)' "$LINT/cocci/kernel-rules.txt" | awk '{ print $1 }'
}

t_cocci_kernel_self_test() {
	local tmp out
	tmp=$(mktemp -d)
	printf '#include <linux/slab.h>\nvoid f(void *p)\n{\n\tif (p)\n\t\tkfree(p);\n}\n' >"$tmp/bad.c"
	out=$(cd "$tmp" && cocci_run "$KSCRIPTS/coccinelle/free/ifnullfree.cocci" bad.c)
	echo "$out" | grep '^bad.c:5:' >/dev/null && result OK cocci_kernel_self_test ||
		result FAIL cocci_kernel_self_test "free/ifnullfree.cocci missed a planted defect: $out"
}

t_cocci_kernel() {
	local rule out all="" missing="" files count=0
	files=$(cd "$DMIO_TOP" && own_sources)
	for rule in $(kernel_rules); do
		if [ ! -f "$KSCRIPTS/coccinelle/$rule" ]; then
			missing="$missing $rule"
			continue
		fi
		count=$((count + 1))
		out=$(cd "$DMIO_TOP" && cocci_run "$KSCRIPTS/coccinelle/$rule" $files)
		all="$all${out:+$out
}"
	done
	all=$(echo "$all" | grep -v '^$' || true)
	[ -n "$missing" ] && all="${all:+$all
}not in $DMIO_LINT_SOURCE:$missing"
	[ -z "$all" ] && result OK "cocci_kernel_rules # $count semantic patches" ||
		result FAIL cocci_kernel_rules "$all"
}

# --- house rules without Coccinelle ---------------------------------------------

t_version_gates() {
	local out
	# The self-test writes its own positive and negative examples.
	if out=$("$LINT/version-gates.sh" --self-test 2>&1); then
		result OK version_gates_self_test
	else
		result FAIL version_gates_self_test "$out"
	fi
	out=$("$LINT/version-gates.sh" "$DMIO_TOP" 2>&1) &&
		result OK version_gates || result FAIL version_gates "$out"
}

t_no_urls() {
	local out
	if out=$("$LINT/no-urls.sh" --self-test 2>&1); then
		result OK no_urls_self_test
	else
		result FAIL no_urls_self_test "$out"
	fi
	out=$("$LINT/no-urls.sh" "$DMIO_TOP" 2>&1) &&
		result OK no_urls || result FAIL no_urls "$out"
}

# --- modes --------------------------------------------------------------------

run_global() {
	local t0=$SECONDS plan=$((12 + ${#OWN_SCOPE[@]}))
	echo "KTAP version 1"
	echo "1..$plan"
	if ! ensure_lint_tools >&2; then
		for i in $(seq $plan); do echo "not ok $i lint_tools_missing"; done
		echo "dmio-guest: done"
		return 1
	fi
	echo "# kernel scripts: $(cat "$KSCRIPTS/.complete"); $(spatch --version 2>&1 | sed -n 1p)"
	t_version_gates				# 2
	t_no_urls				# 2
	t_checkpatch_self_test			# 1
	t_checkpatch				# 1
	t_kernel_doc_self_test			# 1
	t_kernel_doc				# 2
	t_cocci_fixtures			# one per own rule
	t_cocci_own				# 1
	t_cocci_kernel_self_test		# 1
	t_cocci_kernel				# 1
	echo "# lint global: $n tests, $failed failed, $((SECONDS - t0)) s"
	echo "dmio-guest: done"
	[ "$n" -eq "$plan" ] && [ "$failed" -eq 0 ]
}

# Only the tests that prove a checker can fail (each on a planted defect)
# and pass (on clean code): what must give the same answer on every run,
# whatever the cache holds and whatever runs beside it.
run_self_tests() {
	local plan=$((5 + ${#OWN_SCOPE[@]}))
	echo "KTAP version 1"
	echo "1..$plan"
	if ! ensure_lint_tools >&2; then
		for i in $(seq $plan); do echo "not ok $i lint_tools_missing"; done
		return 1
	fi
	if out=$("$LINT/version-gates.sh" --self-test 2>&1); then
		result OK version_gates_self_test
	else
		result FAIL version_gates_self_test "$out"
	fi
	if out=$("$LINT/no-urls.sh" --self-test 2>&1); then
		result OK no_urls_self_test
	else
		result FAIL no_urls_self_test "$out"
	fi
	t_checkpatch_self_test
	t_kernel_doc_self_test
	t_cocci_fixtures
	t_cocci_kernel_self_test
	[ "$n" -eq "$plan" ] && [ "$failed" -eq 0 ]
}

run_sparse() {
	local suite rc=0
	for suite in $(tier1_suites); do
		echo "# sparse: $suite"
		"$LINT/sparse.sh" "$suite" || rc=1
	done
	return $rc
}

case "${1:-all}" in
global) run_global ;;
sparse) run_sparse ;;
self-test) run_self_tests ;;
all)
	rc=0
	run_global || rc=1
	run_sparse || rc=1
	[ $rc -eq 0 ] && echo "make lint: clean" || echo "make lint: FINDINGS (see above)"
	exit $rc
	;;
*) echo "usage: $0 [all|global|sparse|self-test]" >&2; exit 2 ;;
esac
