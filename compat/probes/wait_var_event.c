// SPDX-License-Identifier: GPL-2.0
/*
 * wait_var_event()/wake_up_var() in <linux/wait_bit.h> (mainline 4.16).
 */
#include <linux/sched.h>
#include <linux/wait_bit.h>

void dmio_probe(atomic_t *v);
void dmio_probe(atomic_t *v)
{
	wait_var_event(v, !atomic_read(v));
	wake_up_var(v);
}
