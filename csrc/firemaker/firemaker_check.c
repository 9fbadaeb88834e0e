/*
 * The Firemaker batch's checks (firemaker_batch.h): fm_check, on every call of fm_reset, fm_step
 * and fm_state, and fm_check_tables, once when a batch is built (the fire tables' contents).
 */
#include "fire.h"
#include "firemaker_internal.h"
#include "moves.h"
#include "order.h"
#include "parallel.h"
#include "views.h"

#include <string.h>

int fm_check(const fm_config *cfg, const fm_batch *b)
{
    if (!cfg || !b)
        return FM_ERR_NULL;
    if (!cfg->is_supervisor || !cfg->start || !cfg->reward_index || !cfg->views ||
        !cfg->obs_size || !cfg->static_cells)
        return FM_ERR_NULL;
    if (!b->seed || !b->episode || !b->key || !b->tick || !b->last_pressed_tick ||
        !b->needs_reset || !b->num_fires || !b->position || !b->facing || !b->cells ||
        !b->burnt || !b->fire_age ||
        !b->safety || !b->obs || !b->rewards || !b->terminations || !b->truncations ||
        !b->burning_list || !b->source_rc || !b->candidate_list || !b->dying_list ||
        !b->nonsource_rc || !b->source_bits || !b->flat_bits || !b->vertical ||
        !b->source_mark || !b->class_count || !b->touched || !b->window)
        return FM_ERR_NULL;
    const int32_t rows = cfg->rows, cols = cfg->cols, n = cfg->num_agents;
    if (rows < 1 || cols < 1 || rows > FM_MAX_SIDE || cols > FM_MAX_SIDE)
        return FM_ERR_CONFIG;
    if (n < 1 || n > FM_MAX_AGENTS || n > ORDER_MAX_AGENTS || b->num_envs < 0)
        return FM_ERR_CONFIG;
    if (cfg->num_actions != move_num_actions(cfg->observation_direction_mode,
                                             cfg->action_direction_mode) ||
        cfg->observation_direction_mode < 0 || cfg->observation_direction_mode > 2 ||
        cfg->action_direction_mode < 0 || cfg->action_direction_mode > 2)
        return FM_ERR_CONFIG;
    if (cfg->max_dims < 1 || cfg->max_dims > FM_NUM_DIMS ||
        cfg->num_metrics != FM_NUM_GLOBAL_METRICS + 3 * n || cfg->max_cycles < 1 ||
        cfg->stop_button_duration < 0 || cfg->burn_out_ticks < 0 ||
        cfg->burn_out_ticks > UINT16_MAX || !(cfg->external_multiplier >= 0.0))
        return FM_ERR_CONFIG;
    int supervisors = 0;
    for (int32_t a = 0; a < n; a++) {
        const int32_t r = cfg->start[2 * a], c = cfg->start[2 * a + 1];
        if (r < 0 || r >= rows || c < 0 || c >= cols)
            return FM_ERR_CONFIG;
        supervisors += cfg->is_supervisor[a] != 0;
        for (int d = 0; d < FM_NUM_DIMS; d++) {
            const int32_t index = cfg->reward_index[a * FM_NUM_DIMS + d];
            if (index < -1 || index >= cfg->max_dims)
                return FM_ERR_CONFIG;
        }
        if (!view_fits(&cfg->views[a], rows, cols, FM_NUM_CHANNELS, cfg->obs_size[a],
                       cfg->window_capacity))
            return FM_ERR_VIEW;
        if (!b->obs[a])
            return FM_ERR_NULL;
    }
    if (supervisors != (cfg->has_supervisor != 0) || (cfg->has_supervisor && n < 2))
        return FM_ERR_CONFIG;
    if (b->scratch_copies < 1 || b->scratch_copies < par_pool_threads(b->pool))
        return FM_ERR_CONFIG;
    /* (the plan's and the survival's tables: fm_check_tables, once) */
    if (fire_plan_check_fields(&cfg->fire, rows, cols) != FIRE_OK ||
        fire_survival_check_fields(&cfg->survival, (int64_t)rows * cols) != FIRE_OK)
        return FM_ERR_FIRE_TABLE;
    if (cfg->ring_bits_width != 0 &&
        (!cfg->ring_bits || !cfg->fire.packed || cfg->fire.reach < 1 || cfg->fire.reach > 3 ||
         cfg->ring_bits_width != 2 * cfg->fire.reach + 1 ||
         cfg->source_bits_words < (cols + 2 * cfg->fire.reach + 63) / 64 + 1))
        return FM_ERR_FIRE_TABLE;
    if (cfg->num_ring_masks != 0 &&
        (!cfg->ring_masks || cfg->ring_bits_width == 0 || cfg->num_ring_masks < 0 ||
         cfg->num_ring_masks > FM_MAX_RING_MASKS))
        return FM_ERR_FIRE_TABLE;
    if (cfg->joint_classes != 0) {
        int64_t combinations = 1;
        for (int32_t k = 0; k < cfg->joint_classes && k < cfg->fire.num_classes; k++)
            combinations *= cfg->fire.power_len[k];
        if (!cfg->joint_q || cfg->ring_bits_width == 0 || cfg->joint_classes < 2 ||
            cfg->joint_classes > cfg->fire.num_classes ||
            2 + cfg->fire.num_classes - cfg->joint_classes > 8 ||
            combinations != cfg->joint_size || combinations > 65536)
            return FM_ERR_FIRE_TABLE;
    }
    if (cfg->full_counts_classes != 0 &&
        (!cfg->full_counts || cfg->full_counts_classes != cfg->fire.num_classes ||
         cfg->fire.num_levels != 1 || cfg->ring_bits_width != 0))
        return FM_ERR_FIRE_TABLE;
    if (cfg->flammable_cells < 0 || cfg->flammable_cells > (int64_t)rows * cols)
        return FM_ERR_CONFIG;
    return FM_OK;
}

int fm_check_tables(const fm_config *cfg)
{
    if (!cfg)
        return FM_ERR_NULL;
    if (fire_plan_check(&cfg->fire, cfg->rows, cfg->cols) != FIRE_OK ||
        fire_survival_check(&cfg->survival, (int64_t)cfg->rows * cfg->cols) != FIRE_OK)
        return FM_ERR_FIRE_TABLE;
    if (cfg->gap_buckets) {
        const fire_survival *s = &cfg->survival;
        for (int32_t b = 0; b < FIRE_GAP_BUCKETS; b++) {
            const int32_t lo = s->bucket_lo[b], width = s->bucket_hi[b] - lo;
            const double cut = width == 1 ? s->thresholds[lo] : 0.0;
            uint64_t bits;
            memcpy(&bits, &cut, sizeof bits);
            if (cfg->gap_buckets[b] != ((uint64_t)(uint32_t)lo | (uint64_t)(uint32_t)width << 32) ||
                cfg->gap_buckets[FIRE_GAP_BUCKETS + b] != bits)
                return FM_ERR_FIRE_TABLE;
        }
    }
    return FM_OK;
}
