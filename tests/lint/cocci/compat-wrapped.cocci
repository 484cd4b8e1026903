// SPDX-License-Identifier: GPL-2.0
/// dmio house rule: src/ is written against one API; where compat/ wraps a
/// block-layer call under its own name, src/ must go through the wrapper and
/// never call (or take the address of) the kernel's call directly.
///
/// Keep the list in step with compat/:
///   compat/bdev_open.c  dmio_bdev_open()/dmio_bdev_close() wrap
///     blkdev_get_by_path, bdev_open_by_path, bdev_file_open_by_path,
///     blkdev_put, bdev_release, bdev_fput
//
// Confidence: High
// Options: --no-includes --include-headers

virtual report

@r depends on report@
identifier f =~ "^(blkdev_get_by_path|bdev_open_by_path|bdev_file_open_by_path|blkdev_put|bdev_release|bdev_fput)$";
position p;
@@
(
f@p(...)
|
f@p
)

@script:python depends on report@
p << r.p;
f << r.f;
@@
coccilib.report.print_report(p[0],
	"dmio-compat-wrapped: %s() is wrapped by compat/ (dmio_bdev_open/dmio_bdev_close); use the wrapper" % f)
