#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs INSIDE a throwaway (overlayfs) copy of a suite's chroot, as an
# administrator would on that distribution. /mnt holds the inputs
# (dmio-dkms .deb, consumer-dkms/) and receives the outputs (out/).
#
#   dkms-chroot.sh install ABI   apt-get install dkms; dpkg -i the .deb (its
#                                postinst has DKMS build dmio); dkms status;
#                                DKMS-install the consumer; copy both
#                                modules DKMS installed to /mnt/out
#   dkms-chroot.sh purge ABI     remove the consumer, purge dmio-dkms, and
#                                look for anything it left behind
#
# Prints "RESULT 0|1 name" per check (the step turns them into KTAP) and,
# for the log, what it does.
set -u
phase=$1
abi=$2
deb=$(ls /mnt/dmio-dkms_*_all.deb)
ver=$(dpkg-deb -f "$deb" Version)
ver=${ver%-*}
consumer_ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' /mnt/consumer-dkms/dkms.conf)
apt_opts="-y -q -o APT::Sandbox::User=root -o Dpkg::Use-Pty=0 --no-install-recommends"

result() {
	echo "RESULT $1 $2"
}

say() {
	echo "=== $(date +%H:%M:%S) $*"
}

# Every module file dmio (or the consumer) has under the kernel's tree.
module_files() {
	find /lib/modules/"$abi"/ /usr/lib/modules/"$abi"/ -name "$1.ko*" \
		-exec readlink -f {} \; 2>/dev/null | sort -u
}

install_phase() {
	local status line mod

	say "apt-get install dkms"
	if ! apt-get install $apt_opts dkms; then
		say "retrying after apt-get update"
		apt-get update -q && apt-get install $apt_opts dkms
	fi
	result $? dkms_installed
	dpkg-query -W dkms

	say "installing $(basename "$deb"): its postinst has DKMS build dmio"
	apt-get install $apt_opts "$deb"
	result $? deb_installs

	say "dkms status"
	dkms status
	line=$(dkms status 2>/dev/null | grep "^dmio[/,]" | grep -F "$abi")
	echo "dkms-status[$abi]: $line"
	case "$line" in
	*": installed"*) status=0 ;;
	*) status=1 ;;
	esac
	result $status dkms_status_installed

	say "published for consumers in /usr/src/dmio-$ver/$abi"
	ls -lR "/usr/src/dmio-$ver/$abi"
	grep -q 'dmio_sync' "/usr/src/dmio-$ver/$abi/Module.symvers" &&
		cmp -s "/usr/src/dmio-$ver/include/dmio/dmio.h" \
			"/usr/src/dmio-$ver/$abi/include/dmio/dmio.h"
	result $? symvers_and_headers_published

	mod=$(module_files dmio)
	echo "dmio module: ${mod:-none}"
	modinfo "$mod" | grep -E '^(version|vermagic|depends):'
	modinfo -F version "$mod" | grep -x "$ver" >/dev/null &&
		modinfo -F vermagic "$mod" | grep "^$abi " >/dev/null
	result $? module_version_and_vermagic

	say "consumer: dkms add + install dmio-consumer/$consumer_ver"
	cp -a /mnt/consumer-dkms "/usr/src/dmio-consumer-$consumer_ver"
	dkms add -m dmio-consumer -v "$consumer_ver" &&
		dkms install -m dmio-consumer -v "$consumer_ver" -k "$abi"
	status=$?
	if [ $status -ne 0 ]; then
		cat /var/lib/dkms/dmio-consumer/"$consumer_ver"/build/make.log 2>/dev/null
	fi
	dkms status
	[ -n "$(module_files dmio_consumer)" ] || status=1
	result $status consumer_dkms_install

	# Like the harness's own build: not one compiler warning.
	status=0
	for log in /var/lib/dkms/dmio/"$ver"/"$abi"/*/log/make.log \
		   /var/lib/dkms/dmio-consumer/"$consumer_ver"/"$abi"/*/log/make.log; do
		if [ ! -f "$log" ]; then
			echo "no build log $log"
			status=1
		elif grep -E '(warning|error):' "$log" | grep -v 'Skipping BTF'; then
			echo "warnings in $log"
			status=1
		fi
	done
	result $status dkms_builds_without_warnings

	mkdir -p /mnt/out
	for mod in $(module_files dmio) $(module_files dmio_consumer); do
		cp "$mod" /mnt/out/
	done
	dkms status >/mnt/out/dkms-status
	ls -l /mnt/out
}

purge_phase() {
	local left status

	say "removing the consumer"
	dkms remove -m dmio-consumer -v "$consumer_ver" --all
	rm -rf "/usr/src/dmio-consumer-$consumer_ver"

	dpkg-query -L dmio-dkms >/mnt/dmio-dkms.list
	say "apt-get purge dmio-dkms"
	apt-get purge $apt_opts dmio-dkms
	result $? purge_succeeds

	say "what is left"
	dkms status
	left=$( {
		ls -d /var/lib/dkms/dmio /var/lib/dkms/dmio-consumer \
			/usr/src/dmio-* 2>/dev/null
		module_files dmio
		module_files dmio_consumer
		while read -r path; do
			case "$path" in
			/usr/src/*) [ -e "$path" ] && echo "$path" ;;
			esac
		done </mnt/dmio-dkms.list
		dpkg-query -W -f '${Status}\n' dmio-dkms 2>/dev/null |
			grep -v 'not-installed' | sed 's/^/dpkg: /'
	} | sort -u)
	status=0
	if [ -n "$left" ]; then
		echo "left behind:"
		echo "$left" | sed 's/^/    /'
		status=1
	fi
	result $status nothing_left_in_chroot
}

case "$phase" in
install) install_phase ;;
purge) purge_phase ;;
*) echo "usage: $0 install|purge ABI" >&2; exit 2 ;;
esac
exit 0
