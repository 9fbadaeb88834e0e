/*
 * Fire spreading for one board (see fire.h and kernel.spread_fire).
 *
 * Per cell c that is not burning and is flammable, the probability that no
 * source ignites it is
 *
 *     q = prod over sources s, in row-major order, of (1 - min(1, table[c - s] * f(s)))
 *
 * with f(s) = 1 + cluster_boost * (burning 4-neighbours of s). The cell
 * ignites iff its ignition draw u < 1 - q (for a cell outside the territory:
 * u < min(1, external_multiplier * (1 - q)), fire_ignition_probability). A
 * burning cell survives iff its survival draw < continuation.
 *
 * Speed: the factors (1 - min(1, table * f)) are tabulated once per distinct
 * f (at most five: n = 0..4), then each source multiplies its factor table
 * into q over the part of the board where the table is nonzero. Iterating
 * sources in the outer loop keeps, for every cell, the multiplications in
 * source row-major order, which is what the numpy fallback does, so the
 * results are bit-identical. Skipped entries would have multiplied by
 * exactly 1.0.
 */
#include "fire.h"

#include <stdlib.h>

#include "rng.h"

/* True iff the byte ranges [a, a + na) and [b, b + nb) share a byte. */
static int ranges_overlap(const void *a, size_t na, const void *b, size_t nb)
{
    uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;
    return pa < pb + nb && pb < pa + na;
}

/* out may alias an input exactly, never partially. */
static int bad_alias(const uint8_t *out, const void *in, size_t out_bytes, size_t in_bytes)
{
    if ((const void *)out == in)
        return 0;
    return ranges_overlap(out, out_bytes, in, in_bytes);
}

/* Fill omp[i] = 1 - min(1, table[i] * factor), the same operations as numpy. */
static void factor_table(const double *table, size_t count, double factor, double *omp)
{
    for (size_t i = 0; i < count; i++) {
        double p = table[i] * factor;
        if (p > 1.0)
            p = 1.0;
        omp[i] = 1.0 - p;
    }
}

int fire_spread(const uint8_t *burning, const uint8_t *sources, const uint8_t *flammable,
                int64_t rows, int64_t cols,
                const double *table, int64_t table_rows, int64_t table_cols,
                double cluster_boost, double continuation,
                uint64_t key, uint64_t tick, const uint8_t *external,
                double external_multiplier, uint8_t *out)
{
    if (!burning || !sources || !flammable || !table || !out)
        return FIRE_ERR_NULL;
    if (rows <= 0 || cols <= 0 || rows > FIRE_MAX_SIDE || cols > FIRE_MAX_SIDE)
        return FIRE_ERR_SHAPE;
    if (table_rows != 2 * rows - 1 || table_cols != 2 * cols - 1)
        return FIRE_ERR_TABLE;

    const size_t n = (size_t)rows * (size_t)cols;
    const size_t tcols = (size_t)table_cols;
    const size_t tn = (size_t)table_rows * tcols;
    if (bad_alias(out, burning, n, n) || bad_alias(out, sources, n, n) ||
        bad_alias(out, flammable, n, n) || ranges_overlap(out, n, table, tn * sizeof(double)) ||
        (external && bad_alias(out, external, n, n)))
        return FIRE_ERR_OVERLAP;

    /* Offsets (dr, dc) with a nonzero table entry lie in [dr_lo, dr_hi] x [dc_lo, dc_hi]. */
    int64_t dr_lo = rows, dr_hi = -rows, dc_lo = cols, dc_hi = -cols;
    for (int64_t tr = 0; tr < table_rows; tr++) {
        const double *trow = table + (size_t)tr * tcols;
        for (int64_t tc = 0; tc < table_cols; tc++) {
            if (trow[tc] != 0.0) { /* NaN counts as nonzero */
                int64_t dr = tr - (rows - 1), dc = tc - (cols - 1);
                if (dr < dr_lo) dr_lo = dr;
                if (dr > dr_hi) dr_hi = dr;
                if (dc < dc_lo) dc_lo = dc;
                if (dc > dc_hi) dc_hi = dc;
            }
        }
    }
    const int any_nonzero = dr_lo <= dr_hi;

    /* q[cell], then one factor table per distinct factor (five at most). */
    const int n_factors = cluster_boost != 0.0 ? 5 : 1;
    double *q = malloc(n * sizeof(double));
    double *omp = any_nonzero ? malloc((size_t)n_factors * tn * sizeof(double)) : NULL;
    if (!q || (any_nonzero && !omp)) {
        free(q);
        free(omp);
        return FIRE_ERR_NOMEM;
    }
    int have_factor[5] = {0, 0, 0, 0, 0};
    for (size_t i = 0; i < n; i++)
        q[i] = 1.0;

    /* Sources in row-major order. Reads burning and sources only. */
    for (int64_t rs = 0; any_nonzero && rs < rows; rs++) {
        const int64_t r_lo = rs + dr_lo > 0 ? rs + dr_lo : 0;
        const int64_t r_hi = rs + dr_hi < rows - 1 ? rs + dr_hi : rows - 1;
        if (r_lo > r_hi)
            continue;
        for (int64_t cs = 0; cs < cols; cs++) {
            const size_t s = (size_t)rs * (size_t)cols + (size_t)cs;
            if (!sources[s])
                continue;
            const int64_t c_lo = cs + dc_lo > 0 ? cs + dc_lo : 0;
            const int64_t c_hi = cs + dc_hi < cols - 1 ? cs + dc_hi : cols - 1;
            if (c_lo > c_hi)
                continue;

            int k = 0; /* which factor table */
            if (n_factors > 1) {
                k = (rs > 0 && burning[s - (size_t)cols] != 0) +
                    (rs < rows - 1 && burning[s + (size_t)cols] != 0) +
                    (cs > 0 && burning[s - 1] != 0) + (cs < cols - 1 && burning[s + 1] != 0);
            }
            double *fk = omp + (size_t)k * tn;
            if (!have_factor[k]) {
                factor_table(table, tn, 1.0 + cluster_boost * (double)k, fk);
                have_factor[k] = 1;
            }

            const size_t len = (size_t)(c_hi - c_lo + 1);
            for (int64_t r = r_lo; r <= r_hi; r++) {
                /* table row of dr = r - rs, column of dc = c_lo - cs */
                const double *trow =
                    fk + (size_t)(r - rs + rows - 1) * tcols + (size_t)(c_lo - cs + cols - 1);
                double *qrow = q + (size_t)r * (size_t)cols + (size_t)c_lo;
                fire_mul_into(qrow, trow, len);
            }
        }
    }

    /* Ignition and survival. Cell i is read before out[i] is written, so out may be burning. */
    const uint64_t ignition = stream_base(key, tick, STREAM_FIRE_IGNITION);
    const uint64_t survival = stream_base(key, tick, STREAM_FIRE_SURVIVAL);
    for (size_t i = 0; i < n; i++) {
        uint8_t next;
        if (burning[i])
            next = draw_uniform(survival, i) < continuation;
        else if (flammable[i])
            next = draw_uniform(ignition, i) <
                   fire_ignition_probability(q[i], external && external[i], external_multiplier);
        else
            next = 0;
        out[i] = next;
    }

    free(q);
    free(omp);
    return FIRE_OK;
}
