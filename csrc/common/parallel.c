/*
 * The thread pool of the batch kernels (see parallel.h).
 *
 * Every field of the pool is read and written under its mutex, except a chunk's slots, which
 * only the thread that claimed the chunk touches. A call publishes its job (function, context,
 * slot count) and wakes the threads; each thread, the caller included, claims chunks under the
 * mutex until none is left, and the caller returns once no claimed chunk is still running. A
 * thread that wakes up late finds nothing left to claim and sleeps again, so a call never
 * waits for a thread that the operating system has not scheduled.
 *
 * Which thread steps which slot: thread t owns the t-th of `threads` equal ranges of the
 * slots and claims chunks from the front of its own range first, each half of what is left of
 * it (at least the smallest chunk); when its range is empty it takes half of what is left of
 * the range with the most slots left, from its back. So between back-to-back calls a slot is
 * stepped by the same thread, on the same core, and its state and outputs stay in that core's
 * cache (with chunks handed out in turns from one counter, a slot's data moved between the
 * cores' caches in most calls: each thread's share of a quiet radius-2 step at n=256 took ~5%
 * longer than half of a one-thread step); a thread that starts late or runs slowly just steps
 * fewer slots, and the chunks shrink toward the end of a call so the threads finish close
 * together. Which thread steps a slot never changes its result (parallel.h).
 *
 * Waking a sleeping thread costs some microseconds (tens on a virtual machine whose idle core
 * has halted), as much as a whole call of a few hundred small environments takes. So a helper
 * that finishes a call keeps watching for the next one for SPIN_NS (50 us) before it sleeps
 * (back-to-back steps find it awake), and the caller watches for the last running chunk for
 * up to SPIN_NS before it sleeps. Both watch an atomic counter and yield the core while they
 * watch, so on a busy machine they give way to other work; the watch is short so that a
 * thread waiting for a caller busy elsewhere (a policy's forward pass) costs little. For the
 * same reason a thread that finds the mutex taken (it is only ever held for a few dozen
 * instructions) retries for a moment before it blocks on it: blocking would put it to sleep.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "parallel.h"

#include <stdlib.h>

int64_t par_scratch_stride(int64_t items, int64_t item_size)
{
    if (item_size < 1 || item_size > PAR_SCRATCH_ALIGN || PAR_SCRATCH_ALIGN % item_size)
        return -1;
    return par_stride(items, item_size);
}

typedef struct test_call {
    int64_t work, fail_from;
    int32_t *visits, *workers;
} test_call;

static int64_t test_slot(void *context, int64_t slot, int32_t worker)
{
    const test_call *call = context;
    volatile int64_t sink = 0;
    for (int64_t i = 0; i < call->work; i++)
        sink = sink + i;
    call->visits[slot] += 1;
    call->workers[slot] = worker;
    return call->fail_from >= 0 && slot >= call->fail_from ? -(1 + slot) : 0;
}

int64_t par_test_slots(par_pool *pool, int64_t count, int64_t grain, int64_t work,
                       int64_t fail_from, int32_t *visits, int32_t *workers)
{
    if (!visits || !workers)
        return -1;
    test_call call = {work, fail_from, visits, workers};
    return par_for_slots(pool, count, grain, test_slot, &call);
}

#if defined(_WIN32) || defined(AISG_NO_THREADS)

par_pool *par_pool_new(int32_t threads)
{
    (void)threads;
    return NULL;
}

void par_pool_free(par_pool *pool)
{
    (void)pool;
}

int32_t par_pool_threads(const par_pool *pool)
{
    (void)pool;
    return 1;
}

int64_t par_for_slots(par_pool *pool, int64_t count, int64_t grain, par_slot_fn fn,
                      void *context)
{
    (void)pool;
    (void)grain;
    for (int64_t slot = 0; slot < count; slot++) {
        const int64_t code = fn(context, slot, 0);
        if (code)
            return code;
    }
    return 0;
}

#else

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

/* The smallest chunk is grain / SMALLEST_CHUNK_DIVISOR slots (at least 1): a claim costs
 * about as much as a few hundred bytes of a step's work, a grain's work about 32 KB. */
#define SMALLEST_CHUNK_DIVISOR 32
/* How many times a thread retries a taken mutex before it blocks on it. */
#define LOCK_RETRIES 100
/* How long a thread watches for the next call (helpers) or the last chunk (caller) before it
 * sleeps on a condition variable. */
