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

/* What one pass over the board collects with source bits (fm_scan_board). */
typedef struct row_scan {
    uint64_t *bits;      /* fm_batch.source_bits, all 0 before: the fires as bits */
    uint64_t *flat;      /* fm_batch.flat_bits: scratch */
    uint32_t *candidate_rc; /* the cells that may ignite, as row << 16 | col */
    int32_t *burning;    /* NULL, or the burning cells */
    int32_t num_candidates, num_burning, external; /* external: fires outside the territory */
} row_scan;

/* A board into s in one pass (firemaker_fire_bits.c): the fires as bits (s->bits, the padded
 * rows of fm_batch.source_bits, all 0 before), the cells that may ignite as row << 16 | col,
 * the burning cells (if s->burning) and the fires outside the territory. */
void fm_scan_board(const fm_config *cfg, const uint8_t *cells, const uint8_t *burnt,
                   row_scan *s);

/* The candidates of fm_scan_board (in fm_batch.source_rc) ignite or not, q from the source
 * bits (firemaker_fire_bits.c); adds the new fires to *fires and those outside the territory
 * to *external. */
void fm_ignite_by_bits(const fm_config *cfg, const fm_batch *b, uint8_t *cells,
                       int32_t num_candidates, uint64_t ignition, int32_t *fires,
                       int64_t *external);

/* FireDrape._burn_out (firemaker_burnout.c): environment e's external fires that burned
 * burn_out_ticks ticks and survived this tick become burnt ground. Updates num_fires and
 * *external (the external fires after the spread); returns the cells burnt out. */
int32_t fm_burn_out(const fm_config *cfg, const fm_batch *b, int64_t e, uint8_t *cells,
                    int64_t *external);

/* Every agent's observation of environment e (firemaker_observations.c). */
void fm_write_observations(const fm_config *cfg, const fm_batch *b, int64_t e);

#endif /* AISG_FIREMAKER_INTERNAL_H */
