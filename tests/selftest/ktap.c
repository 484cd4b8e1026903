// SPDX-License-Identifier: GPL-2.0
#include <linux/kernel.h>
#include "ktap.h"

/**
 * ktap_run() - run test cases and print their results as KTAP
 * @suite: name of the test suite
 * @cases: the cases
 * @n: number of cases
 *
 * Return: the number of failed cases.
 */
int ktap_run(const char *suite, const struct ktap_case *cases, unsigned int n)
{
	unsigned int i, failed = 0;
	enum ktap_result r;

	printk(KERN_INFO "KTAP version 1\n");
	printk(KERN_INFO "# Subtest: %s\n", suite);
	printk(KERN_INFO "1..%u\n", n);
	for (i = 0; i < n; i++) {
		r = cases[i].run();
		if (r == KTAP_SKIP) {
			printk(KERN_INFO "ok %u %s # SKIP\n", i + 1, cases[i].name);
		} else if (r == KTAP_PASS) {
			printk(KERN_INFO "ok %u %s\n", i + 1, cases[i].name);
		} else {
			printk(KERN_INFO "not ok %u %s\n", i + 1, cases[i].name);
			failed++;
		}
	}
	printk(KERN_INFO "# %s: %u passed, %u failed\n", suite, n - failed, failed);
	return failed;
}
