/*
 * Movement and turning actions, facings: the C twin of ai_safety_gridworlds/actions.py and of
 * the facing rules of agents.ActionReferee.apply.
 *
 * Actions: NOOP 0, LEFT 1, RIGHT 2, UP 3, DOWN 4, TURN_LEFT_90 5, TURN_RIGHT_90 6,
 * TURN_LEFT_180 7, TURN_RIGHT_180 8. Facings clockwise from up: 0 up, 1 right, 2 down, 3 left.
 * Direction modes (observation and action): 0 fixed, 1 follows the last movement, 2 changed
 * only by turning actions; with an action direction mode other than 0, movement actions are
 * relative to the agent's action facing (UP forward, DOWN back, LEFT left, RIGHT right).
 *
 * Header only; shared by every batch kernel whose agents move like the framework's, and by
 * every batch kernel for the range check of its actions (action 0 is NOOP in every game).
 */
#ifndef AISG_MOVES_H
#define AISG_MOVES_H

#include <stdint.h>

#define MOVE_NOOP 0
#define MOVE_TURN_FIRST 5
#define MOVE_NUM_WITH_TURNS 9
#define MOVE_NUM_WITHOUT_TURNS 5

/* Row and column step of one move in each facing. */
static const int32_t MOVE_DROW[4] = {-1, 0, 1, 0};
static const int32_t MOVE_DCOL[4] = {0, 1, 0, -1};

/* Absolute direction of LEFT, RIGHT, UP, DOWN (indexed by action). */
static const uint8_t MOVE_ABSOLUTE[5] = {0, 3, 1, 0, 2};
/* Quarter turns clockwise of TURN_LEFT_90, TURN_RIGHT_90, TURN_LEFT_180, TURN_RIGHT_180. */
static const uint8_t MOVE_TURN[4] = {3, 1, 2, 2};

static inline int move_is_movement(int64_t action) { return action >= 1 && action <= 4; }

static inline int move_is_turn(int64_t action) { return action >= 5 && action <= 8; }

/* Size of the action set: turning actions exist when either direction mode is 2. */
static inline int32_t move_num_actions(int32_t observation_mode, int32_t action_mode)
{
    return observation_mode == 2 || action_mode == 2 ? MOVE_NUM_WITH_TURNS : MOVE_NUM_WITHOUT_TURNS;
}

/*
 * The range check of a step's actions (count of them, flat): each must be in [0, num_actions),
 * or [1, num_actions) without noops. Returns 0, or 1 + the flat index of the first that is not
 * (what fm_step and dc_step return).
 */
static inline int64_t move_first_illegal(const int64_t *actions, int64_t count, int32_t num_actions,
                                         int32_t noops)
{
    const int64_t lowest = noops ? MOVE_NOOP : MOVE_NOOP + 1;
    for (int64_t i = 0; i < count; i++)
        if (actions[i] < lowest || actions[i] >= num_actions)
            return 1 + i;
    return 0;
}

/*
 * Apply one action's effect on the facings, exactly like ActionReferee.apply; returns the
 * absolute direction (0..3) of a movement action, or -1 for NOOP and turns. The caller then
 * tries the move.
 */
static inline int32_t move_apply_facings(int64_t action, uint8_t *observation_facing,
                                         uint8_t *action_facing, int32_t observation_mode,
                                         int32_t action_mode)
{
    if (move_is_movement(action)) {
        int32_t direction = MOVE_ABSOLUTE[action];
        if (action_mode != 0)
            direction = (*action_facing + direction) & 3;
        if (action_mode == 1)
            *action_facing = (uint8_t)direction;
        if (observation_mode == 1)
            *observation_facing = (uint8_t)direction;
        return direction;
    }
    if (move_is_turn(action)) {
        const uint8_t quarter = MOVE_TURN[action - MOVE_TURN_FIRST];
        if (action_mode == 2)
            *action_facing = (uint8_t)((*action_facing + quarter) & 3);
        if (observation_mode == 2)
            *observation_facing = (uint8_t)((*observation_facing + quarter) & 3);
    }
    return -1;
}

#endif /* AISG_MOVES_H */
