/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal KTAP producer for in-kernel test modules. Results are printed to
 * the console as they happen, where the host-side harness parses them; the
 * plan line comes last, once the number of cases is known.
 */
#ifndef _DMIO_KTAP_H
#define _DMIO_KTAP_H

#include <linux/printk.h>
#include <linux/types.h>

enum ktap_result { KTAP_PASS = 0, KTAP_FAIL = 1, KTAP_SKIP = 2 };

/* Diagnostic line, shown in the console log under the running case. */
#define ktap_diag(fmt, ...) printk(KERN_INFO "# " fmt "\n", ##__VA_ARGS__)

/* Report a failure reason unless @cond holds; evaluates to @cond. */
#define ktap_expect(cond, fmt, ...) ({					\
	bool __ok = (cond);						\
	if (!__ok)							\
		ktap_diag("%s:%d: expected %s: " fmt, __func__, __LINE__, \
			  #cond, ##__VA_ARGS__);			\
	__ok;								\
})

void ktap_begin(const char *suite);
void ktap_report(enum ktap_result result, const char *fmt, ...) __printf(2, 3);
unsigned int ktap_end(void);

#endif
