/*
 * Per-agent views for batch kernels: the C twin of ai_safety_gridworlds/views.py.
 *
 * A view is described in the agent's own frame by how many cells it sees to its left, right,
 * ahead (up) and behind (down); the window has (up + down + 1) rows and (left + right + 1)
 * columns and is rotated so that the agent's facing is up. The global view (radius -1) is the
 * whole board, fixed and never rotated. Cells outside the board read as a caller-given
 * "outside" value (wall).
 *
 * Facings are numbered clockwise from up: 0 up, 1 right, 2 down, 3 left, and a facing's
 * (row, col) step is MOVE_DROW, MOVE_DCOL (moves.h).
 * Window cell (i, j) of an agent at (row, col) facing f shows the board cell
 *
 *     (row, col) + (up - i) * forward(f) + (j - left) * right(f)
 *
 * which is what views.py's crop + np.rot90 computes. Nothing here knows about a particular
 * game: a game gathers its per-cell values (a channel bitmask, an object id, ...) into a window
 * and expands them into observation channels itself (onehot_planes_u8 for bitmasks).
 *
 * Header only (static inline); no allocation.
 */
#ifndef AISG_VIEWS_H
#define AISG_VIEWS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "moves.h"

/* cffi:begin */
/* A view in the agent's frame; height and width are the window's shape. */
typedef struct view_spec {
    int32_t left, right, up, down;
    int32_t is_global; /* 1: the whole board, H x W, fixed, never rotated */
    int32_t height, width;
} view_spec;
/* cffi:end */

/* A view fits the board and its buffers (for checking configs): its window shape is consistent
 * with its extents, its observation is `channels` planes of the window (obs_size bytes) and the
 * window scratch (window_capacity bytes) holds the window. */
static inline int view_fits(const view_spec *v, int32_t rows, int32_t cols, int32_t channels,
                            int64_t obs_size, int64_t window_capacity)
{
    const int64_t cells = (int64_t)v->height * v->width;
    if (obs_size != channels * cells || cells > window_capacity)
        return 0;
    if (v->is_global)
        return v->height == rows && v->width == cols;
    return v->left >= 0 && v->right >= 0 && v->up >= 0 && v->down >= 0 &&
           v->height == v->up + v->down + 1 && v->width == v->left + v->right + 1;
}

/* Index, in the row-major window, of the cell where the agent itself appears. */
static inline int64_t view_self_index(const view_spec *v, int32_t row, int32_t col)
{
    if (v->is_global)
        return (int64_t)row * v->width + col;
    return (int64_t)v->up * v->width + v->left;
}

/*
 * [*lo, *hi) = the j in [0, n) for which start + j * step lies in [0, size); step is -1, 0 or 1.
 * Empty (lo == hi) when none.
 */
static inline void view_clip(int64_t start, int32_t step, int64_t size, int64_t n, int64_t *lo,
                             int64_t *hi)
{
    int64_t a = 0, b = n;
    if (step == 0) {
        if (start < 0 || start >= size)
            b = 0;
    } else if (step > 0) {
        if (start < 0)
            a = -start;
        if (start + n > size)
            b = size - start;
    } else {
        if (start >= size)
            a = start - size + 1;
        if (start - n < -1)
            b = start + 1;
    }
    if (a > n)
        a = n;
    if (b < a)
        b = a;
    *lo = a;
    *hi = b;
}

/*
 * Window of a uint8 board (rows x cols, row major) seen by an agent at (row, col) with the
 * given facing (ignored by the global view): window[i * width + j], outside cells = outside.
 * Each window row is a straight line on the board, clipped once, then copied with a stride.
 */
