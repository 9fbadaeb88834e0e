/*
 * The Firemaker's fire spreading in the batch kernel (FireDrape.update after extinguishing):
 * the same arithmetic as kernel.spread_fire (fire.h, fire_plan).
 *
 * A cell that may ignite and that some source reaches draws; every other cell's probability is
 * 0 and its draw (a pure function of key, tick, stream and cell) would not matter. For each
 * such cell, q is the product over the distance classes, in ascending order, of the class
 * factor to the power of the number of sources of that class around the cell (fire_plan_q):
 * it depends on the counts only, so it is the same bits however they are found. With few
 * sources each source lists the cells it reaches (cost ~ sources x reach); once the sources
 * outnumber the cells that may still ignite, every such cell counts the sources around it
 * (cost ~ cells that may ignite x reach): a blaze costs about what its unburnt cells cost, not
 * what its burning cells cost (with long reach, once the cells that could be sources but are
 * not are the fewer, they are counted instead: q_block_from_others). A reached cell ignites
 * iff its draw is below fire_ignition_probability (fire.h: 1 - q, times the external
 * multiplier outside the territory); burnt ground never ignites. Then the fires that burned
 * before the tick go out by fire_survival: per-fire draws while few burn, death marks (about
 * (1 - continuation) x cells draws) once many do.
 */
#include "fire.h"
#include "firemaker_internal.h"
#include "rng.h"

#include <string.h>

#define LISTED 0x80 /* a source_mark bit: the cell is in the candidate list already */

/* Whether cell i may ignite: it may burn (static), does not burn, holds no agent and is not
 * burnt ground. */
static int may_ignite(const uint8_t *cells, const uint8_t *burnt, int64_t i)
{
    return !(cells[i] & (NEVER_BURNS | FM_CELL_FIRE)) && !burnt[i];
}

/*
 * q of nb <= FIRE_BLOCK cells (flat indices cells[]) from the cells that could be sources but
 * are not (others, row << 16 | col; an entry marked in mark[] is a working worker's cell, a
 * source after all): a cell's sources of class k are fm_config.full_counts (its could-be
 * sources of class k) minus its others of class k. The same counts as fire_plan_q_block's,
 * hence the same q, at a cost that follows the others, few in a blaze. count as there.
 */
static void q_block_from_others(const fm_config *cfg, const int32_t *cells, int32_t nb,
                                const uint8_t *mark, const uint32_t *others,
                                int32_t num_others, uint16_t *count, double *q)
{
    const fire_plan *p = &cfg->fire;
    const int32_t classes = p->num_classes, stride = classes + 1, cols = cfg->cols;
    int32_t di[FIRE_BLOCK], dj[FIRE_BLOCK];
    for (int32_t a = 0; a < nb; a++) {
        di[a] = cells[a] / cols - p->box_dr;
        dj[a] = cells[a] % cols - p->box_dc;
    }
    for (int32_t n = 0; n < num_others; n++) {
        const int32_t rs = (int32_t)(others[n] >> 16), cs = (int32_t)(others[n] & 0xFFFF);
        if (mark[rs * cols + cs])
            continue;
        for (int32_t a = 0; a < nb; a++) {
            const int32_t i = di[a] - rs, j = dj[a] - cs;
            const int inside =
                (uint32_t)i < (uint32_t)p->box_rows && (uint32_t)j < (uint32_t)p->box_cols;
            const int32_t base = p->offset_class[inside ? i * p->box_cols + j : 0];
            count[a * stride + (inside && base >= 0 ? base : classes)]++;
        }
    }
    for (int32_t a = 0; a < nb; a++) {
        uint16_t *row = count + a * stride;
        const uint16_t *full = cfg->full_counts + (int64_t)cells[a] * classes;
        double qa = 1.0;
        for (int32_t k = 0; k < classes; k++) {
            qa *= p->powers[p->power_start[k] + full[k] - row[k]];
            row[k] = 0;
        }
        row[classes] = 0;
        q[a] = qa;
    }
}

