/*
 * Batch stepping of the diamond charger (see diamond_batch.h). One tick of one environment
 * follows "Order Within One Tick" of environments/diamond_charger_ma.py, as the pycolab
 * sprites and drapes do it:
 *
 *   1. Referee: every agent's action in the tick's priority order (order.h), each at once;
 *   2. Agent sprites: shield upkeep, rest, upkeep, zero-energy and shield metrics;
 *   3. MineDrape: regrowth;  4. MarkerDrape: old markers vanish;
 *   5. Scorekeeper: HEART and KIN_HEART (in double, in the same order), hearts, Gini;
 *
 * then the tick count, truncation at max_cycles and the observations. The referee is in
 * diamond_actions.c, observations in diamond_observations.c, per-episode draws in
 * diamond_episode.c. Every rule is
 * integer arithmetic on integer state except the kinship, rewards and Gini, which use the same
 * double operations in the same order as the Python code (compile with -ffp-contract=off).
 */
#include <string.h>

#include "diamond_episode.h"
#include "diamond_slot.h"
#include "order.h"
#include "parallel.h"
#include "rng.h"

/* ------------------------------------------------------------------------------------------ */
/* Checks                                                                                      */

/* The profile and body tables: sizes, ranges, and postures and bodies that exist. */
static int check_bodies(const dc_config *cfg)
{
    if (cfg->num_profiles < 1 || cfg->num_profiles > DC_MAX_PROFILES || cfg->num_bodies < 1 ||
        cfg->num_bodies > DC_MAX_BODIES)
        return DC_ERR_CONFIG;
    for (int32_t p = 0; p < cfg->num_profiles; p++) {
        if (cfg->profile_max_energy[p] < 1 || cfg->profile_carry[p] < 1 ||
            cfg->profile_carry[p] > 255 || cfg->profile_view[p] < -1 || cfg->profile_upkeep[p] < 0)
            return DC_ERR_CONFIG;
        for (int32_t k = 0; k < DC_NUM_ACTIONS; k++)
            if (cfg->profile_cost[p][k] < 0)
                return DC_ERR_CONFIG;
    }
    int64_t total_weight = 0;
    for (int32_t k = 0; k < cfg->num_bodies; k++) {
        if (cfg->body_size[k] < 1 || cfg->body_size[k] > DC_MAX_POSTURES || cfg->body_weight[k] < 0)
            return DC_ERR_CONFIG;
        for (int32_t slot_index = 0; slot_index < cfg->body_size[k]; slot_index++) {
            const int32_t p = cfg->body_posture[k][slot_index];
            if (p < 0 || p >= cfg->num_profiles)
                return DC_ERR_CONFIG;
        }
        total_weight += cfg->body_weight[k];
    }
    if (cfg->body_assignment == DC_BODIES_RANDOM)
        return total_weight > 0 && total_weight <= INT32_MAX ? DC_OK : DC_ERR_CONFIG;
    if (cfg->body_assignment != DC_BODIES_FIXED)
        return DC_ERR_CONFIG;
    for (int32_t a = 0; a < cfg->num_agents && a < DC_MAX_AGENTS; a++)
        if (cfg->agent_body[a] < 0 || cfg->agent_body[a] >= cfg->num_bodies)
            return DC_ERR_CONFIG;
    return DC_OK;
}

/* The recipe table: 2 (charger and altar) to DC_MAX_RECIPES recipes of amounts >= 0. */
static int check_recipes(const dc_config *cfg)
{
    if (cfg->num_recipes < 2 || cfg->num_recipes > DC_MAX_RECIPES)
        return DC_ERR_CONFIG;
    for (int32_t k = 0; k < cfg->num_recipes; k++) {
        if (cfg->recipe_cooldown[k] < 0)
            return DC_ERR_CONFIG;
        for (int i = 0; i < DC_NUM_RESOURCES + 2; i++)
            if ((i <= DC_ENERGY && cfg->recipe_in[k][i] < 0) || cfg->recipe_out[k][i] < 0)
                return DC_ERR_CONFIG;
    }
    return DC_OK;
}

