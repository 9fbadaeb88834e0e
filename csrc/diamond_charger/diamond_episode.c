/*
 * The diamond charger's per-episode draws (see diamond_episode.h): the level-2 arena and the
 * Beta kinship draws, each step in the order and with the operations of the Python twins, so
 * that every integer draw and every double is the same.
 */
#include "diamond_episode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diamond_batch.h"

/* ------------------------------------------------------------------------------------------ */
/* The arena: diamond_charger_ma.maps.generate_arena: room arenas (_room_arena, steps 1 to 5   */
/* of its docstring) for attempts 0 .. DC_ARENA_ATTEMPTS - 1, then the open arena.             */

#define MAX_ROOMS ((DC_MAX_ARENA - 2) / DC_ROOM_CELL * ((DC_MAX_ARENA - 2) / DC_ROOM_CELL))
#define MAX_LINKS (3 * MAX_ROOMS)

/* Sequential draws below(base, 0), below(base, 1), ... of the arena stream. */
typedef struct draws {
    uint64_t base, index;
} draws;

static uint32_t draw_below(draws *d, int64_t bound)
{
    return below(d->base, d->index++, (uint32_t)bound);
}

typedef struct room {
    int32_t top, left, height, width;
} room;

static void fill_floor(uint8_t *cells, int32_t size, int32_t row_lo, int32_t row_stop,
                       int32_t col_lo, int32_t col_stop)
{
    for (int32_t r = row_lo; r < row_stop; r++)
        for (int32_t c = col_lo; c < col_stop; c++)
            cells[r * size + c] = 0;
}

/* _carve_corridor: an L from the centre of a to the centre of b, rows/columns as numpy slices
 * clipped at size - 1. */
static void carve_corridor(uint8_t *cells, int32_t size, const room *a, const room *b,
                           int32_t width, int horizontal_first)
{
    const int32_t r0 = a->top + a->height / 2, c0 = a->left + a->width / 2;
    const int32_t r1 = b->top + b->height / 2, c1 = b->left + b->width / 2;
    const int32_t corner_r = horizontal_first ? r0 : r1, corner_c = horizontal_first ? c1 : c0;
    const int32_t ends[2][4] = {{r0, c0, corner_r, corner_c}, {corner_r, corner_c, r1, c1}};
    const int32_t stop_limit = size - 1;
    for (int s = 0; s < 2; s++) {
        const int32_t ra = ends[s][0], ca = ends[s][1], rb = ends[s][2], cb = ends[s][3];
        int32_t row_stop = (ra > rb ? ra : rb) + 1 + (ra == rb ? width - 1 : 0);
        int32_t col_stop = (ca > cb ? ca : cb) + 1 + (ca == cb ? width - 1 : 0);
        if (row_stop > stop_limit)
            row_stop = stop_limit;
        if (col_stop > stop_limit)
            col_stop = stop_limit;
        fill_floor(cells, size, ra < rb ? ra : rb, row_stop, ca < cb ? ca : cb, col_stop);
    }
}

/* _place_teams: start cells of every agent, in agent order; -1 when a team does not fit. */
static int place_teams(uint8_t *cells, uint16_t *who, int32_t size, const room *rooms,
                       int32_t per_side, const int32_t *team_sizes, int32_t num_teams,
                       draws *d, int32_t *start)
{
    const int32_t num_rooms = per_side * per_side, last = num_rooms - 1;
    int32_t order[MAX_ROOMS];
    const int32_t corners[4] = {0, per_side - 1, last - (per_side - 1), last};
    for (int k = 0; k < 4; k++)
        order[k] = corners[k];
    int32_t len = 4;
    for (int32_t r = 0; r < num_rooms; r++)
        if (r != corners[0] && r != corners[1] && r != corners[2] && r != corners[3])
            order[len++] = r;
    int32_t agent = 0;
    for (int32_t team = 0; team < num_teams; team++) {
        int32_t placed = 0;
        const int32_t position = team % len;
        for (int32_t step = 0; step < len && placed < team_sizes[team]; step++) {
            const room *rm = &rooms[order[(position + step) % len]];
            const int32_t num_cells = rm->height * rm->width; /* every room cell is floor */
            const int32_t offset = (int32_t)draw_below(d, num_cells);
            for (int32_t k = 0; k < num_cells && placed < team_sizes[team]; k++) {
                const int32_t q = (offset + k) % num_cells;
                const int32_t cell = (rm->top + q / rm->width) * size + rm->left + q % rm->width;
                if (cells[cell] & DC_CELL_AGENT)
                    continue;
                cells[cell] |= DC_CELL_AGENT;
                if (who)
                    who[cell] = (uint16_t)agent;
                start[2 * agent] = cell / size;
                start[2 * agent + 1] = cell % size;
                agent++;
                placed++;
            }
        }
        if (placed < team_sizes[team])
            return -1;
    }
    return 0;
}

