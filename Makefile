#!/usr/bin/make -f
# SPDX-License-Identifier: GPL-2.0
#
# dmio top-level Makefile.
#
#   make [KDIR=/path/to/kernel/build]   build dmio.ko (+ Module.symvers) here
#   make tests                          build the in-kernel test modules too
#   make examples                       build the example consumer modules
#   make check                          the kernel-matrix tests (needs root)
#   make torture                        build the torture module (tests/torture)
#   make debug-kernel                   build the KASAN/lockdep/kmemleak debug
#                                       kernel once (cached; needs root)
#   make check-debug                    selftests + torture run on the debug
#                                       kernel (needs root; docs/DEBUG.md)
#   make bench                          dmio vs the kernel's dm-io vs a bare
#                                       bio loop in a real kernel (needs root;
#                                       KERNELS=, default sid)
#   make lint                           static analysis: sparse, checkpatch,
#                                       kernel-doc, Coccinelle (needs root)
#   make demo                           the demo in a real kernel (needs root)
#   make deb                            the dmio-dkms .deb   (in .build/pkg/deb)
#   make rpm                            the dmio-dkms .rpm   (in .build/pkg/rpm)
#   make clean
#
# The file is executable: dkms.conf's POST_BUILD and POST_REMOVE run it as a
# script (like debian/rules) with the dkms-publish / dkms-unpublish targets.

KDIR ?= /lib/modules/$(shell uname -r)/build
DMIO_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' $(CURDIR)/dkms.conf)
DMIO_BUILD := $(CURDIR)/.build
KBUILD_ARGS := DMIO_BUILD=$(DMIO_BUILD) DMIO_VERSION=$(DMIO_VERSION) \
	$(if $(KERNELRELEASE),KERNELRELEASE=$(KERNELRELEASE))