#ifndef SPIN_NS
#define SPIN_NS 50000
#endif

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Wait up to SPIN_NS for *value to differ from `from` (atomic reads); whether it did. */
static int spin_until_changed(const int64_t *value, int64_t from)
{
    const int64_t start = now_ns();
    for (int32_t i = 1;; i++) {
        if (__atomic_load_n(value, __ATOMIC_ACQUIRE) != from)
            return 1;
        if ((i & 63) == 0) {
            if (now_ns() - start > SPIN_NS)
                return 0;
            sched_yield();
        }
    }
}

typedef struct helper {
    par_pool *pool;
    int32_t worker;
} helper;

struct par_pool {
    int32_t threads; /* the caller and the helpers */
    pid_t owner;     /* the process whose threads these are */
    pthread_t *handles;
    helper *helpers;
    pthread_mutex_t call_lock; /* one call at a time */
    pthread_mutex_t lock;      /* everything below */
    pthread_cond_t wake;       /* a call started, or stop */
    pthread_cond_t done;       /* the last running chunk finished */
    int32_t stop;
    int32_t active;     /* a call is in progress */
    int64_t running;    /* chunks claimed and not finished (atomic writes, read by the caller) */
    int64_t generation; /* calls started so far, and stop (atomic writes, read by helpers) */
    par_slot_fn fn;
    void *context;
    int64_t smallest_chunk;
    int64_t *range; /* 2 * threads: thread t's unclaimed slots are [range[2t], range[2t + 1]) */
    int64_t failed_slot, failure; /* the lowest failing slot so far and its error (0: none) */
};

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Lock the pool's mutex, retrying a moment before blocking (see the top of this file). */
static void lock_pool(par_pool *pool)
{
    for (int32_t i = 0; i < LOCK_RETRIES; i++) {
        if (pthread_mutex_trylock(&pool->lock) == 0)
            return;
        cpu_relax();
    }
    pthread_mutex_lock(&pool->lock);
}

/* Half of `left` slots, but at least the smallest chunk and at most `left`. */
static int64_t half(const par_pool *pool, int64_t left)
{
    int64_t size = (left + 1) / 2;
    if (size < pool->smallest_chunk)
        size = pool->smallest_chunk;
    return size < left ? size : left;
}

/* Claim the next chunk for `worker` into [*begin, *end): from the front of its own range, or
 * else from the back of the range with the most slots left; 0 when no slot is left (called
 * with the lock held). */
static int claim(par_pool *pool, int32_t worker, int64_t *begin, int64_t *end)
{
    int64_t *own = pool->range + 2 * worker;
    if (own[0] < own[1]) {
        *begin = own[0];
        *end = own[0] += half(pool, own[1] - own[0]);
        return 1;
    }
    int64_t *most = NULL;
    for (int32_t t = 0; t < pool->threads; t++) {
        int64_t *other = pool->range + 2 * t;
        if (other[1] - other[0] > (most ? most[1] - most[0] : 0))
            most = other;
    }
    if (!most)
        return 0;
    *end = most[1];
    *begin = most[1] -= half(pool, most[1] - most[0]);
    return 1;
}

/* Claim chunks and run them until none is left (called with the lock held; returns with it
 * held). */
static void run_chunks(par_pool *pool, int32_t worker)
{
    int64_t begin, end;
    while (pool->active && !pool->failure && claim(pool, worker, &begin, &end)) {
        const par_slot_fn fn = pool->fn;
        void *context = pool->context;
        __atomic_add_fetch(&pool->running, 1, __ATOMIC_RELEASE);
        pthread_mutex_unlock(&pool->lock);
        int64_t failed_slot = -1, failure = 0;
        for (int64_t slot = begin; slot < end; slot++) {
            failure = fn(context, slot, worker);
            if (failure) {
                failed_slot = slot;
                break;
            }
        }
        lock_pool(pool);
        if (failure && (!pool->failure || failed_slot < pool->failed_slot)) {
            pool->failure = failure;
            pool->failed_slot = failed_slot;
        }
        if (__atomic_sub_fetch(&pool->running, 1, __ATOMIC_RELEASE) == 0)
            pthread_cond_signal(&pool->done);
    }
}

/* Wait up to SPIN_NS for *value to be 0 (atomic reads). */
static void spin_until_changed_to_zero(const int64_t *value)
{
    const int64_t start = now_ns();
    for (int32_t i = 1; __atomic_load_n(value, __ATOMIC_ACQUIRE) != 0; i++) {
        if ((i & 63) == 0) {
            if (now_ns() - start > SPIN_NS)
                return;
            sched_yield();
        }
    }
}

