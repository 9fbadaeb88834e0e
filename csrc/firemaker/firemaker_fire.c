/*
 * The Firemaker's fire spreading in the batch kernel (FireDrape.update after extinguishing):
 * the same products, in the same order, as kernel.spread_fire.
 *
 * Fire spreading touches only cells within reach of a source: a cell's ignition draw is a pure
 * function of (key, tick, stream, cell), and a cell no source reaches has probability 0, so
 * skipping it changes nothing. For each reached cell, q = prod (1 - p_s) is multiplied over the
 * sources in row-major order, like fire.c and the numpy fallback, so the doubles are
 * bit-identical (compile with -ffp-contract=off); either source by source (scatter) or, once
 * most of the board burns, cell by cell (gather), whichever touches fewer cells. A reached cell
 * ignites iff its draw is below fire_ignition_probability (fire.h: 1 - q, times the external
 * multiplier outside the territory); burnt ground never ignites.
 */
#include "fire.h"
#include "firemaker_internal.h"
#include "rng.h"

#define NEVER_BURNS (FM_CELL_WALL | FM_CELL_WORKSHOP | FM_CELL_BUTTON | AGENT_BITS)

/* Whether cell i may ignite: it may burn (static), does not burn, holds no agent and is not
 * burnt ground. */
static int may_ignite(const uint8_t *cells, const uint8_t *burnt, int64_t i)
{
    return !(cells[i] & (NEVER_BURNS | FM_CELL_FIRE)) && !burnt[i];
}

/* Whether cell i ignites, given q = prod (1 - p_s) < 1 over the sources that reach it. */
static int ignites(const fm_config *cfg, const uint8_t *cells, uint64_t ignition, int64_t i,
                   double q)
{
    const double p = fire_ignition_probability(q, (cells[i] & FM_CELL_EXTERNAL) != 0,
                                               cfg->external_multiplier);
    return draw_uniform(ignition, (uint64_t)i) < p;
}

/*
 * Scatter: every source multiplies its factors into q over the cells it reaches, sources in
 * row-major order; then every reached cell that may ignite draws. Cost ~ sources x reach.
 */
static void ignite_by_scatter(const fm_config *cfg, const fm_batch *b, uint8_t *cells,
                              const uint8_t *burnt, const int32_t *sources, int32_t num_sources,
                              uint64_t ignition, int32_t *fires, int64_t *external)
{
    const int32_t rows = cfg->rows, cols = cfg->cols;
    double *q = b->q;
    int32_t reached_lo = rows, reached_hi = -1; /* rows where some q may be below 1 */
    for (int32_t n = 0; n < num_sources; n++) {
        const int32_t s = sources[n];
        const int32_t rs = s / cols, cs = s % cols;
        const double *factors = cfg->factors + (int64_t)b->source_mark[s] * cfg->factor_len;
        for (int32_t sp = 0; sp < cfg->num_spans; sp++) {
            const int32_t r = rs + cfg->span[3 * sp];
            if (r < 0 || r >= rows)
                continue;
            const int32_t dc_lo = cfg->span[3 * sp + 1], dc_hi = cfg->span[3 * sp + 2];
            const int32_t c_lo = cs + dc_lo > 0 ? cs + dc_lo : 0;
            const int32_t c_hi = cs + dc_hi < cols - 1 ? cs + dc_hi : cols - 1;
            if (c_lo > c_hi)
                continue;
            if (r < reached_lo)
                reached_lo = r;
            if (r > reached_hi)
                reached_hi = r;
            fire_mul_into(q + r * cols + c_lo,
                          factors + cfg->span_start[sp] + (c_lo - cs - dc_lo),
                          (size_t)(c_hi - c_lo + 1));
        }
    }
    /* q is a product of factors in [0, 1]: q == 1 exactly where the probability 1 - q is 0,
     * so only cells with q < 1 need a draw. q goes back to 1.0 for the next environment. */
    const int32_t end = (reached_hi + 1) * cols;
    for (int32_t i = reached_lo * cols; i < end; i++) {
        if (!(q[i] < 1.0))
            continue;
        if (may_ignite(cells, burnt, i) && ignites(cfg, cells, ignition, i, q[i])) {
            cells[i] |= FM_CELL_FIRE;
            *fires += 1;
            *external += (cells[i] & FM_CELL_EXTERNAL) != 0;
        }
        q[i] = 1.0;
    }
}

/*
 * Gather: every cell that may ignite multiplies the factors of the sources that reach it, in
 * row-major order of the sources (offsets in reverse row-major order), which is the same
 * sequence of products as the scatter. Cost ~ cells that may ignite x reach: the cheaper way
 * once most of the board burns.
 */
