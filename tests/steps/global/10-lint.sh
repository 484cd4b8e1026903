#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Matrix step (once): the kernel-independent part of `make lint` —
# checkpatch, kernel-doc, Coccinelle and the house rules, each rule proven
# on its fixtures. See docs/LINT.md.
#   10-lint.sh OUTDIR
exec "$(dirname "$0")/../../lint/lint.sh" global
