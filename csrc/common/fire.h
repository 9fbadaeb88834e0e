/*
 * Fire spreading for one board: the C half of
 * ai_safety_gridworlds.kernel.spread_fire (see its docstring and
 * docs/firemaker.md "Fire" for the rules). The numpy fallback in kernel.py
 * computes the same IEEE operations in the same order per cell, so both
 * give bit-identical boards; compile with -ffp-contract=off.
 *
 * The declarations between the cffi markers are exposed to Python.
 */
#ifndef AISG_FIRE_H
#define AISG_FIRE_H

#include <stddef.h>
#include <stdint.h>

/* cffi:begin */
#define FIRE_OK 0
#define FIRE_ERR_NULL -1
#define FIRE_ERR_SHAPE -2
#define FIRE_ERR_TABLE -3
#define FIRE_ERR_OVERLAP -4
#define FIRE_ERR_NOMEM -5
#define FIRE_MAX_SIDE 65536

/*
 * burning, sources, flammable, out: uint8 arrays of rows * cols cells, row
 * major (nonzero = true). table: doubles of table_rows * table_cols entries,
 * which must be (2 * rows - 1) x (2 * cols - 1); entry
 * [(dr + rows - 1) * table_cols + dc + cols - 1] is the ignition probability
 * of an offset (dr, dc) from a source.
 *
 * external (NULL: none) marks, like flammable, the cells outside the territory:
 * their ignition probability is multiplied by external_multiplier, capped at 1
 * (fire_ignition_probability).
 *
 * out receives the new burning mask (0/1). out may be the very same buffer as
 * burning, sources or flammable (in-place update), but must not partially
 * overlap any input. Returns FIRE_OK or a FIRE_ERR_* code, in which case out
 * is untouched.
 */
int fire_spread(const uint8_t *burning, const uint8_t *sources, const uint8_t *flammable,
                int64_t rows, int64_t cols,
                const double *table, int64_t table_rows, int64_t table_cols,
                double cluster_boost, double continuation,
                uint64_t key, uint64_t tick, const uint8_t *external,
                double external_multiplier, uint8_t *out);
/* cffi:end */

/*
 * The probability that a cell ignites, from q = prod over sources (1 - p_s): 1 - q, and for a
 * cell outside the territory (external != 0) that times external_multiplier, capped at 1
 * (FiremakerConfig.external_spread_multiplier). With a multiplier of 1.0 it is exactly 1 - q.
 * Shared by fire.c and the Firemaker's batch kernel; the numpy fallback does the same.
 */
static inline double fire_ignition_probability(double q, int external, double external_multiplier)
{
    double p = 1.0 - q;
    if (external && external_multiplier != 1.0) {
        p *= external_multiplier;
        if (p > 1.0)
            p = 1.0;
    }
    return p;
}

/*
 * q[j] *= f[j] for j < len: one source's factors multiplied into the cells it reaches, shared
 * by fire.c and the Firemaker's batch kernel (firemaker_fire.c). Unrolled: the products are
 * independent, so any order gives the same bits.
 */
static inline void fire_mul_into(double *restrict q, const double *restrict f, size_t len)
{
    size_t j = 0;
    for (; j + 2 <= len; j += 2) {
        const double a = q[j] * f[j], b = q[j + 1] * f[j + 1];
        q[j] = a;
        q[j + 1] = b;
    }
    if (j < len)
        q[j] *= f[j];
}

#endif /* AISG_FIRE_H */
