/*
 * Counter-based random numbers: the C twin of ai_safety_gridworlds/rng.py.
 *
 * Every function here mirrors the Python function of the same name bit for
 * bit (all arithmetic is on uint64_t, i.e. mod 2**64, exactly like rng.py's
 * "& MASK64"). Change both files together, or neither; tests/test_fire_kernel.py
 * checks that they agree.
 *
 *     base  = mix64(key ^ mix64(tick * GAMMA + stream))
 *     bits  = mix64(base + (index + 1) * GAMMA)
 *     u     = (bits >> 11) * 2**-53                  (a double in [0, 1))
 *
 * Header only (static inline), so every kernel source can include it.
 * Declarations between the "cffi:begin" and "cffi:end" marker comments are
 * also handed to cffi's cdef by ai_safety_gridworlds/_kernel_build.py, so
 * they must be plain declarations that cffi can parse.
 */
#ifndef AISG_RNG_H
#define AISG_RNG_H

#include <stddef.h>
#include <stdint.h>

#define RNG_GAMMA UINT64_C(0x9E3779B97F4A7C15)
#define RNG_M1 UINT64_C(0xBF58476D1CE4E5B9)
#define RNG_M2 UINT64_C(0x94D049BB133111EB)

/* Streams used by the framework itself (same numbers as rng.py). */
/* cffi:begin */
#define STREAM_ACTION_ORDER 1
#define STREAM_MAP 2
#define STREAM_FIRE_IGNITION 3
#define STREAM_FIRE_SURVIVAL 4
#define STREAM_FIRE_DEATHS 5
#define FIRST_ENVIRONMENT_STREAM 16
/* cffi:end */

/* SplitMix64 finaliser of one 64-bit integer. */
static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= RNG_M1;
    x ^= x >> 27;
    x *= RNG_M2;
    x ^= x >> 31;
    return x;
}

/* Base of the draws of one stream at one tick. */
static inline uint64_t stream_base(uint64_t key, uint64_t tick, uint64_t stream)
{
    return mix64(key ^ mix64(tick * RNG_GAMMA + stream));
}

/* The 64 random bits number `index` of a stream base. */
static inline uint64_t draw_bits(uint64_t base, uint64_t index)
{
    return mix64(base + (index + 1) * RNG_GAMMA);
}

/* One uniform double in [0, 1): the top 53 bits times 2**-53 (both exact). */
static inline double draw_uniform(uint64_t base, uint64_t index)
{
    return (double)(draw_bits(base, index) >> 11) * (1.0 / 9007199254740992.0);
}

/* Key of the `episode`-th episode after a seed (rng.episode_key). */
static inline uint64_t rng_episode_key(uint64_t seed, uint64_t episode)
{
    return mix64(mix64(seed ^ UINT64_C(0x5851F42D4C957F2D)) + episode * RNG_GAMMA);
}

/*
 * A uniform integer in [0, bound) (multiply-shift on the top 32 bits).
 * rng.py accepts any positive bound; here bound is limited to 32 bits so the
 * product cannot overflow 64 bits. bound == 0 returns 0 (rng.py raises).
 */
static inline uint32_t below(uint64_t base, uint64_t index, uint32_t bound)
{
    return (uint32_t)(((draw_bits(base, index) >> 32) * (uint64_t)bound) >> 32);
}

/*
 * Blocks of draws `start .. start + n - 1` of one stream at one tick, written
 * to out[0 .. n - 1]. Handy for filling a whole board at once, and exported
 * through cffi so the tests can compare C against rng.py.
 */
/* cffi:begin */
static inline void rng_uniform_block(uint64_t key, uint64_t tick, uint64_t stream,
                                     uint64_t start, size_t n, double *out);
static inline void rng_bits_block(uint64_t key, uint64_t tick, uint64_t stream,
                                  uint64_t start, size_t n, uint64_t *out);
static inline void rng_below_block(uint64_t key, uint64_t tick, uint64_t stream,
                                   uint64_t start, uint32_t bound, size_t n, uint32_t *out);
/* cffi:end */

static inline void rng_uniform_block(uint64_t key, uint64_t tick, uint64_t stream,
                                     uint64_t start, size_t n, double *out)
{
    uint64_t base = stream_base(key, tick, stream);
    for (size_t i = 0; i < n; i++)
        out[i] = draw_uniform(base, start + (uint64_t)i);
}

static inline void rng_bits_block(uint64_t key, uint64_t tick, uint64_t stream,
                                  uint64_t start, size_t n, uint64_t *out)
{
    uint64_t base = stream_base(key, tick, stream);
    for (size_t i = 0; i < n; i++)
        out[i] = draw_bits(base, start + (uint64_t)i);
}

static inline void rng_below_block(uint64_t key, uint64_t tick, uint64_t stream,
                                   uint64_t start, uint32_t bound, size_t n, uint32_t *out)
{
    uint64_t base = stream_base(key, tick, stream);
    for (size_t i = 0; i < n; i++)
        out[i] = below(base, start + (uint64_t)i, bound);
}

#endif /* AISG_RNG_H */
