// SPDX-License-Identifier: GPL-2.0
/// dmio house rule: no BUG(), BUG_ON() (or their VM_ forms) and no panic()
/// in src/ or compat/. Everything the engine checks is input a caller
/// controls, and bad input gets a negative errno and one rate-limited line,
/// never a crash (DESIGN 3.1). BUILD_BUG_ON() is a compile-time check and
/// is allowed.
//
// Confidence: High
// Options: --no-includes --include-headers

virtual report

@r depends on report@
identifier f =~ "^(BUG|BUG_ON|VM_BUG_ON|VM_BUG_ON_PAGE|VM_BUG_ON_FOLIO|panic)$";
position p;
@@
f@p(...)

@script:python depends on report@
p << r.p;
f << r.f;
@@
coccilib.report.print_report(p[0],
	"dmio-no-bug: %s() crashes the kernel; return an errno instead" % f)
