/*
 * The Firemaker's burn-out in the batch kernel (FireDrape._burn_out): after the fire has spread
 * (firemaker_fire.c), an external fire that has burned burn_out_ticks ticks and survived this
 * tick goes out and leaves burnt ground, which never burns again (firemaker_fire.c does not
 * ignite it) and shows in observation channel 9. Kept apart from the spreading, which it only
 * follows.
 *
 * fire_age[i] is the number of ticks the fire on external cell i has burned, counted at the end
 * of each tick, and 0 where no fire burns: so right after the spread a burning cell of age 0 was
 * ignited this tick. Putting a fire out resets its age (firemaker_batch.c, step 2).
 */
#include "firemaker_internal.h"

int32_t fm_burn_out(const fm_config *cfg, const fm_batch *b, int64_t e, uint8_t *cells,
                    int64_t *external)
{
    const int64_t size = (int64_t)cfg->rows * cfg->cols;
    uint16_t *age = b->fire_age + e * size;
    uint8_t *burnt = b->burnt + e * size;
    const int32_t burn_out_ticks = cfg->burn_out_ticks;
    int32_t burnt_now = 0;
    for (int64_t i = 0; i < size; i++) {
        const uint8_t cell = cells[i];
        if (!(cell & FM_CELL_EXTERNAL))
            continue;
        if (!(cell & FM_CELL_FIRE)) {
            age[i] = 0;
        } else if (age[i] >= burn_out_ticks) { /* burned long enough, and survived this tick */
            cells[i] = (uint8_t)(cell & ~FM_CELL_FIRE);
            burnt[i] = 1;
            age[i] = 0;
            burnt_now++;
        } else {
            age[i]++;
        }
    }
    b->num_fires[e] -= burnt_now;
    *external -= burnt_now;
    return burnt_now;
}
