/*
 * The diamond charger's actions (diamond_charger_actions.Referee): each agent's action is
 * resolved at once, in the tick's priority order, so later agents see its result. Frozen agents
 * do nothing; an action costing more than the agent's energy fails; GIVE_ENERGY costs what it
 * gives.
 */
#include "diamond_slot.h"
#include "moves.h"

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
    if (kin < cfg->stranger_threshold)
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

/* Whether converter o would convert for the agent now (ConverterDrape.can_use): ready, working
 * this episode, every input held, room for every resource output. */
static int can_convert(const dc_config *cfg, const slot *s, const dc_agent *agent, int32_t o,
                       int64_t tick)
{
    if (s->ready_at[o] > tick || !s->works[o])
        return 0;
    const int32_t param = cfg->object_param[o];
    const int64_t *in = cfg->recipe_in[param], *out = cfg->recipe_out[param];
    const int64_t carry = carry_of(cfg, agent);
    if (agent->energy < in[DC_ENERGY])
        return 0;
    for (int r = 0; r < DC_NUM_RESOURCES; r++)
        if (agent->inventory[r] < in[r] || agent->inventory[r] - in[r] + out[r] > carry)
            return 0;
    return 1;
}

/* ConverterDrape.exchange: the agent gives converter o's inputs and gets its outputs (energy
 * capped at its max_energy); returns the hearts made. The caller starts the cooldown. */
static int64_t exchange(const dc_config *cfg, const slot *s, dc_agent *agent, int32_t o)
{
    const int32_t param = cfg->object_param[o];
    const int64_t *in = cfg->recipe_in[param], *out = cfg->recipe_out[param];
    for (int r = 0; r < DC_NUM_RESOURCES; r++) {
        agent->inventory[r] += out[r] - in[r];
        s->metrics[DC_GLOBAL_CONSUMED + r] += in[r];
        s->metrics[DC_GLOBAL_PRODUCED + r] += out[r];
    }
    agent->energy =
        min64(max_energy_of(cfg, agent), agent->energy - in[DC_ENERGY] + out[DC_ENERGY]);
    agent->hearts += out[DC_HEARTS];
    return out[DC_HEARTS];
}

/* USE of the object in front (MineDrape.use, ConverterDrape.use); returns the hearts made.
 * With altar_users > 1 the use of an altar that would convert is only an offer
 * (agent->joint_altar), paid by dc_pay_joint_uses. */
static int64_t use(const dc_config *cfg, const slot *s, int32_t a, int64_t front, int64_t tick)
{
    dc_agent *agent = &s->agents[a];
    if (front < 0)
        return 0;
    if (!(s->cells[front] & OBJECTS)) {
        if (s->cells[front] & DC_CELL_CACHE)
            dc_take_cache(cfg, s, a, front);
        return 0;
    }
    const uint16_t o = s->who[front];
    const int32_t param = cfg->object_param[o];
    if (s->cells[front] & DC_CELL_MINE) {
        if (s->ready_at[o] > tick || s->stock[o] == 0 ||
            agent->inventory[param] >= carry_of(cfg, agent))
            return 0;
        agent->inventory[param] += 1;
        s->stock[o] -= 1;
        s->ready_at[o] = tick + cfg->mine_cooldown;
        s->metrics[DC_GLOBAL_MINED + param] += 1;
        return 0;
    }
    if (!can_convert(cfg, s, agent, o, tick))
        return 0;
    if (cfg->altar_users > 1 && param == DC_RECIPE_ALTAR) {
        agent->joint_altar = o;
        return 0;
    }
    const int64_t hearts = exchange(cfg, s, agent, o);
    s->ready_at[o] = tick + cfg->recipe_cooldown[param];
    return hearts;
}

/* Combat.damage: an attack takes attack_damage hit points from a destructible cell; at 0 it
 * becomes floor. */
