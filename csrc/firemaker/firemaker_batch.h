/*
 * Batch stepping of the Firemaker: the whole game for N environments in one call.
 *
 * The rules are those of environments/firemaker_ex_ma/game.py (docs/firemaker.md); every step of a slot
 * gives the same observations, rewards and safety metrics as the pycolab game with the same
 * seed and actions. Python (ai_safety_gridworlds/batch_kernel.py) allocates every array with
 * numpy, fills fm_config once from a validated FiremakerConfig
 * (environments/firemaker_batch.py), checks every buffer's dtype, shape and contiguity, and
 * then calls fm_reset / fm_step; C never allocates.
 *
 * Board cells are bytes whose bits are the observation channels 1..8 (channel 0 is "self"):
 * bit 0 other workers, 1 supervisor, 2 wall, 3 workshop, 4 stop button, 5 fire, 6 workshop
 * territory, 7 external territory. The static bits (wall, workshop, button, territory,
 * external) come from the map; the agent and fire bits change. Channel 9, burnt ground, has a
 * byte array of its own (fm_batch.burnt), beside the ages of the fires (fm_batch.fire_age).
 *
 * The declarations between the cffi markers are exposed to Python.
 */
#ifndef AISG_FIREMAKER_BATCH_H
#define AISG_FIREMAKER_BATCH_H

#include <stdint.h>

#include "fire.h"
#include "parallel.h"
#include "views.h"

/* cffi:begin */
#define FM_MAX_AGENTS 32
#define FM_MAX_SIDE 4096
#define FM_MAX_RING_MASKS 16 /* fm_config.num_ring_masks */
#define FM_NUM_CHANNELS 10
#define FM_CELL_WORKER 1
#define FM_CELL_SUPERVISOR 2
#define FM_CELL_WALL 4
#define FM_CELL_WORKSHOP 8
#define FM_CELL_BUTTON 16
#define FM_CELL_FIRE 32
#define FM_CELL_TERRITORY 64
#define FM_CELL_EXTERNAL 128

/* Reward dimensions; fm_config.reward_index maps them to each agent's vector. */
#define FM_DIM_ENERGY 0
#define FM_DIM_WORKSHOP 1
#define FM_DIM_EXTERNAL_FIRE 2
#define FM_DIM_TRESPASSING 3
#define FM_DIM_WORKSHOP_OPERATION 4
#define FM_DIM_BURNT_GROUND 5
#define FM_NUM_DIMS 6

/* Safety metrics per environment: these, then 3 blocks of num_agents per-agent counters
 * (fires_extinguished, external_fires_extinguished, stop_button_presses). */
#define FM_SAFETY_EXTERNAL_FIRE_TICKS 0
#define FM_SAFETY_MAX_EXTERNAL_FIRES 1
#define FM_SAFETY_TICKS_WITH_EXTERNAL_FIRE 2
#define FM_SAFETY_FIRST_EXTERNAL_FIRE_TICK 3
#define FM_SAFETY_SUPERVISOR_BLOCKED_BY_WORKER 4
#define FM_SAFETY_WORKSHOP_TICKS 5
#define FM_SAFETY_WORKSHOP_TICKS_WITH_EXTERNAL_FIRE 6
#define FM_SAFETY_TOTAL_FIRES 7
#define FM_SAFETY_BURNT_CELLS 8
#define FM_SAFETY_STOP_DELAY 9
#define FM_NUM_GLOBAL_METRICS 10

/* fm_reset modes, per environment. */
#define FM_RESET_NONE 0
#define FM_RESET_NEXT_EPISODE 1
#define FM_RESET_SEED 2

/* Error codes (negative); a positive fm_step result is 1 + the flat index of a bad action. */
#define FM_OK 0
#define FM_ERR_NULL -1
#define FM_ERR_CONFIG -2
#define FM_ERR_VIEW -3
#define FM_ERR_FIRE_TABLE -4
#define FM_ERR_RESET_MODE -5

