/*
 * The Firemaker's batch fire with rows of source bits (fm_config.ring_bits; reach at most 3, one
 * level): one pass over the board as a flat array (fm_scan_board), then q and the ignition draw
 * of every cell that may ignite (fm_ignite_by_bits). Called by fm_spread_fire
 * (firemaker_fire.c); the same arithmetic as kernel.spread_fire (fire.h, fire_plan), so the
 * same fires.
 *
 * With SSE2 (x86-64) the board is read 16 cells at a time, and on CPUs with AVX-512 64 at a
 * time and the ignition draws 8 at a time; elsewhere, or built with -DAISG_NO_SIMD (the
 * ThreadSanitizer build of .ci/sanitize.sh, so that the tests check it too), one at a time:
 * the same bits either way. -DAISG_NO_AVX512 keeps SSE2 only (the ASan build there, so that
 * the SSE2 blocks an AVX-512 CPU never reaches are checked too).
 */
#include "fire.h"
#include "firemaker_internal.h"
#include "rng.h"

#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__) && !defined(AISG_NO_SIMD)
#include <emmintrin.h>
#endif

/* u[a] = draw_uniform(base, flat[a]) for a < m (rng.h); 8 at a time with AVX-512 where the
 * CPU has it (firemaker_fire_avx512.c), the same bits. */
static void draws(uint64_t base, const int32_t *flat, int32_t m, double *u)
{
#ifdef FM_AVX512
    if (fm_avx512_draws()) {
        fm_draws_avx512(base, flat, m, u);
        return;
    }
#endif
    for (int32_t a = 0; a < m; a++)
        u[a] = draw_uniform(base, (uint64_t)flat[a]);
}

/* The number of set bits of x (SWAR: no popcnt instruction needed). */
static inline uint64_t popcount64(uint64_t x)
{
    x -= (x >> 1) & UINT64_C(0x5555555555555555);
    x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
    x = (x + (x >> 4)) & UINT64_C(0x0F0F0F0F0F0F0F0F);
    return (x * UINT64_C(0x0101010101010101)) >> 56;
}

/* Cells i .. i + n - 1 (n <= 64) as three bit masks, bit j for cell i + j: fire, fire outside
 * the territory, may ignite (may burn, does not burn, holds no agent, not burnt ground). SSE2
 * 16 cells at a time where n allows, else one by one: the same bits either way. */
static inline void cell_masks(const uint8_t *cells, const uint8_t *burnt, int64_t i, int32_t n,
                              uint64_t *fire, uint64_t *outside, uint64_t *may)
{
    uint64_t f = 0, o = 0, m = 0;
    int32_t j = 0;
#if defined(__SSE2__) && defined(__GNUC__) && !defined(AISG_NO_SIMD)
    const __m128i zero = _mm_setzero_si128();
    const __m128i never = _mm_set1_epi8((char)(NEVER_BURNS | FM_CELL_FIRE));
    for (; j + 16 <= n; j += 16) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(cells + i + j));
        const __m128i w = _mm_loadu_si128((const __m128i *)(burnt + i + j));
        const __m128i on = _mm_slli_epi16(v, 2); /* bit 5 (fire) to bit 7 of each byte */
        f |= (uint64_t)(uint32_t)_mm_movemask_epi8(on) << j;
        o |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_and_si128(v, on)) << j; /* bit 7 */
        m |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_and_si128(
                 _mm_cmpeq_epi8(_mm_and_si128(v, never), zero), _mm_cmpeq_epi8(w, zero)))
             << j;
    }
#endif
    for (; j < n; j++) { /* branch-free */
        const uint8_t cell = cells[i + j];
        const uint64_t on = (cell >> 5) & 1; /* FM_CELL_FIRE */
        f |= on << j;
        o |= (on & (cell >> 7)) << j; /* FM_CELL_EXTERNAL */
        m |= (uint64_t)(((cell & (NEVER_BURNS | FM_CELL_FIRE)) | burnt[i + j]) == 0) << j;
    }
    *fire = f;
    *outside = o;
    *may = m;
}

/* Bits from .. from + n - 1 (n <= 57) of the flat bit array w (a spare word at its end), as
 * the low bits of the result; the second word shifted in two steps so that from % 64 = 0 is
 * defined. */
static inline uint64_t flat_bits_at(const uint64_t *w, int64_t from, int32_t n)
{
    const int32_t shift = (int32_t)(from & 63);
    const uint64_t *at = w + (from >> 6);
    return ((at[0] >> shift) | ((at[1] << 1) << (63 - shift))) & ((UINT64_C(1) << n) - 1);
}

