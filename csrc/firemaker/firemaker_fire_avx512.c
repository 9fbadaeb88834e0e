/*
 * The AVX-512 paths of the Firemaker's batch fire with rows of source bits
 * (firemaker_fire_bits.c calls them after checking the CPU, fm_avx512_*): the same bits as
 * the scalar and SSE2 paths there, which CPUs without AVX-512 take, and builds with
 * -DAISG_NO_SIMD or -DAISG_NO_AVX512 (.ci/sanitize.sh) too.
 *
 * Why the results are the same:
 * - the draws: vpmullq keeps the low 64 bits of each product as uint64_t arithmetic does, and
 *   converting the top 53 bits and scaling them by 2^-53 are exact;
 * - the class counts are integers, however they are added up (core.fire.ring_bit_masks);
 * - q, 1 - q, the external multiplier and the comparison are the scalar code's IEEE operations
 *   in the same order, lane by lane (no contraction: no product feeds an addition), and
 *   min(1, x) is `x > 1 ? 1 : x` also for NaN.
 */
#include "firemaker_internal.h"

#ifdef FM_AVX512
#include "fire.h"
#include "rng.h"

#include <immintrin.h>

int fm_avx512_draws(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
}

int fm_avx512_words(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("popcnt");
}

int fm_avx512_marks(const fm_config *cfg)
{
    return cfg->gap_buckets && fm_avx512_draws() && __builtin_cpu_supports("avx512vl");
}

int fm_avx512_counts(const fm_config *cfg)
{
    /* (padded rows of at most 128 columns: every Firemaker map, at most 101 wide) */
    return cfg->num_ring_masks > 0 && cfg->ring_bits_width > 0 && cfg->source_bits_words <= 3 &&
           fm_avx512_words() && fm_avx512_draws() && __builtin_cpu_supports("avx512vbmi2") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vpopcntdq");
}

/* draw_bits(base, index[a]) >> 11 (rng.h), 8 lanes: a draw's top 53 bits. */
__attribute__((target("avx512f,avx512dq"))) static inline __m512i
top_bits8(__m512i base, __m512i index)
{
    const __m512i gamma = _mm512_set1_epi64((long long)RNG_GAMMA);
    const __m512i m1 = _mm512_set1_epi64((long long)RNG_M1);
    const __m512i m2 = _mm512_set1_epi64((long long)RNG_M2);
    __m512i x = _mm512_add_epi64(
        base, _mm512_mullo_epi64(_mm512_add_epi64(index, _mm512_set1_epi64(1)), gamma));
    x = _mm512_mullo_epi64(_mm512_xor_si512(x, _mm512_srli_epi64(x, 30)), m1);
    x = _mm512_mullo_epi64(_mm512_xor_si512(x, _mm512_srli_epi64(x, 27)), m2);
    x = _mm512_xor_si512(x, _mm512_srli_epi64(x, 31));
    return _mm512_srli_epi64(x, 11);
}

/* draw_uniform(base, index[a]) (rng.h), 8 lanes (index >= 0). */
__attribute__((target("avx512f,avx512dq"))) static inline __m512d
uniform8(__m512i base, __m512i index)
{
    return _mm512_mul_pd(_mm512_cvtepu64_pd(top_bits8(base, index)),
                         _mm512_set1_pd(1.0 / 9007199254740992.0));
}

/*
 * The death marks below size (fire_survival, fire_death_mark) into dying[], counting those on
 * burning cells (fm_spread_fire's loop); returns that count. The gaps of 16 draws at a time
 * first, in lanes, from fm_config.gap_buckets: a draw whose bucket holds one or two gaps gets
 * bucket_lo, plus 1 if u is below the bucket's cut (thresholds[lo] where hi - lo == 1, else
 * 0.0: fire_death_gap's answer); a wider bucket (rare) gets fire_death_gap.
 * Then the marks, walked one by one. Draws past the last mark are made and dropped (a draw
 * is a pure function of its index).
 */
