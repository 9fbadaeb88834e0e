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

#include "rng.h"

/* cffi:begin */
#define FIRE_OK 0
#define FIRE_ERR_NULL -1
#define FIRE_ERR_SHAPE -2
#define FIRE_ERR_TABLE -3
#define FIRE_ERR_OVERLAP -4
#define FIRE_ERR_NOMEM -5
#define FIRE_MAX_SIDE 65536

/*
 * A fire kernel as distance classes (kernel.fire_plan builds it from a kernel table and a
 * cluster boost). A class is a distinct nonzero table value p (a base class; ascending) at a
 * level k (the source's burning 4-neighbours with a cluster boost, else 0), with the factor
 * f = 1 - min(1, p * (1 + cluster_boost * k)). A cell with n_i sources in class i does not
 * ignite with probability
 *
 *     q = prod over classes i in ascending order with n_i > 0 of powers[power_start[i] + n_i]
 *
 * where powers[power_start[i] + n] = f_i ** n by repeated multiplication (n = 0: 1.0), so q
 * depends on the counts only, not on the order of the sources or on which of them changed.
 *
 * offsets: num_offsets * 3 int32, (dr, dc, base class) of every offset cell - source whose
 * factor differs from 1.0 at some level (exactly 1.0 factors are left out: multiplying by
 * them changes no bit), grouped by base class in ascending order; power_len[i] - 1 of them
 * (the ring of its base class) for every class i. offset_class: box_rows * box_cols int32, the base class of offset
 * (box_dr + i, box_dc + j) at [i * box_cols + j], -1 where none. power_len[i]: 1 + the number
 * of offsets of its base class (the most sources of class i a cell can have).
 */
typedef struct fire_plan {
    int32_t num_offsets;
    const int32_t *offsets;
    int32_t box_dr, box_dc, box_rows, box_cols;
    int32_t reach;  /* the largest |dr| or |dc| of an offset */
    int32_t packed; /* 1: one level, at most 8 classes of at most 255 offsets each */
    const int32_t *offset_class;
    int32_t num_levels;  /* 1 (no cluster boost) or 5 */
    int32_t num_classes; /* base classes * num_levels */
    const int64_t *power_start;
    const int32_t *power_len;
    const double *powers;
    int64_t num_powers;
} fire_plan;

/*
 * Which fires that burned before a tick go out (core.fire_survival.FireSurvival; kernel.py builds it):
 * each survives with probability continuation, independently, drawn one of two ways chosen
 * by the number of burning cells (so every backend chooses alike):
 * - fewer than marks_from: burning cell i survives iff draw_uniform(STREAM_FIRE_SURVIVAL, i)
 *   < continuation;
 * - else death marks: cells p_0 = g_0, p_j = p_{j-1} + 1 + g_j (below size) are marked, where
 *   g_j = #{k in 1..num_thresholds : u_j < thresholds[k - 1]}, u_j = draw_bits(
 *   STREAM_FIRE_DEATHS, j) >> 11 and thresholds[k - 1] = continuation^k * 2^53 (decreasing);
 *   a burning cell goes out iff it is marked (fire_death_mark). About (1 - continuation) *
 *   size draws however many cells burn.
 * bucket_lo/bucket_hi (FIRE_GAP_BUCKETS entries): g of every u with u >> (53 -
 * FIRE_GAP_BUCKET_BITS) == b lies in [bucket_lo[b], bucket_hi[b]].
 */
#define FIRE_GAP_BUCKET_BITS 10
#define FIRE_GAP_BUCKETS 1024
typedef struct fire_survival {
    double continuation;
    int64_t size;       /* the board's cells */
    int64_t marks_from; /* the fewest burning cells drawn by death marks */
    int32_t num_thresholds;
    const double *thresholds;
    const int32_t *bucket_lo;
    const int32_t *bucket_hi;
} fire_survival;

/*
 * burning, sources, flammable, out: uint8 arrays of rows * cols cells, row major (nonzero =
 * true). plan: the kernel (fire_plan above), built for this board; survival: which fires go
 * out (fire_survival above), built for rows * cols cells.
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
                int64_t rows, int64_t cols, const fire_plan *plan,
                const fire_survival *survival, uint64_t key, uint64_t tick,
                const uint8_t *external, double external_multiplier, uint8_t *out);

/* FIRE_OK if plan is consistent for a rows x cols board (every index it holds in range). */
int fire_plan_check(const fire_plan *plan, int64_t rows, int64_t cols);
/* FIRE_OK if survival is consistent for a board of size cells. */
int fire_survival_check(const fire_survival *survival, int64_t size);
/* The same checks without the tables' contents (constant time: their pointers and the scalar
 * fields), for callers that checked the contents once and keep the tables unchanged. */
