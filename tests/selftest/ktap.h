/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal KTAP producer for in-kernel test modules, header-only so that
 * each test module has its own copy. Results are printed to the console as
 * they happen, where the host-side harness parses them; the plan line comes
 * last, once the number of cases is known.
 */
#ifndef _DMIO_KTAP_H
#define _DMIO_KTAP_H

#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/types.h>

enum ktap_result { KTAP_PASS = 0, KTAP_FAIL = 1, KTAP_SKIP = 2 };

/* Diagnostic line, shown in the console log under the running case. */
#define ktap_diag(fmt, ...) pr_info("# " fmt "\n", ##__VA_ARGS__)

/* Report a failure reason unless @cond holds; evaluates to @cond. */
#define ktap_expect(cond, fmt, ...) ({					\
	bool __ok = (cond);						\
	if (!__ok)							\
		ktap_diag("%s:%d: expected %s: " fmt, __func__, __LINE__, \
			  #cond, ##__VA_ARGS__);			\
	__ok;								\
})

/* One per module: define it with KTAP_DEFINE_STATE in one of its files. */
struct ktap_state {
	const char *suite;
	unsigned int count;
	unsigned int failed;
};

extern struct ktap_state ktap_state;
#define KTAP_DEFINE_STATE struct ktap_state ktap_state

/* Start a KTAP document for @suite. */
static inline void ktap_begin(const char *suite)
{
	ktap_state.suite = suite;
	ktap_state.count = 0;
	ktap_state.failed = 0;
	pr_info("KTAP version 1\n");
	pr_info("# Subtest: %s\n", suite);
}

/* Print the result of one case, named by a printf format. */
static inline __printf(2, 3) void ktap_report(enum ktap_result result,
					      const char *fmt, ...)
{
	char name[96];
	va_list args;

	va_start(args, fmt);
	vsnprintf(name, sizeof(name), fmt, args);
	va_end(args);
	ktap_state.count++;
	if (result == KTAP_SKIP) {
		pr_info("ok %u %s # SKIP\n", ktap_state.count, name);
	} else if (result == KTAP_PASS) {
		pr_info("ok %u %s\n", ktap_state.count, name);
	} else {
		pr_info("not ok %u %s\n", ktap_state.count, name);
		ktap_state.failed++;
	}
}

/* Finish the document with its plan and a summary; return the failures. */
static inline unsigned int ktap_end(void)
{
	pr_info("1..%u\n", ktap_state.count);
	pr_info("# %s: %u passed, %u failed\n", ktap_state.suite,
		ktap_state.count - ktap_state.failed, ktap_state.failed);
	return ktap_state.failed;
}

#endif