__attribute__((target("avx512f,avx512dq,avx512vl"))) int32_t
fm_death_marks_avx512(const fm_config *cfg, uint64_t deaths, const uint8_t *cells,
                      int64_t size, int32_t *dying)
{
    const fire_survival *const s = &cfg->survival;
    const uint64_t *const buckets = cfg->gap_buckets;
    const double *const cuts = (const double *)(const void *)(buckets + FIRE_GAP_BUCKETS);
    enum { DRAWS = 16 };
    const __m512i base = _mm512_set1_epi64((long long)deaths), eight = _mm512_set1_epi64(8);
    const __m256i one = _mm256_set1_epi32(1);
    __m512i index = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    int32_t gaps[DRAWS], num = 0;
    uint64_t top[8];
    int64_t p = -1;
    for (;;) {
        for (int32_t a = 0; a < DRAWS; a += 8) {
            const __m512i u = top_bits8(base, index);
            index = _mm512_add_epi64(index, eight);
            const __m512i bucket = _mm512_srli_epi64(u, 53 - FIRE_GAP_BUCKET_BITS);
            const __m512i packed = _mm512_i64gather_epi64(bucket, buckets, 8);
            const __m512d cut = _mm512_i64gather_pd(bucket, cuts, 8);
            const __m256i lo = _mm512_cvtepi64_epi32(packed);
            const __m256i width = _mm512_cvtepi64_epi32(_mm512_srli_epi64(packed, 32));
            const __mmask8 below = _mm512_cmp_pd_mask(_mm512_cvtepu64_pd(u), cut, _CMP_LT_OQ);
            _mm256_storeu_si256((__m256i *)(gaps + a), _mm256_mask_add_epi32(lo, below, lo, one));
            const __mmask8 wide = _mm256_cmpgt_epi32_mask(width, one);
            if (wide) {
                _mm512_storeu_si512((void *)top, u);
                for (uint32_t w = wide; w; w &= w - 1)
                    gaps[a + __builtin_ctz(w)] = fire_death_gap(s, top[__builtin_ctz(w)]);
            }
        }
        for (int32_t a = 0; a < DRAWS; a++) {
            p += 1 + gaps[a];
            if (p >= size)
                return num;
            dying[num] = (int32_t)p;
            num += (cells[p] >> 5) & 1; /* FM_CELL_FIRE */
        }
    }
}

__attribute__((target("avx512f,avx512dq"))) void fm_draws_avx512(uint64_t base,
                                                                 const int32_t *flat, int32_t m,
                                                                 double *u)
{
    const __m512i start = _mm512_set1_epi64((long long)base);
    int32_t a = 0;
    for (; a + 8 <= m; a += 8) {
        const __m512i x = _mm512_cvtepi32_epi64(_mm256_loadu_si256((const __m256i *)(flat + a)));
        _mm512_storeu_pd(u + a, uniform8(start, x));
    }
    for (; a < m; a++)
        u[a] = draw_uniform(base, (uint64_t)flat[a]);
}

__attribute__((target("avx512f,avx512bw,popcnt"))) int64_t
fm_full_words_avx512(const uint8_t *cells, const uint8_t *burnt, int64_t full, uint64_t *fire,
                     uint64_t *may)
{
    const __m512i on = _mm512_set1_epi8((char)FM_CELL_FIRE);
    const __m512i outside = _mm512_set1_epi8((char)FM_CELL_EXTERNAL);
    const __m512i never = _mm512_set1_epi8((char)(NEVER_BURNS | FM_CELL_FIRE));
    const __m512i any = _mm512_set1_epi8((char)0xFF);
    int64_t external = 0;
    for (int64_t w = 0; w < full; w++) {
        const __m512i v = _mm512_loadu_si512((const void *)(cells + (w << 6)));
        const __m512i b = _mm512_loadu_si512((const void *)(burnt + (w << 6)));
        const uint64_t f = _mm512_test_epi8_mask(v, on);
        fire[w] = f;
        may[w] = _mm512_testn_epi8_mask(v, never) & _mm512_testn_epi8_mask(b, any);
        external += __builtin_popcountll(f & _mm512_test_epi8_mask(v, outside));
    }
    return external;
}

/* The flat indices of the set bits of the words may[0 .. words - 1] (bit j of word w: cell
 * 64 * w + j) into flat[], ascending; returns how many. A word's set bits compressed at once
 * (VBMI2), then widened 16 at a time. */
