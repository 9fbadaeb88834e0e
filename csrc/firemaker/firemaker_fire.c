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
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

#define NEVER_BURNS (FM_CELL_WALL | FM_CELL_WORKSHOP | FM_CELL_BUTTON | AGENT_BITS)
#define LISTED 0x80 /* a source_mark bit: the cell is in the candidate list already */

/* Whether cell i may ignite: it may burn (static), does not burn, holds no agent and is not
 * burnt ground. */
static int may_ignite(const uint8_t *cells, const uint8_t *burnt, int64_t i)
{
    return !(cells[i] & (NEVER_BURNS | FM_CELL_FIRE)) && !burnt[i];
}

/* What one pass over the board collects with source bits (fm_spread_fire). */
typedef struct row_scan {
    uint64_t *bits;      /* fm_batch.source_bits, all 0 before: the fires as bits */
    uint32_t *candidate_rc; /* the cells that may ignite, as row << 16 | col */
    int32_t *burning;    /* NULL, or the burning cells */
    int32_t num_candidates, num_burning, external; /* external: fires outside the territory */
} row_scan;

/* Row r into s: 16 cells at a time with SSE2 (byte masks to bit masks), else one by one; the
 * same bits, lists (in row-major order) and counts either way. The counts live in locals
 * while the lists are written (a uint32 store could otherwise alias them). */
static void scan_row(row_scan *s, const uint8_t *cells, const uint8_t *burnt, int32_t r,
                     int32_t cols, int32_t words, int32_t pad)
{
    uint64_t *const row = s->bits + (int64_t)(r + pad) * words; /* pad rows above (reach) */
    uint32_t *const candidate_rc = s->candidate_rc;
    int32_t *const burning = s->burning;
    int32_t num_candidates = s->num_candidates, num_burning = s->num_burning;
    int32_t external = s->external;
    const int32_t start = r * cols;
    const uint32_t rc = (uint32_t)r << 16;
    int32_t c = 0;
#if defined(__SSE2__) && defined(__GNUC__)
    const __m128i zero = _mm_setzero_si128();
    const __m128i never = _mm_set1_epi8((char)(NEVER_BURNS | FM_CELL_FIRE));
    while (cols - c >= 8 && cols >= 16) {
        /* 16 cells from column c; the row's last 8 to 15 are read as the last full 16 of the
         * row, their first `seen` columns dropped from the masks (fewer: one by one) */
        const int32_t from = c + 16 <= cols ? c : cols - 16, seen = c - from;
        const int32_t x = c + pad;
        const __m128i v = _mm_loadu_si128((const __m128i *)(cells + start + from));
        const __m128i w = _mm_loadu_si128((const __m128i *)(burnt + start + from));
        const __m128i fire = _mm_slli_epi16(v, 2); /* bit 5 (fire) to bit 7 of each byte */
        const uint32_t fires = (uint32_t)_mm_movemask_epi8(fire) >> seen;
        uint32_t outside = (uint32_t)_mm_movemask_epi8(_mm_and_si128(v, fire)) >> seen;
        uint32_t may = (uint32_t)_mm_movemask_epi8(_mm_and_si128(
                           _mm_cmpeq_epi8(_mm_and_si128(v, never), zero),
                           _mm_cmpeq_epi8(w, zero))) >>
                       seen;
        row[x >> 6] |= (uint64_t)fires << (x & 63);
        if ((x & 63) > 48)
            row[(x >> 6) + 1] |= (uint64_t)fires >> (64 - (x & 63));
        outside -= (outside >> 1) & 0x5555; /* popcount of 16 bits */
        outside = (outside & 0x3333) + ((outside >> 2) & 0x3333);
        outside = (outside + (outside >> 4)) & 0x0F0F;
        external += (int32_t)((outside + (outside >> 8)) & 0x1F);
        for (; may; may &= may - 1)
            candidate_rc[num_candidates++] = rc | (uint32_t)(c + __builtin_ctz(may));
        if (burning)
            for (uint32_t f = fires; f; f &= f - 1)
                burning[num_burning++] = start + c + __builtin_ctz(f);
        c += 16 - seen;
    }
#endif
    for (; c < cols; c++) { /* branch-free but the list of fires */
        const uint8_t cell = cells[start + c], fire = (cell >> 5) & 1; /* FM_CELL_FIRE */
        const int32_t x = c + pad;
        external += (cell >> 7) & fire; /* FM_CELL_EXTERNAL */
        candidate_rc[num_candidates] = rc | (uint32_t)c;
        num_candidates += ((cell & (NEVER_BURNS | FM_CELL_FIRE)) | burnt[start + c]) == 0;
        if (burning) {
            burning[num_burning] = start + c;
            num_burning += fire;
        }
        row[x >> 6] |= (uint64_t)fire << (x & 63);
    }
    s->num_candidates = num_candidates;
    s->num_burning = num_burning;
    s->external = external;
}

/*
 * The candidates of row_scan (source_rc) ignite: q of each from the rows of source bits
 * (fm_config.ring_bits): the sources of class k around cell (r, c), a byte per class (or the
 * first classes as an index into joint_q), are the sum over the 2 * reach + 1 source rows of
 * the table entry of the row's window of 2 * reach + 1 bits: the same counts, hence the same
 * q, as fire_plan_q (with joint_q, the first classes' product is looked up: the same
 * operations, done once). Then p = fire_ignition_probability, and the cell ignites iff its
 * draw < p (q = 1: p = 0, no fire), branch-free. q is found a block at a time before any cell
 * changes, so nothing read stays in doubt for the compiler.
 */
