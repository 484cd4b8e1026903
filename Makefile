# SPDX-License-Identifier: GPL-2.0
#
# dmio top-level Makefile.
#
#   make [KDIR=/path/to/kernel/build]   build dmio.ko (+ Module.symvers) here
#   make tests                          build the in-kernel test modules too
#   make examples                       build the example consumer modules
#   make check                          the kernel-matrix tests (needs root)
#   make lint                           static analysis: sparse, checkpatch,
#                                       kernel-doc, Coccinelle (needs root)
#   make demo                           the demo in a real kernel (needs root)
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
DMIO_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' $(CURDIR)/dkms.conf)
DMIO_BUILD := $(CURDIR)/.build
KBUILD_ARGS := DMIO_BUILD=$(DMIO_BUILD) DMIO_VERSION=$(DMIO_VERSION) \
	$(if $(KERNELRELEASE),KERNELRELEASE=$(KERNELRELEASE))
SELFTEST := $(CURDIR)/tests/selftest
EXAMPLES := $(patsubst %/Kbuild,%,$(wildcard $(CURDIR)/examples/*/Kbuild))

.PHONY: all modules tests examples probe check lint demo clean help kdir-check

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

# The example consumers build against this tree's headers and Module.symvers,
# as they would against an installed dmio.
examples: modules
	@for d in $(EXAMPLES); do \
		$(MAKE) -C "$(KDIR)" M=$$d $(KBUILD_ARGS) DMIO_TOP=$(CURDIR) \
			KBUILD_EXTRA_SYMBOLS=$(CURDIR)/Module.symvers modules || exit 1; \
	done

check:
	tests/harness/check.sh

# make check runs the same checks as matrix steps (tests/steps/global/10-lint.sh
# once, tests/steps/suite/20-sparse.sh per suite). KERNELS= limits sparse.
lint:
	tests/lint/lint.sh

demo:
	tests/harness/demo.sh

clean:
	rm -rf $(DMIO_BUILD)
	-test -d "$(KDIR)" && $(MAKE) -C "$(KDIR)" M=$(CURDIR) $(KBUILD_ARGS) clean
	-test -d "$(KDIR)" && $(MAKE) -C "$(KDIR)" M=$(SELFTEST) $(KBUILD_ARGS) clean
	-for d in $(EXAMPLES); do test -d "$(KDIR)" && $(MAKE) -C "$(KDIR)" M=$$d clean; done
	rm -f Module.symvers modules.order
