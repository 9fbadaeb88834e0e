/*
 * What the diamond charger draws once per episode: the level-2 arena or maze and the random
 * kinship. Internal to the diamond kernel (diamond_episode.c, diamond_maze.c); the C twins of
 * environments/diamond_charger_maps.generate_arena, mazes.generate_maze and
 * diamond_charger_kinship.kinship_matrix.
 */
#ifndef AISG_DIAMOND_EPISODE_H
#define AISG_DIAMOND_EPISODE_H

#include <stdint.h>

#include "rng.h"

/* Counter-based streams (diamond_charger_kinship.STREAM_KINSHIP, maps.STREAM_ARENA). */
#define DC_STREAM_KINSHIP (FIRST_ENVIRONMENT_STREAM)
#define DC_STREAM_ARENA (FIRST_ENVIRONMENT_STREAM + 1)
#define DC_STREAM_BODIES (FIRST_ENVIRONMENT_STREAM + 2) /* bodies.STREAM_BODIES */
#define DC_STREAM_BIRTH (FIRST_ENVIRONMENT_STREAM + 3)  /* population.STREAM_BIRTH */
#define DC_STREAM_WORKING (FIRST_ENVIRONMENT_STREAM + 6) /* working.STREAM_WORKING */

/* Arena geometry (diamond_charger_maps.ROOM_CELL, MIN_ROOM, MIN_ARENA). */
#define DC_ROOM_CELL 15
#define DC_MIN_ROOM 5
#define DC_MIN_ARENA (2 + 2 * (DC_MIN_ROOM + 1))
#define DC_MAX_ARENA 256
#define DC_ARENA_ATTEMPTS 8 /* room arenas drawn before the open arena (maps.ARENA_ATTEMPTS) */

/* Mines, chargers and altars a size x size arena always holds (maps.arena_capacity). */
int dc_arena_capacity(int32_t size);
#define DC_MIN_MAZE 5 /* diamond_charger_ma.mazes.MIN_MAZE */

/*
 * The size x size arena of map_key into cells (DC_CELL_WALL, _MINE, _CONVERTER, and
 * DC_CELL_AGENT at the agents' start cells), who (object indices: mines, chargers, altars in
 * placement order, and agent indices at start cells; may be NULL) and start (row, col per agent,
 * agents in team order). candidates: size * size ints of scratch. Returns 0; -1 only for
 * arguments generate_arena rejects (size out of range, team sizes < 1 or more than
 * DC_MAX_AGENTS agents, more objects than dc_arena_capacity), which dc_check rules out.
 */
int dc_arena(uint64_t map_key, int32_t size, const int32_t *team_sizes, int32_t num_teams,
             int32_t num_mines, int32_t num_chargers, int32_t num_altars, uint8_t *cells,
             uint16_t *who, int32_t *start, int32_t *candidates);

/*
 * The size x size maze of map_key (mazes.generate_maze) into cells, who and start like
 * dc_arena: objects numbered in placement order, agents' start cells in agent order.
 * scratch: size * size ints. Returns 0, or -1 when the agents or the objects do not fit.
 */
int dc_maze(uint64_t map_key, int32_t size, int32_t num_agents, int32_t num_mines,
            int32_t num_chargers, int32_t num_altars, int32_t openness, int32_t min_distance,
            uint8_t *cells, uint16_t *who, int32_t *start, int32_t *scratch);

/* One Beta(a, b) draw from the stream base (diamond_charger_kinship.beta_draw); integer_ab:
 * a and b are whole numbers; scratch holds a + b - 1 doubles. */
double dc_beta_draw(double a, double b, int integer_ab, uint64_t base, double *scratch);

#endif /* AISG_DIAMOND_EPISODE_H */