static void ignite_by_bits(const fm_config *cfg, const fm_batch *b, uint8_t *cells,
                           int32_t num_candidates, uint64_t ignition, int32_t *fires,
                           int64_t *external)
{
    enum { BLOCK = 64 };
    const uint64_t *const ring = cfg->ring_bits, *const bits = b->source_bits;
    const double *const joint = cfg->joint_q, *const powers = cfg->fire.powers;
    const int64_t *const power_start = cfg->fire.power_start;
    const int32_t width = cfg->ring_bits_width, words = cfg->source_bits_words;
    const int32_t cols = cfg->cols, reach = cfg->fire.reach;
    const int32_t num_classes = cfg->fire.num_classes, joint_classes = cfg->joint_classes;
    const double multiplier = cfg->external_multiplier;
    const uint64_t mask = (UINT64_C(1) << width) - 1;
    const uint32_t *const rc = b->source_rc;
    double q[BLOCK];
    int32_t lit = 0, lit_outside = 0;
    for (int32_t a0 = 0; a0 < num_candidates; a0 += BLOCK) {
        const int32_t m = num_candidates - a0 < BLOCK ? num_candidates - a0 : BLOCK;
        for (int32_t a = 0; a < m; a++) {
            const int32_t r = (int32_t)(rc[a0 + a] >> 16), c = (int32_t)(rc[a0 + a] & 0xFFFF);
            /* offset row dr = k - reach: source row r - dr, at padded row r + 2 * reach - k;
             * its bits c .. c + width - 1 (padded by reach on the left): columns c - reach ..
             * c + reach */
            const uint64_t *row = bits + (int64_t)(r + 2 * reach) * words;
            uint64_t packed = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            /* the 8 bytes from bit c's byte hold bits c .. c + 56 (a row has a spare word) */
            const uint8_t *at = (const uint8_t *)row + (c >> 3);
            const int32_t shift = c & 7;
            for (int32_t k = 0; k < width; k++, at -= 8 * (int64_t)words) {
                uint64_t v;
                memcpy(&v, at, sizeof v);
                packed += ring[((int64_t)k << width) + ((v >> shift) & mask)];
            }
#else
            const int32_t shift = c & 63;
            row += c >> 6;
            for (int32_t k = 0; k < width; k++, row -= words) {
                /* the second word shifted in two steps so that shift 0 is defined */
                const uint64_t window = (row[0] >> shift) | ((row[1] << 1) << (63 - shift));
                packed += ring[((int64_t)k << width) + (window & mask)];
            }
#endif
            double qa = 1.0;
            int32_t base = 0;
            if (joint_classes > 0) {
                qa = joint[packed & 0xFFFF];
                packed >>= 16;
                base = joint_classes;
            }
            for (; base < num_classes; base++, packed >>= 8)
                qa *= powers[power_start[base] + (packed & 0xFF)]; /* 0: times 1.0 */
            q[a] = qa;
        }
        for (int32_t a = 0; a < m; a++) {
            const int32_t r = (int32_t)(rc[a0 + a] >> 16), c = (int32_t)(rc[a0 + a] & 0xFFFF);
            const int32_t i = r * cols + c;
            const uint8_t cell = cells[i];
            const double p = fire_ignition_probability(q[a], cell >> 7, multiplier);
            const uint8_t on = draw_uniform(ignition, (uint64_t)i) < p;
            cells[i] = (uint8_t)(cell | (on << 5)); /* FM_CELL_FIRE */
            lit += on;
            lit_outside += on & (cell >> 7); /* FM_CELL_EXTERNAL */
        }
    }
    *fires += lit;
    *external += lit_outside;
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
        ignite_by_bits(cfg, b, cells, num_candidates, ignition, fires, external);
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
    if (bits)
        memset(bits, 0, (size_t)(rows + 2 * pad) * (size_t)words * sizeof(uint64_t));
    /* With bits, the same pass lists the cells that may ignite (the candidates, below). */
    const uint8_t *burnt = b->burnt + e * size;
    int32_t *candidates = b->candidate_list;
    int32_t num_candidates = 0;
    const int by_marks = num_fires >= cfg->survival.marks_from;
    if (bits) {
        row_scan scan = {bits, source_rc, by_marks ? NULL : sources, 0, 0, 0};
        for (int32_t r = 0; r < rows; r++)
            scan_row(&scan, cells, burnt, r, cols, words, pad);
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
        uint64_t draw = 0;
        for (int64_t p = fire_death_mark(&cfg->survival, deaths, &draw, -1); p < size;
             p = fire_death_mark(&cfg->survival, deaths, &draw, p)) {
            dying[num_dying] = (int32_t)p;
            num_dying += (cells[p] >> 5) & 1; /* FM_CELL_FIRE */
        }
    }
    for (int32_t w = 0; w < num_working; w++) {
        const int32_t s = working[w];
        sources[num_sources++] = s;
        if (bits) { /* (source_rc holds the candidates, row_scan) */
            const int32_t x = s % cols + pad;
            bits[(int64_t)(s / cols + pad) * words + (x >> 6)] |= UINT64_C(1) << (x & 63);
        } else {
            source_rc[num_sources - 1] = (uint32_t)(s / cols) << 16 | (uint32_t)(s % cols);
            mark[s] = 1;
        }
    }
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
