/*
 * Batch stepping of the diamond charger: the whole game for N environments in one call.
 *
 * The rules are those of environments/diamond_charger_ma.py (and its _actions, _maps and
 * _kinship modules); every step of a slot gives the same observations, rewards and safety
 * metrics as the pycolab game with the same seed and actions. Python
 * (ai_safety_gridworlds/batch_kernel.py) allocates every array with numpy, fills dc_config once
 * from a validated DiamondChargerConfig (environments/diamond_charger_batch.py), checks every
 * buffer's dtype, shape and contiguity, and then calls dc_reset / dc_step; C never allocates.
 *
 * State of one environment: a flat dc_env (scalars and its agents), plus per-cell arrays:
 * a code byte whose bits say what the cell holds (DC_CELL_*), the index of the agent or object
 * on it, and its marker's owner and colour. An observation is written from those codes: the
 * window's cells are looked up once, and each cell writes only its nonzero channels.
 *
 * The declarations between the cffi markers are exposed to Python.
 */
#ifndef AISG_DIAMOND_BATCH_H
#define AISG_DIAMOND_BATCH_H

#include <stdint.h>

#include "parallel.h"
#include "views.h"

/* cffi:begin */
#define DC_MAX_AGENTS 36
#define DC_MAX_SIDE 4096
#define DC_MAX_OBJECTS 65535
#define DC_NUM_CHANNELS 43
#define DC_NUM_ACTIONS 26
#define DC_NUM_RESOURCES 3 /* diamond, ore, battery (economy.RESOURCES) */
#define DC_MAX_RECIPES 16
#define DC_ENERGY 3       /* recipe_in / recipe_out index of energy (after the resources) */
#define DC_HEARTS 4       /* recipe_out index of hearts */
#define DC_RECIPE_INPUTS 5 /* resources, energy (the last slot unused) */
#define DC_RECIPE_CHARGER 0 /* recipe of the charger C */
#define DC_RECIPE_ALTAR 1   /* recipe of the altar A */
#define DC_MAX_PROFILES 16
#define DC_MAX_BODIES 16
#define DC_MAX_POSTURES 4

/* Bits of a cell's code. */
#define DC_CELL_WALL 1
#define DC_CELL_MINE 2
#define DC_CELL_CONVERTER 4 /* chargers, altars and the config's recipes */
#define DC_CELL_BUILT 8     /* a built wall */
#define DC_CELL_AGENT 16
#define DC_CELL_MARKER 32
#define DC_CELL_DAMAGEABLE 64 /* has hit points (a destructible wall, built wall or object) */
#define DC_CELL_CACHE 128     /* a dead agent's cache */

/* What attacks can destroy (building.KINDS), as bits of dc_config.destructible_bits. */
#define DC_DESTROY_BUILT 1
#define DC_DESTROY_WALL 2
#define DC_DESTROY_MINE 4
#define DC_DESTROY_CONVERTER 8

/* How starting agents get their bodies (bodies.ASSIGNMENTS): fixed per agent, or drawn. */
#define DC_BODIES_FIXED 0
#define DC_BODIES_RANDOM 1

/* Kinship schemes the kernel draws itself; every other scheme is a fixed matrix. */
#define DC_KINSHIP_FIXED 0
#define DC_KINSHIP_RANDOM 1

/* Kinds of level-2 maps drawn per episode (DiamondChargerConfig.arena_kind). */
#define DC_ARENA_ROOMS 0
#define DC_ARENA_MAZE 1

/* Safety metrics: int64 per environment, the global ones (bonds_formed, then GLOBAL_METRICS
 * order) then one block of num_agents per per-agent metric (PER_AGENT_METRICS order). */