/* Draw for every candidate cell (cells that may ignite); set the new fires. num_others: the
 * length of nonsource_rc, or -1 where it was not listed. */
static void ignite_candidates(const fm_config *cfg, const fm_batch *b, uint8_t *cells,
                              const int32_t *candidates, int32_t num_candidates,
                              const int32_t *sources, int32_t num_sources, int32_t num_others,
                              int use_bits, uint64_t ignition, int32_t *fires,
                              int64_t *external)
{
    const int32_t rows = cfg->rows, cols = cfg->cols;
    const uint64_t *bits = use_bits ? b->source_bits : NULL;
    if (bits) {
        fm_ignite_by_bits(cfg, b, cells, num_candidates, ignition, fires, external);
        return;
    }
    const int by_others = num_others >= 0 && num_others < num_sources;
    const int by_block = by_others || fire_plan_by_block(&cfg->fire, num_sources);
    double block_q[FIRE_BLOCK];
    for (int32_t a = 0; a < num_candidates; a++) {
        const int32_t i = candidates[a];
        if (by_block && a % FIRE_BLOCK == 0) {
            const int32_t nb =
                num_candidates - a < FIRE_BLOCK ? num_candidates - a : FIRE_BLOCK;
            if (by_others)
                q_block_from_others(cfg, candidates + a, nb, b->source_mark, b->nonsource_rc,
                                    num_others, b->class_count, block_q);
            else
                fire_plan_q_block(&cfg->fire, cols, candidates + a, nb, b->source_mark,
                                  b->source_rc, num_sources, b->class_count, block_q);
        }
        const double q = by_block ? block_q[a % FIRE_BLOCK]
                                  : fire_plan_q(&cfg->fire, rows, cols, i / cols, i % cols,
                                                b->source_mark, b->source_rc, num_sources,
                                                b->class_count, b->touched);
        if (!(q < 1.0))
            continue;
        const double p = fire_ignition_probability(q, (cells[i] & FM_CELL_EXTERNAL) != 0,
                                                   cfg->external_multiplier);
        if (draw_uniform(ignition, (uint64_t)i) < p) {
            cells[i] |= FM_CELL_FIRE;
            *fires += 1;
            *external += (cells[i] & FM_CELL_EXTERNAL) != 0;
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
    /* The burning cells in row-major order (for survival), then the working
     * workers' cells (never burning: workers put out the fire they stand on): together the
     * sources, in an order the result does not depend on. Each source is marked 1 + its level
     * (k burning 4-neighbours with a cluster boost, else 0); mark 0: not a source. */
    int32_t *sources = b->burning_list;
    uint32_t *source_rc = b->source_rc; /* the same sources as row << 16 | col */
    uint8_t *mark = b->source_mark;
    const int boost = cfg->fire.num_levels > 1;
    int32_t num_burning = 0;
    int32_t external_before = 0; /* fires outside the territory before this tick */
    int32_t num_others = -1;     /* nonsource_rc's length, -1: not listed */
    /* Few sources (each lists the cells it reaches) or many (every cell that may ignite
     * counts the sources around it): decided before looking, the sources being the fires and
     * the working workers. With many and a ring_bits table, the sources are kept as bits of
     * rows (fm_config.ring_bits), else as marks. */
    const fire_plan *plan = &cfg->fire;
    const int few = (int64_t)(num_fires + num_working) * plan->num_offsets <
                    cfg->flammable_cells - num_fires;
    uint64_t *bits = cfg->ring_bits_width > 0 && !few ? b->source_bits : NULL;
    const int32_t words = cfg->source_bits_words, pad = plan->reach;
#ifdef FM_AVX512
    /* (with AVX-512 the sources go from the cells to fm_batch.vertical instead, below) */
    const int vertical = bits && fm_avx512_counts(cfg);
#else
    const int vertical = 0;
#endif
    if (bits && !vertical)
        memset(bits, 0, (size_t)(rows + 2 * pad) * (size_t)words * sizeof(uint64_t));
    /* With bits, the same pass lists the cells that may ignite (the candidates, below). */
    const uint8_t *burnt = b->burnt + e * size;
    int32_t *candidates = b->candidate_list;
    int32_t num_candidates = 0;
    const int by_marks = num_fires >= cfg->survival.marks_from;
    if (bits) {
        row_scan scan = {vertical ? NULL : bits, b->flat_bits, source_rc,
                         by_marks ? NULL : sources, 0, 0, 0};
        fm_scan_board(cfg, cells, burnt, &scan);
        num_candidates = scan.num_candidates;
        num_burning = scan.num_burning;
        external_before = scan.external;
    } else if (num_fires > 0 && cfg->full_counts_classes > 0 && !few) {
        /* the same, and the cells that could be sources but are not (no wall or button) */
        uint32_t *others = b->nonsource_rc;
        num_others = 0;
        for (int32_t r = 0, i = 0; r < rows; r++) {
            for (int32_t c = 0; c < cols; c++, i++) { /* branch-free */
                const uint8_t cell = cells[i], fire = (cell >> 5) & 1; /* FM_CELL_FIRE */
                external_before += (cell >> 7) & fire; /* FM_CELL_EXTERNAL */
                mark[i] = fire;
                sources[num_burning] = i;
                source_rc[num_burning] = (uint32_t)r << 16 | (uint32_t)c;
                num_burning += fire;
                others[num_others] = (uint32_t)r << 16 | (uint32_t)c;
                num_others += !(cell & (FM_CELL_WALL | FM_CELL_BUTTON | FM_CELL_FIRE));
            }
        }
    } else if (num_fires > 0) {
        for (int32_t r = 0, i = 0; r < rows; r++) {
            for (int32_t c = 0; c < cols; c++, i++) { /* branch-free: write, advance on fire */
                const uint8_t fire = (cells[i] >> 5) & 1; /* FM_CELL_FIRE */
                external_before += (cells[i] >> 7) & fire; /* FM_CELL_EXTERNAL */
                mark[i] = fire;
                sources[num_burning] = i;
                source_rc[num_burning] = (uint32_t)r << 16 | (uint32_t)c;
                num_burning += fire;
            }
        }
    }
    const int32_t *burning = sources;
    int32_t num_sources = num_burning;
    /* Many fires: the death marks (fire_survival) on cells burning before this tick, listed
     * now, before any cell ignites. */
    int32_t *dying = b->dying_list;
    int32_t num_dying = 0;
    if (by_marks) {
        const uint64_t deaths = stream_base(b->key[e], (uint64_t)b->tick[e], STREAM_FIRE_DEATHS);
#ifdef FM_AVX512
        if (fm_avx512_marks(cfg))
            num_dying = fm_death_marks_avx512(cfg, deaths, cells, size, dying);
        else
#endif
        {
            uint64_t draw = 0;
            for (int64_t p = fire_death_mark(&cfg->survival, deaths, &draw, -1); p < size;
                 p = fire_death_mark(&cfg->survival, deaths, &draw, p)) {
                dying[num_dying] = (int32_t)p;
                num_dying += (cells[p] >> 5) & 1; /* FM_CELL_FIRE */
            }
        }
    }
    for (int32_t w = 0; w < num_working; w++) {
        const int32_t s = working[w];
        sources[num_sources++] = s;
        if (bits) { /* (source_rc holds the candidates, row_scan) */
            const int32_t x = s % cols + pad;
            if (!vertical)
                bits[(int64_t)(s / cols + pad) * words + (x >> 6)] |= UINT64_C(1) << (x & 63);
        } else {
            source_rc[num_sources - 1] = (uint32_t)(s / cols) << 16 | (uint32_t)(s % cols);
            mark[s] = 1;
        }
    }
#ifdef FM_AVX512
    if (vertical) /* (no cluster levels: ring_bits need one level) */
        fm_vertical_codes_avx512(cfg, cells, working, num_working, b->vertical);
#endif
    if (boost) {
        for (int32_t n = 0; n < num_sources; n++) {
            const int32_t s = sources[n], rs = s / cols, cs = s % cols;
            const int32_t k = (rs > 0 && (cells[s - cols] & FM_CELL_FIRE)) +
                              (rs < rows - 1 && (cells[s + cols] & FM_CELL_FIRE)) +
                              (cs > 0 && (cells[s - 1] & FM_CELL_FIRE)) +
                              (cs < cols - 1 && (cells[s + 1] & FM_CELL_FIRE));
            mark[s] = (uint8_t)(1 + k);
        }
    }

    int64_t external = 0;
    int32_t fires = num_fires;
    if (plan->num_offsets > 0) {
        const uint64_t ignition =
            stream_base(b->key[e], (uint64_t)b->tick[e], STREAM_FIRE_IGNITION);
        if (few) {
            /* few sources: the cells they reach, each listed once */
            for (int32_t n = 0; n < num_sources; n++) {
                const int32_t rs = sources[n] / cols, cs = sources[n] % cols;
                const int32_t *o = plan->offsets;
                for (int32_t k = 0; k < plan->num_offsets; k++, o += 3) {
                    const int32_t r = rs + o[0], c = cs + o[1];
                    if ((uint32_t)r >= (uint32_t)rows || (uint32_t)c >= (uint32_t)cols)
                        continue;
                    const int32_t i = r * cols + c;
                    if ((mark[i] & LISTED) || !may_ignite(cells, burnt, i))
                        continue;
                    mark[i] |= LISTED;
                    candidates[num_candidates++] = i;
                }
            }
            for (int32_t a = 0; a < num_candidates; a++)
                mark[candidates[a]] &= (uint8_t)~LISTED;
        } else if (!bits) { /* (with bits: listed by row_scan already) */
            /* many sources: every cell that may ignite */
            for (int32_t i = 0; i < (int32_t)size; i++) { /* branch-free */
                candidates[num_candidates] = i;
                num_candidates += ((cells[i] & (NEVER_BURNS | FM_CELL_FIRE)) | burnt[i]) == 0;
            }
        }
        ignite_candidates(cfg, b, cells, candidates, num_candidates, sources, num_sources,
                          num_others, bits != NULL, ignition, &fires, &external);
    }
    if (!bits)
        for (int32_t n = 0; n < num_sources; n++)
            mark[sources[n]] = 0;

    /* Survival of the fires that burned before this tick (fire_survival). */
    if (by_marks) {
        int32_t external_dying = 0;
        for (int32_t t = 0; t < num_dying; t++) {
            const int32_t i = dying[t];
            external_dying += cells[i] >> 7; /* FM_CELL_EXTERNAL */
            cells[i] &= (uint8_t)~FM_CELL_FIRE;
        }
        external += external_before - external_dying;
        fires -= num_dying;
    } else if (num_burning > 0) { /* one draw per fire (branch-free) */
        const uint64_t survival =
            stream_base(b->key[e], (uint64_t)b->tick[e], STREAM_FIRE_SURVIVAL);
        const double continuation = cfg->survival.continuation;
        int32_t died = 0;
        for (int32_t t = 0; t < num_burning; t++) {
            const int32_t i = burning[t];
            const uint8_t dies = !(draw_uniform(survival, (uint64_t)i) < continuation);
            const uint8_t cell = cells[i];
            external += (cell >> 7) & (dies ^ 1); /* FM_CELL_EXTERNAL, survived */
            cells[i] = (uint8_t)(cell & ~(dies << 5)); /* FM_CELL_FIRE */
            died += dies;
        }
        fires -= died;
    }
    b->num_fires[e] = fires;
    return external;
}
