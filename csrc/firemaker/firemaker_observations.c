/*
 * The Firemaker's observations and global state (MultiAgentGame.observe): uint8
 * (FM_NUM_CHANNELS, h, w) per agent, channel 0 "self", then the cell bits as one-hot planes
 * (channels 1..8) and the burnt ground (channel 9, its own byte array), the window rotated to
 * the agent's facing and cells outside the board read as wall (and not burnt).
 */
#include <string.h>

#include "firemaker_internal.h"
#include "views.h"

/* Every agent's observation of environment e, from its cells. */
void fm_write_observations(const fm_config *cfg, const fm_batch *b, int64_t e)
{
    const int32_t rows = cfg->rows, cols = cfg->cols, n = cfg->num_agents;
    const uint8_t *cells = b->cells + e * (int64_t)rows * cols;
    const uint8_t *burnt = b->burnt + e * (int64_t)rows * cols;
    const int32_t *position = b->position + e * n * 2;
    const uint8_t *facing = b->facing + e * n * 2;
    uint8_t *window = b->window;
    for (int32_t a = 0; a < n; a++) {
        const view_spec *v = &cfg->views[a];
        const int32_t row = position[2 * a], col = position[2 * a + 1];
        const size_t size = (size_t)v->height * (size_t)v->width;
        uint8_t *obs = b->obs[a] + e * cfg->obs_size[a];
        view_gather_u8(v, cells, rows, cols, FM_CELL_WALL, row, col, facing[2 * a], window);
        const int64_t self = view_self_index(v, row, col);
        window[self] &= (uint8_t)~role_bit(cfg, a); /* it is "self", not one of its role */
        memset(obs, 0, size);
        obs[self] = 1;
        onehot_planes_u8(window, size, 0, FM_NUM_CHANNELS - 2, obs + size);
        uint8_t *burnt_plane = obs + (size_t)(FM_NUM_CHANNELS - 1) * size;
        if (cfg->burn_out_ticks > 0)
            view_gather_u8(v, burnt, rows, cols, 0, row, col, facing[2 * a], burnt_plane);
        else
            memset(burnt_plane, 0, size);
    }
}

int fm_state(const fm_config *cfg, const fm_batch *b, uint8_t *out)
{
    int code = fm_check(cfg, b);
    if (code != FM_OK)
        return code;
    if (!out)
        return FM_ERR_NULL;
    const size_t size = (size_t)cfg->rows * (size_t)cfg->cols;
    for (int64_t e = 0; e < b->num_envs; e++) {
        uint8_t *planes = out + (size_t)e * (FM_NUM_CHANNELS - 1) * size;
        onehot_planes_u8(b->cells + (size_t)e * size, size, 0, FM_NUM_CHANNELS - 2, planes);
        memcpy(planes + (size_t)(FM_NUM_CHANNELS - 2) * size, b->burnt + (size_t)e * size, size);
    }
    return FM_OK;
}