SELFTEST := $(CURDIR)/tests/selftest
CONSUMERS := $(CURDIR)/tests/consumers
TORTURE := $(CURDIR)/tests/torture
EXAMPLES := $(patsubst %/Kbuild,%,$(wildcard $(CURDIR)/examples/*/Kbuild))

.PHONY: all modules tests examples probe check bench lint demo clean help kdir-check \
	torture debug-kernel check-debug \
	dkms-publish dkms-unpublish publish-check pkg-versions deb rpm

all: modules

kdir-check:
	@test -d "$(KDIR)" || { echo "dmio: no kernel headers at $(KDIR): build with 'make KDIR=/path/to/kernel/build', or run 'make check' to build and test in Debian kernels under QEMU"; exit 1; }

probe: kdir-check
	@$(CURDIR)/compat/probe.sh "$(KDIR)" "$(DMIO_BUILD)"

modules: probe
	$(MAKE) -C "$(KDIR)" M=$(CURDIR) $(KBUILD_ARGS) modules

tests: modules
	$(MAKE) -C "$(KDIR)" M=$(SELFTEST) $(KBUILD_ARGS) DMIO_TOP=$(CURDIR) \
		KBUILD_EXTRA_SYMBOLS=$(CURDIR)/Module.symvers modules
	$(MAKE) -C "$(KDIR)" M=$(CONSUMERS) $(KBUILD_ARGS) DMIO_TOP=$(CURDIR) \
		KBUILD_EXTRA_SYMBOLS=$(CURDIR)/Module.symvers modules

# The torture run of check-debug (tests/torture), against this tree's dmio.
torture: modules
	$(MAKE) -C "$(KDIR)" M=$(TORTURE) $(KBUILD_ARGS) DMIO_TOP=$(CURDIR) \
		KBUILD_EXTRA_SYMBOLS=$(CURDIR)/Module.symvers modules

# The example consumers build against this tree's headers and Module.symvers,
# as they would against an installed dmio.
examples: modules
	@for d in $(EXAMPLES); do \
		$(MAKE) -C "$(KDIR)" M=$$d $(KBUILD_ARGS) DMIO_TOP=$(CURDIR) DMIO_DIR=$(CURDIR) \
			KBUILD_EXTRA_SYMBOLS=$(CURDIR)/Module.symvers modules || exit 1; \
	done

check:
	tests/harness/check.sh

debug-kernel:
	tests/harness/debug-kernel.sh

check-debug:
	tests/harness/check-debug.sh
bench:
	tests/harness/bench.sh

# make check runs the same checks as matrix steps (tests/steps/global/10-lint.sh
# once, tests/steps/suite/20-sparse.sh per suite). KERNELS= limits sparse.
lint:
	tests/lint/lint.sh

demo:
	tests/harness/demo.sh

# DKMS hooks. Consumers build against
#   $(DMIO_PUBLISH_ROOT)/<kernelver>/Module.symvers      (KBUILD_EXTRA_SYMBOLS)
#   $(DMIO_PUBLISH_ROOT)/<kernelver>/include/dmio/*.h    (-I.../include)
# DKMS does not keep Module.symvers, so POST_BUILD publishes it per kernel.
DMIO_PUBLISH_ROOT ?= /usr/src/dmio-$(DMIO_VERSION)
DMIO_PUBLISH_DIR = $(DMIO_PUBLISH_ROOT)/$(KERNELRELEASE)

publish-check:
	@case "$(KERNELRELEASE)" in ""|*/*|.|..) \
		echo "dmio: give KERNELRELEASE=<kernel version> (got '$(KERNELRELEASE)')"; exit 1;; esac

dkms-publish: publish-check
	@test -f Module.symvers || { echo "dmio: no Module.symvers in $(CURDIR): build first"; exit 1; }
	rm -rf "$(DMIO_PUBLISH_DIR)"
	install -d "$(DMIO_PUBLISH_DIR)/include/dmio"
	install -m 0644 Module.symvers "$(DMIO_PUBLISH_DIR)/Module.symvers"
	install -m 0644 include/dmio/*.h "$(DMIO_PUBLISH_DIR)/include/dmio/"

dkms-unpublish: publish-check
	rm -rf "$(DMIO_PUBLISH_DIR)"

# Packages (built from a copy of this tree, so nothing lands beside it).
PKG_OUT ?= $(DMIO_BUILD)/pkg
# The files of the tree: in git, the tracked and new (not ignored) ones,
# so build products never reach a package.
PKG_LIST = cd $(CURDIR) && \
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -co --exclude-standard; \
	else \
		find . -type f ! -path './.git/*' ! -path './.build/*' \
			! -path './results/*' | sed 's,^\./,,'; \
	fi | while read -r f; do test -f "$$f" && echo "$$f"; done

pkg-versions:
	@$(CURDIR)/tests/packaging/check-versions.sh $(CURDIR)

deb: pkg-versions
	rm -rf "$(PKG_OUT)/deb"
	mkdir -p "$(PKG_OUT)/deb/dmio-$(DMIO_VERSION)"
	($(PKG_LIST)) | tar -C $(CURDIR) -cf - -T - | \
		tar -C "$(PKG_OUT)/deb/dmio-$(DMIO_VERSION)" -xf -
	cd "$(PKG_OUT)/deb/dmio-$(DMIO_VERSION)" && dpkg-buildpackage -us -uc -b
	@ls "$(PKG_OUT)"/deb/*.deb

rpm: pkg-versions
	rm -rf "$(PKG_OUT)/rpm"
	mkdir -p "$(PKG_OUT)/rpm/SOURCES"
	($(PKG_LIST)) | tar -C $(CURDIR) --transform='s,^,dmio-$(DMIO_VERSION)/,' \
		-cf - -T - | gzip -9n >"$(PKG_OUT)/rpm/SOURCES/dmio-$(DMIO_VERSION).tar.gz"
	rpmbuild -bb --nodeps --define "_topdir $(PKG_OUT)/rpm" rpm/dmio-dkms.spec
	@ls "$(PKG_OUT)"/rpm/RPMS/noarch/*.rpm

clean:
	rm -rf $(DMIO_BUILD)
	-test -d "$(KDIR)" && $(MAKE) -C "$(KDIR)" M=$(CURDIR) $(KBUILD_ARGS) clean
	-test -d "$(KDIR)" && $(MAKE) -C "$(KDIR)" M=$(SELFTEST) $(KBUILD_ARGS) clean
	-test -d "$(KDIR)" && $(MAKE) -C "$(KDIR)" M=$(CONSUMERS) $(KBUILD_ARGS) clean
	-test -d "$(KDIR)" && $(MAKE) -C "$(KDIR)" M=$(TORTURE) $(KBUILD_ARGS) clean
	-for d in $(EXAMPLES); do test -d "$(KDIR)" && $(MAKE) -C "$(KDIR)" M=$$d clean; done
	rm -f Module.symvers modules.order
