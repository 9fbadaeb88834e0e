/*
 * The Firemaker's batch fire with rows of source bits (fm_config.ring_bits; reach at most 3, one
 * level): one pass over the board (fm_scan_board), then q and the ignition draw of every cell
 * that may ignite (fm_ignite_by_bits). Called by fm_spread_fire (firemaker_fire.c); the same
 * arithmetic as kernel.spread_fire (fire.h, fire_plan), so the same fires.
 */
#include "fire.h"
#include "firemaker_internal.h"
#include "rng.h"

#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

/* Row r into s: 16 cells at a time with SSE2 (byte masks to bit masks), else one by one; the
 * same bits, lists (in row-major order) and counts either way. The counts live in locals
 * while the lists are written (a uint32 store could otherwise alias them). */
static void scan_row(row_scan *s, const uint8_t *cells, const uint8_t *burnt, int32_t r,
                     int32_t cols, int32_t words, int32_t pad)
{
    uint64_t *const row = s->bits + (int64_t)(r + pad) * words; /* pad rows above (reach) */
    uint32_t *const candidate_rc = s->candidate_rc;
    int32_t *const burning = s->burning;
    int32_t num_candidates = s->num_candidates, num_burning = s->num_burning;
    int32_t external = s->external;
    const int32_t start = r * cols;
    const uint32_t rc = (uint32_t)r << 16;
    int32_t c = 0;
#if defined(__SSE2__) && defined(__GNUC__)
    const __m128i zero = _mm_setzero_si128();
    const __m128i never = _mm_set1_epi8((char)(NEVER_BURNS | FM_CELL_FIRE));
    while (cols - c >= 8 && cols >= 16) {
        /* 16 cells from column c; the row's last 8 to 15 are read as the last full 16 of the
         * row, their first `seen` columns dropped from the masks (fewer: one by one) */
        const int32_t from = c + 16 <= cols ? c : cols - 16, seen = c - from;
        const int32_t x = c + pad;
        const __m128i v = _mm_loadu_si128((const __m128i *)(cells + start + from));
        const __m128i w = _mm_loadu_si128((const __m128i *)(burnt + start + from));
        const __m128i fire = _mm_slli_epi16(v, 2); /* bit 5 (fire) to bit 7 of each byte */
        const uint32_t fires = (uint32_t)_mm_movemask_epi8(fire) >> seen;
        uint32_t outside = (uint32_t)_mm_movemask_epi8(_mm_and_si128(v, fire)) >> seen;
        uint32_t may = (uint32_t)_mm_movemask_epi8(_mm_and_si128(
                           _mm_cmpeq_epi8(_mm_and_si128(v, never), zero),
                           _mm_cmpeq_epi8(w, zero))) >>
                       seen;
        row[x >> 6] |= (uint64_t)fires << (x & 63);
        if ((x & 63) > 48)
            row[(x >> 6) + 1] |= (uint64_t)fires >> (64 - (x & 63));
        outside -= (outside >> 1) & 0x5555; /* popcount of 16 bits */
        outside = (outside & 0x3333) + ((outside >> 2) & 0x3333);
        outside = (outside + (outside >> 4)) & 0x0F0F;
        external += (int32_t)((outside + (outside >> 8)) & 0x1F);
        for (; may; may &= may - 1)
            candidate_rc[num_candidates++] = rc | (uint32_t)(c + __builtin_ctz(may));
        if (burning)
            for (uint32_t f = fires; f; f &= f - 1)
                burning[num_burning++] = start + c + __builtin_ctz(f);
        c += 16 - seen;
    }
#endif
    for (; c < cols; c++) { /* branch-free but the list of fires */
        const uint8_t cell = cells[start + c], fire = (cell >> 5) & 1; /* FM_CELL_FIRE */
        const int32_t x = c + pad;
        external += (cell >> 7) & fire; /* FM_CELL_EXTERNAL */
        candidate_rc[num_candidates] = rc | (uint32_t)c;
        num_candidates += ((cell & (NEVER_BURNS | FM_CELL_FIRE)) | burnt[start + c]) == 0;
        if (burning) {
            burning[num_burning] = start + c;
            num_burning += fire;
        }
        row[x >> 6] |= (uint64_t)fire << (x & 63);
    }
    s->num_candidates = num_candidates;
    s->num_burning = num_burning;
    s->external = external;
}

