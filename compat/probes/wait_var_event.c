// SPDX-License-Identifier: GPL-2.0
/*
 * wait_var_event()/wake_up_var(): in <linux/wait_bit.h> since mainline
 * 4.16, but RHEL 7.9 backported them into <linux/wait.h> and has no
 * <linux/wait_bit.h> at all. Look where either kernel keeps them, as
 * src/ sees them (its <linux/wait_bit.h> is compat/fallback's on 3.10,
 * which includes <linux/wait.h>).
 */
#include <linux/sched.h>
#include <linux/wait.h>
#ifndef wait_var_event
#include <linux/wait_bit.h>
#endif

void dmio_probe(atomic_t *v);
void dmio_probe(atomic_t *v)
{
	wait_var_event(v, !atomic_read(v));
	wake_up_var(v);
}
