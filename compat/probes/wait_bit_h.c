// SPDX-License-Identifier: GPL-2.0
/*
 * The header <linux/wait_bit.h> (mainline 4.14), which src/ includes.
 */
#include <linux/wait_bit.h>