/* 0 if every action is accepted (cfg->accepted), else 1 + the flat index of the first that is
 * not. */
static int64_t first_illegal(const dc_config *cfg, const int64_t *actions, int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        if (actions[i] < 0 || actions[i] >= cfg->num_actions || !cfg->accepted[actions[i]])
            return 1 + i;
    return 0;
}

int dc_check(const dc_config *cfg, const dc_batch *b)
{
    if (!cfg || !b)
        return DC_ERR_NULL;
    if (!cfg->static_cells || !cfg->static_who || !cfg->start || !cfg->views || !cfg->obs_size ||
        !cfg->kinship || !cfg->team_sizes)
        return DC_ERR_NULL;
    if (!b->envs || !b->cells || !b->hit_points || !b->who || !b->marker_owner ||
        !b->marker_colour || !b->marker_symbol || !b->ready_at || !b->stock || !b->works ||
        !b->marker_cell || !b->marker_placed || !b->kinship || !b->kinship_q || !b->obs ||
        !b->rewards || !b->terminations || !b->truncations || !b->alive || !b->cache ||
        !b->int_metrics || !b->float_metrics || !b->window || !b->arena_cells ||
        !b->beta_scratch)
        return DC_ERR_NULL;
    const int32_t rows = cfg->rows, cols = cfg->cols, n = cfg->num_agents;
    if (rows < 1 || cols < 1 || rows > DC_MAX_SIDE || cols > DC_MAX_SIDE || b->num_envs < 0)
        return DC_ERR_CONFIG;
    if (b->scratch_copies < 1 || b->scratch_copies < par_pool_threads(b->pool))
        return DC_ERR_CONFIG;
    if (n < 1 || n > DC_MAX_AGENTS || n > ORDER_MAX_AGENTS || cfg->num_founders < 1 ||
        cfg->num_founders > n)
        return DC_ERR_CONFIG;
    if (cfg->starvation_ticks < 0 || cfg->offspring_energy < 0 || cfg->reproduce_cooldown < 0 ||
        !(cfg->mutation_rate >= 0.0 && cfg->mutation_rate <= 1.0))
        return DC_ERR_CONFIG;
    if ((cfg->observation_direction_mode != 0 && cfg->observation_direction_mode != 2) ||
        cfg->num_actions < 1 || cfg->num_actions > DC_NUM_ACTIONS)
        return DC_ERR_CONFIG;
    if (cfg->build_resource < -1 || cfg->build_resource >= DC_NUM_RESOURCES ||
        cfg->build_amount < 0 || cfg->built_wall_hp < 1 || cfg->wall_hp < 1 ||
        cfg->object_hp < 1 || cfg->attack_damage < 1 || cfg->destructible_bits < 0 ||
        cfg->destructible_bits > 15)
        return DC_ERR_CONFIG;
    if (check_bodies(cfg) != DC_OK)
        return DC_ERR_CONFIG;
    if (cfg->max_cycles < 1 || cfg->max_energy < 1 || cfg->start_energy < 0 ||
        cfg->start_energy > cfg->max_energy || cfg->max_diamonds < 1 ||
        cfg->max_diamonds > 255 || cfg->mine_stock < 0 || cfg->mine_stock > 255 ||
        cfg->num_colours < 1 || cfg->num_colours > 254 || cfg->max_markers < 1 ||
        cfg->marker_lifetime < 1 || cfg->attack_range < 1 || cfg->steal_energy_percent < 0 ||
        cfg->steal_energy_percent > 100 || cfg->give_energy_amount < 1)
        return DC_ERR_CONFIG;
    if (cfg->num_int_metrics != DC_NUM_GLOBAL_METRICS + DC_NUM_AGENT_METRICS * n ||
        cfg->num_float_metrics != DC_NUM_GLOBAL_FLOAT_METRICS + DC_NUM_AGENT_FLOAT_METRICS * n)
        return DC_ERR_CONFIG;
    if (cfg->marker_capacity < 1 ||
        cfg->marker_capacity != min64(cfg->max_markers, (int64_t)rows * cols))
        return DC_ERR_CONFIG;
    if (cfg->num_mines < 0 || cfg->num_converters < 0 || num_objects(cfg) > DC_MAX_OBJECTS ||
        !cfg->object_param)
        return DC_ERR_MAP;
    if (check_recipes(cfg) != DC_OK)
        return DC_ERR_CONFIG;
    for (int32_t o = 0; o < num_objects(cfg); o++) {
        const int32_t limit = o < cfg->num_mines ? DC_NUM_RESOURCES : cfg->num_recipes;
        if (cfg->object_param[o] < 0 || cfg->object_param[o] >= limit)
            return DC_ERR_MAP;
    }
    if (cfg->kinship_scheme == DC_KINSHIP_RANDOM) {
        if (!(cfg->beta_a > 0.0) || !(cfg->beta_b > 0.0))
            return DC_ERR_CONFIG;
        if (cfg->beta_integer && (cfg->beta_a + cfg->beta_b - 1.0 > cfg->beta_capacity))
            return DC_ERR_CONFIG;
    } else if (cfg->kinship_scheme != DC_KINSHIP_FIXED) {
        return DC_ERR_CONFIG;
    }
    if (cfg->arena_per_episode) {
        int64_t agents = 0;
        for (int32_t t = 0; t < cfg->num_teams; t++) {
            if (cfg->team_sizes[t] < 1)
                return DC_ERR_MAP;
            agents += cfg->team_sizes[t];
        }
        if (rows != cols || rows > DC_MAX_ARENA || agents != cfg->num_founders ||
            cfg->arena_chargers < 0 || cfg->arena_chargers > cfg->num_converters)
            return DC_ERR_MAP;
        if (cfg->arena_kind == DC_ARENA_MAZE) {
            if (rows < DC_MIN_MAZE || rows % 2 == 0 || cfg->maze_openness < 0 ||
                cfg->maze_openness > 100 || cfg->maze_min_distance < 0)
                return DC_ERR_MAP;
        } else if (cfg->arena_kind != DC_ARENA_ROOMS || rows < DC_MIN_ARENA) {
            return DC_ERR_MAP;
        }
        /* So that dc_arena cannot fail in a reset (the open arena holds this many). */
        if (num_objects(cfg) > dc_arena_capacity(rows))
            return DC_ERR_MAP;
    }
    for (int32_t a = 0; a < n; a++) {
        if (!view_fits(&cfg->views[a], rows, cols, DC_NUM_CHANNELS, cfg->obs_size[a],
                       cfg->window_capacity))
            return DC_ERR_VIEW;
        if (!b->obs[a])
            return DC_ERR_NULL;
    }
    return DC_OK;
}

