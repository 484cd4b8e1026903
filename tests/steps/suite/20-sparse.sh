#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Matrix step (per suite): sparse over dmio.ko, tests/selftest and examples/
# against this suite's kernel headers, with the suite's own sparse, on the
# tree the matrix just built and booted (nothing is recompiled). The
# per-suite part of `make lint`; see docs/LINT.md.
#   20-sparse.sh SUITE ABI KDEST BUILT OUTDIR
# Tier 2 (Ubuntu) chroots carry no sparse, and tests/lint/sparse.sh reads
# Debian's split headers (linux-headers-*-common):
# tier-2: skip sparse is a tier-1 gate (Debian headers, Debian sparse)
exec "$(dirname "$0")/../../lint/sparse.sh" "$1" "$4"
