/*
 * Bit-packing of binary observations (see parallel_pack.h).
 *
 * Eight 0/1 bytes read as one little-endian 64-bit word x = sum b_j << 8j become one byte by a
 * multiplication: x * 0x0102040810204080 puts b_j at bit 56 + j and every other product term
 * at a position that no other term shares (no carries), so the top byte is sum b_j << j.
 */
#include "parallel_pack.h"

#include <string.h>

#define PACK_MAGIC 0x0102040810204080ULL

typedef struct pack_call {
    const uint8_t *src;
    uint8_t *dst;
    int64_t bits, bytes;
} pack_call;

static int64_t pack_row(void *context, int64_t row, int32_t worker)
{
    (void)worker;
    const pack_call *call = context;
    const uint8_t *in = call->src + row * call->bits;
    uint8_t *out = call->dst + row * call->bytes;
    const int64_t whole = call->bits / 8;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (int64_t k = 0; k < whole; k++) {
        uint64_t x;
        memcpy(&x, in + 8 * k, sizeof x);
        out[k] = (uint8_t)((x * PACK_MAGIC) >> 56);
    }
#else
    for (int64_t k = 0; k < whole; k++) {
        uint8_t byte = 0;
        for (int32_t i = 0; i < 8; i++)
            byte |= (uint8_t)((in[8 * k + i] & 1u) << i);
        out[k] = byte;
    }
#endif
    if (whole < call->bytes) {
        uint8_t byte = 0;
        for (int64_t i = 8 * whole; i < call->bits; i++)
            byte |= (uint8_t)((in[i] & 1u) << (i - 8 * whole));
        out[whole] = byte;
    }
    return 0;
}

int64_t pack_bits(par_pool *pool, int64_t grain, const uint8_t *src, int64_t rows, int64_t bits,
                  uint8_t *dst)
{
    if (!src || !dst)
        return -1;
    if (rows < 0 || bits < 0)
        return -1;
    pack_call call = {src, dst, bits, (bits + 7) / 8};
    return par_for_slots(pool, rows, grain, pack_row, &call);
}