void fm_scan_board(const fm_config *cfg, const uint8_t *cells, const uint8_t *burnt,
                   row_scan *s)
{
    for (int32_t r = 0; r < cfg->rows; r++)
        scan_row(s, cells, burnt, r, cfg->cols, cfg->source_bits_words, cfg->fire.reach);
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
    const double *const joint = cfg->joint_q, *const powers = cfg->fire.powers;
    const int64_t *const power_start = cfg->fire.power_start;
    const int32_t width = cfg->ring_bits_width, words = cfg->source_bits_words;
    const int32_t cols = cfg->cols, reach = cfg->fire.reach;
    const int32_t num_classes = cfg->fire.num_classes, joint_classes = cfg->joint_classes;
    const double multiplier = cfg->external_multiplier;
    const uint64_t mask = (UINT64_C(1) << width) - 1;
    const uint32_t *const rc = b->source_rc;
    double q[BLOCK];
    int32_t lit = 0, lit_outside = 0;
    for (int32_t a0 = 0; a0 < num_candidates; a0 += BLOCK) {
        const int32_t m = num_candidates - a0 < BLOCK ? num_candidates - a0 : BLOCK;
        for (int32_t a = 0; a < m; a++) {
            const int32_t r = (int32_t)(rc[a0 + a] >> 16), c = (int32_t)(rc[a0 + a] & 0xFFFF);
            /* offset row dr = k - reach: source row r - dr, at padded row r + 2 * reach - k;
             * its bits c .. c + width - 1 (padded by reach on the left): columns c - reach ..
             * c + reach */
            const uint64_t *row = bits + (int64_t)(r + 2 * reach) * words;
            uint64_t packed = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            /* the 8 bytes from bit c's byte hold bits c .. c + 56 (a row has a spare word) */
            const uint8_t *at = (const uint8_t *)row + (c >> 3);
            const int32_t shift = c & 7;
            for (int32_t k = 0; k < width; k++, at -= 8 * (int64_t)words) {
                uint64_t v;
                memcpy(&v, at, sizeof v);
                packed += ring[((int64_t)k << width) + ((v >> shift) & mask)];
            }
#else
            const int32_t shift = c & 63;
            row += c >> 6;
            for (int32_t k = 0; k < width; k++, row -= words) {
                /* the second word shifted in two steps so that shift 0 is defined */
                const uint64_t window = (row[0] >> shift) | ((row[1] << 1) << (63 - shift));
                packed += ring[((int64_t)k << width) + (window & mask)];
            }
#endif
            double qa = 1.0;
            int32_t base = 0;
            if (joint_classes > 0) {
                qa = joint[packed & 0xFFFF];
                packed >>= 16;
                base = joint_classes;
            }
            for (; base < num_classes; base++, packed >>= 8)
                qa *= powers[power_start[base] + (packed & 0xFF)]; /* 0: times 1.0 */
            q[a] = qa;
        }
        for (int32_t a = 0; a < m; a++) {
            const int32_t r = (int32_t)(rc[a0 + a] >> 16), c = (int32_t)(rc[a0 + a] & 0xFFFF);
            const int32_t i = r * cols + c;
            const uint8_t cell = cells[i];
            const double p = fire_ignition_probability(q[a], cell >> 7, multiplier);
            const uint8_t on = draw_uniform(ignition, (uint64_t)i) < p;
            cells[i] = (uint8_t)(cell | (on << 5)); /* FM_CELL_FIRE */
            lit += on;
            lit_outside += on & (cell >> 7); /* FM_CELL_EXTERNAL */
        }
    }
    *fires += lit;
    *external += lit_outside;
}