#define DC_GLOBAL_BONDS_FORMED 0
#define DC_GLOBAL_AGENT_TICKS 1
#define DC_GLOBAL_ZERO_ENERGY_AGENT_TICKS 2
#define DC_GLOBAL_POSTURE_SWITCHES 3
#define DC_GLOBAL_WALLS_BUILT 4
#define DC_GLOBAL_OBJECTS_DAMAGED 5
#define DC_GLOBAL_OBJECTS_DESTROYED 6
#define DC_GLOBAL_DEATHS 7
#define DC_GLOBAL_BIRTHS 8
#define DC_GLOBAL_MINED 9     /* mined_<resource>: DC_GLOBAL_MINED + resource */
#define DC_GLOBAL_PRODUCED 12 /* produced_<resource> */
#define DC_GLOBAL_CONSUMED 15 /* consumed_<resource> */
#define DC_GLOBAL_BONDS_BROKEN 18
#define DC_NUM_GLOBAL_METRICS 19
#define DC_METRIC_ATTACKS 0
#define DC_METRIC_ATTACKS_ON_KIN 1
#define DC_METRIC_ATTACKS_ON_STRANGERS 2
#define DC_METRIC_FREEZES 3
#define DC_METRIC_ENERGY_STOLEN 4
#define DC_METRIC_DIAMONDS_STOLEN 5
#define DC_METRIC_ENERGY_GIVEN 6
#define DC_METRIC_ENERGY_GIVEN_TO_KIN 7
#define DC_METRIC_ENERGY_GIVEN_TO_STRANGERS 8
#define DC_METRIC_DIAMONDS_GIVEN 9
#define DC_METRIC_DIAMONDS_GIVEN_TO_KIN 10
#define DC_METRIC_DIAMONDS_GIVEN_TO_STRANGERS 11
#define DC_METRIC_HEARTS 12
#define DC_METRIC_ZERO_ENERGY_TICKS 13
#define DC_METRIC_MARKERS_PLACED 14
#define DC_METRIC_SHIELD_TICKS 15
#define DC_METRIC_BONDS 16
#define DC_METRIC_OFFSPRING 17
#define DC_METRIC_SHIELD_ABSORPTIONS 18
#define DC_METRIC_MARKERS_SEEN 19
#define DC_METRIC_BONDS_BROKEN 20
#define DC_NUM_AGENT_METRICS 21

/* Float metrics: double per environment, the global ones then one block of num_agents per
 * per-agent metric (observations.FLOAT_METRICS, PER_AGENT_FLOAT_METRICS). */
#define DC_FLOAT_HEARTS_GINI 0
#define DC_FLOAT_BOND_REWARD_TRANSFERRED 1
#define DC_NUM_GLOBAL_FLOAT_METRICS 2
#define DC_FLOAT_BOND_REWARD_PAID 0
#define DC_FLOAT_BOND_REWARD_RECEIVED 1
#define DC_NUM_AGENT_FLOAT_METRICS 2

/* dc_reset modes, per environment (vector.RESET_*). */
#define DC_RESET_NONE 0
#define DC_RESET_NEXT_EPISODE 1
#define DC_RESET_SEED 2

/* Error codes (negative); a positive dc_step result is 1 + the flat index of a bad action. */
#define DC_OK 0
#define DC_ERR_NULL -1
#define DC_ERR_CONFIG -2
#define DC_ERR_VIEW -3
#define DC_ERR_MAP -4
#define DC_ERR_RESET_MODE -5
#define DC_ERR_ARENA -6

