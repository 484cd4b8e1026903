// SPDX-License-Identifier: GPL-2.0
/// dmio house rule: the result of an allocation that can fail is tested
/// before it is used. After "x = alloc(...);" (or "T x = alloc(...);") the
/// first statement that mentions x must be a test of it (an if whose
/// condition names x) or "return x;" (the caller then owns the test).
///
/// mempool_alloc(), bio_alloc() and bio_alloc_bioset() with a sleeping gfp
/// (GFP_KERNEL, GFP_NOIO, GFP_NOFS, GFP_USER) cannot fail: they wait for
/// the reserve, which is how dmio guarantees forward progress. They are
/// exempt then, and checked with any other gfp (GFP_ATOMIC, GFP_NOWAIT, a
/// variable, __GFP_NORETRY ...). Any allocation with __GFP_NOFAIL is exempt.
//
// Confidence: Moderate (an allocation whose result is never used at all
// is reported too: it is a leak or a dead store).
// Options: --no-includes --include-headers

virtual report

@checked@
expression x;
identifier fn =~ "^(kmalloc|kzalloc|kcalloc|kmalloc_array|krealloc|krealloc_array|kmalloc_node|kzalloc_node|kvmalloc|kvzalloc|kvcalloc|kvmalloc_array|vmalloc|vzalloc|vmalloc_user|vmalloc_node|vzalloc_node|alloc_page|alloc_pages|alloc_pages_node|__get_free_page|__get_free_pages|get_zeroed_page|kmem_cache_alloc|kmem_cache_zalloc|kmem_cache_create|kstrdup|kstrndup|kmemdup|kasprintf|alloc_workqueue|create_workqueue|bio_kmalloc|mempool_alloc|mempool_create|mempool_create_kmalloc_pool|mempool_create_slab_pool|mempool_create_page_pool|bio_alloc|bio_alloc_bioset|bioset_create)$";
position p;
statement S1, S2;
@@
x = fn@p(...);
... when != x
(
if (<+... x ...+>) S1 else S2
|
if (<+... x ...+>) S1
|
return x;
)

@checked_decl@
type T;
identifier x;
identifier fn =~ "^(kmalloc|kzalloc|kcalloc|kmalloc_array|krealloc|krealloc_array|kmalloc_node|kzalloc_node|kvmalloc|kvzalloc|kvcalloc|kvmalloc_array|vmalloc|vzalloc|vmalloc_user|vmalloc_node|vzalloc_node|alloc_page|alloc_pages|alloc_pages_node|__get_free_page|__get_free_pages|get_zeroed_page|kmem_cache_alloc|kmem_cache_zalloc|kmem_cache_create|kstrdup|kstrndup|kmemdup|kasprintf|alloc_workqueue|create_workqueue|bio_kmalloc|mempool_alloc|mempool_create|mempool_create_kmalloc_pool|mempool_create_slab_pool|mempool_create_page_pool|bio_alloc|bio_alloc_bioset|bioset_create)$";
position p;
statement S1, S2;
@@
T x = fn@p(...);
... when != x
(
if (<+... x ...+>) S1 else S2
|
if (<+... x ...+>) S1
|
return x;
)

@cand depends on report@
expression x;
identifier fn =~ "^(kmalloc|kzalloc|kcalloc|kmalloc_array|krealloc|krealloc_array|kmalloc_node|kzalloc_node|kvmalloc|kvzalloc|kvcalloc|kvmalloc_array|vmalloc|vzalloc|vmalloc_user|vmalloc_node|vzalloc_node|alloc_page|alloc_pages|alloc_pages_node|__get_free_page|__get_free_pages|get_zeroed_page|kmem_cache_alloc|kmem_cache_zalloc|kmem_cache_create|kstrdup|kstrndup|kmemdup|kasprintf|alloc_workqueue|create_workqueue|bio_kmalloc|mempool_alloc|mempool_create|mempool_create_kmalloc_pool|mempool_create_slab_pool|mempool_create_page_pool|bio_alloc|bio_alloc_bioset|bioset_create)$";
expression list es;
position p != checked.p;
@@
x = fn@p(es);

@cand_decl depends on report@
type T;
identifier x;
identifier fn =~ "^(kmalloc|kzalloc|kcalloc|kmalloc_array|krealloc|krealloc_array|kmalloc_node|kzalloc_node|kvmalloc|kvzalloc|kvcalloc|kvmalloc_array|vmalloc|vzalloc|vmalloc_user|vmalloc_node|vzalloc_node|alloc_page|alloc_pages|alloc_pages_node|__get_free_page|__get_free_pages|get_zeroed_page|kmem_cache_alloc|kmem_cache_zalloc|kmem_cache_create|kstrdup|kstrndup|kmemdup|kasprintf|alloc_workqueue|create_workqueue|bio_kmalloc|mempool_alloc|mempool_create|mempool_create_kmalloc_pool|mempool_create_slab_pool|mempool_create_page_pool|bio_alloc|bio_alloc_bioset|bioset_create)$";
expression list es;
position p != checked_decl.p;
@@
T x = fn@p(es);

@initialize:python@
@@
import re

# Reserve-backed allocators: they cannot fail when they may sleep.
reserve_backed = ("mempool_alloc", "bio_alloc", "bio_alloc_bioset")


def dmio_may_fail(fn, args):
	if "__GFP_NOFAIL" in args:
		return False
	if fn not in reserve_backed:
		return True
	if re.search(r"GFP_ATOMIC|GFP_NOWAIT|__GFP_NORETRY|__GFP_RETRY_MAYFAIL", args):
		return True
	return not re.search(r"\bGFP_(KERNEL|NOIO|NOFS|USER)\b", args)


def dmio_report(p, fn, args):
	fn = str(fn)
	if dmio_may_fail(fn, str(args)):
		coccilib.report.print_report(p[0],
			"dmio-alloc-checked: result of %s() is used without a test (it can fail)" % fn)

@script:python depends on report@
p << cand.p;
fn << cand.fn;
es << cand.es;
@@
dmio_report(p, fn, es)

@script:python depends on report@
p << cand_decl.p;
fn << cand_decl.fn;
es << cand_decl.es;
@@
dmio_report(p, fn, es)
