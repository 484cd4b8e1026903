/* SPDX-License-Identifier: GPL-2.0 */
/* The groups of selftest cases; each reports its cases through KTAP. */
#ifndef _DMIO_SELFTEST_TESTS_H
#define _DMIO_SELFTEST_TESTS_H

#include "util.h"

void run_mem_tests(void);
void run_region_tests(void);
void run_op_tests(void);
void run_bad_input_tests(void);
void run_stress_tests(unsigned int seconds);
void run_lifecycle_tests(void);
void run_completion_tests(void);
void run_copy_tests(void);

#endif