/* What does not change while stepping: the rules' numbers, the map, the views. */
typedef struct dc_config {
    int32_t rows, cols, num_agents; /* num_agents: the agent slots (possible_agents) */
    int32_t num_founders;             /* the slots alive at the start (the map's agents) */
    int32_t observation_direction_mode; /* 0 north-up, 2 rotated to the facing */
    int32_t num_actions, noops, randomize_order;
    uint8_t accepted[DC_NUM_ACTIONS]; /* 1 for the actions a step accepts (noops=False: not 0) */
    uint8_t enabled[DC_NUM_ACTIONS];  /* 0 for the actions of disabled mechanics: failures */
    int64_t max_cycles;
    /* Rules (DiamondChargerConfig fields of the same names). */
    int64_t start_energy, max_energy, max_diamonds;
    int64_t give_energy_amount, shield_upkeep_energy;
    int64_t rest_energy, rest_limit, posture_cooldown;
    /* Population (population.py): starvation (0: never), births. */
    int64_t starvation_ticks, offspring_energy, reproduce_cooldown;
    int32_t reproduction, mate_selection; /* both: children come from bonded pairs */
    double mutation_rate;
    /* Energy profiles (bodies.profile_table): capacity, carry, view (-1: the whole window),
     * upkeep and the cost of every action (GIVE_ENERGY: unused, it costs what it gives). */
    int32_t num_profiles;
    int64_t profile_max_energy[DC_MAX_PROFILES], profile_carry[DC_MAX_PROFILES];
    int64_t profile_view[DC_MAX_PROFILES], profile_upkeep[DC_MAX_PROFILES];
    int64_t profile_cost[DC_MAX_PROFILES][DC_NUM_ACTIONS];
    /* Bodies: their postures (profile indices), and who gets which (DC_BODIES_*). */
    int32_t num_bodies;
    int32_t body_size[DC_MAX_BODIES];
    int32_t body_posture[DC_MAX_BODIES][DC_MAX_POSTURES];
    int32_t body_assignment;
    int32_t agent_body[DC_MAX_AGENTS];  /* DC_BODIES_FIXED: every agent's body */
    int64_t body_weight[DC_MAX_BODIES]; /* DC_BODIES_RANDOM: the weight of each body */
    int64_t mine_stock, mine_cooldown, mine_regrow_ticks;
    /* Recipes (economy.recipe_table): inputs (resources, energy), outputs (resources, energy,
     * hearts) and cooldown; recipe 0 is the charger, 1 the altar. */
    int32_t num_recipes;
    int64_t recipe_in[DC_MAX_RECIPES][DC_RECIPE_INPUTS];
    int64_t recipe_out[DC_MAX_RECIPES][DC_RECIPE_INPUTS];
    int64_t recipe_cooldown[DC_MAX_RECIPES];
    int64_t attack_range, shield_absorb, freeze_ticks, steal_energy_percent;
    /* Building and destroying (building.py): build_resource -1 when BUILD is disabled. */
    int32_t build_resource, destructible_bits; /* DC_DESTROY_* bits */
    int64_t build_amount, built_wall_hp, wall_hp, object_hp, attack_damage;
    int64_t marker_lifetime, max_markers, num_colours, bond_window_ticks;
    double heart_reward, kin_threshold, stranger_threshold, bond_kinship, bond_share;
    /* Trials and hidden rules: chargers and altars that work per episode (0: all), agents an
     * altar needs in one tick, and starting over after a heart (DiamondChargerConfig). */
    int64_t working_chargers, working_altars, altar_users;
    int32_t respawn_on_heart;
    /* Kinship: a fixed num_agents^2 matrix, or Beta(a, b) draws per episode. */
    int32_t kinship_scheme;
    int32_t beta_integer; /* a and b are whole numbers: exact order statistics */
    double beta_a, beta_b;
    const double *kinship; /* num_agents^2, the fixed matrix (DC_KINSHIP_FIXED) */
    /* The map: fixed (static_cells, static_who, start) or a level-2 arena per episode, of
     * rooms or a maze (openness and min_distance: maze_openness, maze_min_distance). */
    int32_t arena_per_episode, arena_kind, maze_openness, maze_min_distance;
    int32_t num_mines, num_converters; /* objects: the mines, then the converters */
    int32_t arena_chargers;   /* level-2 arenas: converters are chargers, then altars */
    const int32_t *object_param; /* per object: a mine's resource, a converter's recipe */
    int32_t num_teams;
    const int32_t *team_sizes;    /* num_teams (arena placement) */
    const uint8_t *static_cells;  /* rows * cols: wall, mine, converter, built wall bits */
    const uint16_t *static_who;   /* rows * cols: the object index of object cells */
    const int32_t *start;         /* num_founders * 2: start row, col */
    /* Views and buffers. */
    const view_spec *views;   /* num_agents */
    const int64_t *obs_size;  /* num_agents: DC_NUM_CHANNELS * height * width */
    int64_t window_capacity;  /* the largest height * width */
    int32_t marker_capacity;  /* ring size per agent: min(max_markers, rows * cols) */
    int32_t num_int_metrics;  /* DC_NUM_GLOBAL_METRICS + DC_NUM_AGENT_METRICS * num_agents */
    int32_t num_float_metrics; /* DC_NUM_GLOBAL_FLOAT_METRICS + DC_NUM_AGENT_FLOAT_METRICS * n */
    int32_t beta_capacity;    /* scratch doubles for integer Beta draws: a + b - 1 */
} dc_config;

/* One agent of one environment. */
typedef struct dc_agent {
    int64_t energy, hearts, bonds;
    int64_t inventory[DC_NUM_RESOURCES]; /* units held of each resource */
    int64_t frozen_until;    /* the last tick whose action is a noop (-1: none) */
    int64_t bond_offer_tick; /* when its pending bond offer was made (-1: none) */
    int64_t posture_ready_at; /* the first tick it may switch posture again */
    int64_t hunger;           /* consecutive ticks that ended at 0 energy */
    int64_t born_at, reproduce_ready_at;
    int32_t parent;           /* the slot of its parent (-1: a founder) */
    uint8_t alive, used;      /* on the board now; has lived this episode */
    int32_t body, posture_slot; /* its body, and which of its postures it is in */
    int32_t row, col;
    int32_t start_row, start_col; /* its start cell this episode (respawn_on_heart) */
    int32_t joint_altar;     /* altar_users > 1: the altar it offered to use this tick (-1) */
    int32_t bond_offer_to;   /* the agent it offered a bond to (-1: none) */
    int32_t partner;         /* the agent it is bonded to (-1: none) */
    int32_t marker_head, marker_count; /* its live markers: a ring, oldest first */
    uint8_t facing, observation_facing, shield, colour;
} dc_agent;

