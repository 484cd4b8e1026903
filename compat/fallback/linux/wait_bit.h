/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Found only when the kernel has no <linux/wait_bit.h> (before 4.14): the
 * build searches this folder after the kernel's. compat.h provides
 * wait_var_event() there.
 */
#include <linux/wait.h>