/* One room arena (maps._room_arena) from the draws d: 0, or -1 when it does not fit. */
static int room_arena(draws d, int32_t size, const int32_t *team_sizes, int32_t num_teams,
                      const int32_t counts[3], uint8_t *cells, uint16_t *who, int32_t *start,
                      int32_t *candidates)
{
    memset(cells, DC_CELL_WALL, (size_t)size * (size_t)size);

    /* 1. A room in every grid cell, row-major. */
    int32_t per_side = (size - 2) / DC_ROOM_CELL;
    if (per_side < 2)
        per_side = 2;
    const int32_t side = (size - 2) / per_side, num_rooms = per_side * per_side;
    room rooms[MAX_ROOMS];
    for (int32_t gr = 0; gr < per_side; gr++) {
        for (int32_t gc = 0; gc < per_side; gc++) {
            room *rm = &rooms[gr * per_side + gc];
            rm->height = DC_MIN_ROOM + (int32_t)draw_below(&d, side - DC_MIN_ROOM);
            rm->width = DC_MIN_ROOM + (int32_t)draw_below(&d, side - DC_MIN_ROOM);
            rm->top = 1 + gr * side + (int32_t)draw_below(&d, side - rm->height);
            rm->left = 1 + gc * side + (int32_t)draw_below(&d, side - rm->width);
            fill_floor(cells, size, rm->top, rm->top + rm->height, rm->left,
                       rm->left + rm->width);
        }
    }

    /* 2. A spanning tree (north or west), then extra east and south links. */
    int32_t links[MAX_LINKS][2];
    int32_t num_links = 0;
    for (int32_t r = 1; r < num_rooms; r++) {
        const int32_t gr = r / per_side, gc = r % per_side;
        int32_t other;
        if (gr > 0 && gc > 0)
            other = draw_below(&d, 2) == 0 ? r - per_side : r - 1;
        else
            other = gr > 0 ? r - per_side : r - 1;
        links[num_links][0] = r;
        links[num_links++][1] = other;
    }
    for (int32_t r = 0; r < num_rooms; r++) {
        const int32_t gr = r / per_side, gc = r % per_side;
        if (gc + 1 < per_side && draw_below(&d, 4) == 0) {
            links[num_links][0] = r;
            links[num_links++][1] = r + 1;
        }
        if (gr + 1 < per_side && draw_below(&d, 4) == 0) {
            links[num_links][0] = r;
            links[num_links++][1] = r + per_side;
        }
    }

    /* 3. Corridors, in link order. */
    for (int32_t k = 0; k < num_links; k++) {
        const int32_t width = 1 + (int32_t)draw_below(&d, 2);
        const int horizontal_first = draw_below(&d, 2) == 0;
        carve_corridor(cells, size, &rooms[links[k][0]], &rooms[links[k][1]], width,
                       horizontal_first);
    }

    /* 4. Teams in the corner rooms first. */
    if (place_teams(cells, who, size, rooms, per_side, team_sizes, num_teams, &d, start) != 0)
        return -1;

    /* 5. Objects on open cells (all 8 neighbours floor) no agent starts on, kept apart. */
    int32_t num_candidates = 0;
    for (int32_t r = 1; r < size - 1; r++) {
        for (int32_t c = 1; c < size - 1; c++) {
            int open = !(cells[r * size + c] & DC_CELL_AGENT);
            for (int32_t dr = -1; dr <= 1 && open; dr++)
                for (int32_t dc = -1; dc <= 1 && open; dc++)
                    open = !(cells[(r + dr) * size + c + dc] & DC_CELL_WALL);
            if (open)
                candidates[num_candidates++] = r * size + c;
        }
    }
    const uint8_t kinds[3] = {DC_CELL_MINE, DC_CELL_CONVERTER, DC_CELL_CONVERTER};
    int32_t object = 0;
    for (int kind = 0; kind < 3; kind++) {
        for (int32_t n = 0; n < counts[kind]; n++) {
            if (num_candidates == 0)
                return -1;
            const int32_t chosen = candidates[draw_below(&d, num_candidates)];
            const int32_t row = chosen / size, col = chosen % size;
            cells[chosen] = kinds[kind];
            if (who)
                who[chosen] = (uint16_t)object;
            object++;
            int32_t kept = 0;
            for (int32_t k = 0; k < num_candidates; k++) {
                const int32_t dr = candidates[k] / size - row, dc = candidates[k] % size - col;
                if (dr > 1 || dr < -1 || dc > 1 || dc < -1)
                    candidates[kept++] = candidates[k];
            }
            num_candidates = kept;
        }
    }
    return 0;
}

/* The open arena (maps._open_arena): the interior is floor, agents on rows 1, 3, 5, ...,
 * objects on the lattice of even rows and columns 2 .. size - 3 (held in lattice). */
