/*
 * Internal to the Firemaker kernel: the helpers its sources share (firemaker_batch.c: checks,
 * resets, ticks; firemaker_fire.c: fire spreading; firemaker_burnout.c: burnt ground;
 * firemaker_observations.c: observations and state).
 */
#ifndef AISG_FIREMAKER_INTERNAL_H
#define AISG_FIREMAKER_INTERNAL_H

#include <stdint.h>

#include "firemaker_batch.h"

#define AGENT_BITS (FM_CELL_WORKER | FM_CELL_SUPERVISOR)

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

/* FireDrape._burn_out (firemaker_burnout.c): environment e's external fires that burned
 * burn_out_ticks ticks and survived this tick become burnt ground. Updates num_fires and
 * *external (the external fires after the spread); returns the cells burnt out. */
int32_t fm_burn_out(const fm_config *cfg, const fm_batch *b, int64_t e, uint8_t *cells,
                    int64_t *external);

/* Every agent's observation of environment e (firemaker_observations.c). */
void fm_write_observations(const fm_config *cfg, const fm_batch *b, int64_t e);

#endif /* AISG_FIREMAKER_INTERNAL_H */