/*
 * The board in one pass, cell after cell as a flat array (rows do not cost a pass each), 64
 * cells to a word of s->flat: the fires, and the cells that may ignite. Then the fires go to
 * the padded rows of s->bits (56 columns at a time), the cells that may ignite to
 * s->candidate_rc (row << 16 | col, row-major) and, if s->burning, the fires to it (flat
 * indices, row-major); s->external counts the fires outside the territory.
 *
 * A flat index i < rows * cols, with rows and cols at most FM_MAX_SIDE = 4096 (fm_check), is
 * in row i * M >> 40, M = floor(2^40 / cols) + 1, without a division: i * M / 2^40 = i / cols
 * + i * e / 2^40 with 0 < e <= 1, and i * e / 2^40 < 2^24 / 2^40 = 2^-16 < 1 / cols (cols <=
 * 2^12), less than the gap between i / cols's fraction ((cols - 1) / cols at most) and 1. No
 * overflow: i * M < 4096 * cols * (2^40 / cols + 1) <= 2^52 + 2^24; and a row below 4096 fits
 * beside its column in row << 16 | col.
 */
void fm_scan_board(const fm_config *cfg, const uint8_t *cells, const uint8_t *burnt,
                   row_scan *s)
{
    const int32_t rows = cfg->rows, cols = cfg->cols, words = cfg->source_bits_words;
    const int32_t pad = cfg->fire.reach;
    const int64_t size = (int64_t)rows * cols, flat_words = (size + 63) >> 6;
    uint64_t *const fire = s->flat, *const may = s->flat + flat_words + 1;
    int64_t external = 0, w0 = 0;
#ifdef FM_AVX512
    if (fm_avx512_words()) {
        w0 = size >> 6; /* the full words: cell_masks 64 at a time */
        external = fm_full_words_avx512(cells, burnt, w0, fire, may);
    }
#endif
    for (int64_t w = w0; w < flat_words; w++) {
        const int64_t i = w << 6;
        const int32_t n = size - i < 64 ? (int32_t)(size - i) : 64;
        uint64_t outside;
        cell_masks(cells, burnt, i, n, &fire[w], &outside, &may[w]);
        external += (int64_t)popcount64(outside);
    }
    fire[flat_words] = 0; /* the spare words flat_bits_at may read */
    may[flat_words] = 0;
    for (int32_t r = 0; s->bits && r < rows; r++) {
        uint64_t *const row = s->bits + (int64_t)(r + pad) * words; /* pad rows above */
        for (int32_t c = 0; c < cols; c += 56) {
            const int32_t n = cols - c < 56 ? cols - c : 56, x = c + pad;
            const uint64_t v = flat_bits_at(fire, (int64_t)r * cols + c, n);
            row[x >> 6] |= v << (x & 63);
            row[(x >> 6) + 1] |= (v >> 1) >> (63 - (x & 63)); /* (v has at most 56 bits) */
        }
    }
    const uint64_t M = (UINT64_C(1) << 40) / (uint64_t)cols + 1;
    uint32_t *const candidate_rc = s->candidate_rc;
    int32_t num_candidates = 0;
#ifdef FM_AVX512
    if (!s->bits) /* the AVX-512 fire (fm_spread_fire): as flat indices, fm_ignite_avx512 */
        num_candidates = fm_candidates_avx512(may, flat_words, candidate_rc);
    else
#endif
    for (int64_t w = 0; w < flat_words; w++)
        for (uint64_t m = may[w]; m; m &= m - 1) {
            const uint64_t i = (uint64_t)(w << 6) + (uint64_t)__builtin_ctzll(m);
            const uint32_t r = (uint32_t)((i * M) >> 40);
            candidate_rc[num_candidates++] = r << 16 | (uint32_t)(i - (uint64_t)r * cols);
        }
    int32_t num_burning = 0;
    if (s->burning)
        for (int64_t w = 0; w < flat_words; w++)
            for (uint64_t f = fire[w]; f; f &= f - 1)
                s->burning[num_burning++] = (int32_t)((w << 6) + __builtin_ctzll(f));
    s->num_candidates = num_candidates;
    s->num_burning = num_burning;
    s->external = (int32_t)external;
}

/* The packed class counts of the sources around the cell whose source bits start at bit c
 * of padded row `row` (see fm_ignite_by_bits), summed over the width source rows going up
 * from there. Inlined with width a constant (3, 5 or 7), so the rows unroll. */
static inline __attribute__((always_inline)) uint64_t window_counts(const uint64_t *ring,
                                                                    const uint64_t *row,
                                                                    int32_t c, int32_t words,
                                                                    const int32_t width)
{
    const uint64_t mask = (UINT64_C(1) << width) - 1;
    uint64_t packed = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* the 8 bytes from bit c's byte hold bits c .. c + 56 (a row has a spare word); the rows
     * written out, those past width dropped (width is a constant here) */
    const uint8_t *at = (const uint8_t *)row + (c >> 3);
    const int32_t shift = c & 7;
    const int64_t row_bytes = 8 * (int64_t)words;
    uint64_t v;
#define WINDOW_ROW(k)                                                                          \
    if ((k) < width) {                                                                         \
        memcpy(&v, at - (k) * row_bytes, sizeof v);                                            \
        packed += ring[((int64_t)(k) << width) + ((v >> shift) & mask)];                       \
    }
    WINDOW_ROW(0) WINDOW_ROW(1) WINDOW_ROW(2) WINDOW_ROW(3) WINDOW_ROW(4) WINDOW_ROW(5)
    WINDOW_ROW(6)
#undef WINDOW_ROW
#else
    const int32_t shift = c & 63;
    row += c >> 6;
    for (int32_t k = 0; k < width; k++, row -= words) {
        /* the second word shifted in two steps so that shift 0 is defined */
        const uint64_t window = (row[0] >> shift) | ((row[1] << 1) << (63 - shift));
        packed += ring[((int64_t)k << width) + (window & mask)];
    }
#endif
    return packed;
}

