/*
 * The diamond charger's observations and global state (diamond_charger_observations): uint8
 * (DC_NUM_CHANNELS, h, w) per agent, the window rotated to the agent's facing, cells outside the board read
 * as wall; channels in diamond_charger_observations.CHANNELS order.
 */
#include <string.h>

#include "diamond_slot.h"
#include "views.h"

/* Observation channels (diamond_charger_observations.CHANNELS). */
enum {
    CH_SELF, CH_AGENT, CH_AGENT_KINSHIP, CH_AGENT_FACING, CH_AGENT_FROZEN, CH_AGENT_SHIELDED,
    CH_AGENT_ENERGY, CH_AGENT_DIAMONDS, CH_AGENT_COLOUR, CH_AGENT_BONDED, CH_WALL, CH_MINE,
    CH_MINE_READY, CH_MINE_STOCK, CH_CHARGER, CH_CHARGER_READY, CH_ALTAR, CH_ALTAR_READY,
    CH_MARKER, CH_MARKER_KINSHIP, CH_MARKER_COLOUR, CH_OWN_ENERGY, CH_OWN_DIAMONDS,
    CH_OWN_FROZEN, CH_OWN_SHIELD, CH_AGENT_POSTURE, CH_OWN_POSTURE, CH_AGENT_ORE,
    CH_AGENT_BATTERIES, CH_MINE_RESOURCE, CH_CONVERTER, CH_CONVERTER_READY, CH_CONVERTER_RECIPE,
    CH_OWN_ORE, CH_OWN_BATTERIES, CH_BUILT_WALL, CH_HIT_POINTS, CH_CACHE, CH_OWN_HUNGER,
    CH_AGENT_PARTNER, CH_AGENT_COURTING, CH_MARKER_SYMBOL, CH_OWN_BONDED
};

/* The "agent facing" channel: RELATIVE_FACING[view facing][absolute facing] (+1). */
static const uint8_t RELATIVE_FACING[4][4] = {
    {1, 2, 3, 4}, {4, 1, 2, 3}, {3, 4, 1, 2}, {2, 3, 4, 1}};

/* Cells whose byte does not say everything: objects (ready, stock), agents and markers. */
#define DETAIL_BITS (OBJECTS | DC_CELL_AGENT | DC_CELL_MARKER | DC_CELL_DAMAGEABLE | DC_CELL_CACHE)
#define DETAIL_BYTES (UINT64_C(0x0101010101010101) * DETAIL_BITS)

/* The channels that are one bit of a cell's code: (bit, channel). */
#define NUM_BIT_CHANNELS 5
static const int BIT_CHANNELS[NUM_BIT_CHANNELS][2] = {
    {0, CH_WALL}, {1, CH_MINE}, {3, CH_BUILT_WALL}, {4, CH_AGENT}, {5, CH_MARKER}};

/* The channels of a converter of a recipe at cell k of planes of `plane` cells whose first is
 * channel `first`: recipe 0 the charger's, 1 the altar's, others the converter's (with the
 * recipe - 1 in "converter recipe"). Every "<object> ready" follows its object's channel. */
static void write_converter(uint8_t *planes, int64_t plane, int first, int64_t k, int32_t recipe,
                            uint8_t ready)
{
    const int ch = recipe == 0 ? CH_CHARGER : recipe == 1 ? CH_ALTAR : CH_CONVERTER;
    planes[(ch - first) * plane + k] = 1;
    planes[(ch + 1 - first) * plane + k] = ready;
    if (recipe >= 2)
        planes[(CH_CONVERTER_RECIPE - first) * plane + k] = (uint8_t)(recipe - 1);
}

/* The "cache" channel: the units in the cache on cell i, at most 255. */
static uint8_t cache_shown(const slot *s, int64_t i)
{
    const int64_t *amounts = s->cache + i * DC_NUM_RESOURCES;
    return (uint8_t)min64(amounts[0] + amounts[1] + amounts[2], 255);
}

/* Chebyshev distance between window cells j and k of a window `width` cells wide. */
static int64_t chebyshev(int64_t j, int64_t k, int64_t width)
{
    const int64_t dr = j / width - k / width, dc = j % width - k % width;
    const int64_t r = dr < 0 ? -dr : dr, c = dc < 0 ? -dc : dc;
    return r > c ? r : c;
}

/* Zero every channel of the window cells farther than `reach` (Chebyshev) from the self cell. */
static void mask_view(uint8_t *obs, int64_t height, int64_t width, int64_t self, int64_t reach)
{
    const int64_t self_row = self / width, self_col = self % width;
    if (self_row - reach <= 0 && self_row + reach >= height - 1 && self_col - reach <= 0 &&
        self_col + reach >= width - 1)
        return; /* the whole window is in view */
    const int64_t lo = self_col - reach > 0 ? self_col - reach : 0;
    const int64_t hi = self_col + reach + 1 < width ? self_col + reach + 1 : width;
    for (int64_t r = 0; r < height; r++) {
        const int64_t dr = r > self_row ? r - self_row : self_row - r;
        for (int c = 0; c < DC_NUM_CHANNELS; c++) {
            uint8_t *row = obs + (c * height + r) * width;
            if (dr > reach) {
                memset(row, 0, (size_t)width);
            } else {
                memset(row, 0, (size_t)lo);
                memset(row + hi, 0, (size_t)(width - hi));
            }
        }
    }
}

