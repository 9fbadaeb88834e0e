/*
 * The per-tick priority order of agents' actions: the C twin of rng.priority_order and
 * MultiAgentGame.priority_order.
 *
 * Randomised: each live agent index i < count gets the 64 bits draw_bits(base, i) of stream
 * STREAM_ACTION_ORDER at (key, tick); indices are sorted by those bits, ties by index. Fixed:
 * 0, 1, ..., count - 1. Header only; shared by every batch kernel.
 */
#ifndef AISG_ORDER_H
#define AISG_ORDER_H

#include <stdint.h>

#include "rng.h"

/* Most agents priority_order sorts (larger counts are clamped to it). */
#define ORDER_MAX_AGENTS 64

/* order[0 .. count - 1] = the live-agent indices in the order they act this tick. */
static inline void priority_order(uint64_t key, uint64_t tick, int32_t count, int32_t randomize,
                                  int32_t *order)
{
    if (!randomize) {
        for (int32_t i = 0; i < count; i++)
            order[i] = i;
        return;
    }
    uint64_t bits[ORDER_MAX_AGENTS];
    if (count > ORDER_MAX_AGENTS)
        count = ORDER_MAX_AGENTS; /* keeps bits[] in bounds whatever the caller passes */
    const uint64_t base = stream_base(key, tick, STREAM_ACTION_ORDER);
    for (int32_t i = 0; i < count; i++) {
        const uint64_t b = draw_bits(base, (uint64_t)i);
        int32_t j = i;
        /* insertion sort by (bits, index): a later index never goes before an equal key */
        while (j > 0 && bits[j - 1] > b) {
            bits[j] = bits[j - 1];
            order[j] = order[j - 1];
            j--;
        }
        bits[j] = b;
        order[j] = i;
    }
}

#endif /* AISG_ORDER_H */
