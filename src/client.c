// SPDX-License-Identifier: GPL-2.0
/*
 * Clients own the memory reserves that guarantee forward progress: a
 * mempool of request objects and a bioset, as the kernel's dm-io has.
 */
#include <linux/bio.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include "dmio_internal.h"

struct workqueue_struct *dmio_defer_wq;
struct workqueue_struct *dmio_notify_wq;
/* A cache of its own, so a leaked request shows when the module unloads. */
struct kmem_cache *dmio_io_cache;

/**
 * dmio_client_create() - make a client with its own memory reserve
 * @min_ios: requests (and bios) the reserve guarantees in flight;
 *	0 picks the default of 16, as dm-io
 *
 * Context: process context; may sleep.
 * Return: the client, or an ERR_PTR() (-ENOMEM) on failure.
 */
struct dmio_client *dmio_client_create(unsigned int min_ios)
{
	struct dmio_client *client;
	int err;

	if (!min_ios)
		min_ios = DMIO_DEFAULT_MIN_IOS;
	client = kzalloc(sizeof(*client), GFP_KERNEL);
	if (!client)
		return ERR_PTR(-ENOMEM);
	err = -ENOMEM;
	client->io_pool = mempool_create_slab_pool(min_ios, dmio_io_cache);
	if (!client->io_pool)
		goto free_client;
	client->bitmap_pool =
		mempool_create_kmalloc_pool(1, 2 * DMIO_BITMAP_LONGS * sizeof(long));
	if (!client->bitmap_pool)
		goto destroy_io_pool;
	err = bioset_init(&client->bios, min_ios,
			  offsetof(struct dmio_bio, bio), BIOSET_NEED_BVECS);
	if (err)
		goto destroy_bitmap_pool;
	atomic_set(&client->in_flight, 1);	/* the client's own reference */
	client->magic = DMIO_CLIENT_MAGIC ^ (unsigned long)client;
	return client;

destroy_bitmap_pool:
	mempool_destroy(client->bitmap_pool);
destroy_io_pool:
	mempool_destroy(client->io_pool);
free_client:
	kfree(client);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(dmio_client_create);

/**
 * dmio_client_resize() - grow or shrink a client's reserve
 * @client: the client
 * @min_ios: requests (and bios) the reserve guarantees; 0: the default
 *
 * Context: process context; may sleep.
 * Return: 0, or -ENOMEM when the larger reserve cannot be allocated (the
 * client then keeps a working reserve).
 */
int dmio_client_resize(struct dmio_client *client, unsigned int min_ios)
{
	int err;

	if (!min_ios)
		min_ios = DMIO_DEFAULT_MIN_IOS;
	err = mempool_resize(client->io_pool, min_ios);
	if (!err)
		err = dmio_bioset_resize(&client->bios, min_ios);
	return err;
}

/**
 * dmio_client_destroy() - free a client and its reserve
 * @client: the client, or NULL / an ERR_PTR() (ignored)
 *
 * Every request of the client should have completed. Destroying a client
 * with requests in flight is a caller bug: it is reported once (WARN_ONCE)
 * and the destroy waits for those requests to complete instead of freeing
 * the reserves under them. Must not be called from the client's own
 * completion path with other requests of the client outstanding.
 *
 * Context: process context; may sleep.
 */
void dmio_client_destroy(struct dmio_client *client)
{
	if (IS_ERR_OR_NULL(client))
		return;
	if (!dmio_client_is_ours(client)) {
		pr_warn_ratelimited("dmio: not destroying a client dmio did not make\n");
		return;
	}
	/*
	 * Drop the client's own reference. Left above zero, requests are in
	 * flight: the last of them brings it to zero and wakes us, and reads
	 * nothing of the client after that (client_put_request()).
	 */
	if (!atomic_dec_and_test(&client->in_flight)) {
		WARN_ONCE(1, "dmio: client destroyed with %d requests in flight; waiting for them\n",
			  atomic_read(&client->in_flight));
		wait_var_event(&client->in_flight, !atomic_read(&client->in_flight));
	}
	bioset_exit(&client->bios);
	mempool_destroy(client->bitmap_pool);
	mempool_destroy(client->io_pool);
	client->magic = 0;
	kfree(client);
}
EXPORT_SYMBOL_GPL(dmio_client_destroy);

static int __init dmio_init(void)
{
	/*
	 * Both queues serve I/O that memory reclaim may wait for: each has a
	 * rescuer. Two queues, so that callbacks that sleep (for a reserve,
	 * for their own I/O) never hold up the map-path dispatches that let
	 * I/O go down. Unbound, as 7.x wants every workqueue to say.
	 */
	dmio_defer_wq = alloc_workqueue("dmio_defer", WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	if (!dmio_defer_wq)
		return -ENOMEM;
	dmio_notify_wq = alloc_workqueue("dmio_notify", WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	if (!dmio_notify_wq)
		goto destroy_defer_wq;
	dmio_io_cache = KMEM_CACHE(dmio_io, SLAB_NO_MERGE);
	if (!dmio_io_cache)
		goto destroy_notify_wq;
	if (dmio_dm_io_init())
		goto destroy_cache;
	if (dmio_copy_init())
		goto exit_dm_io;
	pr_info("dmio: version %s loaded\n", DMIO_VERSION);
	return 0;

exit_dm_io:
	dmio_dm_io_exit();
destroy_cache:
	kmem_cache_destroy(dmio_io_cache);
destroy_notify_wq:
	destroy_workqueue(dmio_notify_wq);
destroy_defer_wq:
	destroy_workqueue(dmio_defer_wq);
	return -ENOMEM;
}

static void __exit dmio_exit(void)
{
	dmio_copy_exit();
	dmio_dm_io_exit();
	/* Both drain first: no notice or deferral is left behind. */
	destroy_workqueue(dmio_notify_wq);
	destroy_workqueue(dmio_defer_wq);
	kmem_cache_destroy(dmio_io_cache);
}

module_init(dmio_init);
module_exit(dmio_exit);

MODULE_DESCRIPTION("dm-io services behind one stable API on every kernel");
MODULE_LICENSE("GPL");
MODULE_VERSION(DMIO_VERSION);