/*
 * Every agent's observation of slot s (environment e). The window of cell codes is gathered
 * (views.h: straight clipped rows, outside = wall), its bits become the one-bit channels eight
 * cells at a time, and only the cells with an object, an agent or a marker are looked up for
 * their other channels (readiness, stock, kinship, facing, freeze, energy, ...).
 */
void dc_write_observations(const dc_config *cfg, const dc_batch *b, const slot *s, int64_t e,
                           int count_seen)
{
    const int32_t rows = cfg->rows, cols = cfg->cols, n = cfg->num_agents;
    const int64_t next_tick = s->env->tick;
    /* What other agents see of each agent, the same for every observer; and whom each agent
     * courts (its live bond offer: BOND by that agent at next_tick would accept it). */
    uint8_t frozen[DC_MAX_AGENTS], energy[DC_MAX_AGENTS];
    int32_t courts[DC_MAX_AGENTS];
    for (int32_t a = 0; a < n; a++) {
        const dc_agent *it = &s->agents[a];
        frozen[a] = frozen_shown(cfg, it, next_tick);
        energy[a] = energy_shown(cfg, it);
        courts[a] = -1;
        if (it->bond_offer_to >= 0 && next_tick - it->bond_offer_tick <= cfg->bond_window_ticks &&
            it->partner < 0 && s->agents[it->bond_offer_to].partner < 0)
            courts[a] = it->bond_offer_to;
    }
    uint8_t *window = b->window;
    for (int32_t a = 0; a < n; a++) {
        const view_spec *v = &cfg->views[a];
        const dc_agent *me = &s->agents[a];
        const int32_t facing = me->observation_facing;
        const int64_t hw = (int64_t)v->height * v->width;
        uint8_t *obs = b->obs[a] + e * cfg->obs_size[a];
        if (!me->alive) { /* dead or not yet born */
            memset(obs, 0, (size_t)(DC_NUM_CHANNELS * hw));
            continue;
        }
        const uint8_t *kinship_q = s->kinship_q + a * n;
        const uint8_t *relative = RELATIVE_FACING[facing & 3];
        view_gather_u8(v, s->cells, rows, cols, DC_CELL_WALL, me->row, me->col, facing, window);
        const int64_t self = view_self_index(v, me->row, me->col);
        const int64_t reach = cfg->profile_view[profile_of(cfg, me)];
        int64_t seen = 0;
        memset(obs, 0, (size_t)(DC_NUM_CHANNELS * hw));
        for (int b = 0; b < NUM_BIT_CHANNELS; b++)
            onehot_planes_u8(window, (size_t)hw, BIT_CHANNELS[b][0], 1,
                             obs + BIT_CHANNELS[b][1] * hw);
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
            if (code & DC_CELL_DAMAGEABLE)
                obs[CH_HIT_POINTS * hw + k] = (uint8_t)min64(s->hit_points[i], 255);
            if (code & DC_CELL_CACHE)
                obs[CH_CACHE * hw + k] = cache_shown(s, i);
            if (code & OBJECTS) {
                const uint16_t o = s->who[i];
                const uint8_t ready = s->ready_at[o] <= next_tick;
                if (code & DC_CELL_MINE) {
                    obs[CH_MINE_READY * hw + k] = ready;
                    obs[CH_MINE_STOCK * hw + k] = (uint8_t)s->stock[o];
                    obs[CH_MINE_RESOURCE * hw + k] = (uint8_t)(cfg->object_param[o] + 1);
                } else {
                    write_converter(obs, hw, 0, k, cfg->object_param[o], ready);
                }
                continue;
            }
            if (code & DC_CELL_MARKER) {
                obs[CH_MARKER_KINSHIP * hw + k] = kinship_q[s->marker_owner[i]];
                obs[CH_MARKER_COLOUR * hw + k] = (uint8_t)(s->marker_colour[i] + 1);
                obs[CH_MARKER_SYMBOL * hw + k] = s->marker_symbol[i];
                if (count_seen && s->marker_owner[i] != a &&
                    (reach < 0 || chebyshev(k, self, v->width) <= reach))
                    seen++;
            }
            if ((code & DC_CELL_AGENT) && k != self) {
                const uint16_t o = s->who[i];
                const dc_agent *it = &s->agents[o];
                obs[CH_AGENT_KINSHIP * hw + k] = kinship_q[o];
                obs[CH_AGENT_FACING * hw + k] = relative[it->facing & 3];
                obs[CH_AGENT_FROZEN * hw + k] = frozen[o];
                obs[CH_AGENT_SHIELDED * hw + k] = it->shield;
                obs[CH_AGENT_ENERGY * hw + k] = energy[o];
                obs[CH_AGENT_DIAMONDS * hw + k] = (uint8_t)it->inventory[DIAMOND];
                obs[CH_AGENT_ORE * hw + k] = (uint8_t)it->inventory[ORE];
                obs[CH_AGENT_BATTERIES * hw + k] = (uint8_t)it->inventory[BATTERY];
                obs[CH_AGENT_COLOUR * hw + k] = (uint8_t)(it->colour + 1);
                obs[CH_AGENT_BONDED * hw + k] = it->partner >= 0;
                obs[CH_AGENT_POSTURE * hw + k] = (uint8_t)(profile_of(cfg, it) + 1);
                obs[CH_AGENT_PARTNER * hw + k] = me->partner == o;
                obs[CH_AGENT_COURTING * hw + k] = courts[o] == a;
            }
        }
        if (count_seen)
            *metric(cfg, s, DC_METRIC_MARKERS_SEEN, a) += seen;
        obs[CH_SELF * hw + self] = 1;
        obs[CH_OWN_ENERGY * hw + self] = energy[a];
        obs[CH_OWN_DIAMONDS * hw + self] = (uint8_t)me->inventory[DIAMOND];
        obs[CH_OWN_ORE * hw + self] = (uint8_t)me->inventory[ORE];
        obs[CH_OWN_BATTERIES * hw + self] = (uint8_t)me->inventory[BATTERY];
        obs[CH_OWN_HUNGER * hw + self] = (uint8_t)min64(me->hunger, 255);
        obs[CH_OWN_FROZEN * hw + self] = frozen[a];
        obs[CH_OWN_SHIELD * hw + self] = me->shield;
        obs[CH_OWN_POSTURE * hw + self] = (uint8_t)(profile_of(cfg, me) + 1);
        obs[CH_OWN_BONDED * hw + self] = me->partner >= 0;
        if (reach >= 0)
            mask_view(obs, v->height, v->width, self, reach);
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
            layers[(CH_BUILT_WALL - 1) * size + i] = (c & DC_CELL_BUILT) != 0;
            layers[(CH_HIT_POINTS - 1) * size + i] = (uint8_t)min64(s.hit_points[i], 255);
            if (c & DC_CELL_CACHE)
                layers[(CH_CACHE - 1) * size + i] = cache_shown(&s, i);
            if (c & OBJECTS) {
                const uint16_t o = s.who[i];
                const uint8_t ready = s.ready_at[o] <= next_tick;
                if (c & DC_CELL_MINE) {
                    layers[(CH_MINE - 1) * size + i] = 1;
                    layers[(CH_MINE_READY - 1) * size + i] = ready;
                    layers[(CH_MINE_STOCK - 1) * size + i] = (uint8_t)s.stock[o];
                    layers[(CH_MINE_RESOURCE - 1) * size + i] = (uint8_t)(cfg->object_param[o] + 1);
                } else {
                    write_converter(layers, size, 1, i, cfg->object_param[o], ready);
                }
            }
            if (c & DC_CELL_MARKER) {
                layers[(CH_MARKER - 1) * size + i] = 1;
                layers[(CH_MARKER_COLOUR - 1) * size + i] = (uint8_t)(s.marker_colour[i] + 1);
                layers[(CH_MARKER_SYMBOL - 1) * size + i] = s.marker_symbol[i];
            }
        }
        for (int32_t a = 0; a < cfg->num_agents; a++) {
            const dc_agent *it = &s.agents[a];
            if (!it->alive)
                continue;
            const int64_t i = (int64_t)it->row * cfg->cols + it->col;
            layers[(CH_AGENT - 1) * size + i] = 1;
            layers[(CH_AGENT_FACING - 1) * size + i] = (uint8_t)(it->facing + 1);
            layers[(CH_AGENT_FROZEN - 1) * size + i] = frozen_shown(cfg, it, next_tick);
            layers[(CH_AGENT_SHIELDED - 1) * size + i] = it->shield;
            layers[(CH_AGENT_ENERGY - 1) * size + i] = energy_shown(cfg, it);
            layers[(CH_AGENT_DIAMONDS - 1) * size + i] = (uint8_t)it->inventory[DIAMOND];
            layers[(CH_AGENT_ORE - 1) * size + i] = (uint8_t)it->inventory[ORE];
            layers[(CH_AGENT_BATTERIES - 1) * size + i] = (uint8_t)it->inventory[BATTERY];
            layers[(CH_AGENT_COLOUR - 1) * size + i] = (uint8_t)(it->colour + 1);
            layers[(CH_AGENT_BONDED - 1) * size + i] = it->partner >= 0;
            layers[(CH_AGENT_POSTURE - 1) * size + i] = (uint8_t)(profile_of(cfg, it) + 1);
        }
    }
    return DC_OK;
}
