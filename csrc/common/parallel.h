/*
 * A small pool of threads that step the slots of a batch in parallel, inside one C call.
 *
 * A batch kernel's step (or reset) hands par_for_slots a function of one slot; the pool's
 * threads and the calling thread each step their own range of the slots, then take chunks
 * from the ranges of the others until none is left, so a thread the operating system delays
 * simply steps fewer slots. Each slot is stepped by exactly one thread with that thread's own
 * scratch memory (the `worker` argument: 0 for the calling thread, 1 .. threads - 1 for the
 * pool's), and a slot's result depends only on the slot, never on which thread or chunk
 * stepped it: results are bit-identical for every thread count. Python never runs on these
 * threads (cffi releases the GIL around the call).
 *
 * The pool is made once per batch (par_pool_new, at construction; Python frees it with
 * par_pool_free) and sleeps on a condition variable between calls. It uses POSIX threads; on
 * a platform without them par_pool_new returns NULL and the kernels step on the calling
 * thread. A process forked from the one that made the pool (multiprocessing) steps on its
 * calling thread too: the pool's threads do not exist there.
 *
 * The declarations between the cffi markers are exposed to Python.
 */
#ifndef AISG_PARALLEL_H
#define AISG_PARALLEL_H

#include <stdint.h>

/* cffi:begin */
#define PAR_MAX_THREADS 256

typedef struct par_pool par_pool;

/* A pool whose par_for_slots runs on `threads` threads (the caller and threads - 1 more),
 * 2 <= threads <= PAR_MAX_THREADS; NULL if that is out of range, if threads cannot be made
 * or if the platform has no POSIX threads. */
par_pool *par_pool_new(int32_t threads);

/* Stop and join the pool's threads and free it (NULL: nothing). Not during a call. */
void par_pool_free(par_pool *pool);

/* The number of threads par_for_slots uses (1 for NULL). */
int32_t par_pool_threads(const par_pool *pool);

/* Thread scratch layout. A kernel keeps one scratch copy per thread in one array: thread t's
 * copy of an array of `items` items of `item_size` bytes starts at item
 * t * par_scratch_stride(items, item_size), so each copy takes whole PAR_SCRATCH_ALIGN-byte
 * blocks and, with the array's start aligned to PAR_SCRATCH_ALIGN, no two threads ever write
 * the same cache line (false sharing: a 25-byte view window of thread 0 beside thread 1's cost
 * more than a third of a quiet step). 128 bytes: two cache lines, which some processors fetch
 * as a pair. item_size is 1, 2, 4 or 8; items < 1 counts as 1. */
#define PAR_SCRATCH_ALIGN 128
int64_t par_scratch_stride(int64_t items, int64_t item_size);

/* For the pool's tests: par_for_slots(pool, count, grain, ...) whose slot s spins `work`
 * rounds of a loop, adds 1 to visits[s] and writes its worker to workers[s], and fails with
 * error -(1 + s) if s >= fail_from (fail_from < 0: no slot fails). Returns par_for_slots's
 * result (-1 for NULL arrays). */
int64_t par_test_slots(par_pool *pool, int64_t count, int64_t grain, int64_t work,
                       int64_t fail_from, int32_t *visits, int32_t *workers);
/* cffi:end */

static inline int64_t par_stride(int64_t items, int64_t item_size)
{
    const int64_t per_block = PAR_SCRATCH_ALIGN / item_size;
    if (items < 1)
        items = 1;
    return (items + per_block - 1) / per_block * per_block;
}

/* One slot's work: 0, or a negative error code. `worker` (0 .. threads - 1) says whose
 * scratch memory to use. */
typedef int64_t (*par_slot_fn)(void *context, int64_t slot, int32_t worker);

/*
 * fn(context, slot, worker) for every slot in [0, count), on the pool's threads (NULL: on the
 * calling thread, in order). A call of fewer than 2 * grain slots runs on the calling thread
 * alone (waking threads costs some microseconds: a grain's work should be worth more). Thread
 * t steps the t-th of `threads` equal ranges of the slots, in chunks that shrink to
 * grain / 32 slots, and when done takes chunks from the back of the ranges of threads that
 * are behind (parallel.c): between back-to-back calls a slot mostly stays on its thread's
 * core and cache. Returns 0, or the error of the lowest slot whose fn failed among those that
 * ran: after a failure the threads take no more chunks, so some other slots may not have run
 * (a failing slot is a bug or an exhausted resource, never a rule of a game).
 */
int64_t par_for_slots(par_pool *pool, int64_t count, int64_t grain, par_slot_fn fn,
                      void *context);

#endif /* AISG_PARALLEL_H */