static void *helper_main(void *argument)
{
    const helper *self = argument;
    par_pool *pool = self->pool;
    pthread_mutex_lock(&pool->lock);
    while (!pool->stop) {
        run_chunks(pool, self->worker);
        const int64_t seen = pool->generation;
        pthread_mutex_unlock(&pool->lock);
        spin_until_changed(&pool->generation, seen);
        lock_pool(pool);
        if (!pool->stop && pool->generation == seen) /* no new call (or stop): sleep */
            pthread_cond_wait(&pool->wake, &pool->lock);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

static void stop_helpers(par_pool *pool, int32_t started)
{
    pthread_mutex_lock(&pool->lock);
    pool->stop = 1;
    __atomic_add_fetch(&pool->generation, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int32_t i = 0; i < started; i++)
        pthread_join(pool->handles[i], NULL);
}

par_pool *par_pool_new(int32_t threads)
{
    if (threads < 2 || threads > PAR_MAX_THREADS)
        return NULL;
    par_pool *pool = calloc(1, sizeof(*pool));
    if (!pool)
        return NULL;
    pool->handles = calloc((size_t)threads, sizeof(*pool->handles));
    pool->helpers = calloc((size_t)threads, sizeof(*pool->helpers));
    pool->range = calloc(2 * (size_t)threads, sizeof(*pool->range));
    if (!pool->handles || !pool->helpers || !pool->range) {
        free(pool->handles);
        free(pool->helpers);
        free(pool->range);
        free(pool);
        return NULL;
    }
    pool->owner = getpid();
    pthread_mutex_init(&pool->call_lock, NULL);
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);

    /* Helpers block every signal (they inherit this mask): signals go to Python's threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int32_t started = 0;
    for (int32_t i = 0; i < threads - 1; i++) {
        pool->helpers[i].pool = pool;
        pool->helpers[i].worker = i + 1;
        if (pthread_create(&pool->handles[i], NULL, helper_main, &pool->helpers[i]) != 0)
            break;
        started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pool->threads = 1 + started;
    if (started == 0) {
        par_pool_free(pool);
        return NULL;
    }
    return pool;
}

void par_pool_free(par_pool *pool)
{
    if (!pool)
        return;
    if (pool->owner == getpid()) { /* a forked child has none of these threads */
        stop_helpers(pool, pool->threads - 1);
        pthread_mutex_destroy(&pool->call_lock);
        pthread_mutex_destroy(&pool->lock);
        pthread_cond_destroy(&pool->wake);
        pthread_cond_destroy(&pool->done);
    }
    free(pool->handles);
    free(pool->helpers);
    free(pool->range);
    free(pool);
}

int32_t par_pool_threads(const par_pool *pool)
{
    return pool ? pool->threads : 1;
}

int64_t par_for_slots(par_pool *pool, int64_t count, int64_t grain, par_slot_fn fn,
                      void *context)
{
    if (grain < 1)
        grain = 1;
    if (!pool || count < 2 * grain || pool->owner != getpid()) {
        for (int64_t slot = 0; slot < count; slot++) {
            const int64_t code = fn(context, slot, 0);
            if (code)
                return code;
        }
        return 0;
    }
    pthread_mutex_lock(&pool->call_lock);
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->context = context;
    pool->smallest_chunk = grain / SMALLEST_CHUNK_DIVISOR > 0 ? grain / SMALLEST_CHUNK_DIVISOR : 1;
    const int64_t share = count / pool->threads, extra = count % pool->threads;
    for (int32_t t = 0; t < pool->threads; t++) { /* the first `extra` ranges 1 slot longer */
        pool->range[2 * t] = t * share + (t < extra ? t : extra);
        pool->range[2 * t + 1] = pool->range[2 * t] + share + (t < extra);
    }
    pool->failure = 0;
    pool->failed_slot = -1;
    pool->active = 1;
    __atomic_add_fetch(&pool->generation, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&pool->wake);
    run_chunks(pool, 0);
    if (pool->running > 0) { /* a helper still runs a chunk: watch for it, then sleep */
        pthread_mutex_unlock(&pool->lock);
        spin_until_changed_to_zero(&pool->running);
        lock_pool(pool);
    }
    while (pool->running > 0)
        pthread_cond_wait(&pool->done, &pool->lock);
    pool->active = 0;
    const int64_t failure = pool->failure;
    pthread_mutex_unlock(&pool->lock);
    pthread_mutex_unlock(&pool->call_lock);
    return failure;
}

#endif