__attribute__((target("avx512f,avx512bw,avx512vbmi2"))) int32_t
fm_candidates_avx512(const uint64_t *may, int64_t words, uint32_t *flat)
{
    const __m512i iota = _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50,
                                         49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36,
                                         35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22,
                                         21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7,
                                         6, 5, 4, 3, 2, 1, 0);
    int32_t n = 0;
    for (int64_t w = 0; w < words; w++) {
        const int32_t count = __builtin_popcountll(may[w]);
        const __m512i base = _mm512_set1_epi32((int32_t)(w << 6));
        __m512i at = _mm512_maskz_compress_epi8((__mmask64)may[w], iota);
        for (int32_t k = 0; k < count; k += 16) {
            const int32_t left = count - k < 16 ? count - k : 16;
            _mm512_mask_storeu_epi32(
                flat + n + k, (__mmask16)((1u << left) - 1),
                _mm512_add_epi32(base, _mm512_cvtepu8_epi32(_mm512_castsi512_si128(at))));
            at = _mm512_alignr_epi32(_mm512_setzero_si512(), at, 4); /* the next 16 bytes */
        }
        n += count;
    }
    return n;
}

/*
 * Byte x of row r of b->vertical gets, at bit k, whether a source is at board row r + reach - k,
 * column x - reach (none off the board): bit k of row r is what ring_bits' row k reads for
 * board row r. The fires come straight from the cells (64 columns per masked load), the board
 * rows slide through a register per 64 padded columns (one shift and one masked add per row),
 * then the working workers' cells are added.
 */
/* The fires among columns 64 c .. 64 c + 63 of a board row, as bits (none past cols). */
__attribute__((target("avx512f,avx512bw"))) static inline __mmask64
chunk_fires(const uint8_t *row, int32_t cols, int32_t c)
{
    const int32_t n = cols - 64 * c;
    const __mmask64 valid = n >= 64 ? ~(__mmask64)0 : n > 0 ? ((__mmask64)1 << n) - 1 : 0;
    return _mm512_test_epi8_mask(_mm512_maskz_loadu_epi8(valid, row + 64 * c),
                                 _mm512_set1_epi8((char)FM_CELL_FIRE));
}

/* v slid down a row: bit k to bit k + 1 (dropping bit width - 1), the cells in m at bit 0.
 * (Bits stay in their byte: width <= 7 leaves bit 7 clear before the shift.) */
__attribute__((target("avx512f,avx512bw"))) static inline __m512i slide(__m512i v, __mmask64 m,
                                                                         __m512i keep)
{
    v = _mm512_and_si512(_mm512_slli_epi16(v, 1), keep);
    return _mm512_mask_add_epi8(v, m, v, _mm512_set1_epi8(1));
}

__attribute__((target("avx512f,avx512bw"))) void
fm_vertical_codes_avx512(const fm_config *cfg, const uint8_t *cells, const int32_t *working,
                         int32_t num_working, uint8_t *vertical)
{
    const int32_t rows = cfg->rows, cols = cfg->cols, words = cfg->source_bits_words;
    const int32_t width = cfg->ring_bits_width, pad = cfg->fire.reach;
    const int64_t stride = 64 * (int64_t)(words - 1);
    const __m512i keep = _mm512_set1_epi8((char)((1 << width) - 1));
    const int two = words - 1 == 2, second = cols > 64; /* (words <= 3: fm_avx512_counts) */
    __m512i v0 = _mm512_setzero_si512(), v1 = _mm512_setzero_si512();
    for (int32_t p = 0; p < rows + width - 1; p++) { /* padded row p: board row p - pad */
        const int32_t r = p - pad;
        __mmask64 t0 = 0, t1 = 0; /* its fires, read once */
        if (r >= 0 && r < rows) {
            t0 = chunk_fires(cells + (int64_t)r * cols, cols, 0);
            if (second)
                t1 = chunk_fires(cells + (int64_t)r * cols, cols, 1);
        }
        /* padded columns 0 .. 63 are board columns -pad .. 63 - pad, and so on (pad >= 1 with
         * ring bits, fm_check: the shift by 64 - pad is defined) */
        v0 = slide(v0, t0 << pad, keep);
        if (two)
            v1 = slide(v1, t1 << pad | t0 >> (64 - pad), keep);
        if (p >= width - 1) {
            uint8_t *const out = vertical + (p - (width - 1)) * stride;
            _mm512_storeu_si512((void *)out, v0);
            if (two)
                _mm512_storeu_si512((void *)(out + 64), v1);
        }
    }
    for (int32_t w = 0; w < num_working; w++) {
        const int32_t rs = working[w] / cols, x = working[w] % cols + pad;
        for (int32_t k = 0; k < width; k++) {
            const int32_t r = rs - pad + k;
            if (r >= 0 && r < rows)
                vertical[r * stride + x] |= (uint8_t)(1 << k);
        }
    }
}

