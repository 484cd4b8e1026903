/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal KTAP producer for in-kernel test modules: a table of cases, each
 * returning KTAP_PASS, KTAP_SKIP or a failure, printed to the console where
 * the host-side harness parses it.
 */
#ifndef _DMIO_KTAP_H
#define _DMIO_KTAP_H

#include <linux/printk.h>

enum ktap_result { KTAP_PASS = 0, KTAP_FAIL = 1, KTAP_SKIP = 2 };

struct ktap_case {
	const char *name;
	enum ktap_result (*run)(void);
};

/* Diagnostic line, shown in the console log under the running case. */
#define ktap_diag(fmt, ...) printk(KERN_INFO "# " fmt "\n", ##__VA_ARGS__)

/* Fail the running case with a reason unless @cond holds. */
#define ktap_expect(cond, fmt, ...) ({					\
	bool __ok = (cond);						\
	if (!__ok)							\
		ktap_diag("%s:%d: expected %s: " fmt, __func__, __LINE__, \
			  #cond, ##__VA_ARGS__);			\
	__ok;								\
})

int ktap_run(const char *suite, const struct ktap_case *cases, unsigned int n);

#endif