int fire_plan_check_fields(const fire_plan *plan, int64_t rows, int64_t cols);
int fire_survival_check_fields(const fire_survival *survival, int64_t size);
/* cffi:end */

/* g_j of draw j's top 53 bits u = draw_bits(..., j) >> 11 (see fire_survival). */
static inline int32_t fire_death_gap(const fire_survival *s, uint64_t u)
{
    const int32_t b = (int32_t)(u >> (53 - FIRE_GAP_BUCKET_BITS));
    int32_t g = s->bucket_lo[b], hi = s->bucket_hi[b];
    const double x = (double)u; /* exact: u < 2^53 */
    while (hi - g > 4) { /* g <= answer <= hi: halve (thresholds decrease) */
        const int32_t mid = g + (hi - g) / 2; /* the answer >= mid + 1 iff x < thresholds[mid] */
        if (x < s->thresholds[mid])
            g = mid + 1;
        else
            hi = mid;
    }
    while (g < hi && x < s->thresholds[g])
        g++;
    return g;
}

/*
 * The next death mark after position p (start with p = -1; see fire_survival): p + 1 + g_j
 * for draw j = *draw of the death stream base, then *draw is advanced. A result >= size ends
 * the marks.
 */
static inline int64_t fire_death_mark(const fire_survival *s, uint64_t base, uint64_t *draw,
                                      int64_t p)
{
    return p + 1 + fire_death_gap(s, draw_bits(base, (*draw)++) >> 11);
}

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

/* Candidates per fire_plan_q_block call. */
#define FIRE_BLOCK 16

/* Whether fire_plan_q_block suits these sources: fewer than the offsets, and enough of them
 * that walking every class costs less than sorting the touched ones. */
static inline int fire_plan_by_block(const fire_plan *p, int32_t num_src)
{
    return num_src < p->num_offsets && (int64_t)num_src * 8 >= p->num_classes;
}

/*
 * q of nb <= FIRE_BLOCK cells (flat indices cells[]) at once, into q[]: every source counts
 * into every cell's row of count (num_classes + 1 entries per cell, FIRE_BLOCK rows, all 0 and
 * left so; the last entry is a sink for sources out of reach), then every class multiplies (a
 * count of 0 by powers[start] = 1.0: exact). The same counts, hence the same q, as
 * fire_plan_q; the cells of a block are independent, so no count waits on the one before.
 */
static inline void fire_plan_q_block(const fire_plan *p, int32_t cols, const int32_t *cells,
                                     int32_t nb, const uint8_t *mark, const uint32_t *src,
                                     int32_t num_src, uint16_t *count, double *q)
{
    const int32_t stride = p->num_classes + 1, sink = p->num_classes, levels = p->num_levels;
    int32_t di[FIRE_BLOCK], dj[FIRE_BLOCK];
    for (int32_t a = 0; a < nb; a++) {
        di[a] = cells[a] / cols - p->box_dr;
        dj[a] = cells[a] % cols - p->box_dc;
    }
    for (int32_t n = 0; n < num_src; n++) {
        const int32_t rs = (int32_t)(src[n] >> 16), cs = (int32_t)(src[n] & 0xFFFF);
        const int32_t level = mark[rs * cols + cs] - 1;
        for (int32_t a = 0; a < nb; a++) {
            const int32_t i = di[a] - rs, j = dj[a] - cs;
            const int inside =
                (uint32_t)i < (uint32_t)p->box_rows && (uint32_t)j < (uint32_t)p->box_cols;
            const int32_t base = p->offset_class[inside ? i * p->box_cols + j : 0];
            count[a * stride + (inside && base >= 0 ? base * levels + level : sink)]++;
        }
    }
    for (int32_t a = 0; a < nb; a++) {
        uint16_t *row = count + a * stride;
        double qa = 1.0;
        for (int32_t k = 0; k < p->num_classes; k++) {
            qa *= p->powers[p->power_start[k] + row[k]];
            row[k] = 0;
        }
        row[sink] = 0;
        q[a] = qa;
    }
}

/*
 * q of cell (r, c) on a rows x cols board (see fire_plan). mark[s] is 0 for a non-source, else
 * 1 + its level. Counts the sources per class either from the list src (num_src cells, each
 * row << 16 | col) or, when that is longer than the plan's offsets, by looking at every
 * offset. count (num_classes + 1 entries) must be all 0 and is left so; touched has num_classes
 * entries of scratch. Every way gives the same counts, hence the same q.
 */