/*
 * fm_ignite_by_bits 8 candidates at a time, from their flat indices (fm_candidates_avx512,
 * in b->source_rc) and b->vertical (fm_vertical_codes_avx512); row r = i * M >> 40 as in
 * fm_scan_board. The window of cell (r, c) is the 8 bytes of
 * b->vertical from column c of row r (padded columns c .. c + width - 1), cut to width bytes;
 * its packed counts are the sum of weight * popcount(window & mask) (fm_config.ring_masks);
 * q, p inside and outside the territory, the draws and the comparisons follow in lanes, and
 * only the cells whose draw is below one of the two p are visited.
 */
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vpopcntdq"))) void
fm_ignite_avx512(const fm_config *cfg, const fm_batch *b, uint8_t *cells,
                 int32_t num_candidates, uint64_t ignition, int32_t *fires, int64_t *external)
{
    const uint8_t *const vertical = b->vertical; /* (fm_vertical_codes_avx512) */
    const uint32_t *const candidates = b->source_rc;
    const int32_t num_masks = cfg->num_ring_masks, cols = cfg->cols;
    const uint64_t *const masks = cfg->ring_masks, *const weights = masks + num_masks;
    const int32_t num_classes = cfg->fire.num_classes, joint_classes = cfg->joint_classes;
    const int32_t first = joint_classes > 0 ? joint_classes : 0, rest = num_classes - first;
    const double *power[8];
    for (int32_t k = 0; k < rest && k < 8; k++)
        power[k] = cfg->fire.powers + cfg->fire.power_start[first + k];
    const __m256i stride = _mm256_set1_epi32(64 * (cfg->source_bits_words - 1));
    const __m512i reciprocal =
        _mm512_set1_epi64((long long)((UINT64_C(1) << 40) / (uint64_t)cols + 1));
    const __m256i width8 = _mm256_set1_epi32(cols);
    const __m512i keep =
        _mm512_set1_epi64((long long)((UINT64_C(1) << (8 * cfg->ring_bits_width)) - 1));
    const __m512i byte = _mm512_set1_epi64(0xFF), index16 = _mm512_set1_epi64(0xFFFF);
    const __m512i base = _mm512_set1_epi64((long long)ignition);
    const __m512d one = _mm512_set1_pd(1.0), multiplier = _mm512_set1_pd(cfg->external_multiplier);
    const int scaled = cfg->external_multiplier != 1.0;
    /* the cells to visit: flat index << 2 | below p inside | below p outside << 1 */
    const __m256i one32 = _mm256_set1_epi32(1), two32 = _mm256_set1_epi32(2);
    uint32_t *const visits = (uint32_t *)b->candidate_list;
    int32_t num_visits = 0, lit = 0, lit_outside = 0;
    enum { CHUNK = 128 };
    /* a chunk's packed counts, then its q, each phase's gathers side by side */
    uint64_t counts[CHUNK];
    double qs[CHUNK];
    for (int32_t a = 0; a < num_candidates; a += 8) {
        const __mmask8 lanes =
            (__mmask8)(num_candidates - a >= 8 ? 0xFF : (1u << (num_candidates - a)) - 1);
        const __m256i flat = _mm256_maskz_loadu_epi32(lanes, candidates + a);
        if (a % CHUNK == 0) {
            for (int32_t g = a; g < a + CHUNK && g < num_candidates; g += 8) {
                const __mmask8 in =
                    (__mmask8)(num_candidates - g >= 8 ? 0xFF : (1u << (num_candidates - g)) - 1);
                const __m256i cell = _mm256_maskz_loadu_epi32(in, candidates + g);
                const __m256i r = _mm512_cvtepi64_epi32(_mm512_srli_epi64(
                    _mm512_mullo_epi64(_mm512_cvtepu32_epi64(cell), reciprocal), 40));
                const __m256i c = _mm256_sub_epi32(cell, _mm256_mullo_epi32(r, width8));
                const __m256i at = _mm256_add_epi32(_mm256_mullo_epi32(r, stride), c);
                const __m512i window = _mm512_and_si512(
                    _mm512_mask_i32gather_epi64(_mm512_setzero_si512(), in, at, vertical, 1),
                    keep);
                __m512i sum = _mm512_setzero_si512();
                for (int32_t k = 0; k < num_masks; k++) {
                    const __m512i n = _mm512_popcnt_epi64(
                        _mm512_and_si512(window, _mm512_set1_epi64((long long)masks[k])));
                    sum = _mm512_add_epi64(
                        sum, _mm512_mullo_epi64(n, _mm512_set1_epi64((long long)weights[k])));
                }
                _mm512_storeu_si512((void *)(counts + (g - a)), sum);
            }
            /* q as fire_plan_q: the joint prefix, then the other classes in ascending order */
            for (int32_t g = a; g < a + CHUNK && g < num_candidates; g += 8) {
                const __mmask8 in =
                    (__mmask8)(num_candidates - g >= 8 ? 0xFF : (1u << (num_candidates - g)) - 1);
                const __m512i packed = _mm512_loadu_si512((const void *)(counts + (g - a)));
                __m512d q = one;
                int32_t shift = 0;
                if (joint_classes > 0) {
                    q = _mm512_mask_i64gather_pd(one, in, _mm512_and_si512(packed, index16),
                                                 cfg->joint_q, 8);
                    shift = 16;
                }
                for (int32_t k = 0; k < rest; k++, shift += 8) {
                    const __m512i n =
                        _mm512_and_si512(_mm512_srli_epi64(packed, (unsigned)shift), byte);
                    q = _mm512_mul_pd(q, _mm512_mask_i64gather_pd(one, in, n, power[k], 8));
                }
                _mm512_storeu_pd(qs + (g - a), q);
            }
        }
        const __m512d q = _mm512_loadu_pd(qs + a % CHUNK);
        /* fire_ignition_probability, for a cell inside and outside the territory */
        const __m512d inside = _mm512_sub_pd(one, q);
        const __m512d outside =
            scaled ? _mm512_min_pd(one, _mm512_mul_pd(inside, multiplier)) : inside;
        const __m512d u = uniform8(base, _mm512_cvtepi32_epi64(flat));
        const __mmask8 below_inside = _mm512_mask_cmp_pd_mask(lanes, u, inside, _CMP_LT_OQ);
        const __mmask8 below_outside = _mm512_mask_cmp_pd_mask(lanes, u, outside, _CMP_LT_OQ);
        const __mmask8 visit = below_inside | below_outside;
        const __m256i below = _mm256_or_si256(_mm256_maskz_mov_epi32(below_inside, one32),
                                              _mm256_maskz_mov_epi32(below_outside, two32));
        const __m256i code = _mm256_or_si256(_mm256_slli_epi32(flat, 2), below);
        _mm256_mask_storeu_epi32(visits + num_visits,
                                 (__mmask8)((1u << __builtin_popcount(visit)) - 1),
                                 _mm256_maskz_compress_epi32(visit, code));
        num_visits += __builtin_popcount(visit);
    }
    /* the cells whose draw is below one of the two p: on fire if below their own */
    for (int32_t v = 0; v < num_visits; v++) { /* branch-free */
        const int32_t i = (int32_t)(visits[v] >> 2);
        const uint8_t cell = cells[i], out = cell >> 7; /* FM_CELL_EXTERNAL */
        const uint8_t on = (uint8_t)((visits[v] >> out) & 1);
        cells[i] = (uint8_t)(cell | (on << 5)); /* FM_CELL_FIRE */
        lit += on;
        lit_outside += on & out;
    }
    *fires += lit;
    *external += lit_outside;
}
#endif