/* The static map (when there is one): only wall and object bits, every object numbered within
 * its kind's range (mines, then chargers, then altars), agents on distinct free floor cells.
 * O(rows * cols): run by dc_reset, not by every dc_step (the config is immutable). */
static int check_static_map(const dc_config *cfg)
{
    if (cfg->arena_per_episode)
        return DC_OK;
    const int32_t rows = cfg->rows, cols = cfg->cols;
    const int32_t counts[2] = {cfg->num_mines, cfg->num_converters};
    const int32_t firsts[2] = {0, cfg->num_mines};
    const uint8_t kinds[2] = {DC_CELL_MINE, DC_CELL_CONVERTER};
    int32_t seen[2] = {0, 0};
    for (int64_t i = 0; i < (int64_t)rows * cols; i++) {
        const uint8_t code = cfg->static_cells[i];
        if (code & ~BLOCKS)
            return DC_ERR_MAP;
        for (int k = 0; k < 2; k++) {
            if (code != kinds[k])
                continue;
            const int32_t id = cfg->static_who[i];
            if (id < firsts[k] || id >= firsts[k] + counts[k])
                return DC_ERR_MAP;
            seen[k]++;
        }
    }
    if (seen[0] != counts[0] || seen[1] != counts[1])
        return DC_ERR_MAP;
    for (int32_t a = 0; a < cfg->num_founders; a++) {
        const int32_t r = cfg->start[2 * a], c = cfg->start[2 * a + 1];
        if (r < 0 || r >= rows || c < 0 || c >= cols || cfg->static_cells[r * cols + c])
            return DC_ERR_MAP;
        for (int32_t o = 0; o < a; o++)
            if (cfg->start[2 * o] == r && cfg->start[2 * o + 1] == c)
                return DC_ERR_MAP;
    }
    return DC_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Reset                                                                                       */

/* The episode's kinship matrix (kinship_matrix of diamond_charger_kinship) into out. */
static void episode_kinship(const dc_config *cfg, const dc_batch *b, uint64_t key, double *out)
{
    const int32_t n = cfg->num_agents;
    if (cfg->kinship_scheme == DC_KINSHIP_FIXED) {
        memcpy(out, cfg->kinship, sizeof(double) * (size_t)(n * n));
        return;
    }
    /* the founders' pairs drawn (pair (i, j) of f founders: stream index i * f + j); the
     * unborn start unrelated to everyone (the identity) */
    const int32_t f = cfg->num_founders;
    memset(out, 0, sizeof(double) * (size_t)(n * n));
    for (int32_t i = 0; i < n; i++) {
        out[i * n + i] = 1.0;
        for (int32_t j = i + 1; j < f; j++) {
            const uint64_t base = stream_base(key, (uint64_t)(i * f + j), DC_STREAM_KINSHIP);
            out[i * n + j] = out[j * n + i] =
                dc_beta_draw(cfg->beta_a, cfg->beta_b, cfg->beta_integer, base, b->beta_scratch);
        }
    }
}

/* building.Terrain: the hit points of every destructible cell (by its kind). */
static void init_hit_points(const dc_config *cfg, const slot *s)
{
    const int64_t cells = (int64_t)cfg->rows * cfg->cols;
    const int32_t d = cfg->destructible_bits;
    for (int64_t i = 0; i < cells; i++) {
        const uint8_t code = s->cells[i];
        int64_t hp = 0;
        if (code & DC_CELL_WALL)
            hp = d & DC_DESTROY_WALL ? cfg->wall_hp : 0;
        else if (code & DC_CELL_BUILT)
            hp = d & DC_DESTROY_BUILT ? cfg->built_wall_hp : 0;
        else if (code & DC_CELL_MINE)
            hp = d & DC_DESTROY_MINE ? cfg->object_hp : 0;
        else if (code & DC_CELL_CONVERTER)
            hp = d & DC_DESTROY_CONVERTER ? cfg->object_hp : 0;
        s->hit_points[i] = hp;
        if (hp > 0)
            s->cells[i] |= DC_CELL_DAMAGEABLE;
    }
}


/* The level-2 map of a map key: the arena of rooms or the maze (0, or -1: it does not fit). */
static int generate_map(const dc_config *cfg, const dc_batch *b, uint64_t map_key,
                        uint8_t *cells, uint16_t *who, int32_t *start)
{
    const int32_t chargers = cfg->arena_chargers, altars = cfg->num_converters - chargers;
    if (cfg->arena_kind == DC_ARENA_MAZE)
        return dc_maze(map_key, cfg->rows, cfg->num_founders, cfg->num_mines, chargers, altars,
                       cfg->maze_openness, cfg->maze_min_distance, cells, who, start,
                       b->arena_cells);
    return dc_arena(map_key, cfg->rows, cfg->team_sizes, cfg->num_teams, cfg->num_mines,
                    chargers, altars, cells, who, start, b->arena_cells);
}

/* working.working_mask: which converters of a recipe work this episode (recipe 0 the
 * chargers, 1 the altars); its converters in row-major order of their cells, partly shuffled. */
static void draw_working(const dc_config *cfg, const dc_batch *b, const slot *s, uint64_t key,
                         int32_t recipe, int64_t working)
{
    int32_t *order = b->arena_cells, count = 0;
    for (int64_t i = 0; i < (int64_t)cfg->rows * cfg->cols; i++)
        if ((s->cells[i] & DC_CELL_CONVERTER) && cfg->object_param[s->who[i]] == recipe)
            order[count++] = s->who[i];
    if (working == 0 || working >= count)
        return;
    const uint64_t base = stream_base(key, (uint64_t)recipe, DC_STREAM_WORKING);
    for (int32_t i = 0; i < count; i++)
        s->works[order[i]] = 0;
    for (int32_t i = 0; i < working; i++) {
        const int32_t j = i + (int32_t)below(base, (uint64_t)i, (uint32_t)(count - i));
        const int32_t kept = order[i];
        order[i] = order[j];
        order[j] = kept;
        s->works[order[i]] = 1;
    }
}

/* Scorekeeper.respawn: agent a starts its next trial on its start cell, unless another agent
 * or a built wall is there. */
static void respawn(const dc_config *cfg, const slot *s, int32_t a)
{
    dc_agent *agent = &s->agents[a];
    const int64_t from = (int64_t)agent->row * cfg->cols + agent->col;
    const int64_t to = (int64_t)agent->start_row * cfg->cols + agent->start_col;
    if (to != from && (s->cells[to] & (DC_CELL_AGENT | BLOCKS)))
        return;
    s->cells[from] &= (uint8_t)~DC_CELL_AGENT;
    s->cells[to] |= DC_CELL_AGENT;
    s->who[to] = (uint16_t)a;
    agent->row = agent->start_row;
    agent->col = agent->start_col;
    agent->facing = agent->observation_facing = 0;
    agent->energy = min64(cfg->start_energy, max_energy_of(cfg, agent));
    for (int r = 0; r < DC_NUM_RESOURCES; r++)
        agent->inventory[r] = 0;
    agent->shield = 0;
    agent->frozen_until = -1;
    agent->hunger = 0;
}

static int reset_env(const dc_config *cfg, const dc_batch *b, int64_t e)
{
    const int32_t n = cfg->num_agents;
    const int64_t cells = (int64_t)cfg->rows * cfg->cols;
    slot s = slot_of(cfg, b, e);
    dc_env *env = s.env;
    env->key = rng_episode_key(env->seed, env->episode);
    env->tick = 0;
    env->needs_reset = 0;

    /* The map: the static one, or this episode's arena (keyed by the episode key). */
    int32_t arena_start[2 * DC_MAX_AGENTS] = {0};
    const int32_t *start = cfg->start;
    if (cfg->arena_per_episode) {
        if (generate_map(cfg, b, env->key, s.cells, s.who, arena_start) != 0)
            return DC_ERR_ARENA;
        start = arena_start;
    } else {
        memcpy(s.cells, cfg->static_cells, (size_t)cells);
        memcpy(s.who, cfg->static_who, sizeof(uint16_t) * (size_t)cells);
    }
    init_hit_points(cfg, &s);
    for (int32_t o = 0; o < num_objects(cfg); o++) {
        s.ready_at[o] = 0;
        s.stock[o] = o < cfg->num_mines ? (int32_t)cfg->mine_stock : 0;
        s.works[o] = 1;
    }
    draw_working(cfg, b, &s, env->key, 0, cfg->working_chargers);
    draw_working(cfg, b, &s, env->key, 1, cfg->working_altars);
    const uint64_t bodies = stream_base(env->key, 0, DC_STREAM_BODIES);
    int64_t total_weight = 0;
    for (int32_t k = 0; k < cfg->num_bodies; k++)
        total_weight += cfg->body_weight[k];
    memset(s.cache, 0, sizeof(int64_t) * (size_t)(cells * DC_NUM_RESOURCES));
    for (int32_t a = 0; a < n; a++) {
        dc_agent *agent = &s.agents[a];
        memset(agent, 0, sizeof(*agent));
        agent->frozen_until = -1;
        agent->bond_offer_to = -1;
        agent->bond_offer_tick = -1;
        agent->partner = -1;
        agent->parent = -1;
        agent->joint_altar = -1;
        if (a >= cfg->num_founders)
            continue; /* not yet born */
        agent->alive = agent->used = 1;
        if (cfg->body_assignment == DC_BODIES_RANDOM) {
            /* bodies.draw_bodies: the body whose cumulative weight first exceeds the draw */
            const int64_t draw = below(bodies, (uint64_t)a, (uint32_t)total_weight);
            int64_t cumulative = cfg->body_weight[0];
            while (draw >= cumulative)
                cumulative += cfg->body_weight[++agent->body];
        } else {
            agent->body = cfg->agent_body[a];
        }
        agent->energy = min64(cfg->start_energy, max_energy_of(cfg, agent));
        agent->row = agent->start_row = start[2 * a];
        agent->col = agent->start_col = start[2 * a + 1];
        agent->joint_altar = -1;
        const int64_t i = (int64_t)agent->row * cfg->cols + agent->col;
        s.cells[i] |= DC_CELL_AGENT;
        s.who[i] = (uint16_t)a;
    }
    episode_kinship(cfg, b, env->key, s.kinship);
    for (int32_t k = 0; k < n * n; k++)
        s.kinship_q[k] = quantise(s.kinship[k]);
    memset(s.metrics, 0, sizeof(int64_t) * (size_t)cfg->num_int_metrics);
    for (int32_t m = 0; m < cfg->num_float_metrics; m++)
        s.float_metrics[m] = 0.0;
    memset(b->rewards + e * n * 2, 0, sizeof(float) * (size_t)(n * 2));
    memset(b->terminations + e * n, 0, (size_t)n);
    memset(b->truncations + e * n, 0, (size_t)n);
    for (int32_t a = 0; a < n; a++)
        b->alive[e * n + a] = s.agents[a].alive;
    dc_write_observations(cfg, b, &s, e, 0);
    return DC_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Slots on threads (parallel.h)                                                               */

/* What every slot of one dc_reset or dc_step call needs. */
typedef struct dc_call {
    const dc_config *cfg;
    const dc_batch *b;
    const int64_t *actions;
    const uint8_t *modes;
    const uint64_t *seeds;
} dc_call;

/* The batch as thread `worker` sees it: the same state and buffers, its own scratch copy. */
static dc_batch worker_batch(const dc_config *cfg, const dc_batch *b, int32_t worker)
{
    dc_batch local = *b;
    local.window += worker * par_stride(cfg->window_capacity, sizeof(*local.window));
    const int64_t cells = (int64_t)cfg->rows * cfg->cols;
    local.arena_cells += worker * par_stride(cells, sizeof(*local.arena_cells));
    local.beta_scratch += worker * par_stride(cfg->beta_capacity, sizeof(*local.beta_scratch));
    return local;
}

static int64_t reset_slot(void *context, int64_t e, int32_t worker)
{
    const dc_call *call = context;
    const dc_batch local = worker_batch(call->cfg, call->b, worker);
    if (call->modes[e] == DC_RESET_NONE)
        return DC_OK;
    dc_env *env = &local.envs[e];
    if (call->modes[e] == DC_RESET_SEED) {
        env->seed = call->seeds[e];
        env->episode = 0;
    } else {
        env->episode += 1;
    }
    return reset_env(call->cfg, &local, e);
}

int dc_reset(const dc_config *cfg, const dc_batch *b, const uint8_t *modes,
             const uint64_t *seeds)
{
    int code = dc_check(cfg, b);
    if (code == DC_OK)
        code = check_static_map(cfg);
    if (code != DC_OK)
        return code;
    if (!modes || !seeds)
        return DC_ERR_NULL;
    for (int64_t e = 0; e < b->num_envs; e++)
        if (modes[e] > DC_RESET_SEED)
            return DC_ERR_RESET_MODE;
    dc_call call = {cfg, b, NULL, modes, seeds};
    return (int)par_for_slots(b->pool, b->num_envs, b->grain, reset_slot, &call);
}

int dc_generate_arena(const dc_config *cfg, const dc_batch *b, uint64_t map_key,
                      uint8_t *out_cells, int32_t *out_start)
{
    int code = dc_check(cfg, b);
    if (code != DC_OK)
        return code;
    if (!out_cells || !out_start)
        return DC_ERR_NULL;
    if (!cfg->arena_per_episode)
        return DC_ERR_CONFIG;
    if (generate_map(cfg, b, map_key, out_cells, NULL, out_start) != 0)
        return DC_ERR_ARENA;
    return DC_OK;
}

int dc_episode_kinship(const dc_config *cfg, const dc_batch *b, uint64_t key, double *out)
{
    int code = dc_check(cfg, b);
    if (code != DC_OK)
        return code;
    if (!out)
        return DC_ERR_NULL;
    episode_kinship(cfg, b, key, out);
    return DC_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* One tick                                                                                    */

/* gini() over the agents that have lived: sum_ij |h_i - h_j| / (2 m sum h) with exact integer
 * sums, then one division. */
static double hearts_gini(const dc_agent *agents, int32_t n)
{
    int64_t total = 0, spread = 0, m = 0;
    for (int32_t i = 0; i < n; i++) {
        total += agents[i].used ? agents[i].hearts : 0;
        m += agents[i].used;
    }
    if (total == 0)
        return 0.0;
    for (int32_t i = 0; i < n; i++)
        for (int32_t j = 0; j < n; j++) {
            if (!agents[i].used || !agents[j].used)
                continue;
            const int64_t d = agents[i].hearts - agents[j].hearts;
            spread += d < 0 ? -d : d;
        }
    return (double)spread / (double)(2 * m * total);
}

static void tick_env(const dc_config *cfg, const dc_batch *b, int64_t e, const int64_t *actions)
{
    const int32_t n = cfg->num_agents;
    const slot s = slot_of(cfg, b, e);
    dc_env *env = s.env;
    dc_agent *agents = s.agents;
    const int64_t tick = env->tick;

    /* 1. The live agents' actions in priority order (births join at once, act next tick). */
    int32_t live[DC_MAX_AGENTS], order[DC_MAX_AGENTS], count = 0;
    int64_t made[DC_MAX_AGENTS] = {0}, spent[DC_MAX_AGENTS] = {0};
    uint8_t acted[DC_MAX_AGENTS] = {0};
    for (int32_t a = 0; a < n; a++) {
        agents[a].joint_altar = -1;
        if (agents[a].alive)
            live[count++] = a;
    }
    priority_order(env->key, (uint64_t)tick, count, cfg->randomize_order, order);
    for (int32_t k = 0; k < count; k++) {
        const int32_t a = live[order[k]];
        acted[a] = 1;
        made[a] = dc_apply_action(cfg, &s, a, actions[a], tick, &spent[a]);
    }
    if (cfg->altar_users > 1)
        dc_pay_joint_uses(cfg, &s, tick, made);

    /* 2. Each live agent (Agent.update): shield upkeep, rest, upkeep, metrics, starvation. */
    for (int32_t a = 0; a < n; a++) {
        dc_agent *agent = &agents[a];
        if (!agent->alive)
            continue;
        if (agent->shield) {
            if (agent->energy < cfg->shield_upkeep_energy) {
                agent->shield = 0;
            } else {
                agent->energy -= cfg->shield_upkeep_energy;
                *metric(cfg, &s, DC_METRIC_SHIELD_TICKS, a) += 1;
                if (agent->energy == 0)
                    agent->shield = 0;
            }
        }
        const int32_t profile = profile_of(cfg, agent);
        const int64_t rest_limit = min64(cfg->rest_limit, cfg->profile_max_energy[profile]);
        if (spent[a] == 0 && agent->energy < rest_limit)
            agent->energy = min64(rest_limit, agent->energy + cfg->rest_energy);
        agent->energy -= min64(agent->energy, cfg->profile_upkeep[profile]);
        s.metrics[DC_GLOBAL_AGENT_TICKS] += 1;
        if (agent->energy == 0) {
            *metric(cfg, &s, DC_METRIC_ZERO_ENERGY_TICKS, a) += 1;
            s.metrics[DC_GLOBAL_ZERO_ENERGY_AGENT_TICKS] += 1;
            agent->hunger += 1;
        } else {
            agent->hunger = 0;
        }
        if (cfg->starvation_ticks && agent->hunger >= cfg->starvation_ticks)
            dc_die(cfg, &s, a);
    }

    /* 3. Mines regrow. */
    if (cfg->mine_regrow_ticks > 0 && (tick + 1) % cfg->mine_regrow_ticks == 0)
        for (int32_t o = 0; o < cfg->num_mines; o++)
            s.stock[o] = (int32_t)min64(s.stock[o] + 1, cfg->mine_stock);

    /* 4. Old markers vanish. */
    for (int32_t a = 0; a < n; a++) {
        const int64_t *placed = s.marker_placed + a * cfg->marker_capacity;
        while (agents[a].marker_count > 0 &&
               tick - placed[agents[a].marker_head] + 1 >= cfg->marker_lifetime)
            dc_remove_oldest_marker(cfg, &s, a);
    }

    /* 5. Rewards (Scorekeeper) for the agents that acted, with the kinship and bonds after this
     * tick's actions, births and deaths: a bonded agent pays bond_share of its own HEART reward
     * to its partner. */
    float *rewards = b->rewards + e * n * 2;
    for (int32_t i = 0; i < n; i++) {
        *metric(cfg, &s, DC_METRIC_HEARTS, i) = agents[i].hearts;
        if (!acted[i]) {
            rewards[2 * i] = rewards[2 * i + 1] = 0.0f;
            continue;
        }
        const double own = cfg->heart_reward * (double)made[i];
        double heart = own;
        const int32_t partner = agents[i].partner;
        if (partner >= 0) {
            const double paid = cfg->bond_share * own;
            const double received =
                cfg->bond_share * (cfg->heart_reward * (double)made[partner]);
            heart = (own - paid) + received;
            *float_metric(cfg, &s, DC_FLOAT_BOND_REWARD_PAID, i) += paid;
            *float_metric(cfg, &s, DC_FLOAT_BOND_REWARD_RECEIVED, i) += received;
            s.float_metrics[DC_FLOAT_BOND_REWARD_TRANSFERRED] += paid;
        }
        double kin_heart = 0.0;
        for (int32_t j = 0; j < n; j++)
            if (j != i && made[j])
                kin_heart += s.kinship[i * n + j] * (cfg->heart_reward * (double)made[j]);
        rewards[2 * i] = (float)(0.0 + heart);
        rewards[2 * i + 1] = (float)(0.0 + kin_heart);
    }
    s.float_metrics[DC_FLOAT_HEARTS_GINI] = hearts_gini(agents, n);
    if (cfg->respawn_on_heart)
        for (int32_t a = 0; a < n; a++)
            if (made[a] && agents[a].alive)
                respawn(cfg, &s, a);

    /* The tick is over: the dead are terminated; truncation of the living at max_cycles; the
     * episode ends then, or when nobody is alive. */
    env->tick = tick + 1;
    const uint8_t truncated = env->tick >= cfg->max_cycles;
    int32_t alive = 0;
    for (int32_t a = 0; a < n; a++) {
        const dc_agent *agent = &agents[a];
        alive += agent->alive;
        b->alive[e * n + a] = agent->alive;
        b->terminations[e * n + a] = agent->used && !agent->alive;
        b->truncations[e * n + a] = agent->alive && truncated;
    }
    env->needs_reset = truncated || alive == 0;
    dc_write_observations(cfg, b, &s, e, 1);
}

/* One slot of dc_step: its tick, or its autoreset (NEXT_STEP) if its episode ended. */
static int64_t step_slot(void *context, int64_t e, int32_t worker)
{
    const dc_call *call = context;
    const dc_batch local = worker_batch(call->cfg, call->b, worker);
    if (local.envs[e].needs_reset) {
        local.envs[e].episode += 1;
        return reset_env(call->cfg, &local, e);
    }
    tick_env(call->cfg, &local, e, call->actions + e * call->cfg->num_agents);
    return DC_OK;
}

int64_t dc_step(const dc_config *cfg, const dc_batch *b, const int64_t *actions)
{
    int code = dc_check(cfg, b);
    if (code != DC_OK)
        return code;
    if (!actions)
        return DC_ERR_NULL;
    const int64_t illegal = first_illegal(cfg, actions, b->num_envs * cfg->num_agents);
    if (illegal)
        return illegal;
    dc_call call = {cfg, b, actions, NULL, NULL};
    return par_for_slots(b->pool, b->num_envs, b->grain, step_slot, &call);
}