static inline double fire_plan_q(const fire_plan *p, int32_t rows, int32_t cols, int32_t r,
                                 int32_t c, const uint8_t *mark, const uint32_t *src,
                                 int32_t num_src, uint16_t *count, int32_t *touched)
{
    const int32_t levels = p->num_levels;
    int32_t nt = 0;
    if (num_src < p->num_offsets) {
        for (int32_t n = 0; n < num_src; n++) {
            const int32_t rs = (int32_t)(src[n] >> 16), cs = (int32_t)(src[n] & 0xFFFF);
            const int32_t i = r - rs - p->box_dr, j = c - cs - p->box_dc;
            if ((uint32_t)i >= (uint32_t)p->box_rows || (uint32_t)j >= (uint32_t)p->box_cols)
                continue;
            const int32_t base = p->offset_class[i * p->box_cols + j];
            if (base < 0)
                continue;
            const int32_t k = base * levels + mark[rs * cols + cs] - 1;
            if (count[k]++ == 0)
                touched[nt++] = k;
        }
    } else {
        /* Offsets are grouped by base class, ascending: sum each ring, multiply in order. */
        const int32_t *o = p->offsets;
        double q = 1.0;
        if (p->packed) {
            /* the common case: counts packed one byte per class in a register */
            uint64_t packed = 0;
            if (r >= p->reach && r < rows - p->reach && c >= p->reach && c < cols - p->reach) {
                const uint8_t *at = mark + r * cols + c;
                for (int32_t n = 0; n < p->num_offsets; n++, o += 3)
                    packed += (uint64_t)(at[-(o[0] * cols + o[1])] != 0) << (8 * o[2]);
            } else {
                for (int32_t n = 0; n < p->num_offsets; n++, o += 3) {
                    const int32_t rs = r - o[0], cs = c - o[1];
                    if ((uint32_t)rs < (uint32_t)rows && (uint32_t)cs < (uint32_t)cols)
                        packed += (uint64_t)(mark[rs * cols + cs] != 0) << (8 * o[2]);
                }
            }
            for (int32_t base = 0; base < p->num_classes; base++, packed >>= 8)
                q *= p->powers[p->power_start[base] + (packed & 0xFF)]; /* 0: times 1.0 */
            return q;
        }
        if (levels == 1) {
            for (int32_t base = 0, n = 0; n < p->num_offsets; base++) {
                const int32_t end = n + p->power_len[base] - 1; /* the ring's offsets */
                int32_t sum = 0;
                for (; n < end; n++, o += 3) {
                    const int32_t rs = r - o[0], cs = c - o[1];
                    if ((uint32_t)rs < (uint32_t)rows && (uint32_t)cs < (uint32_t)cols)
                        sum += mark[rs * cols + cs] != 0;
                }
                q *= p->powers[p->power_start[base] + sum]; /* sum 0: times 1.0, exact */
            }
            return q;
        }
        for (int32_t base = 0, n = 0; n < p->num_offsets; base++) {
            const int32_t end = n + p->power_len[base * levels] - 1;
            int32_t per_level[6] = {0, 0, 0, 0, 0, 0}; /* [mark]: 0 non-source, 1 + level */
            for (; n < end; n++, o += 3) {
                const int32_t rs = r - o[0], cs = c - o[1];
                if ((uint32_t)rs < (uint32_t)rows && (uint32_t)cs < (uint32_t)cols)
                    per_level[mark[rs * cols + cs]]++;
            }
            for (int32_t k = 0; k < levels; k++)
                if (per_level[k + 1])
                    q *= p->powers[p->power_start[base * levels + k] + per_level[k + 1]];
        }
        return q;
    }
    double q = 1.0;
    if (nt == 0)
        return q;
    if ((int64_t)nt * 8 >= p->num_classes) { /* most classes touched: walk them all */
        for (int32_t k = 0; k < p->num_classes; k++) {
            if (count[k]) {
                q *= p->powers[p->power_start[k] + count[k]];
                count[k] = 0;
            }
        }
        return q;
    }
    for (int32_t a = 1; a < nt; a++) { /* few: sort them (insertion sort) */
        const int32_t k = touched[a];
        int32_t b = a;
        while (b > 0 && touched[b - 1] > k) {
            touched[b] = touched[b - 1];
            b--;
        }
        touched[b] = k;
    }
    for (int32_t a = 0; a < nt; a++) {
        const int32_t k = touched[a];
        q *= p->powers[p->power_start[k] + count[k]];
        count[k] = 0;
    }
    return q;
}

#endif /* AISG_FIRE_H */
