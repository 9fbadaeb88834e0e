/*
 * The diamond charger's population (environments/diamond_charger_ma/population.py): births
 * into unused agent slots with their family kinship, deaths, and the caches the dead leave.
 */
#include <string.h>

#include "diamond_episode.h"
#include "diamond_slot.h"
#include "moves.h"
#include "rng.h"

/* population.BIRTH_SIDES: front, left, right, behind, as quarter turns from the facing. */
static const int32_t BIRTH_SIDES[4] = {0, 3, 1, 2};

/* Births.birth_cell: the first cell of front, left, right and behind without a wall, a built
 * wall, an object or an agent (-1: none). */
static int64_t birth_cell(const dc_config *cfg, const slot *s, const dc_agent *parent)
{
    for (int k = 0; k < 4; k++) {
        const int32_t d = (parent->facing + BIRTH_SIDES[k]) & 3;
        const int32_t r = parent->row + MOVE_DROW[d], c = parent->col + MOVE_DCOL[d];
        if (r < 0 || r >= cfg->rows || c < 0 || c >= cfg->cols)
            continue;
        const int64_t i = (int64_t)r * cfg->cols + c;
        if (!(s->cells[i] & (BLOCKS | DC_CELL_AGENT)))
            return i;
    }
    return -1;
}

/* population.offspring_kinship: K[c][j] = K[j][c] = 0.5 * (K[p][j] + K[q][j]), with
 * K[q][j] = 0 for an unrelated outsider (q = -1). */
static void offspring_kinship(const dc_config *cfg, const slot *s, int32_t child, int32_t p,
                              int32_t q)
{
    const int32_t n = cfg->num_agents;
    for (int32_t j = 0; j < n; j++) {
        if (j == child)
            continue;
        const double other = q < 0 ? 0.0 : s->kinship[q * n + j];
        const double k = 0.5 * (s->kinship[p * n + j] + other);
        s->kinship[child * n + j] = s->kinship[j * n + child] = k;
        s->kinship_q[child * n + j] = s->kinship_q[j * n + child] = quantise(k);
    }
    s->kinship[child * n + child] = 1.0;
    s->kinship_q[child * n + child] = quantise(1.0);
}

int dc_reproduce(const dc_config *cfg, const slot *s, int32_t a, int64_t tick)
{
    dc_agent *parent = &s->agents[a];
    if (tick < parent->reproduce_ready_at)
        return 0;
    /* Births.reproduce: with mate selection, children come from bonded pairs. */
    const int32_t co_parent = cfg->mate_selection ? parent->partner : -1;
    if (cfg->mate_selection && co_parent < 0)
        return 0;
    int32_t c = 0;
    while (c < cfg->num_agents && s->agents[c].used)
        c++;
    const int64_t cell = birth_cell(cfg, s, parent);
    if (c == cfg->num_agents || cell < 0)
        return 0;
    int32_t body = parent->body;
    const uint64_t base = stream_base(s->env->key, (uint64_t)tick, DC_STREAM_BIRTH);
    if (draw_uniform(base, (uint64_t)(2 * c)) < cfg->mutation_rate)
        body = (int32_t)below(base, (uint64_t)(2 * c + 1), (uint32_t)cfg->num_bodies);
    dc_agent *child = &s->agents[c];
    memset(child, 0, sizeof(*child));
    child->alive = child->used = 1;
    child->row = (int32_t)(cell / cfg->cols);
    child->col = (int32_t)(cell % cfg->cols);
    child->facing = parent->facing;
    child->observation_facing = cfg->observation_direction_mode ? parent->facing : 0;
    child->colour = parent->colour;
    child->body = body;
    child->energy = min64(cfg->offspring_energy, max_energy_of(cfg, child));
    child->frozen_until = -1;
    child->bond_offer_to = -1;
    child->bond_offer_tick = -1;
    child->partner = -1;
    child->born_at = tick;
    child->parent = a;
    child->reproduce_ready_at = tick + cfg->reproduce_cooldown;
    parent->reproduce_ready_at = tick + cfg->reproduce_cooldown;
    s->cells[cell] |= DC_CELL_AGENT;
    s->who[cell] = (uint16_t)c;
    offspring_kinship(cfg, s, c, a, co_parent);
    s->metrics[DC_GLOBAL_BIRTHS] += 1;
    *metric(cfg, s, DC_METRIC_OFFSPRING, a) += 1;
    return 1;
}

void dc_die(const dc_config *cfg, const slot *s, int32_t a)
{
    dc_agent *agent = &s->agents[a];
    if (agent->partner >= 0) { /* Agent.die: a death ends the bond */
        s->agents[agent->partner].partner = -1;
        agent->partner = -1;
    }
    const int64_t i = (int64_t)agent->row * cfg->cols + agent->col;
    int64_t held = 0;
    for (int r = 0; r < DC_NUM_RESOURCES; r++) {
        s->cache[i * DC_NUM_RESOURCES + r] += agent->inventory[r];
        held += agent->inventory[r];
        agent->inventory[r] = 0;
    }
    if (held)
        s->cells[i] |= DC_CELL_CACHE;
    s->cells[i] &= (uint8_t)~DC_CELL_AGENT;
    agent->alive = 0;
    agent->shield = 0;
    s->metrics[DC_GLOBAL_DEATHS] += 1;
}

void dc_take_cache(const dc_config *cfg, const slot *s, int32_t a, int64_t i)
{
    dc_agent *agent = &s->agents[a];
    int64_t *amounts = s->cache + i * DC_NUM_RESOURCES;
    const int64_t carry = carry_of(cfg, agent);
    int64_t left = 0;
    for (int r = 0; r < DC_NUM_RESOURCES; r++) {
        const int64_t taken = min64(amounts[r], carry - agent->inventory[r]);
        amounts[r] -= taken;
        agent->inventory[r] += taken;
        left += amounts[r];
    }
    if (!left)
        s->cells[i] &= (uint8_t)~DC_CELL_CACHE;
}
