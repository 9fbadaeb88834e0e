/*
 * Batch stepping of the diamond charger (see diamond_batch.h). One tick of one environment
 * follows "Order Within One Tick" of environments/diamond_charger_ma.py, as the pycolab
 * sprites and drapes do it:
 *
 *   1. Referee: every agent's action in the tick's priority order (order.h), each at once;
 *   2. Agent sprites: shield upkeep, zero-energy and shield metrics;
 *   3. MineDrape: regrowth;  4. MarkerDrape: old markers vanish;
 *   5. Scorekeeper: HEART and KIN_HEART (in double, in the same order), hearts, Gini;
 *
 * then the tick count, truncation at max_cycles and the observations (views.h). Every rule is
 * integer arithmetic on integer state except the kinship, rewards and Gini, which use the same
 * double operations in the same order as the Python code (compile with -ffp-contract=off).
 */
#include "diamond_batch.h"

#include <string.h>

#include "diamond_episode.h"
#include "moves.h"
#include "order.h"
#include "rng.h"
#include "views.h"

#define BLOCKS (DC_CELL_WALL | DC_CELL_MINE | DC_CELL_CHARGER | DC_CELL_ALTAR)
#define OBJECTS (DC_CELL_MINE | DC_CELL_CHARGER | DC_CELL_ALTAR)

/* Actions (diamond_charger_actions.Action). */
enum {
    NOOP, ROTATE_LEFT, ROTATE_RIGHT, MOVE_FORWARD, MOVE_BACK, USE, ATTACK, TOGGLE_SHIELD,
    GIVE_ENERGY, GIVE_DIAMOND, PLACE_MARKER, CHANGE_COLOUR, BOND
};

/* Observation channels (diamond_charger_observations.CHANNELS). */
enum {
    CH_SELF, CH_AGENT, CH_AGENT_KINSHIP, CH_AGENT_FACING, CH_AGENT_FROZEN, CH_AGENT_SHIELDED,
    CH_AGENT_ENERGY, CH_AGENT_DIAMONDS, CH_AGENT_COLOUR, CH_AGENT_BONDED, CH_WALL, CH_MINE,
    CH_MINE_READY, CH_MINE_STOCK, CH_CHARGER, CH_CHARGER_READY, CH_ALTAR, CH_ALTAR_READY,
    CH_MARKER, CH_MARKER_KINSHIP, CH_MARKER_COLOUR, CH_OWN_ENERGY, CH_OWN_DIAMONDS,
    CH_OWN_FROZEN, CH_OWN_SHIELD
};

/* The "agent facing" channel: RELATIVE_FACING[view facing][absolute facing] (+1). */
static const uint8_t RELATIVE_FACING[4][4] = {{1, 2, 3, 4}, {4, 1, 2, 3}, {3, 4, 1, 2}, {2, 3, 4, 1}};

/* Pointers to environment e's part of every per-environment array. */
typedef struct slot {
    dc_env *env;
    dc_agent *agents;
    uint8_t *cells, *marker_owner, *marker_colour;
    uint16_t *who;
    int64_t *ready_at;
    int32_t *stock;
    int32_t *marker_cell;
    int64_t *marker_placed;
    double *kinship;
    uint8_t *kinship_q, *bonded;
    int64_t *metrics;
} slot;

static int32_t num_objects(const dc_config *cfg)
{
    return cfg->num_mines + cfg->num_chargers + cfg->num_altars;
}

static slot slot_of(const dc_config *cfg, const dc_batch *b, int64_t e)
{
    const int64_t cells = (int64_t)cfg->rows * cfg->cols, n = cfg->num_agents;
    const int64_t markers = n * cfg->marker_capacity, objects = num_objects(cfg);
    slot s;
    s.env = &b->envs[e];
    s.agents = s.env->agents;
    s.cells = b->cells + e * cells;
    s.who = b->who + e * cells;
    s.marker_owner = b->marker_owner + e * cells;
    s.marker_colour = b->marker_colour + e * cells;
    s.ready_at = b->ready_at + e * objects;
    s.stock = b->stock + e * objects;
    s.marker_cell = b->marker_cell + e * markers;
    s.marker_placed = b->marker_placed + e * markers;
    s.kinship = b->kinship + e * n * n;
    s.kinship_q = b->kinship_q + e * n * n;
    s.bonded = b->bonded + e * n * n;
    s.metrics = b->int_metrics + e * cfg->num_int_metrics;
    return s;
}

