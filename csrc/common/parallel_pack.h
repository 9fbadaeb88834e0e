/*
 * Bit-packing of binary observations on the thread pool: one bit per value (observation_encoding="packed").
 *
 * A row of `bits` bytes, each 0 or 1 (one-hot or binary channels), becomes (bits + 7) / 8
 * bytes: bit i (least significant first) of byte k is value 8k + i, and the unused high bits
 * of the last byte are 0. That is numpy's np.packbits(row, bitorder="little"); unpack with
 * np.unpackbits(packed, axis=-1, count=bits, bitorder="little") or two shifts and a mask on an
 * accelerator. Values other than 0 and 1 are the caller's error (the batch only packs games
 * whose channels are binary).
 *
 * The declarations between the cffi markers are exposed to Python.
 */
#ifndef AISG_PARALLEL_PACK_H
#define AISG_PARALLEL_PACK_H

#include <stdint.h>

#include "parallel.h"

/* cffi:begin */
/* Pack `rows` rows of `bits` 0/1 bytes from src into rows of (bits + 7) / 8 bytes in dst, on
 * the pool's threads (NULL: the calling thread), at least `grain` rows per thread. 0, or -1
 * for a NULL pointer or a negative size. */
int64_t pack_bits(par_pool *pool, int64_t grain, const uint8_t *src, int64_t rows, int64_t bits,
                  uint8_t *dst);
/* cffi:end */

#endif /* AISG_PARALLEL_PACK_H */
