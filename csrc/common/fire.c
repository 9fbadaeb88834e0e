/*
 * Fire spreading for one board (see fire.h and kernel.spread_fire).
 *
 * Per cell c that is not burning and is flammable, the probability that no source ignites it
 * is q (fire.h, fire_plan): the product, over the distance classes in ascending order, of the
 * class factor to the power of the number of sources of that class around c. The cell ignites
 * iff its ignition draw u < 1 - q (for a cell outside the territory: u < min(1,
 * external_multiplier * (1 - q)), fire_ignition_probability). Which burning cells go out:
 * fire_survival (per-fire draws while few burn, death marks once many do).
 *
 * Speed: only cells within reach of a source are looked at (a cell no source reaches has
 * q = 1, probability 0, and its draw would not matter). With few sources, each marks the cells
 * it reaches; with many, every flammable cell counts the sources around it. Either way the
 * counts, and so the bits of q, are the same, and they do not depend on the order of the
 * sources: the numpy fallback computes the same counts its own way.
 */
#include "fire.h"

#include <stdlib.h>
#include <string.h>

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

int fire_plan_check_fields(const fire_plan *p, int64_t rows, int64_t cols)
{
    if (!p || (p->num_offsets > 0 && !p->offsets) || !p->offset_class || !p->power_start ||
        !p->power_len || !p->powers)
        return FIRE_ERR_NULL;
    if (p->num_levels != 1 && p->num_levels != 5)
        return FIRE_ERR_TABLE;
    if (p->num_classes < 0 || p->num_classes % p->num_levels != 0 || p->num_offsets < 0 ||
        p->box_rows < 1 || p->box_cols < 1 || p->num_powers < 1)
        return FIRE_ERR_TABLE;
    if (p->box_dr <= -rows || p->box_dr + p->box_rows > rows || p->box_dc <= -cols ||
        p->box_dc + p->box_cols > cols)
        return FIRE_ERR_TABLE;
    return FIRE_OK;
}

int fire_plan_check(const fire_plan *p, int64_t rows, int64_t cols)
{
    const int code = fire_plan_check_fields(p, rows, cols);
    if (code != FIRE_OK)
        return code;
    const int32_t num_base = p->num_classes / p->num_levels;
    for (int64_t i = 0; i < (int64_t)p->box_rows * p->box_cols; i++)
        if (p->offset_class[i] < -1 || p->offset_class[i] >= num_base)
            return FIRE_ERR_TABLE;
    /* Every offset lies in the box with its own class, and no box entry has a class without
     * an offset: so a count of class k never exceeds the offsets of its base class. */
    int64_t in_box = 0;
    for (int64_t i = 0; i < (int64_t)p->box_rows * p->box_cols; i++)
        in_box += p->offset_class[i] >= 0;
    if (in_box != p->num_offsets)
        return FIRE_ERR_TABLE;
    for (int32_t n = 0; n < p->num_offsets; n++) {
        const int32_t i = p->offsets[3 * n] - p->box_dr, j = p->offsets[3 * n + 1] - p->box_dc;
        if (i < 0 || i >= p->box_rows || j < 0 || j >= p->box_cols ||
            p->offset_class[i * p->box_cols + j] != p->offsets[3 * n + 2])
            return FIRE_ERR_TABLE;
    }
    int64_t *ring = calloc((size_t)num_base + 1, sizeof(int64_t));
    if (!ring)
        return FIRE_ERR_NOMEM;
    for (int32_t n = 0; n < p->num_offsets; n++)
        ring[p->offsets[3 * n + 2]]++;
    int bad = 0;
    for (int32_t k = 0; k < p->num_classes; k++)
        bad |= p->power_len[k] != ring[k / p->num_levels] + 1 || p->power_len[k] > 65535 ||
               p->power_start[k] < 0 || p->power_start[k] + p->power_len[k] > p->num_powers;
    for (int32_t n = 1; n < p->num_offsets; n++) /* grouped by base class, ascending */
        bad |= p->offsets[3 * n + 2] < p->offsets[3 * n - 1];
    for (int32_t n = 0; n < p->num_offsets; n++) { /* reach bounds every offset */
        const int32_t dr = p->offsets[3 * n], dc = p->offsets[3 * n + 1];
        bad |= dr > p->reach || -dr > p->reach || dc > p->reach || -dc > p->reach;
    }
    if (p->packed) { /* counts packed a byte per class in 64 bits */
        bad |= p->num_levels != 1 || p->num_classes > 8;
        for (int32_t b = 0; b < num_base; b++)
            bad |= ring[b] > 255;
    }
    bad |= p->reach < 0;
    free(ring);
    if (bad)
        return FIRE_ERR_TABLE;
    return FIRE_OK;
}

