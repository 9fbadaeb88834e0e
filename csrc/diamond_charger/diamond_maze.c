/*
 * The diamond charger's maze (level 2 with arena_kind "maze"): the C twin of
 * environments/diamond_charger_ma/mazes.generate_maze, steps 1 to 4 of its docstring, each draw
 * in the same order from the arena's stream, so that every maze is the same cell for cell.
 */
#include <string.h>

#include "diamond_batch.h"
#include "diamond_episode.h"

static uint32_t next_below(uint64_t base, uint64_t *index, int64_t bound)
{
    return below(base, (*index)++, (uint32_t)bound);
}

/* Remove entry i of a list of n ints, keeping the order. */
static void remove_at(int32_t *list, int32_t n, int32_t i)
{
    memmove(list + i, list + i + 1, sizeof(int32_t) * (size_t)(n - 1 - i));
}

int dc_maze(uint64_t map_key, int32_t size, int32_t num_agents, int32_t num_mines,
            int32_t num_chargers, int32_t num_altars, int32_t openness, int32_t min_distance,
            uint8_t *cells, uint16_t *who, int32_t *start, int32_t *scratch)
{
    if (size < DC_MIN_MAZE || size % 2 == 0 || size > DC_MAX_ARENA || openness < 0 ||
        openness > 100)
        return -1;
    const uint64_t base = stream_base(map_key, 0, DC_STREAM_ARENA);
    uint64_t index = 0;
    const int32_t k = (size - 1) / 2;
    memset(cells, DC_CELL_WALL, (size_t)size * (size_t)size);
#define AT(r, c) cells[(r) * size + (c)]

    /* 1. Depth-first search over the k x k cells; scratch is the stack (at most k * k). */
    static const int32_t steps[4][2] = {{-1, 0}, {0, 1}, {1, 0}, {0, -1}};
    int32_t depth = 0;
    scratch[depth++] = (int32_t)next_below(base, &index, (int64_t)k * k);
    AT(2 * (scratch[0] / k) + 1, 2 * (scratch[0] % k) + 1) = 0;
    while (depth > 0) {
        const int32_t row = scratch[depth - 1] / k, col = scratch[depth - 1] % k;
        int32_t options[4], count = 0;
        for (int d = 0; d < 4; d++) {
            const int32_t r = row + steps[d][0], c = col + steps[d][1];
            if (r >= 0 && r < k && c >= 0 && c < k && AT(2 * r + 1, 2 * c + 1) == DC_CELL_WALL)
                options[count++] = r * k + c;
        }
        if (count == 0) {
            depth--;
            continue;
        }
        const int32_t chosen = options[next_below(base, &index, count)];
        const int32_t r = chosen / k, c = chosen % k;
        AT(row + r + 1, col + c + 1) = 0;
        AT(2 * r + 1, 2 * c + 1) = 0;
        scratch[depth++] = chosen;
    }

    /* 2. Walls between cells knocked through. */
    if (openness > 0)
        for (int32_t row = 1; row < size - 1; row++)
            for (int32_t col = 1; col < size - 1; col++)
                if ((row + col) % 2 == 1 && AT(row, col) == DC_CELL_WALL &&
                    (int32_t)next_below(base, &index, 100) < openness)
                    AT(row, col) = 0;

    /* 3. Agents on free floor cells (scratch: the free cells, row-major). */
    int32_t free_cells = 0;
    for (int32_t i = 0; i < size * size; i++)
        if (cells[i] == 0)
            scratch[free_cells++] = i;
    if (num_agents > free_cells)
        return -1;
    for (int32_t a = 0; a < num_agents; a++) {
        const int32_t i = (int32_t)next_below(base, &index, free_cells);
        const int32_t cell = scratch[i];
        remove_at(scratch, free_cells--, i);
        cells[cell] |= DC_CELL_AGENT;
        if (who)
            who[cell] = (uint16_t)a;
        start[2 * a] = cell / size;
        start[2 * a + 1] = cell % size;
    }

    /* 4. Objects on interior walls next to floor: the far ones (from agent 0) first, then the
     * near ones (scratch: the far list, then the near list, each row-major). */
    const int32_t r0 = num_agents > 0 ? start[0] : 0, c0 = num_agents > 0 ? start[1] : 0;
    int32_t far = 0, near = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int32_t row = 1; row < size - 1; row++) {
            for (int32_t col = 1; col < size - 1; col++) {
                if (AT(row, col) != DC_CELL_WALL)
                    continue;
                if ((AT(row - 1, col) & DC_CELL_WALL) && (AT(row + 1, col) & DC_CELL_WALL) &&
                    (AT(row, col - 1) & DC_CELL_WALL) && (AT(row, col + 1) & DC_CELL_WALL))
                    continue;
                const int32_t dr = row > r0 ? row - r0 : r0 - row;
                const int32_t dc = col > c0 ? col - c0 : c0 - col;
                const int is_far = (dr > dc ? dr : dc) >= min_distance;
                if (pass == 0 && is_far)
                    scratch[far++] = row * size + col;
                else if (pass == 1 && !is_far)
                    scratch[far + near++] = row * size + col;
            }
        }
    }
    const uint8_t kinds[3] = {DC_CELL_MINE, DC_CELL_CONVERTER, DC_CELL_CONVERTER};
    const int32_t counts[3] = {num_mines, num_chargers, num_altars};
    int32_t object = 0;
    for (int kind = 0; kind < 3; kind++) {
        for (int32_t n = 0; n < counts[kind]; n++) {
            if (far + near == 0)
                return -1;
            const int32_t pool = far > 0 ? far : near, first = far > 0 ? 0 : far;
            const int32_t i = first + (int32_t)next_below(base, &index, pool);
            const int32_t cell = scratch[i];
            remove_at(scratch, far + near, i);
            if (far > 0)
                far--;
            else
                near--;
            cells[cell] = kinds[kind];
            if (who)
                who[cell] = (uint16_t)object;
            object++;
        }
    }
#undef AT
    return 0;
}