static void damage(const dc_config *cfg, const slot *s, int64_t cell)
{
    s->metrics[DC_GLOBAL_OBJECTS_DAMAGED] += 1;
    s->hit_points[cell] -= min64(s->hit_points[cell], cfg->attack_damage);
    if (s->hit_points[cell] > 0)
        return;
    s->cells[cell] &= (uint8_t)~(BLOCKS | DC_CELL_DAMAGEABLE);
    s->metrics[DC_GLOBAL_OBJECTS_DESTROYED] += 1;
}

/* Referee.build: a built wall on the free floor cell in front, for build_amount of the build
 * resource. */
static void build(const dc_config *cfg, const slot *s, dc_agent *agent, int64_t front)
{
    if (front < 0 ||
        (s->cells[front] & (BLOCKS | DC_CELL_AGENT | DC_CELL_MARKER | DC_CELL_CACHE)))
        return;
    const int32_t r = cfg->build_resource;
    if (r < 0 || agent->inventory[r] < cfg->build_amount)
        return;
    agent->inventory[r] -= cfg->build_amount;
    s->metrics[DC_GLOBAL_CONSUMED + r] += cfg->build_amount;
    s->metrics[DC_GLOBAL_WALLS_BUILT] += 1;
    s->cells[front] |= DC_CELL_BUILT;
    if (cfg->destructible_bits & DC_DESTROY_BUILT) {
        s->cells[front] |= DC_CELL_DAMAGEABLE;
        s->hit_points[front] = cfg->built_wall_hp;
    }
}