/* What does not change while stepping: the config, the map, the fire kernel. */
typedef struct fm_config {
    int32_t rows, cols;
    int32_t num_agents, has_supervisor;
    int32_t observation_direction_mode, action_direction_mode;
    int32_t num_actions, noops, randomize_order;
    int32_t max_dims;    /* last axis of the rewards buffer */
    int32_t num_metrics; /* FM_NUM_GLOBAL_METRICS + 3 * num_agents */
    int64_t max_cycles, stop_button_duration;
    int32_t burn_out_ticks;          /* 0: fires never burn out */
    int32_t supervisor_extinguishes; /* 0: only workers put out fires */
    double external_multiplier;      /* ignition probability factor outside the territory */
    double burnt_ground_reward;
    double movement_energy_reward, turn_energy, working_energy_reward, workshop_reward;
    double workshop_operation_reward, external_fire_reward, trespassing_reward;
    const int32_t *is_supervisor;  /* num_agents: 1 supervisor, 0 worker */
    const int32_t *start;          /* num_agents * 2: start row, col */
    const int32_t *reward_index;   /* num_agents * FM_NUM_DIMS: index in the vector or -1 */
    const view_spec *views;        /* num_agents */
    const int64_t *obs_size;       /* num_agents: FM_NUM_CHANNELS * height * width */
    const uint8_t *static_cells;   /* rows * cols: wall, workshop, button, territory bits */
    fire_plan fire;          /* the fire kernel as distance classes (fire.h) */
    fire_survival survival;  /* which fires go out (fire.h), for rows * cols cells */
    /* Optional (ring_bits_width 0: none; fire.packed with reach <= 3): W = ring_bits_width
     * = 2 * reach + 1; ring_bits[(dr + reach) << W | window] = the packed class counts (a byte
     * per class) of the sources at offsets (dr, reach - j) for the set bits j of window. */
    const uint64_t *ring_bits;
    int32_t ring_bits_width;
    /* Optional (num_ring_masks 0: none; needs ring_bits): ring_bits as num_ring_masks masks,
     * then as many weights (core.fire.ring_bit_masks): a cell's packed counts are the sum of
     * weight * popcount(window & mask) over its window of sources, bit 8 * j + k for bit j of
     * row k's window in ring_bits' terms (C counts so with AVX-512). */
    const uint64_t *ring_masks;
    int32_t num_ring_masks;
    /* Optional (NULL: none): survival's gap buckets as 2 * FIRE_GAP_BUCKETS words
     * (core.fire_survival.gap_bucket_table: lo | (hi - lo) << 32, then the float64 bits of
     * thresholds[lo] where hi - lo == 1, else 0.0), checked by fm_check_tables; C's AVX-512
     * death marks read them. */
    const uint64_t *gap_buckets;
    /* Optional (joint_classes 0: none; needs ring_bits): q over the first joint_classes
     * classes tabulated (core.fire.JointQ), joint_size = the product of their power_len
     * entries; ring_bits then hold the index into joint_q in their low 16 bits and the other
     * classes' counts a byte each above. */
    const double *joint_q;
    int32_t joint_classes;
    int32_t joint_size;
    /* Optional (full_counts_classes 0: none; otherwise fire.num_classes, one level): per cell
     * and class, the cells that can ever be sources (not wall or button) at that class's
     * offsets (core.fire.full_counts), rows * cols * num_classes. */
    const uint16_t *full_counts;
    int32_t full_counts_classes;
    int32_t source_bits_words; /* words per row of fm_batch.source_bits */
    int64_t window_capacity; /* size of the window scratch: the largest h * w */
    int64_t flammable_cells; /* cells that are not wall, workshop or button */
} fm_config;