static void open_arena(draws d, int32_t size, int32_t num_agents, const int32_t counts[3],
                       uint8_t *cells, uint16_t *who, int32_t *start, int32_t *lattice)
{
    memset(cells, DC_CELL_WALL, (size_t)size * (size_t)size);
    for (int32_t r = 1; r < size - 1; r++)
        fill_floor(cells, size, r, r + 1, 1, size - 1);
    const int32_t row_cells = size - 2;
    for (int32_t a = 0; a < num_agents; a++) {
        const int32_t row = 1 + 2 * (a / row_cells), col = 1 + a % row_cells;
        cells[row * size + col] |= DC_CELL_AGENT;
        if (who)
            who[row * size + col] = (uint16_t)a;
        start[2 * a] = row;
        start[2 * a + 1] = col;
    }
    int32_t len = 0;
    for (int32_t r = 2; r < size - 2; r += 2)
        for (int32_t c = 2; c < size - 2; c += 2)
            lattice[len++] = r * size + c;
    const uint8_t kinds[3] = {DC_CELL_MINE, DC_CELL_CONVERTER, DC_CELL_CONVERTER};
    int32_t object = 0;
    for (int kind = 0; kind < 3; kind++) {
        for (int32_t n = 0; n < counts[kind] && len > 0; n++) {
            const int32_t k = (int32_t)draw_below(&d, len);
            const int32_t chosen = lattice[k];
            memmove(lattice + k, lattice + k + 1, sizeof(int32_t) * (size_t)(len - k - 1));
            len--;
            cells[chosen] = kinds[kind];
            if (who)
                who[chosen] = (uint16_t)object;
            object++;
        }
    }
}

int dc_arena_capacity(int32_t size)
{
    const int32_t side = (size - 3) / 2;
    return side * side;
}

int dc_arena(uint64_t map_key, int32_t size, const int32_t *team_sizes, int32_t num_teams,
             int32_t num_mines, int32_t num_chargers, int32_t num_altars, uint8_t *cells,
             uint16_t *who, int32_t *start, int32_t *candidates)
{
    if (size < DC_MIN_ARENA || size > DC_MAX_ARENA || num_teams < 0 || num_mines < 0 ||
        num_chargers < 0 || num_altars < 0)
        return -1;
    int64_t num_agents = 0;
    for (int32_t t = 0; t < num_teams; t++) {
        if (team_sizes[t] < 1)
            return -1;
        num_agents += team_sizes[t];
    }
    if (num_agents > DC_MAX_AGENTS ||
        (int64_t)num_mines + num_chargers + num_altars > dc_arena_capacity(size))
        return -1;
    const int32_t counts[3] = {num_mines, num_chargers, num_altars};
    for (int32_t attempt = 0; attempt < DC_ARENA_ATTEMPTS; attempt++) {
        const draws d = {stream_base(map_key, (uint64_t)attempt, DC_STREAM_ARENA), 0};
        if (room_arena(d, size, team_sizes, num_teams, counts, cells, who, start,
                       candidates) == 0)
            return 0;
    }
    const draws d = {stream_base(map_key, DC_ARENA_ATTEMPTS, DC_STREAM_ARENA), 0};
    open_arena(d, size, (int32_t)num_agents, counts, cells, who, start, candidates);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Beta draws: diamond_charger_kinship.gamma_draw and beta_draw, expression for expression.    */

#define TWO_PI 6.283185307179586
#define MAX_GAMMA_ROUNDS 10000

static double gamma_draw(double shape, uint64_t base, uint64_t *index)
{
    if (shape < 1.0) {
        const double value = gamma_draw(shape + 1.0, base, index);
        const double u = 1.0 - draw_uniform(base, *index);
        *index += 1;
        return value * pow(u, 1.0 / shape);
    }
    const double one_third = 1.0 / 3.0;
    const double d = shape - one_third;
    const double c = 1.0 / sqrt(9.0 * d);
    for (int round = 0; round < MAX_GAMMA_ROUNDS; round++) {
        const double u1 = 1.0 - draw_uniform(base, *index);
        const double u2 = draw_uniform(base, *index + 1);
        *index += 2;
        const double x = sqrt(-2.0 * log(u1)) * cos(TWO_PI * u2);
        double v = 1.0 + c * x;
        if (v <= 0.0)
            continue;
        v = v * v * v;
        const double u = 1.0 - draw_uniform(base, *index);
        *index += 1;
        const double x2 = x * x;
        if (u < 1.0 - 0.0331 * (x2 * x2))
            return d * v;
        if (log(u) < 0.5 * x2 + d * (1.0 - v + log(v)))
            return d * v;
    }
    return d;
}

static int compare_doubles(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double dc_beta_draw(double a, double b, int integer_ab, uint64_t base, double *scratch)
{
    if (integer_ab) {
        /* The a-th smallest of a + b - 1 uniforms (the order statistic is exact). */
        const int64_t count = (int64_t)a + (int64_t)b - 1;
        for (int64_t i = 0; i < count; i++)
            scratch[i] = draw_uniform(base, (uint64_t)i);
        qsort(scratch, (size_t)count, sizeof(double), compare_doubles);
        return scratch[(int64_t)a - 1];
    }
    uint64_t index = 0;
    const double x = gamma_draw(a, base, &index);
    const double y = gamma_draw(b, base, &index);
    const double total = x + y;
    if (total == 0.0)
        return a / (a + b);
    return x / total;
}