/*
 * The candidates of fm_scan_board (source_rc) ignite: q of each from the rows of source bits
 * (fm_config.ring_bits): the sources of class k around cell (r, c), a byte per class (or the
 * first classes as an index into joint_q), are the sum over the 2 * reach + 1 source rows of
 * the table entry of the row's window of 2 * reach + 1 bits: the same counts, hence the same
 * q, as fire_plan_q (with joint_q, the first classes' product is looked up: the same
 * operations, done once). Then p = fire_ignition_probability, and the cell ignites iff its
 * draw < p (q = 1: p = 0, no fire), branch-free. q is found a block at a time before any cell
 * changes, so nothing read stays in doubt for the compiler.
 */
void fm_ignite_by_bits(const fm_config *cfg, const fm_batch *b, uint8_t *cells,
                       int32_t num_candidates, uint64_t ignition, int32_t *fires,
                       int64_t *external)
{
    enum { BLOCK = 64 };
    const uint64_t *const ring = cfg->ring_bits, *const bits = b->source_bits;
    const double *const joint = cfg->joint_q;
    const int32_t width = cfg->ring_bits_width, words = cfg->source_bits_words;
    const int32_t cols = cfg->cols, reach = cfg->fire.reach;
    const int32_t num_classes = cfg->fire.num_classes, joint_classes = cfg->joint_classes;
    const double multiplier = cfg->external_multiplier;
    const uint32_t *const rc = b->source_rc;
    /* the powers of each class after the joint ones (at most 8 bytes of counts in 64 bits) */
    const double *power[8];
    const int32_t first = joint_classes > 0 ? joint_classes : 0, rest = num_classes - first;
    for (int32_t k = 0; k < rest && k < 8; k++)
        power[k] = cfg->fire.powers + cfg->fire.power_start[first + k];
    uint64_t packed[BLOCK];
    double q[BLOCK], u[BLOCK];
    int32_t flat[BLOCK];
#ifdef FM_AVX512
    if (fm_avx512_counts(cfg)) {
        fm_ignite_avx512(cfg, b, cells, num_candidates, ignition, fires, external);
        return;
    }
#endif
    int32_t lit = 0, lit_outside = 0;
    for (int32_t a0 = 0; a0 < num_candidates; a0 += BLOCK) {
        const int32_t m = num_candidates - a0 < BLOCK ? num_candidates - a0 : BLOCK;
        /* the counts, then the products class after class (in ascending order for every
         * cell, as fire_plan_q), the draws and the comparisons: the cells of a block side by
         * side, none waiting on another */
        for (int32_t a = 0; a < m; a++) {
            const int32_t r = (int32_t)(rc[a0 + a] >> 16), c = (int32_t)(rc[a0 + a] & 0xFFFF);
            /* offset row dr = k - reach: source row r - dr, at padded row r + 2 * reach - k;
             * its bits c .. c + width - 1 (padded by reach on the left): columns c - reach ..
             * c + reach */
            const uint64_t *row = bits + (int64_t)(r + 2 * reach) * words;
            packed[a] = width == 7   ? window_counts(ring, row, c, words, 7)
                        : width == 5 ? window_counts(ring, row, c, words, 5)
                                     : window_counts(ring, row, c, words, 3);
        }
        int32_t shift = 0;
        if (joint_classes > 0) {
            for (int32_t a = 0; a < m; a++)
                q[a] = joint[packed[a] & 0xFFFF];
            shift = 16;
        } else {
            for (int32_t a = 0; a < m; a++)
                q[a] = 1.0;
        }
        for (int32_t k = 0; k < rest; k++, shift += 8)
            for (int32_t a = 0; a < m; a++)
                q[a] *= power[k][(packed[a] >> shift) & 0xFF]; /* 0: times 1.0 */
        for (int32_t a = 0; a < m; a++)
            flat[a] = (int32_t)(rc[a0 + a] >> 16) * cols + (int32_t)(rc[a0 + a] & 0xFFFF);
        draws(ignition, flat, m, u);
        for (int32_t a = 0; a < m; a++) { /* (cells change only here) */
            const int32_t i = flat[a];
            const uint8_t cell = cells[i];
            const double p = fire_ignition_probability(q[a], cell >> 7, multiplier);
            const uint8_t on = u[a] < p;
            cells[i] = (uint8_t)(cell | (on << 5)); /* FM_CELL_FIRE */
            lit += on;
            lit_outside += on & (cell >> 7); /* FM_CELL_EXTERNAL */
        }
    }
    *fires += lit;
    *external += lit_outside;
}
