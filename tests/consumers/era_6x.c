// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer written the 6.x way: a struct dm_io_request with bi_opf,
 * dm_io() with an I/O priority, kernel and vmalloc memory, and a request
 * filled field by field on the stack.
 */
#include <dmio/dm-io.h>		/* was: #include <linux/dm-io.h> */
#include <linux/completion.h>
#include <linux/ioprio.h>
#include <linux/sizes.h>
#include "consumer.h"

#define LEN	SZ_64K

static struct dm_io_client *io_client;

struct io_wait {
	struct completion done;
	unsigned long error;
	atomic_t calls;
};

static void io_callback(unsigned long error, void *context)
{
	struct io_wait *w = context;

	w->error = error;
	atomic_inc(&w->calls);
	complete(&w->done);
}

static enum ktap_result kmem_write_vma_read(bool async)
{
	struct dm_io_region where[3] = {
		{ d0.bdev, base + 4096, LEN >> 9 },
		{ derr.bdev ? derr.bdev : d1.bdev, base + 8192, LEN >> 9 },
		{ d1.bdev, base + 4096, LEN >> 9 },
	};
	unsigned long bits = 0, want = derr.bdev ? 2 : 0;
	struct io_wait w;
	struct dm_io_request req = {
		.bi_opf = REQ_OP_WRITE | REQ_SYNC,
		.mem.type = DM_IO_KMEM,
		.notify.fn = async ? io_callback : NULL,
		.notify.context = &w,
		.client = io_client,
	};
	enum ktap_result res = KTAP_FAIL;
	void *kbuf, *vbuf;
	int r;

	init_completion(&w.done);
	atomic_set(&w.calls, 0);
	kbuf = kmalloc(LEN, GFP_KERNEL);
	vbuf = vmalloc(LEN);
	if (!kbuf || !vbuf)
		goto out;
	pattern_fill(kbuf, LEN, 60 + async);
	req.mem.ptr.addr = kbuf;
	r = dm_io(&req, 3, where, &bits, IOPRIO_DEFAULT);
	if (async && !r) {
		wait_for_completion(&w.done);
		bits = w.error;
		r = bits ? -EIO : 0;
	}
	if (!ktap_expect(bits == want && r == (want ? -EIO : 0),
			 "r %d, bits %#lx", r, bits) ||
	    !ktap_expect(!async || atomic_read(&w.calls) == 1, "%d callbacks",
			 atomic_read(&w.calls)))
		goto out;
	req.bi_opf = REQ_OP_READ;
	req.mem.type = DM_IO_VMA;
	req.mem.ptr.vma = vbuf;
	req.notify.fn = NULL;
	r = dm_io(&req, 1, &where[0], &bits,
		  IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 2));
	if (ktap_expect(!r && !bits, "read: %d", r) &&
	    pattern_holds(vbuf, LEN, 60 + async))
		res = KTAP_PASS;
out:
	kfree(kbuf);
	vfree(vbuf);
	return res;
}

/* Before 7.x an unsupported operation is an error bit and -EIO. */
static enum ktap_result unsupported_is_error(void)
{
	struct dm_io_region where = { dnodiscard.bdev, 0, 64 };
	struct dm_io_request req = {
		.bi_opf = REQ_OP_DISCARD,
		.mem.type = DM_IO_KMEM,
		.client = io_client,
	};
	unsigned long bits = 0;
	int r;

	if (!dnodiscard.bdev)
		return KTAP_SKIP;
	r = dm_io(&req, 1, &where, &bits, IOPRIO_DEFAULT);
	return ktap_expect(r == -EIO && bits == 1, "r %d, bits %#lx", r, bits) ?
	       KTAP_PASS : KTAP_FAIL;
}

/*
 * dm-integrity's way: a request on the stack, set field by field, neither
 * zeroed nor with mem.offset set (dm-io reads it for page lists only).
 * The fill stands for what the stack held before.
 */
static int stack_io(bool write, void *buf, struct dm_io_region *where,
		    unsigned long *bits)
{
	struct dm_io_request io_req;

	memset(&io_req, 0xa5, sizeof(io_req));
	io_req.bi_opf = write ? REQ_OP_WRITE | REQ_FUA : REQ_OP_READ;
	io_req.mem.type = DM_IO_KMEM;
	io_req.mem.ptr.addr = buf;
	io_req.notify.fn = NULL;
	io_req.client = io_client;
	return dm_io(&io_req, 1, where, bits, IOPRIO_DEFAULT);
}

static enum ktap_result stack_request(void)
{
	struct dm_io_region where = { d0.bdev, base + 12288, 8 };
	enum ktap_result res = KTAP_FAIL;
	unsigned long bits = ~0UL;
	void *buf;
	int r;

	buf = kmalloc(4096, GFP_KERNEL);
	if (!buf)
		return KTAP_FAIL;
	pattern_fill(buf, 4096, 62);
	r = stack_io(true, buf, &where, &bits);
	if (!ktap_expect(!r && !bits, "write: %d, bits %#lx", r, bits))
		goto out;
	memset(buf, 0, 4096);
	bits = ~0UL;
	r = stack_io(false, buf, &where, &bits);
	if (ktap_expect(!r && !bits, "read: %d, bits %#lx", r, bits) &&
	    pattern_holds(buf, 4096, 62))
		res = KTAP_PASS;
out:
	kfree(buf);
	return res;
}

static int __init era_init(void)
{
	int err = consumer_open();

	if (err)
		return err;
	io_client = dm_io_client_create();
	if (IS_ERR(io_client)) {
		consumer_close();
		return PTR_ERR(io_client);
	}
	ktap_begin("dmio-consumer-6.x");
	ktap_report(kmem_write_vma_read(false), "bi_opf_ioprio_sync_error_bits");
	ktap_report(kmem_write_vma_read(true), "bi_opf_ioprio_async_error_bits");
	ktap_report(unsupported_is_error(), "unsupported_discard_is_an_error_bit");
	ktap_report(stack_request(), "bi_opf_stack_request_field_by_field");
	ktap_end();
	dm_io_client_destroy(io_client);
	consumer_close();
	return 0;
}

static void __exit era_exit(void)
{
}

module_init(era_init);
module_exit(era_exit);
MODULE_DESCRIPTION("dmio drop-in consumer, 6.x style");
MODULE_LICENSE("GPL");