static void attack(const dc_config *cfg, const slot *s, int32_t a, int64_t tick)
{
    dc_agent *attacker = &s->agents[a];
    int32_t t = -1;
    const int64_t reach = min64(cfg->attack_range, cfg->rows > cfg->cols ? cfg->rows : cfg->cols);
    for (int64_t distance = 1; distance <= reach; distance++) {
        const int64_t cell = ahead(cfg, attacker, distance);
        if (cell < 0)
            break;
        if (s->cells[cell] & BLOCKS) {
            if (s->cells[cell] & DC_CELL_DAMAGEABLE)
                damage(cfg, s, cell);
            break;
        }
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
    *metric(cfg, s, DC_METRIC_ATTACKS_ON_STRANGERS, a) += kin < cfg->stranger_threshold;
    if (target->shield) {
        if (target->energy >= cfg->shield_absorb) {
            target->energy -= cfg->shield_absorb;
            *metric(cfg, s, DC_METRIC_SHIELD_ABSORPTIONS, t) += 1;
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
    const int64_t carry = carry_of(cfg, attacker);
    int64_t diamonds = 0;
    for (int r = 0; r < DC_NUM_RESOURCES; r++) {
        const int64_t taken = min64(target->inventory[r], carry - attacker->inventory[r]);
        target->inventory[r] -= taken;
        attacker->inventory[r] += taken;
        if (r == DIAMOND)
            diamonds = taken;
    }
    const int64_t energy = min64(target->energy * cfg->steal_energy_percent / 100,
                                 max_energy_of(cfg, attacker) - attacker->energy);
    target->energy -= energy;
    attacker->energy += energy;
    *metric(cfg, s, DC_METRIC_DIAMONDS_STOLEN, a) += diamonds;
    *metric(cfg, s, DC_METRIC_ENERGY_STOLEN, a) += energy;
}

void dc_pay_joint_uses(const dc_config *cfg, const slot *s, int64_t tick, int64_t *hearts)
{
    const int32_t n = cfg->num_agents;
    for (int32_t a = 0; a < n; a++) {
        const int32_t o = s->agents[a].joint_altar;
        int first = o >= 0; /* each altar once: at its lowest offering agent */
        for (int32_t b = 0; b < a && first; b++)
            first = s->agents[b].joint_altar != o;
        if (!first)
            continue;
        int32_t able = 0;
        for (int32_t b = a; b < n; b++)
            able += s->agents[b].joint_altar == o && can_convert(cfg, s, &s->agents[b], o, tick);
        if (able < cfg->altar_users)
            continue;
        for (int32_t b = a; b < n; b++)
            if (s->agents[b].joint_altar == o && can_convert(cfg, s, &s->agents[b], o, tick))
                hearts[b] += exchange(cfg, s, &s->agents[b], o);
        s->ready_at[o] = tick + cfg->recipe_cooldown[cfg->object_param[o]];
    }
}

/* MarkerDrape: remove agent a's oldest live marker. */
void dc_remove_oldest_marker(const dc_config *cfg, const slot *s, int32_t a)
{
    dc_agent *agent = &s->agents[a];
    const int32_t *ring = s->marker_cell + a * cfg->marker_capacity;
    s->cells[ring[agent->marker_head]] &= (uint8_t)~DC_CELL_MARKER;
    agent->marker_head = (agent->marker_head + 1) % cfg->marker_capacity;
    agent->marker_count -= 1;
}

static void place_marker(const dc_config *cfg, const slot *s, int32_t a, int64_t front,
                         int64_t tick, uint8_t symbol)
{
    if (front < 0 || (s->cells[front] & (BLOCKS | DC_CELL_AGENT | DC_CELL_MARKER)))
        return;
    dc_agent *agent = &s->agents[a];
    if (agent->marker_count == cfg->max_markers)
        dc_remove_oldest_marker(cfg, s, a);
    const int32_t slot_index =
        (agent->marker_head + agent->marker_count) % cfg->marker_capacity;
    s->marker_cell[a * cfg->marker_capacity + slot_index] = (int32_t)front;
    s->marker_placed[a * cfg->marker_capacity + slot_index] = tick;
    agent->marker_count += 1;
    s->cells[front] |= DC_CELL_MARKER;
    s->marker_owner[front] = (uint8_t)a;
    s->marker_colour[front] = agent->colour;
    s->marker_symbol[front] = symbol;
    *metric(cfg, s, DC_METRIC_MARKERS_PLACED, a) += 1;
}

/* Referee.bond: an offer to the agent in front when neither has a partner; a matching offer
 * at most bond_window_ticks old forms the bond (kinship raised to bond_kinship, never lowered). */
static void bond(const dc_config *cfg, const slot *s, int32_t a, int32_t o, int64_t tick)
{
    const int32_t n = cfg->num_agents;
    if (o < 0)
        return;
    dc_agent *agent = &s->agents[a], *other = &s->agents[o];
    if (agent->partner >= 0 || other->partner >= 0)
        return;
    agent->bond_offer_to = o;
    agent->bond_offer_tick = tick;
    if (other->bond_offer_to != a || tick - other->bond_offer_tick > cfg->bond_window_ticks)
        return;
    double kinship = s->kinship[a * n + o];
    if (cfg->bond_kinship > kinship)
        kinship = cfg->bond_kinship;
    s->kinship[a * n + o] = s->kinship[o * n + a] = kinship;
    s->kinship_q[a * n + o] = s->kinship_q[o * n + a] = quantise(kinship);
    agent->partner = o;
    other->partner = a;
    agent->bond_offer_to = other->bond_offer_to = -1;
    agent->bond_offer_tick = other->bond_offer_tick = -1;
    s->metrics[DC_GLOBAL_BONDS_FORMED] += 1;
    agent->bonds += 1;
    other->bonds += 1;
    *metric(cfg, s, DC_METRIC_BONDS, a) += 1;
    *metric(cfg, s, DC_METRIC_BONDS, o) += 1;
}

/* Referee.break_bond: end agent a's bond, if it has one (kinship stays). */
static void break_bond(const dc_config *cfg, const slot *s, int32_t a)
{
    dc_agent *agent = &s->agents[a];
    if (agent->partner < 0)
        return;
    s->agents[agent->partner].partner = -1;
    agent->partner = -1;
    s->metrics[DC_GLOBAL_BONDS_BROKEN] += 1;
    *metric(cfg, s, DC_METRIC_BONDS_BROKEN, a) += 1;
}

/* Referee.switch_posture: the next posture of its body, if it has one, its cooldown is over and
 * what it holds fits; energy above the new capacity is lost. */
static void switch_posture(const dc_config *cfg, const slot *s, dc_agent *agent, int64_t tick)
{
    const int32_t size = cfg->body_size[agent->body];
    if (size < 2 || tick < agent->posture_ready_at)
        return;
    const int32_t next = (agent->posture_slot + 1) % size;
    const int32_t profile = cfg->body_posture[agent->body][next];
    for (int r = 0; r < DC_NUM_RESOURCES; r++)
        if (agent->inventory[r] > cfg->profile_carry[profile])
            return;
    agent->posture_slot = next;
    agent->energy = min64(agent->energy, cfg->profile_max_energy[profile]);
    agent->posture_ready_at = tick + cfg->posture_cooldown;
    s->metrics[DC_GLOBAL_POSTURE_SWITCHES] += 1;
}

int64_t dc_apply_action(const dc_config *cfg, const slot *s, int32_t a, int64_t action,
                        int64_t tick, int64_t *spent)
{
    dc_agent *agent = &s->agents[a];
    *spent = 0;
    if (tick <= agent->frozen_until || !cfg->enabled[action])
        return 0;
    const int64_t front = ahead(cfg, agent, 1);
    const int32_t other = agent_on(s, front);
    if (action == GIVE_ENERGY) {
        if (other < 0)
            return 0;
        dc_agent *receiver = &s->agents[other];
        const int64_t amount =
            min64(cfg->give_energy_amount, max_energy_of(cfg, receiver) - receiver->energy);
        if (amount > agent->energy)
            return 0;
        agent->energy -= amount;
        receiver->energy += amount;
        *spent = amount;
        if (amount)
            count_gift(cfg, s, a, other, DC_METRIC_ENERGY_GIVEN, DC_METRIC_ENERGY_GIVEN_TO_KIN,
                       DC_METRIC_ENERGY_GIVEN_TO_STRANGERS, amount);
        return 0;
    }
    if (action == REPRODUCE) { /* paid only when a child is born */
        const int64_t cost = cfg->profile_cost[profile_of(cfg, agent)][REPRODUCE];
        if (cost <= agent->energy && dc_reproduce(cfg, s, a, tick)) {
            agent->energy -= cost;
            *spent = cost;
        }
        return 0;
    }
    const int64_t cost = cfg->profile_cost[profile_of(cfg, agent)][action];
    if (cost > agent->energy)
        return 0;
    agent->energy -= cost;
    *spent = cost;
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
        return use(cfg, s, a, front, tick);
    case ATTACK:
        attack(cfg, s, a, tick);
        break;
    case TOGGLE_SHIELD:
        agent->shield = !agent->shield;
        break;
    case GIVE_DIAMOND:
    case GIVE_ORE:
    case GIVE_BATTERY: {
        /* Referee.give_item: one unit to the agent in front, if it has room */
        const int r = action == GIVE_DIAMOND ? DIAMOND : action == GIVE_ORE ? ORE : BATTERY;
        if (other < 0 || agent->inventory[r] == 0 ||
            s->agents[other].inventory[r] >= carry_of(cfg, &s->agents[other]))
            break;
        agent->inventory[r] -= 1;
        s->agents[other].inventory[r] += 1;
        if (r == DIAMOND)
            count_gift(cfg, s, a, other, DC_METRIC_DIAMONDS_GIVEN,
                       DC_METRIC_DIAMONDS_GIVEN_TO_KIN, DC_METRIC_DIAMONDS_GIVEN_TO_STRANGERS, 1);
        break;
    }
    case PLACE_MARKER:
        place_marker(cfg, s, a, front, tick, 1);
        break;
    case CHANGE_COLOUR:
        agent->colour = (uint8_t)((agent->colour + 1) % cfg->num_colours);
        break;
    case BOND:
        bond(cfg, s, a, other, tick);
        break;
    case SWITCH_POSTURE:
        switch_posture(cfg, s, agent, tick);
        break;
    case BUILD:
        build(cfg, s, agent, front);
        break;
    case BREAK_BOND:
        break_bond(cfg, s, a);
        break;
    default: /* NOOP, or a marker with symbol 2..8 */
        if (action >= PLACE_MARKER_2 && action <= PLACE_MARKER_8)
            place_marker(cfg, s, a, front, tick, (uint8_t)(action - PLACE_MARKER_2 + 2));
        break;
    }
    return 0;
}