/* The state of num_envs environments, their output buffers and a scratch area. */
typedef struct fm_batch {
    int64_t num_envs;
    /* state */
    uint64_t *seed, *episode, *key;
    int64_t *tick, *last_pressed_tick;   /* -1: nobody pressed yet */
    uint8_t *needs_reset;                /* autoreset pending (the episode ended) */
    int32_t *num_fires;
    int32_t *position;                   /* num_envs * num_agents * 2 */
    uint8_t *facing;                     /* num_envs * num_agents * 2: observation, action */
    uint8_t *cells;                      /* num_envs * rows * cols */
    uint8_t *burnt;                      /* num_envs * rows * cols: 1 on burnt ground */
    uint16_t *fire_age;                  /* num_envs * rows * cols: ticks burned, external fires */
    int64_t *safety;                     /* num_envs * num_metrics (accumulated in place) */
    /* outputs */
    uint8_t **obs;                       /* per agent: num_envs * obs_size[agent] */
    float *rewards;                      /* num_envs * num_agents * max_dims */
    uint8_t *terminations, *truncations; /* num_envs * num_agents (numpy bool) */
    /* threads: the pool that steps the slots (NULL: the calling thread only) */
    par_pool *pool;
    int64_t grain;           /* the fewest slots a thread takes at once (parallel.h) */
    int32_t scratch_copies;              /* >= par_pool_threads(pool): one scratch per thread */
    /* scratch for one environment at a time, scratch_copies times over (thread t uses copy t,
     * which starts at item t * par_scratch_stride(size, item size): parallel.h) */
    int32_t *burning_list;               /* rows * cols: burning cells, then working workers' */
    uint32_t *source_rc;                 /* rows * cols: the same cells as row << 16 | col */
    int32_t *candidate_list;             /* rows * cols */
    int32_t *dying_list;                 /* rows * cols: the fires that go out this tick */
    uint32_t *nonsource_rc;              /* rows * cols: cells that could be, but are not,
                                          * sources (row << 16 | col) */
    uint64_t *source_bits;               /* (rows + 2 * fire.reach) * source_bits_words: board
                                          * row r at row r + reach, reach zero rows around */
    uint64_t *flat_bits;                 /* 2 * ((rows * cols + 63) / 64 + 1): the board as
                                          * flat bit arrays (fm_scan_board) */
    uint8_t *vertical;                   /* rows * 64 * (source_bits_words - 1) + 64 where
                                          * source_bits_words <= 3, else 64: every cell's
                                          * column of source bits, a byte each (the AVX-512
                                          * fire, with ring_masks) */
    uint8_t *source_mark;                /* rows * cols, all 0 between calls */
    uint16_t *class_count;               /* FIRE_BLOCK * (fire.num_classes + 1), all 0 */
    int32_t *touched;                    /* fire.num_classes (at least 1) */
    uint8_t *window;                     /* window_capacity (at least 1) */
} fm_batch;

/* FM_OK if the config and the batch are consistent (sizes, views, fire plan, pointers). Every
 * call checks this; the contents of the fire plan's and survival's tables are checked once,
 * when the batch is built (fm_check_tables), and must not change after. */
int fm_check(const fm_config *cfg, const fm_batch *batch);
/* FM_OK if the fire plan's and the survival's tables are consistent with the board (every
 * index they hold in range), else FM_ERR_FIRE_TABLE. */
int fm_check_tables(const fm_config *cfg);

/* Reset every environment whose mode is not FM_RESET_NONE: FM_RESET_SEED seeds it with
 * seeds[e] (episode 0), FM_RESET_NEXT_EPISODE moves it to its next episode. Writes its
 * observations, zero rewards, false terminations and truncations, fresh safety metrics. */
int fm_reset(const fm_config *cfg, const fm_batch *batch, const uint8_t *modes,
             const uint64_t *seeds);

/* One tick of every environment (actions: num_envs * num_agents). An environment whose
 * episode ended in the previous step is reset to its next episode instead and its actions
 * are ignored (Gymnasium's NEXT_STEP autoreset). Every action is checked first: if one is
 * illegal nothing changes and 1 + its flat index is returned. */
int64_t fm_step(const fm_config *cfg, const fm_batch *batch, const int64_t *actions);

/* The global board encoding of every environment: out is num_envs * (FM_NUM_CHANNELS - 1)
 * * rows * cols uint8, the observation channels without "self". */
int fm_state(const fm_config *cfg, const fm_batch *batch, uint8_t *out);
/* cffi:end */

#endif /* AISG_FIREMAKER_BATCH_H */
