/*
 * Internal to the diamond kernel: the per-slot view of the batch arrays and the helpers the
 * kernel's sources share (diamond_batch.c: checks, resets, ticks; diamond_actions.c: the
 * referee; diamond_observations.c: observations and state).
 */
#ifndef AISG_DIAMOND_SLOT_H
#define AISG_DIAMOND_SLOT_H

#include <stdint.h>

#include "diamond_batch.h"

#define BLOCKS (DC_CELL_WALL | DC_CELL_MINE | DC_CELL_CONVERTER | DC_CELL_BUILT)
#define OBJECTS (DC_CELL_MINE | DC_CELL_CONVERTER)

/* Actions (diamond_charger_actions.Action). */
enum {
    NOOP, ROTATE_LEFT, ROTATE_RIGHT, MOVE_FORWARD, MOVE_BACK, USE, ATTACK, TOGGLE_SHIELD,
    GIVE_ENERGY, GIVE_DIAMOND, PLACE_MARKER, CHANGE_COLOUR, BOND, SWITCH_POSTURE, GIVE_ORE,
    GIVE_BATTERY, BUILD, REPRODUCE, BREAK_BOND, PLACE_MARKER_2, PLACE_MARKER_8 = 25
};

enum { DIAMOND, ORE, BATTERY }; /* resources (economy.RESOURCES) */

/* Pointers to environment e's part of every per-environment array. */
typedef struct slot {
    dc_env *env;
    dc_agent *agents;
    uint8_t *cells, *marker_owner, *marker_colour, *marker_symbol;
    int64_t *hit_points, *cache;
    uint16_t *who;
    int64_t *ready_at;
    int32_t *stock;
    uint8_t *works;
    int32_t *marker_cell;
    int64_t *marker_placed;
    double *kinship;
    uint8_t *kinship_q;
    int64_t *metrics;
    double *float_metrics;
} slot;

static inline int64_t num_objects(const dc_config *cfg)
{
    return (int64_t)cfg->num_mines + cfg->num_converters; /* no int32 overflow */
}

static inline slot slot_of(const dc_config *cfg, const dc_batch *b, int64_t e)
{
    const int64_t cells = (int64_t)cfg->rows * cfg->cols, n = cfg->num_agents;
    const int64_t markers = n * cfg->marker_capacity, objects = num_objects(cfg);
    slot s;
    s.env = &b->envs[e];
    s.agents = s.env->agents;
    s.cells = b->cells + e * cells;
    s.hit_points = b->hit_points + e * cells;
    s.cache = b->cache + e * cells * DC_NUM_RESOURCES;
    s.who = b->who + e * cells;
    s.marker_owner = b->marker_owner + e * cells;
    s.marker_colour = b->marker_colour + e * cells;
    s.marker_symbol = b->marker_symbol + e * cells;
    s.ready_at = b->ready_at + e * objects;
    s.stock = b->stock + e * objects;
    s.works = b->works + e * objects;
    s.marker_cell = b->marker_cell + e * markers;
    s.marker_placed = b->marker_placed + e * markers;
    s.kinship = b->kinship + e * n * n;
    s.kinship_q = b->kinship_q + e * n * n;
    s.metrics = b->int_metrics + e * cfg->num_int_metrics;
    s.float_metrics = b->float_metrics + e * cfg->num_float_metrics;
    return s;
}

/* The int64 safety counter `metric` of agent a. */
static inline int64_t *metric(const dc_config *cfg, const slot *s, int metric_index, int32_t a)
{
    return &s->metrics[DC_NUM_GLOBAL_METRICS + metric_index * cfg->num_agents + a];
}

/* The float safety metric `metric` of agent a. */
static inline double *float_metric(const dc_config *cfg, const slot *s, int metric_index,
                                   int32_t a)
{
    return &s->float_metrics[DC_NUM_GLOBAL_FLOAT_METRICS + metric_index * cfg->num_agents + a];
}

static inline uint8_t quantise(double kinship)
{
    return (uint8_t)(kinship * 255.0 + 0.5);
}

static inline int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Ticks of freeze left from next_tick on, as shown (Observations._frozen_shown). */
static inline uint8_t frozen_shown(const dc_config *cfg, const dc_agent *agent, int64_t next_tick)
{
    int64_t left = agent->frozen_until - next_tick + 1;
    if (left < 0)
        left = 0;
    return (uint8_t)min64(min64(cfg->freeze_ticks, 255), left);
}

/* The profile of an agent's posture (Agent.profile). */
static inline int32_t profile_of(const dc_config *cfg, const dc_agent *agent)
{
    return cfg->body_posture[agent->body][agent->posture_slot];
}

static inline int64_t max_energy_of(const dc_config *cfg, const dc_agent *agent)
{
    return cfg->profile_max_energy[profile_of(cfg, agent)];
}

static inline int64_t carry_of(const dc_config *cfg, const dc_agent *agent)
{
    return cfg->profile_carry[profile_of(cfg, agent)];
}

static inline uint8_t energy_shown(const dc_config *cfg, const dc_agent *agent)
{
    return (uint8_t)(agent->energy * 255 / max_energy_of(cfg, agent));
}

/* Referee.apply (diamond_actions.c): one agent's action, at once; returns the hearts it made
 * and writes the energy it spent on it into *spent. */
int64_t dc_apply_action(const dc_config *cfg, const slot *s, int32_t a, int64_t action,
                        int64_t tick, int64_t *spent);

/* Births (diamond_population.c): a child of agent a now, if it can have one; 1 if born. */
int dc_reproduce(const dc_config *cfg, const slot *s, int32_t a, int64_t tick);

/* Agent.die (diamond_population.c): agent a leaves the board; its inventory becomes a cache. */
void dc_die(const dc_config *cfg, const slot *s, int32_t a);

/* CacheDrape.take (diamond_population.c): agent a takes what fits from the cache on cell i. */
void dc_take_cache(const dc_config *cfg, const slot *s, int32_t a, int64_t i);

/* Referee.pay_joint_uses (diamond_actions.c): after every action of the tick, each altar that
 * at least altar_users agents offered to use, and that would still convert for them, converts
 * for each of them (their hearts added to hearts[a]) and cools down. */
void dc_pay_joint_uses(const dc_config *cfg, const slot *s, int64_t tick, int64_t *hearts);

/* MarkerDrape (diamond_actions.c): remove agent a's oldest live marker. */
void dc_remove_oldest_marker(const dc_config *cfg, const slot *s, int32_t a);

/* Every agent's observation of slot s, environment e (diamond_observations.c); with
 * count_seen, each agent's markers_seen counts the other agents' markers in it. */
void dc_write_observations(const dc_config *cfg, const dc_batch *b, const slot *s, int64_t e,
                           int count_seen);

#endif /* AISG_DIAMOND_SLOT_H */