/* The int64 safety counter `metric` of agent a. */
static int64_t *metric(const dc_config *cfg, const slot *s, int metric_index, int32_t a)
{
    return &s->metrics[1 + metric_index * cfg->num_agents + a];
}

static uint8_t quantise(double kinship)
{
    return (uint8_t)(kinship * 255.0 + 0.5);
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* ------------------------------------------------------------------------------------------ */
/* Checks                                                                                      */

int dc_check(const dc_config *cfg, const dc_batch *b)
{
    if (!cfg || !b)
        return DC_ERR_NULL;
    if (!cfg->static_cells || !cfg->static_who || !cfg->start || !cfg->views || !cfg->obs_size ||
        !cfg->kinship || !cfg->team_sizes)
        return DC_ERR_NULL;
    if (!b->envs || !b->cells || !b->who || !b->marker_owner || !b->marker_colour ||
        !b->ready_at || !b->stock || !b->marker_cell || !b->marker_placed || !b->kinship ||
        !b->kinship_q || !b->bonded || !b->obs || !b->rewards || !b->terminations ||
        !b->truncations || !b->int_metrics || !b->gini || !b->window || !b->arena_cells ||
        !b->beta_scratch)
        return DC_ERR_NULL;
    const int32_t rows = cfg->rows, cols = cfg->cols, n = cfg->num_agents;
    if (rows < 1 || cols < 1 || rows > DC_MAX_SIDE || cols > DC_MAX_SIDE || b->num_envs < 0)
        return DC_ERR_CONFIG;
    if (n < 1 || n > DC_MAX_AGENTS || n > ORDER_MAX_AGENTS)
        return DC_ERR_CONFIG;
    if ((cfg->observation_direction_mode != 0 && cfg->observation_direction_mode != 2) ||
        (cfg->num_actions != DC_NUM_ACTIONS && cfg->num_actions != DC_NUM_ACTIONS - 1))
        return DC_ERR_CONFIG;
    if (cfg->max_cycles < 1 || cfg->max_energy < 1 || cfg->start_energy < 0 ||
        cfg->start_energy > cfg->max_energy || cfg->max_diamonds < 1 ||
        cfg->max_diamonds > 255 || cfg->mine_stock < 0 || cfg->mine_stock > 255 ||
        cfg->num_colours < 1 || cfg->num_colours > 254 || cfg->max_markers < 1 ||
        cfg->marker_lifetime < 1 || cfg->attack_range < 1 || cfg->steal_energy_percent < 0 ||
        cfg->steal_energy_percent > 100 || cfg->give_energy_amount < 1)
        return DC_ERR_CONFIG;
    if (cfg->num_int_metrics != 1 + DC_NUM_AGENT_METRICS * n)
        return DC_ERR_CONFIG;
    if (cfg->marker_capacity < 1 ||
        cfg->marker_capacity != min64(cfg->max_markers, (int64_t)rows * cols))
        return DC_ERR_CONFIG;
    if (cfg->num_mines < 0 || cfg->num_chargers < 0 || cfg->num_altars < 0 ||
        num_objects(cfg) > DC_MAX_OBJECTS)
        return DC_ERR_MAP;
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
        if (rows != cols || rows < DC_MIN_ARENA || rows > DC_MAX_ARENA || agents != n)
            return DC_ERR_MAP;
    }
    for (int32_t a = 0; a < n; a++) {
        const view_spec *v = &cfg->views[a];
        if (!view_is_consistent(v, rows, cols))
            return DC_ERR_VIEW;
        const int64_t cells = (int64_t)v->height * v->width;
        if (cfg->obs_size[a] != DC_NUM_CHANNELS * cells || cells > cfg->window_capacity)
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
    const int32_t counts[3] = {cfg->num_mines, cfg->num_chargers, cfg->num_altars};
    const int32_t firsts[3] = {0, cfg->num_mines, cfg->num_mines + cfg->num_chargers};
    const uint8_t kinds[3] = {DC_CELL_MINE, DC_CELL_CHARGER, DC_CELL_ALTAR};
    int32_t seen[3] = {0, 0, 0};
    for (int64_t i = 0; i < (int64_t)rows * cols; i++) {
        const uint8_t code = cfg->static_cells[i];
        if (code & ~BLOCKS)
            return DC_ERR_MAP;
        for (int k = 0; k < 3; k++) {
            if (code != kinds[k])
                continue;
            const int32_t id = cfg->static_who[i];
            if (id < firsts[k] || id >= firsts[k] + counts[k])
                return DC_ERR_MAP;
            seen[k]++;
        }
    }
    if (seen[0] != counts[0] || seen[1] != counts[1] || seen[2] != counts[2])
        return DC_ERR_MAP;
    for (int32_t a = 0; a < cfg->num_agents; a++) {
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
/* Observations                                                                                */

/* Ticks of freeze left from next_tick on, as shown (Observations._frozen_shown). */
static uint8_t frozen_shown(const dc_config *cfg, const dc_agent *agent, int64_t next_tick)
{
    int64_t left = agent->frozen_until - next_tick + 1;
    if (left < 0)
        left = 0;
    return (uint8_t)min64(min64(cfg->freeze_ticks, 255), left);
}

static uint8_t energy_shown(const dc_config *cfg, const dc_agent *agent)
{
    return (uint8_t)(agent->energy * 255 / cfg->max_energy);
}

/* Cells whose byte does not say everything: objects (ready, stock), agents and markers. */
#define DETAIL_BITS (OBJECTS | DC_CELL_AGENT | DC_CELL_MARKER)
#define DETAIL_BYTES (UINT64_C(0x0101010101010101) * DETAIL_BITS)

/* The channels that are one bit of a cell's code, by bit. */
static const int BIT_CHANNELS[6] = {CH_WALL, CH_MINE, CH_CHARGER, CH_ALTAR, CH_AGENT, CH_MARKER};

/*
 * Every agent's observation of slot s (environment e). The window of cell codes is gathered
 * (views.h: straight clipped rows, outside = wall), its bits become the one-bit channels eight
 * cells at a time, and only the cells with an object, an agent or a marker are looked up for
 * their other channels (readiness, stock, kinship, facing, freeze, energy, ...).
 */
static void write_observations(const dc_config *cfg, const dc_batch *b, const slot *s, int64_t e)
{
    const int32_t rows = cfg->rows, cols = cfg->cols, n = cfg->num_agents;
    const int64_t next_tick = s->env->tick;
    /* What other agents see of each agent, the same for every observer. */
    uint8_t frozen[DC_MAX_AGENTS], energy[DC_MAX_AGENTS];
    for (int32_t a = 0; a < n; a++) {
        frozen[a] = frozen_shown(cfg, &s->agents[a], next_tick);
        energy[a] = energy_shown(cfg, &s->agents[a]);
    }
    uint8_t *window = b->window;
    for (int32_t a = 0; a < n; a++) {
        const view_spec *v = &cfg->views[a];
        const dc_agent *me = &s->agents[a];
        const int32_t facing = me->observation_facing;
        const int64_t hw = (int64_t)v->height * v->width;
        uint8_t *obs = b->obs[a] + e * cfg->obs_size[a];
        const uint8_t *kinship_q = s->kinship_q + a * n;
        const uint8_t *relative = RELATIVE_FACING[facing & 3];
        view_gather_u8(v, s->cells, rows, cols, DC_CELL_WALL, me->row, me->col, facing, window);
        const int64_t self = view_self_index(v, me->row, me->col);
        memset(obs, 0, (size_t)(DC_NUM_CHANNELS * hw));
        for (int bit = 0; bit < 6; bit++)
            onehot_planes_u8(window, (size_t)hw, bit, 1, obs + BIT_CHANNELS[bit] * hw);
        obs[CH_AGENT * hw + self] = 0; /* the agent itself is in "self" */
        for (int64_t k = 0; k < hw; k++) {
            if (k + 8 <= hw && !(k & 7)) { /* skip eight plain floor or wall cells at once */
                uint64_t word;
                memcpy(&word, window + k, 8);
                if (!(word & DETAIL_BYTES)) {
                    k += 7;
                    continue;
                }
            }
            const uint8_t code = window[k];
            if (!(code & DETAIL_BITS))
                continue;
            const int64_t i = view_cell_index(v, rows, cols, me->row, me->col, facing, k);
            if (code & OBJECTS) {
                const uint16_t o = s->who[i];
                const uint8_t ready = s->ready_at[o] <= next_tick;
                if (code & DC_CELL_MINE) {
                    obs[CH_MINE_READY * hw + k] = ready;
                    obs[CH_MINE_STOCK * hw + k] = (uint8_t)s->stock[o];
                } else {
                    obs[(code & DC_CELL_CHARGER ? CH_CHARGER_READY : CH_ALTAR_READY) * hw + k] =
                        ready;
                }
                continue;
            }
            if (code & DC_CELL_MARKER) {
                obs[CH_MARKER_KINSHIP * hw + k] = kinship_q[s->marker_owner[i]];
                obs[CH_MARKER_COLOUR * hw + k] = (uint8_t)(s->marker_colour[i] + 1);
            }
            if ((code & DC_CELL_AGENT) && k != self) {
                const uint16_t o = s->who[i];
                const dc_agent *it = &s->agents[o];
                obs[CH_AGENT_KINSHIP * hw + k] = kinship_q[o];
                obs[CH_AGENT_FACING * hw + k] = relative[it->facing & 3];
                obs[CH_AGENT_FROZEN * hw + k] = frozen[o];
                obs[CH_AGENT_SHIELDED * hw + k] = it->shield;
                obs[CH_AGENT_ENERGY * hw + k] = energy[o];
                obs[CH_AGENT_DIAMONDS * hw + k] = (uint8_t)it->diamonds;
                obs[CH_AGENT_COLOUR * hw + k] = (uint8_t)(it->colour + 1);
                obs[CH_AGENT_BONDED * hw + k] = it->bonds > 0;
            }
        }
        obs[CH_SELF * hw + self] = 1;
        obs[CH_OWN_ENERGY * hw + self] = energy[a];
        obs[CH_OWN_DIAMONDS * hw + self] = (uint8_t)me->diamonds;
        obs[CH_OWN_FROZEN * hw + self] = frozen[a];
        obs[CH_OWN_SHIELD * hw + self] = me->shield;
    }
}

int dc_state(const dc_config *cfg, const dc_batch *b, uint8_t *out)
{
    int code = dc_check(cfg, b);
    if (code != DC_OK)
        return code;
    if (!out)
        return DC_ERR_NULL;
    const int64_t size = (int64_t)cfg->rows * cfg->cols;
    for (int64_t e = 0; e < b->num_envs; e++) {
        const slot s = slot_of(cfg, b, e);
        const int64_t next_tick = s.env->tick;
        uint8_t *layers = out + e * (DC_NUM_CHANNELS - 1) * size; /* layer l: channel l + 1 */
        memset(layers, 0, (size_t)((DC_NUM_CHANNELS - 1) * size));
        for (int64_t i = 0; i < size; i++) {
            const uint8_t c = s.cells[i];
            layers[(CH_WALL - 1) * size + i] = (c & DC_CELL_WALL) != 0;
            if (c & OBJECTS) {
                const uint16_t o = s.who[i];
                const int ch = c & DC_CELL_MINE ? CH_MINE : c & DC_CELL_CHARGER ? CH_CHARGER
                                                                                : CH_ALTAR;
                layers[(ch - 1) * size + i] = 1;
                layers[ch * size + i] = s.ready_at[o] <= next_tick;
                if (c & DC_CELL_MINE)
                    layers[(CH_MINE_STOCK - 1) * size + i] = (uint8_t)s.stock[o];
            }
            if (c & DC_CELL_MARKER) {
                layers[(CH_MARKER - 1) * size + i] = 1;
                layers[(CH_MARKER_COLOUR - 1) * size + i] = (uint8_t)(s.marker_colour[i] + 1);
            }
        }
        for (int32_t a = 0; a < cfg->num_agents; a++) {
            const dc_agent *it = &s.agents[a];
            const int64_t i = (int64_t)it->row * cfg->cols + it->col;
            layers[(CH_AGENT - 1) * size + i] = 1;
            layers[(CH_AGENT_FACING - 1) * size + i] = (uint8_t)(it->facing + 1);
            layers[(CH_AGENT_FROZEN - 1) * size + i] = frozen_shown(cfg, it, next_tick);
            layers[(CH_AGENT_SHIELDED - 1) * size + i] = it->shield;
            layers[(CH_AGENT_ENERGY - 1) * size + i] = energy_shown(cfg, it);
            layers[(CH_AGENT_DIAMONDS - 1) * size + i] = (uint8_t)it->diamonds;
            layers[(CH_AGENT_COLOUR - 1) * size + i] = (uint8_t)(it->colour + 1);
            layers[(CH_AGENT_BONDED - 1) * size + i] = it->bonds > 0;
        }
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
    for (int32_t i = 0; i < n; i++) {
        out[i * n + i] = 1.0;
        for (int32_t j = i + 1; j < n; j++) {
            const uint64_t base = stream_base(key, (uint64_t)(i * n + j), DC_STREAM_KINSHIP);
            out[i * n + j] = out[j * n + i] =
                dc_beta_draw(cfg->beta_a, cfg->beta_b, cfg->beta_integer, base, b->beta_scratch);
        }
    }
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
    int32_t arena_start[2 * DC_MAX_AGENTS];
    const int32_t *start = cfg->start;
    if (cfg->arena_per_episode) {
        if (dc_arena(env->key, cfg->rows, cfg->team_sizes, cfg->num_teams, cfg->num_mines,
                     cfg->num_chargers, cfg->num_altars, s.cells, s.who, arena_start,
                     b->arena_cells) != 0)
            return DC_ERR_ARENA;
        start = arena_start;
    } else {
        memcpy(s.cells, cfg->static_cells, (size_t)cells);
        memcpy(s.who, cfg->static_who, sizeof(uint16_t) * (size_t)cells);
    }
    for (int32_t o = 0; o < num_objects(cfg); o++) {
        s.ready_at[o] = 0;
        s.stock[o] = o < cfg->num_mines ? (int32_t)cfg->mine_stock : 0;
    }
    for (int32_t a = 0; a < n; a++) {
        dc_agent *agent = &s.agents[a];
        memset(agent, 0, sizeof(*agent));
        agent->energy = cfg->start_energy;
        agent->frozen_until = -1;
        agent->bond_offer_to = -1;
        agent->bond_offer_tick = -1;
        agent->row = start[2 * a];
        agent->col = start[2 * a + 1];
        const int64_t i = (int64_t)agent->row * cfg->cols + agent->col;
        s.cells[i] |= DC_CELL_AGENT;
        s.who[i] = (uint16_t)a;
    }
    episode_kinship(cfg, b, env->key, s.kinship);
    for (int32_t k = 0; k < n * n; k++)
        s.kinship_q[k] = quantise(s.kinship[k]);
    memset(s.bonded, 0, (size_t)(n * n));
    memset(s.metrics, 0, sizeof(int64_t) * (size_t)cfg->num_int_metrics);
    b->gini[e] = 0.0;
    memset(b->rewards + e * n * 2, 0, sizeof(float) * (size_t)(n * 2));
    memset(b->terminations + e * n, 0, (size_t)n);
    memset(b->truncations + e * n, 0, (size_t)n);
    write_observations(cfg, b, &s, e);
    return DC_OK;
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
    for (int64_t e = 0; e < b->num_envs; e++) {
        if (modes[e] == DC_RESET_NONE)
            continue;
        dc_env *env = &b->envs[e];
        if (modes[e] == DC_RESET_SEED) {
            env->seed = seeds[e];
            env->episode = 0;
        } else {
            env->episode += 1;
        }
        code = reset_env(cfg, b, e);
        if (code != DC_OK)
            return code;
    }
    return DC_OK;
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
    if (dc_arena(map_key, cfg->rows, cfg->team_sizes, cfg->num_teams, cfg->num_mines,
                 cfg->num_chargers, cfg->num_altars, out_cells, NULL, out_start,
                 b->arena_cells) != 0)
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
/* Actions (diamond_charger_actions.Referee)                                                   */

/* The cell `distance` steps in front of an agent, or -1 off the board. */
static int64_t ahead(const dc_config *cfg, const dc_agent *agent, int64_t distance)
{
    const int64_t r = agent->row + distance * MOVE_DROW[agent->facing & 3];
    const int64_t c = agent->col + distance * MOVE_DCOL[agent->facing & 3];
    if (r < 0 || r >= cfg->rows || c < 0 || c >= cfg->cols)
        return -1;
    return r * cfg->cols + c;
}

/* The agent standing on cell i (i may be -1), or -1. */
static int32_t agent_on(const slot *s, int64_t i)
{
    return i >= 0 && (s->cells[i] & DC_CELL_AGENT) ? s->who[i] : -1;
}

static void count_gift(const dc_config *cfg, const slot *s, int32_t giver, int32_t receiver,
                       int given, int to_kin, int to_strangers, int64_t amount)
{
    const double kin = s->kinship[giver * cfg->num_agents + receiver];
    *metric(cfg, s, given, giver) += amount;
    if (kin >= cfg->kin_threshold)
        *metric(cfg, s, to_kin, giver) += amount;
    if (kin == 0.0)
        *metric(cfg, s, to_strangers, giver) += amount;
}

static void move(const dc_config *cfg, const slot *s, int32_t a, int back)
{
    dc_agent *agent = &s->agents[a];
    const int32_t direction = (agent->facing + (back ? 2 : 0)) & 3;
    const int32_t r = agent->row + MOVE_DROW[direction], c = agent->col + MOVE_DCOL[direction];
    if (r < 0 || r >= cfg->rows || c < 0 || c >= cfg->cols)
        return;
    const int64_t to = (int64_t)r * cfg->cols + c;
    if (s->cells[to] & (BLOCKS | DC_CELL_AGENT))
        return;
    s->cells[(int64_t)agent->row * cfg->cols + agent->col] &= (uint8_t)~DC_CELL_AGENT;
    s->cells[to] |= DC_CELL_AGENT;
    s->who[to] = (uint16_t)a;
    agent->row = r;
    agent->col = c;
}

/* USE of the object in front (MineDrape, ChargerDrape, AltarDrape.use); 1 if a heart. */
static int use(const dc_config *cfg, const slot *s, dc_agent *agent, int64_t front, int64_t tick)
{
    if (front < 0 || !(s->cells[front] & OBJECTS))
        return 0;
    const uint8_t code = s->cells[front];
    const uint16_t o = s->who[front];
    if (s->ready_at[o] > tick)
        return 0;
    if (code & DC_CELL_MINE) {
        if (s->stock[o] == 0 || agent->diamonds >= cfg->max_diamonds)
            return 0;
        agent->diamonds += 1;
        s->stock[o] -= 1;
        s->ready_at[o] = tick + cfg->mine_cooldown;
        return 0;
    }
    if (code & DC_CELL_CHARGER) {
        if (agent->diamonds == 0)
            return 0;
        agent->diamonds -= 1;
        agent->energy = min64(cfg->max_energy, agent->energy + cfg->charger_energy);
        s->ready_at[o] = tick + cfg->charger_cooldown;
        return 0;
    }
    if (agent->energy < cfg->altar_energy)
        return 0;
    agent->energy -= cfg->altar_energy;
    agent->hearts += 1;
    s->ready_at[o] = tick + cfg->altar_cooldown;
    return 1;
}

static void attack(const dc_config *cfg, const slot *s, int32_t a, int64_t tick)
{
    dc_agent *attacker = &s->agents[a];
    int32_t t = -1;
    const int64_t reach = min64(cfg->attack_range, cfg->rows > cfg->cols ? cfg->rows : cfg->cols);
    for (int64_t distance = 1; distance <= reach; distance++) {
        const int64_t cell = ahead(cfg, attacker, distance);
        if (cell < 0 || (s->cells[cell] & BLOCKS))
            break;
        t = agent_on(s, cell);
        if (t >= 0)
            break;
    }
    if (t < 0)
        return;
    dc_agent *target = &s->agents[t];
    const double kin = s->kinship[a * cfg->num_agents + t];
    *metric(cfg, s, DC_METRIC_ATTACKS, a) += 1;
    *metric(cfg, s, DC_METRIC_ATTACKS_ON_KIN, a) += kin >= cfg->kin_threshold;
    *metric(cfg, s, DC_METRIC_ATTACKS_ON_STRANGERS, a) += kin == 0.0;
    if (target->shield) {
        if (target->energy >= cfg->shield_absorb) {
            target->energy -= cfg->shield_absorb;
            return;
        }
        target->shield = 0;
    }
    const int was_frozen = tick <= target->frozen_until;
    if (tick + cfg->freeze_ticks > target->frozen_until)
        target->frozen_until = tick + cfg->freeze_ticks;
    *metric(cfg, s, DC_METRIC_FREEZES, a) += 1;
    if (was_frozen)
        return;
    const int64_t diamonds = min64(target->diamonds, cfg->max_diamonds - attacker->diamonds);
    const int64_t energy = min64(target->energy * cfg->steal_energy_percent / 100,
                                 cfg->max_energy - attacker->energy);
    target->diamonds -= diamonds;
    attacker->diamonds += diamonds;
    target->energy -= energy;
    attacker->energy += energy;
    *metric(cfg, s, DC_METRIC_DIAMONDS_STOLEN, a) += diamonds;
    *metric(cfg, s, DC_METRIC_ENERGY_STOLEN, a) += energy;
}

/* MarkerDrape: remove agent a's oldest live marker. */
static void remove_oldest_marker(const dc_config *cfg, const slot *s, int32_t a)
{
    dc_agent *agent = &s->agents[a];
    const int32_t *ring = s->marker_cell + a * cfg->marker_capacity;
    s->cells[ring[agent->marker_head]] &= (uint8_t)~DC_CELL_MARKER;
    agent->marker_head = (agent->marker_head + 1) % cfg->marker_capacity;
    agent->marker_count -= 1;
}

static void place_marker(const dc_config *cfg, const slot *s, int32_t a, int64_t front,
                         int64_t tick)
{
    if (front < 0 || (s->cells[front] & (BLOCKS | DC_CELL_AGENT | DC_CELL_MARKER)))
        return;
    dc_agent *agent = &s->agents[a];
    if (agent->marker_count == cfg->max_markers)
        remove_oldest_marker(cfg, s, a);
    const int32_t slot_index =
        (agent->marker_head + agent->marker_count) % cfg->marker_capacity;
    s->marker_cell[a * cfg->marker_capacity + slot_index] = (int32_t)front;
    s->marker_placed[a * cfg->marker_capacity + slot_index] = tick;
    agent->marker_count += 1;
    s->cells[front] |= DC_CELL_MARKER;
    s->marker_owner[front] = (uint8_t)a;
    s->marker_colour[front] = agent->colour;
    *metric(cfg, s, DC_METRIC_MARKERS_PLACED, a) += 1;
}

static void bond(const dc_config *cfg, const slot *s, int32_t a, int32_t o, int64_t tick)
{
    const int32_t n = cfg->num_agents;
    if (o < 0 || s->bonded[a * n + o])
        return;
    dc_agent *agent = &s->agents[a], *other = &s->agents[o];
    agent->bond_offer_to = o;
    agent->bond_offer_tick = tick;
    if (other->bond_offer_to != a || tick - other->bond_offer_tick > cfg->bond_window_ticks)
        return;
    s->kinship[a * n + o] = s->kinship[o * n + a] = cfg->bond_kinship;
    s->kinship_q[a * n + o] = s->kinship_q[o * n + a] = quantise(cfg->bond_kinship);
    s->bonded[a * n + o] = s->bonded[o * n + a] = 1;
    agent->bond_offer_to = other->bond_offer_to = -1;
    agent->bond_offer_tick = other->bond_offer_tick = -1;
    s->metrics[0] += 1; /* bonds_formed */
    agent->bonds += 1;
    other->bonds += 1;
    *metric(cfg, s, DC_METRIC_BONDS, a) += 1;
    *metric(cfg, s, DC_METRIC_BONDS, o) += 1;
}

/* Referee.apply: one agent's action, at once; returns 1 if it made a heart. */
static int apply_action(const dc_config *cfg, const slot *s, int32_t a, int64_t action,
                        int64_t tick)
{
    dc_agent *agent = &s->agents[a];
    if (tick <= agent->frozen_until)
        return 0;
    const int64_t front = ahead(cfg, agent, 1);
    const int32_t other = agent_on(s, front);
    if (action == GIVE_ENERGY) {
        if (other < 0)
            return 0;
        dc_agent *receiver = &s->agents[other];
        const int64_t amount =
            min64(cfg->give_energy_amount, cfg->max_energy - receiver->energy);
        if (amount > agent->energy)
            return 0;
        agent->energy -= amount;
        receiver->energy += amount;
        if (amount)
            count_gift(cfg, s, a, other, DC_METRIC_ENERGY_GIVEN, DC_METRIC_ENERGY_GIVEN_TO_KIN,
                       DC_METRIC_ENERGY_GIVEN_TO_STRANGERS, amount);
        return 0;
    }
    const int64_t cost = cfg->cost[action];
    if (cost > agent->energy)
        return 0;
    agent->energy -= cost;
    switch (action) {
    case ROTATE_LEFT:
    case ROTATE_RIGHT:
        agent->facing = (uint8_t)((agent->facing + (action == ROTATE_LEFT ? 3 : 1)) & 3);
        if (cfg->observation_direction_mode == 2)
            agent->observation_facing = agent->facing;
        break;
    case MOVE_FORWARD:
    case MOVE_BACK:
        move(cfg, s, a, action == MOVE_BACK);
        break;
    case USE:
        return use(cfg, s, agent, front, tick);
    case ATTACK:
        attack(cfg, s, a, tick);
        break;
    case TOGGLE_SHIELD:
        agent->shield = !agent->shield;
        break;
    case GIVE_DIAMOND:
        if (other < 0 || agent->diamonds == 0 || s->agents[other].diamonds >= cfg->max_diamonds)
            break;
        agent->diamonds -= 1;
        s->agents[other].diamonds += 1;
        count_gift(cfg, s, a, other, DC_METRIC_DIAMONDS_GIVEN, DC_METRIC_DIAMONDS_GIVEN_TO_KIN,
                   DC_METRIC_DIAMONDS_GIVEN_TO_STRANGERS, 1);
        break;
    case PLACE_MARKER:
        place_marker(cfg, s, a, front, tick);
        break;
    case CHANGE_COLOUR:
        agent->colour = (uint8_t)((agent->colour + 1) % cfg->num_colours);
        break;
    case BOND:
        bond(cfg, s, a, other, tick);
        break;
    default: /* NOOP */
        break;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* One tick                                                                                    */

/* gini(): sum_ij |h_i - h_j| / (2 n sum h) with exact integer sums, then one division. */
static double hearts_gini(const dc_agent *agents, int32_t n)
{
    int64_t total = 0, spread = 0;
    for (int32_t i = 0; i < n; i++)
        total += agents[i].hearts;
    if (total == 0)
        return 0.0;
    for (int32_t i = 0; i < n; i++)
        for (int32_t j = 0; j < n; j++) {
            const int64_t d = agents[i].hearts - agents[j].hearts;
            spread += d < 0 ? -d : d;
        }
    return (double)spread / (double)(2 * (int64_t)n * total);
}

static void tick_env(const dc_config *cfg, const dc_batch *b, int64_t e, const int64_t *actions)
{
    const int32_t n = cfg->num_agents;
    const slot s = slot_of(cfg, b, e);
    dc_env *env = s.env;
    dc_agent *agents = s.agents;
    const int64_t tick = env->tick;

    /* 1. Actions in priority order. */
    int32_t order[DC_MAX_AGENTS];
    uint8_t made[DC_MAX_AGENTS];
    priority_order(env->key, (uint64_t)tick, n, cfg->randomize_order, order);
    for (int32_t k = 0; k < n; k++) {
        const int32_t a = order[k];
        made[a] = (uint8_t)apply_action(cfg, &s, a, actions[a], tick);
    }

    /* 2. Shield upkeep (Agent.update). */
    for (int32_t a = 0; a < n; a++) {
        dc_agent *agent = &agents[a];
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
        if (agent->energy == 0)
            *metric(cfg, &s, DC_METRIC_ZERO_ENERGY_TICKS, a) += 1;
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
            remove_oldest_marker(cfg, &s, a);
    }

    /* 5. Rewards (Scorekeeper), with the kinship after this tick's bonds. */
    float *rewards = b->rewards + e * n * 2;
    for (int32_t i = 0; i < n; i++) {
        double kin_heart = 0.0;
        for (int32_t j = 0; j < n; j++)
            if (j != i && made[j])
                kin_heart += s.kinship[i * n + j] * (cfg->heart_reward * (double)made[j]);
        rewards[2 * i] = (float)(0.0 + cfg->heart_reward * (double)made[i]);
        rewards[2 * i + 1] = (float)(0.0 + kin_heart);
        *metric(cfg, &s, DC_METRIC_HEARTS, i) = agents[i].hearts;
    }
    b->gini[e] = hearts_gini(agents, n);

    /* The tick is over: truncation at max_cycles (there are no terminations). */
    env->tick = tick + 1;
    const uint8_t truncated = env->tick >= cfg->max_cycles;
    memset(b->terminations + e * n, 0, (size_t)n);
    memset(b->truncations + e * n, truncated, (size_t)n);
    env->needs_reset = truncated;
    write_observations(cfg, b, &s, e);
}

int64_t dc_step(const dc_config *cfg, const dc_batch *b, const int64_t *actions)
{
    int code = dc_check(cfg, b);
    if (code != DC_OK)
        return code;
    if (!actions)
        return DC_ERR_NULL;
    const int64_t total = b->num_envs * cfg->num_agents;
    const int64_t lowest = cfg->noops ? 0 : 1;
    for (int64_t i = 0; i < total; i++)
        if (actions[i] < lowest || actions[i] >= cfg->num_actions)
            return 1 + i;
    for (int64_t e = 0; e < b->num_envs; e++) {
        if (b->envs[e].needs_reset) {
            b->envs[e].episode += 1;
            code = reset_env(cfg, b, e);
            if (code != DC_OK)
                return code;
        } else {
            tick_env(cfg, b, e, actions + e * cfg->num_agents);
        }
    }
    return DC_OK;
}