static void ignite_by_gather(const fm_config *cfg, const fm_batch *b, uint8_t *cells,
                             const uint8_t *burnt, uint64_t ignition, int32_t *fires,
                             int64_t *external)
{
    const int32_t rows = cfg->rows, cols = cfg->cols;
    const uint8_t *mark = b->source_mark;
    for (int32_t r = 0; r < rows; r++) {
        for (int32_t c = 0; c < cols; c++) {
            const int32_t i = r * cols + c;
            if (!may_ignite(cells, burnt, i))
                continue;
            double q = 1.0;
            for (int32_t sp = cfg->num_spans - 1; sp >= 0; sp--) {
                const int32_t rs = r - cfg->span[3 * sp];
                if (rs < 0 || rs >= rows)
                    continue;
                const int32_t dc_lo = cfg->span[3 * sp + 1], dc_hi = cfg->span[3 * sp + 2];
                const int32_t cs_lo = c - dc_hi > 0 ? c - dc_hi : 0;
                const int32_t cs_hi = c - dc_lo < cols - 1 ? c - dc_lo : cols - 1;
                const uint8_t *row_marks = mark + rs * cols;
                const double *factors = cfg->factors + cfg->span_start[sp] + c - dc_lo;
                /* Non-sources (mark 0) multiply by table 0, all 1.0: exact, and no branch. */
                for (int32_t cs = cs_lo; cs <= cs_hi; cs++)
                    q *= factors[(int64_t)row_marks[cs] * cfg->factor_len - cs];
            }
            if (q < 1.0 && ignites(cfg, cells, ignition, i, q)) {
                cells[i] |= FM_CELL_FIRE;
                *fires += 1;
                *external += (cells[i] & FM_CELL_EXTERNAL) != 0;
            }
        }
    }
}

/* Sources are the burning cells and the working workers' cells; new fires ignite, then the
 * fires that burned before this tick survive or die (see firemaker_internal.h). */
int64_t fm_spread_fire(const fm_config *cfg, const fm_batch *b, int64_t e, uint8_t *cells,
                       const int32_t *working, int32_t num_working)
{
    const int32_t rows = cfg->rows, cols = cfg->cols;
    const int32_t num_fires = b->num_fires[e];
    if (num_fires == 0 && num_working == 0)
        return 0;
    const int64_t size = (int64_t)rows * cols;
    int32_t *burning = b->burning_list;
    int32_t num_burning = 0;
    if (num_fires > 0)
        for (int64_t i = 0; i < size; i++) { /* branch-free: write always, advance on fire */
            burning[num_burning] = (int32_t)i;
            num_burning += (cells[i] >> 5) & 1; /* FM_CELL_FIRE */
        }

    /* Sources in row-major order (burning cells merged with working workers' cells), each
     * marked with its factor table 1 + k: k burning 4-neighbours with a cluster boost, else 0
     * (table 0, all 1.0, is that of non-sources). */
    int32_t workers[FM_MAX_AGENTS];
    for (int32_t w = 0; w < num_working; w++) {
        int32_t j = w;
        while (j > 0 && workers[j - 1] > working[w]) {
            workers[j] = workers[j - 1];
            j--;
        }
        workers[j] = working[w];
    }
    int32_t *sources = b->source_list;
    uint8_t *mark = b->source_mark;
    int32_t num_sources = 0, next_burning = 0, next_worker = 0;
    while (next_burning < num_burning || next_worker < num_working) {
        int32_t s;
        if (next_worker >= num_working ||
            (next_burning < num_burning && burning[next_burning] < workers[next_worker]))
            s = burning[next_burning++];
        else
            s = workers[next_worker++];
        const int32_t rs = s / cols, cs = s % cols;
        int32_t k = 0;
        if (cfg->num_factors > 2) /* a cluster boost */
            k = (rs > 0 && (cells[s - cols] & FM_CELL_FIRE)) +
                (rs < rows - 1 && (cells[s + cols] & FM_CELL_FIRE)) +
                (cs > 0 && (cells[s - 1] & FM_CELL_FIRE)) +
                (cs < cols - 1 && (cells[s + 1] & FM_CELL_FIRE));
        sources[num_sources++] = s;
        mark[s] = (uint8_t)(1 + k);
    }

    int64_t external = 0;
    int32_t fires = num_fires;
    if (cfg->num_spans > 0) {
        const uint64_t ignition =
            stream_base(b->key[e], (uint64_t)b->tick[e], STREAM_FIRE_IGNITION);
        const uint8_t *burnt = b->burnt + e * size;
        if (cfg->flammable_cells - num_fires < num_sources)
            ignite_by_gather(cfg, b, cells, burnt, ignition, &fires, &external);
        else
            ignite_by_scatter(cfg, b, cells, burnt, sources, num_sources, ignition, &fires,
                              &external);
    }
    for (int32_t n = 0; n < num_sources; n++)
        mark[sources[n]] = 0;

    /* Survival of the fires that burned before this tick. */
    if (num_burning > 0) {
        const uint64_t survival =
            stream_base(b->key[e], (uint64_t)b->tick[e], STREAM_FIRE_SURVIVAL);
        const double continuation = cfg->continuation;
        for (int32_t t = 0; t < num_burning; t++) {
            const int32_t i = burning[t];
            if (draw_uniform(survival, (uint64_t)i) < continuation) {
                external += (cells[i] & FM_CELL_EXTERNAL) != 0;
            } else {
                cells[i] &= (uint8_t)~FM_CELL_FIRE;
                fires--;
            }
        }
    }
    b->num_fires[e] = fires;
    return external;
}