int fire_survival_check_fields(const fire_survival *s, int64_t size)
{
    if (!s || !s->bucket_lo || !s->bucket_hi || (s->num_thresholds > 0 && !s->thresholds))
        return FIRE_ERR_NULL;
    const int bad = s->size != size || s->marks_from < 1 || s->num_thresholds < 0 ||
                    s->num_thresholds > size ||
                    !(s->continuation >= 0.0 && s->continuation <= 1.0);
    return bad ? FIRE_ERR_TABLE : FIRE_OK;
}

int fire_survival_check(const fire_survival *s, int64_t size)
{
    const int code = fire_survival_check_fields(s, size);
    if (code != FIRE_OK)
        return code;
    int bad = 0;
    for (int32_t b = 0; b < FIRE_GAP_BUCKETS; b++)
        bad |= s->bucket_lo[b] < 0 || s->bucket_lo[b] > s->bucket_hi[b] ||
               s->bucket_hi[b] > s->num_thresholds;
    return bad ? FIRE_ERR_TABLE : FIRE_OK;
}

int fire_spread(const uint8_t *burning, const uint8_t *sources, const uint8_t *flammable,
                int64_t rows, int64_t cols, const fire_plan *plan,
                const fire_survival *survival, uint64_t key, uint64_t tick,
                const uint8_t *external, double external_multiplier, uint8_t *out)
{
    if (!burning || !sources || !flammable || !plan || !survival || !out)
        return FIRE_ERR_NULL;
    if (rows <= 0 || cols <= 0 || rows > FIRE_MAX_SIDE || cols > FIRE_MAX_SIDE)
        return FIRE_ERR_SHAPE;
    int code = fire_plan_check(plan, rows, cols);
    if (code == FIRE_OK)
        code = fire_survival_check(survival, rows * cols);
    if (code != FIRE_OK)
        return code;

    const size_t n = (size_t)rows * (size_t)cols;
    if (bad_alias(out, burning, n, n) || bad_alias(out, sources, n, n) ||
        bad_alias(out, flammable, n, n) || (external && bad_alias(out, external, n, n)))
        return FIRE_ERR_OVERLAP;

    const int32_t nclass = plan->num_classes > 0 ? plan->num_classes : 1;
    uint8_t *mark = calloc(n, 1);
    int32_t *src = malloc(n * sizeof(int32_t));
    int32_t *cand = malloc(n * sizeof(int32_t));
    uint32_t *src_rc = malloc(n * sizeof(uint32_t)); /* row << 16 | col (sides <= 65536) */
    uint16_t *count = calloc(((size_t)nclass + 1) * FIRE_BLOCK, sizeof(uint16_t));
    int32_t *touched = malloc((size_t)nclass * sizeof(int32_t));
    uint8_t *ignite = calloc(n, 1);
    if (!mark || !src || !cand || !src_rc || !count || !touched || !ignite) {
        free(mark), free(src), free(cand), free(src_rc), free(count), free(touched), free(ignite);
        return FIRE_ERR_NOMEM;
    }
    const int32_t r32 = (int32_t)rows, c32 = (int32_t)cols;

    /* Sources, each marked 1 + its level (burning 4-neighbours, with a cluster boost). */
    int32_t num_src = 0;
    for (size_t s = 0; s < n; s++) {
        if (!sources[s])
            continue;
        int level = 0;
        if (plan->num_levels > 1) {
            const int32_t rs = (int32_t)(s / (size_t)cols), cs = (int32_t)(s % (size_t)cols);
            level = (rs > 0 && burning[s - (size_t)cols] != 0) +
                    (rs < r32 - 1 && burning[s + (size_t)cols] != 0) +
                    (cs > 0 && burning[s - 1] != 0) + (cs < c32 - 1 && burning[s + 1] != 0);
        }
        mark[s] = (uint8_t)(1 + level);
        src_rc[num_src] = (uint32_t)((s / (size_t)cols) << 16 | (s % (size_t)cols));
        src[num_src++] = (int32_t)s;
    }

    /* Candidates: flammable cells that do not burn, within reach of a source. */
    int32_t num_cand = 0;
    if (plan->num_offsets > 0 && num_src > 0) {
        if ((int64_t)num_src * plan->num_offsets < (int64_t)n) {
            for (int32_t a = 0; a < num_src; a++) {
                const int32_t rs = src[a] / c32, cs = src[a] % c32;
                for (int32_t o = 0; o < plan->num_offsets; o++) {
                    const int32_t r = rs + plan->offsets[3 * o], c = cs + plan->offsets[3 * o + 1];
                    if ((uint32_t)r >= (uint32_t)r32 || (uint32_t)c >= (uint32_t)c32)
                        continue;
                    const int32_t i = r * c32 + c;
                    if (burning[i] || !flammable[i] || ignite[i])
                        continue;
                    ignite[i] = 1; /* listed */
                    cand[num_cand++] = i;
                }
            }
        } else {
            for (size_t i = 0; i < n; i++)
                if (!burning[i] && flammable[i])
                    cand[num_cand++] = (int32_t)i;
        }
    }

    /* Ignition: reads the marks only, so the candidates' order does not matter. */
    const uint64_t ignition = stream_base(key, tick, STREAM_FIRE_IGNITION);
    const int by_block = fire_plan_by_block(plan, num_src);
    double block_q[FIRE_BLOCK];
    for (int32_t a = 0; a < num_cand; a++) {
        const int32_t i = cand[a];
        if (by_block && a % FIRE_BLOCK == 0)
            fire_plan_q_block(plan, c32, cand + a, num_cand - a < FIRE_BLOCK ? num_cand - a : FIRE_BLOCK,
                              mark, src_rc, num_src, count, block_q);
        const double q =
            by_block ? block_q[a % FIRE_BLOCK]
                     : fire_plan_q(plan, r32, c32, i / c32, i % c32, mark, src_rc, num_src, count,
                                   touched);
        ignite[i] = q < 1.0 &&
                    draw_uniform(ignition, (uint64_t)i) <
                        fire_ignition_probability(q, external && external[i], external_multiplier);
    }

    /* Survival (fire_survival); cell i is read before out[i] is written, so out may be
     * burning. With death marks, mark[] (no longer needed) holds them. */
    int64_t num_burning = 0;
    for (size_t i = 0; i < n; i++)
        num_burning += burning[i] != 0;
    if (num_burning >= survival->marks_from) {
        memset(mark, 0, n);
        const uint64_t deaths = stream_base(key, tick, STREAM_FIRE_DEATHS);
        uint64_t draw = 0;
        for (int64_t p = fire_death_mark(survival, deaths, &draw, -1); p < (int64_t)n;
             p = fire_death_mark(survival, deaths, &draw, p))
            mark[p] = 1;
        for (size_t i = 0; i < n; i++)
            out[i] = burning[i] ? !mark[i] : ignite[i];
    } else {
        const uint64_t draws = stream_base(key, tick, STREAM_FIRE_SURVIVAL);
        const double continuation = survival->continuation;
        for (size_t i = 0; i < n; i++)
            out[i] = burning[i] ? draw_uniform(draws, i) < continuation : ignite[i];
    }

    free(mark), free(src), free(cand), free(src_rc), free(count), free(touched), free(ignite);
    return FIRE_OK;
}
