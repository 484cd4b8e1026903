// SPDX-License-Identifier: GPL-2.0
/*
 * The wait queue behind wait_var_event() on kernels before 4.16 (see
 * compat.h); empty on the others.
 */
#include <linux/wait.h>

#ifndef DMIO_HAVE_WAIT_VAR_EVENT
wait_queue_head_t dmio_compat_var_wq =
	__WAIT_QUEUE_HEAD_INITIALIZER(dmio_compat_var_wq);
#endif