/* One environment's scalars and agents. */
typedef struct dc_env {
    uint64_t seed, episode, key;
    int64_t tick;
    int32_t needs_reset; /* autoreset pending (the episode ended) */
    int32_t padding;
    dc_agent agents[DC_MAX_AGENTS];
} dc_env;

/* The state of num_envs environments, their output buffers and a scratch area. */
typedef struct dc_batch {
    int64_t num_envs;
    dc_env *envs;
    /* per-cell state, num_envs * rows * cols each */
    uint8_t *cells;          /* DC_CELL_* bits */
    int64_t *hit_points;     /* of DC_CELL_DAMAGEABLE cells (0 elsewhere) */
    int64_t *cache;          /* rows * cols * DC_NUM_RESOURCES: caches' contents */
    uint16_t *who;           /* agent index (agent cells) or object index (object cells) */
    uint8_t *marker_owner, *marker_colour, *marker_symbol;
    /* per-object state, num_envs * num_objects each */
    int64_t *ready_at;       /* the first tick at which the object can be used */
    int32_t *stock;          /* units left in a mine */
    uint8_t *works;          /* 1 if the object works this episode (working_chargers/altars) */
    /* per-agent markers, num_envs * num_agents * marker_capacity each */
    int32_t *marker_cell;
    int64_t *marker_placed;
    /* kinship, num_envs * num_agents^2 each */
    double *kinship;
    uint8_t *kinship_q;      /* floor(K * 255 + 0.5) */
    /* outputs */
    uint8_t **obs;           /* per agent: num_envs * obs_size[agent] */
    float *rewards;          /* num_envs * num_agents * 2: HEART, KIN_HEART */
    uint8_t *terminations, *truncations; /* num_envs * num_agents (numpy bool) */
    uint8_t *alive;          /* num_envs * num_agents (numpy bool): slots alive now */
    int64_t *int_metrics;    /* num_envs * num_int_metrics */
    double *float_metrics;   /* num_envs * num_float_metrics */
    /* threads: the pool that steps the slots (NULL: the calling thread only) */
    par_pool *pool;
    int64_t grain;           /* the fewest slots a thread takes at once (parallel.h) */
    int32_t scratch_copies;  /* >= par_pool_threads(pool): one scratch per thread */
    /* scratch for one environment at a time, scratch_copies times over (thread t uses copy t,
     * which starts at item t * par_scratch_stride(size, item size): parallel.h; the sizes
     * below, but at least 1) */
    uint8_t *window;         /* window_capacity */
    int32_t *arena_cells;    /* rows * cols */
    uint8_t *arena_grid;     /* rows * cols */
    double *beta_scratch;    /* beta_capacity */
} dc_batch;

/* DC_OK if the config and the batch are consistent (sizes, views, map, pointers). */
int dc_check(const dc_config *cfg, const dc_batch *batch);

/* Reset every environment whose mode is not DC_RESET_NONE: DC_RESET_SEED seeds it with
 * seeds[e] (episode 0), DC_RESET_NEXT_EPISODE moves it to its next episode. Writes its
 * observations, zero rewards, false terminations and truncations, fresh safety metrics. */
int dc_reset(const dc_config *cfg, const dc_batch *batch, const uint8_t *modes,
             const uint64_t *seeds);

/* One tick of every environment (actions: num_envs * num_agents). An environment whose
 * episode ended in the previous step is reset to its next episode instead and its actions
 * are ignored (Gymnasium's NEXT_STEP autoreset). Every action is checked first: if one is
 * illegal nothing changes and 1 + its flat index is returned. */
int64_t dc_step(const dc_config *cfg, const dc_batch *batch, const int64_t *actions);

/* The global board encoding of every environment: out is num_envs * (DC_NUM_CHANNELS - 1)
 * * rows * cols uint8, the observation channels without "self" (kinship channels 0). */
int dc_state(const dc_config *cfg, const dc_batch *batch, uint8_t *out);

/* The level-2 arena of a map key, for tests: out_cells gets the wall/object bits (rows * cols)
 * and out_start the agents' start cells (num_agents * 2). */
int dc_generate_arena(const dc_config *cfg, const dc_batch *batch, uint64_t map_key,
                      uint8_t *out_cells, int32_t *out_start);

/* The kinship matrix of an episode key (num_agents^2), for tests. */
int dc_episode_kinship(const dc_config *cfg, const dc_batch *batch, uint64_t key, double *out);
/* cffi:end */

#endif /* AISG_DIAMOND_BATCH_H */
