// SPDX-License-Identifier: GPL-2.0
#include <linux/kernel.h>
#include "ktap.h"

static const char *ktap_suite;
static unsigned int ktap_count, ktap_failed;

/**
 * ktap_begin() - start a KTAP document
 * @suite: name of the test suite
 */
void ktap_begin(const char *suite)
{
	ktap_suite = suite;
	ktap_count = 0;
	ktap_failed = 0;
	printk(KERN_INFO "KTAP version 1\n");
	printk(KERN_INFO "# Subtest: %s\n", suite);
}

/**
 * ktap_report() - print the result of one test case
 * @result: pass, fail or skip
 * @fmt: printf-style name of the case
 */
void ktap_report(enum ktap_result result, const char *fmt, ...)
{
	char name[96];
	va_list args;

	va_start(args, fmt);
	vsnprintf(name, sizeof(name), fmt, args);
	va_end(args);
	ktap_count++;
	if (result == KTAP_SKIP) {
		printk(KERN_INFO "ok %u %s # SKIP\n", ktap_count, name);
	} else if (result == KTAP_PASS) {
		printk(KERN_INFO "ok %u %s\n", ktap_count, name);
	} else {
		printk(KERN_INFO "not ok %u %s\n", ktap_count, name);
		ktap_failed++;
	}
}

/**
 * ktap_end() - finish the document with its plan and a summary
 *
 * Return: the number of failed cases.
 */
unsigned int ktap_end(void)
{
	printk(KERN_INFO "1..%u\n", ktap_count);
	printk(KERN_INFO "# %s: %u passed, %u failed\n", ktap_suite,
	       ktap_count - ktap_failed, ktap_failed);
	return ktap_failed;
}