static inline void view_gather_u8(const view_spec *v, const uint8_t *board, int32_t rows,
                                  int32_t cols, uint8_t outside, int32_t row, int32_t col,
                                  int32_t facing, uint8_t *window)
{
    if (v->is_global) {
        memcpy(window, board, (size_t)rows * (size_t)cols);
        return;
    }
    const int32_t f = facing & 3;
    const int32_t fr = MOVE_DROW[f], fc = MOVE_DCOL[f];                  /* forward */
    const int32_t rr = MOVE_DROW[(f + 1) & 3], rc = MOVE_DCOL[(f + 1) & 3]; /* right */
    const int64_t width = v->width;
    const int64_t stride = (int64_t)rr * cols + rc;
    for (int64_t i = 0; i < v->height; i++) {
        const int64_t ahead = v->up - i;
        const int64_t r0 = row + ahead * fr - (int64_t)v->left * rr;
        const int64_t c0 = col + ahead * fc - (int64_t)v->left * rc;
        int64_t rlo, rhi, clo, chi;
        view_clip(r0, rr, rows, width, &rlo, &rhi);
        view_clip(c0, rc, cols, width, &clo, &chi);
        const int64_t lo = rlo > clo ? rlo : clo;
        int64_t hi = rhi < chi ? rhi : chi;
        if (hi < lo)
            hi = lo;
        uint8_t *out = window + i * width;
        for (int64_t j = 0; j < lo; j++)
            out[j] = outside;
        if (hi > lo) {
            const int64_t first = (r0 + lo * rr) * cols + (c0 + lo * rc);
            if (stride == 1) {
                memcpy(out + lo, board + first, (size_t)(hi - lo));
            } else {
                for (int64_t j = lo; j < hi; j++)
                    out[j] = board[first + (j - lo) * stride];
            }
        }
        for (int64_t j = hi; j < width; j++)
            out[j] = outside;
    }
}

/*
 * Window of board indices: index[i * width + j] is the row-major board index of the window
 * cell, or -1 outside the board. For games whose per-cell values are not bytes.
 */
static inline void view_indices(const view_spec *v, int32_t rows, int32_t cols, int32_t row,
                                int32_t col, int32_t facing, int32_t *index)
{
    if (v->is_global) {
        for (int64_t k = 0; k < (int64_t)rows * cols; k++)
            index[k] = (int32_t)k;
        return;
    }
    const int32_t f = facing & 3;
    const int32_t fr = MOVE_DROW[f], fc = MOVE_DCOL[f];
    const int32_t rr = MOVE_DROW[(f + 1) & 3], rc = MOVE_DCOL[(f + 1) & 3];
    for (int64_t i = 0; i < v->height; i++) {
        const int64_t ahead = v->up - i;
        for (int64_t j = 0; j < v->width; j++) {
            const int64_t side = j - v->left;
            const int64_t r = row + ahead * fr + side * rr;
            const int64_t c = col + ahead * fc + side * rc;
            const int inside = r >= 0 && r < rows && c >= 0 && c < cols;
            index[i * v->width + j] = inside ? (int32_t)(r * cols + c) : -1;
        }
    }
}

/*
 * The row-major board index of window cell k (= i * width + j) of an agent at (row, col) with
 * the given facing, or -1 outside the board: one cell of view_indices, for games that gather
 * bytes with view_gather_u8 and look up only the few cells that need more than their byte.
 */
static inline int64_t view_cell_index(const view_spec *v, int32_t rows, int32_t cols,
                                      int32_t row, int32_t col, int32_t facing, int64_t k)
{
    if (v->is_global)
        return k;
    const int32_t f = facing & 3;
    const int64_t ahead = v->up - k / v->width, side = k % v->width - v->left;
    const int64_t r = row + ahead * MOVE_DROW[f] + side * MOVE_DROW[(f + 1) & 3];
    const int64_t c = col + ahead * MOVE_DCOL[f] + side * MOVE_DCOL[(f + 1) & 3];
    return r >= 0 && r < rows && c >= 0 && c < cols ? r * cols + c : -1;
}

/*
 * One-hot planes from a window of channel bitmasks: planes[p * n + k] = bit (first_bit + p)
 * of window[k], for p < num_planes (first_bit + num_planes <= 8). Writes num_planes * n bytes.
 * Eight cells at a time in a 64-bit word: shifting right by fewer than 8 bits and keeping the
 * lowest bit of each byte takes every byte's own bit.
 */
static inline void onehot_planes_u8(const uint8_t *restrict window, size_t n, int first_bit,
                                    int num_planes, uint8_t *restrict planes)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    for (int p = 0; p < num_planes; p++) {
        const int bit = first_bit + p;
        uint8_t *restrict plane = planes + (size_t)p * n;
        size_t k = 0;
        for (; k + 8 <= n; k += 8) {
            uint64_t word;
            memcpy(&word, window + k, 8);
            word = (word >> bit) & ones;
            memcpy(plane + k, &word, 8);
        }
        for (; k < n; k++)
            plane[k] = (uint8_t)((window[k] >> bit) & 1u);
    }
}

#endif /* AISG_VIEWS_H */
