/*
 * Internal to the Firemaker kernel: the helpers its sources share (firemaker_check.c: checks;
 * firemaker_batch.c: resets, ticks; firemaker_fire.c: fire spreading, with
 * firemaker_fire_bits.c for rows of source bits; firemaker_burnout.c: burnt ground;
 * firemaker_observations.c: observations and state).
 */
#ifndef AISG_FIREMAKER_INTERNAL_H
#define AISG_FIREMAKER_INTERNAL_H

#include <stdint.h>

#include "firemaker_batch.h"

#define AGENT_BITS (FM_CELL_WORKER | FM_CELL_SUPERVISOR)
/* Cells that never ignite (walls, workshop, button, agents). */
#define NEVER_BURNS (FM_CELL_WALL | FM_CELL_WORKSHOP | FM_CELL_BUTTON | AGENT_BITS)

/* The cell bit of an agent's role. */
static inline uint8_t role_bit(const fm_config *cfg, int32_t agent)
{
    return cfg->is_supervisor[agent] ? FM_CELL_SUPERVISOR : FM_CELL_WORKER;
}

/* FireDrape.update after extinguishing (firemaker_fire.c): environment e's fires spread from
 * the burning cells and the working workers' cells (working: their flat indices), then old
 * fires survive or die. Updates num_fires; returns the external fires after it. */
int64_t fm_spread_fire(const fm_config *cfg, const fm_batch *b, int64_t e, uint8_t *cells,
                       const int32_t *working, int32_t num_working);

/* The bytes of fm_batch.vertical: a row of 64 bytes per word of source bits, and 64 spare,
 * where the AVX-512 fire can use them (source_bits_words <= 3: fm_avx512_counts), else 64. */
static inline int64_t fm_vertical_size(const fm_config *cfg)
{
    const int32_t words = cfg->source_bits_words;
    return words <= 3 ? (int64_t)cfg->rows * 64 * (words - 1) + 64 : 64;
}

/* What one pass over the board collects with source bits (fm_scan_board). */
typedef struct row_scan {
    uint64_t *bits;      /* fm_batch.source_bits, all 0 before: the fires as bits (NULL: not
                          * wanted, fm_vertical_codes_avx512 reads the cells instead) */
    uint64_t *flat;      /* fm_batch.flat_bits: scratch */
    uint32_t *candidate_rc; /* the cells that may ignite, as row << 16 | col (as flat indices
                             * where bits is NULL: fm_ignite_avx512 reads those) */
    int32_t *burning;    /* NULL, or the burning cells */
    int32_t num_candidates, num_burning, external; /* external: fires outside the territory */
} row_scan;

/* A board into s in one pass (firemaker_fire_bits.c): the fires as bits (s->bits, the padded
 * rows of fm_batch.source_bits, all 0 before), the cells that may ignite (s->candidate_rc),
 * the burning cells (if s->burning) and the fires outside the territory. */
void fm_scan_board(const fm_config *cfg, const uint8_t *cells, const uint8_t *burnt,
                   row_scan *s);

/* The candidates of fm_scan_board (in fm_batch.source_rc) ignite or not, q from the source
 * bits (firemaker_fire_bits.c); adds the new fires to *fires and those outside the territory
 * to *external. */
void fm_ignite_by_bits(const fm_config *cfg, const fm_batch *b, uint8_t *cells,
                       int32_t num_candidates, uint64_t ignition, int32_t *fires,
                       int64_t *external);

/* The AVX-512 paths of the above (firemaker_fire_avx512.c), where the compiler can build them;
 * a caller checks the CPU first: fm_avx512_draws for fm_draws_avx512 (u[a] = draw_uniform(base,
 * flat[a]), a < m), fm_avx512_words for fm_full_words_avx512 (the first `full` 64-cell words
 * of fm_scan_board's flat fire and may-ignite bits; returns the fires outside the territory
 * among them), fm_avx512_counts for fm_ignite_avx512 (all of fm_ignite_by_bits, with
 * fm_config.ring_masks, the candidates as flat indices from fm_candidates_avx512, which
 * fm_scan_board then lists them by, and the sources in fm_batch.vertical from
 * fm_vertical_codes_avx512 instead of fm_batch.source_bits), fm_avx512_marks for
 * fm_death_marks_avx512 (fm_spread_fire's death marks). The same bits as the portable code. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(AISG_NO_SIMD) && !defined(AISG_NO_AVX512)
#define FM_AVX512 1
int fm_avx512_draws(void);
int fm_avx512_words(void);
int fm_avx512_counts(const fm_config *cfg);
int fm_avx512_marks(const fm_config *cfg);
void fm_draws_avx512(uint64_t base, const int32_t *flat, int32_t m, double *u);
int64_t fm_full_words_avx512(const uint8_t *cells, const uint8_t *burnt, int64_t full,
                             uint64_t *fire, uint64_t *may);
int32_t fm_candidates_avx512(const uint64_t *may, int64_t words, uint32_t *flat);
void fm_vertical_codes_avx512(const fm_config *cfg, const uint8_t *cells, const int32_t *working,
                              int32_t num_working, uint8_t *vertical);
int32_t fm_death_marks_avx512(const fm_config *cfg, uint64_t deaths, const uint8_t *cells,
                              int64_t size, int32_t *dying);
void fm_ignite_avx512(const fm_config *cfg, const fm_batch *b, uint8_t *cells,
                      int32_t num_candidates, uint64_t ignition, int32_t *fires,
                      int64_t *external);
#endif

/* FireDrape._burn_out (firemaker_burnout.c): environment e's external fires that burned
 * burn_out_ticks ticks and survived this tick become burnt ground. Updates num_fires and
 * *external (the external fires after the spread); returns the cells burnt out. */
int32_t fm_burn_out(const fm_config *cfg, const fm_batch *b, int64_t e, uint8_t *cells,
                    int64_t *external);

/* Every agent's observation of environment e (firemaker_observations.c). */
void fm_write_observations(const fm_config *cfg, const fm_batch *b, int64_t e);

#endif /* AISG_FIREMAKER_INTERNAL_H */
