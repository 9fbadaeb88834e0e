/*
 * The thread pool of the batch kernels (see parallel.h).
 *
 * Every field of the pool is read and written under its mutex, except a chunk's slots, which
 * only the thread that claimed the chunk touches. A call publishes its job (function, context,
 * slot count, chunk size) and wakes the threads; each thread, the caller included, claims the
 * next chunk under the mutex until every chunk is claimed, and the caller returns once no
 * claimed chunk is still running. A thread that wakes up late finds nothing left to claim and
 * sleeps again, so a call never waits for a thread that the operating system has not scheduled.
 *
 * Waking a sleeping thread costs some microseconds (tens on a virtual machine whose idle core
 * has halted), as much as a whole call of a few hundred small environments takes. So a helper
 * that finishes a call keeps watching for the next one for SPIN_NS (50 us) before it sleeps
 * (back-to-back steps find it awake), and the caller watches for the last running chunk for
 * up to SPIN_NS before it sleeps. Both watch an atomic counter and yield the core while they
 * watch, so on a busy machine they give way to other work; the watch is short so that a
 * thread waiting for a caller busy elsewhere (a policy's forward pass) costs little.
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

/* Chunks per thread in one call: small enough chunks that a delayed thread costs little. */
#define CHUNKS_PER_THREAD 4
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
    int64_t count, chunk, next;
    int64_t failed_slot, failure; /* the lowest failing slot so far and its error (0: none) */
};

/* Claim chunks and run them until none is left (called with the lock held; returns with it
 * held). */
static void run_chunks(par_pool *pool, int32_t worker)
{
    while (pool->active && pool->next < pool->count && !pool->failure) {
        const int64_t begin = pool->next;
        const int64_t end = begin + pool->chunk < pool->count ? begin + pool->chunk : pool->count;
        const par_slot_fn fn = pool->fn;
        void *context = pool->context;
        pool->next = end;
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
        pthread_mutex_lock(&pool->lock);
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
        pthread_mutex_lock(&pool->lock);
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
    if (!pool->handles || !pool->helpers) {
        free(pool->handles);
        free(pool->helpers);
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
    int64_t chunk = count / ((int64_t)pool->threads * CHUNKS_PER_THREAD);
    if (chunk < grain)
        chunk = grain;
    pthread_mutex_lock(&pool->call_lock);
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->context = context;
    pool->count = count;
    pool->chunk = chunk;
    pool->next = 0;
    pool->failure = 0;
    pool->failed_slot = -1;
    pool->active = 1;
    __atomic_add_fetch(&pool->generation, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&pool->wake);
    run_chunks(pool, 0);
    if (pool->running > 0) { /* a helper still runs a chunk: watch for it, then sleep */
        pthread_mutex_unlock(&pool->lock);
        spin_until_changed_to_zero(&pool->running);
        pthread_mutex_lock(&pool->lock);
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
