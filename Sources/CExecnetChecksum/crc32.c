// CRC-32 as zlib computes it. On x86-64 processors with carry-less
// multiplication the bulk is folded 64 bytes at a time with PCLMULQDQ
// (the method of Gopal et al., "Fast CRC Computation for Generic
// Polynomials Using PCLMULQDQ Instruction", Intel, 2009); everything
// else, and the ragged ends, goes through tables eight bytes at a time.

#include "CExecnetChecksum.h"

#include <pthread.h>
#include <string.h>

static uint32_t tables[8][256];

static void build_tables(void) {
    for (uint32_t byte = 0; byte < 256; byte++) {
        uint32_t crc = byte;
        for (int bit = 0; bit < 8; bit++) crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        tables[0][byte] = crc;
    }
    for (int slice = 1; slice < 8; slice++)
        for (int byte = 0; byte < 256; byte++) {
            uint32_t previous = tables[slice - 1][byte];
            tables[slice][byte] = (previous >> 8) ^ tables[0][previous & 0xFF];
        }
}

// `crc` here and below is the register, not zlib's value (its complement).
static uint32_t by_tables(uint32_t crc, const uint8_t *p, size_t count) {
    while (count >= 8) {
        uint32_t low, high;
        memcpy(&low, p, 4);
        memcpy(&high, p + 4, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        low = __builtin_bswap32(low);
        high = __builtin_bswap32(high);
#endif
        low ^= crc;
        crc = tables[7][low & 0xFF] ^ tables[6][(low >> 8) & 0xFF] ^ tables[5][(low >> 16) & 0xFF]
            ^ tables[4][low >> 24] ^ tables[3][high & 0xFF] ^ tables[2][(high >> 8) & 0xFF]
            ^ tables[1][(high >> 16) & 0xFF] ^ tables[0][high >> 24];
        p += 8;
        count -= 8;
    }
    while (count--) crc = (crc >> 8) ^ tables[0][(crc ^ *p++) & 0xFF];
    return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define CARRYLESS __attribute__((target("pclmul,sse4.1")))

// One 128-bit lane moved 128 × n bits on and added to the next 16 bytes:
// its low half times x^(128n+64) mod P, its high half times x^(128n) mod P
// (both bit-reflected, as the constants below are).
CARRYLESS static inline __m128i fold(__m128i lane, __m128i constants, __m128i next) {
    __m128i low = _mm_clmulepi64_si128(lane, constants, 0x00);
    __m128i high = _mm_clmulepi64_si128(lane, constants, 0x11);
    return _mm_xor_si128(_mm_xor_si128(low, high), next);
}

// `count` is at least 64 and a multiple of 16.
CARRYLESS static uint32_t by_folding(uint32_t crc, const uint8_t *p, size_t count) {
    // Reflected x^k mod P for the fold distances (512 and 128 bits), the
    // 64- and 32-bit reductions, and Barrett's quotient and polynomial.
    const __m128i by_four = _mm_set_epi64x(0x1C6E41596, 0x154442BD4);
    const __m128i by_one = _mm_set_epi64x(0x0CCAA009E, 0x1751997D0);
    const __m128i to_thirty_two = _mm_set_epi64x(0, 0x163CD6124);
    const __m128i barrett = _mm_set_epi64x(0x1F7011641, 0x1DB710641);
    const __m128i low32 = _mm_set_epi32(0, 0, 0, -1);

    __m128i a = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), _mm_cvtsi32_si128((int)crc));
    __m128i b = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i d = _mm_loadu_si128((const __m128i *)(p + 48));
    p += 64;
    count -= 64;
    while (count >= 64) {
        a = fold(a, by_four, _mm_loadu_si128((const __m128i *)p));
        b = fold(b, by_four, _mm_loadu_si128((const __m128i *)(p + 16)));
        c = fold(c, by_four, _mm_loadu_si128((const __m128i *)(p + 32)));
        d = fold(d, by_four, _mm_loadu_si128((const __m128i *)(p + 48)));
        p += 64;
        count -= 64;
    }
    __m128i lane = fold(fold(fold(a, by_one, b), by_one, c), by_one, d);
    while (count >= 16) {
        lane = fold(lane, by_one, _mm_loadu_si128((const __m128i *)p));
        p += 16;
        count -= 16;
    }
    // 128 bits to 64, then to 32 (each step also appends 32 zero bits).
    lane = _mm_xor_si128(_mm_srli_si128(lane, 8), _mm_clmulepi64_si128(lane, by_one, 0x10));
    lane = _mm_xor_si128(_mm_srli_si128(lane, 4),
                         _mm_clmulepi64_si128(_mm_and_si128(lane, low32), to_thirty_two, 0x00));
    // Barrett reduction of the remaining 64 bits to the 32-bit remainder.
    __m128i quotient = _mm_and_si128(_mm_clmulepi64_si128(_mm_and_si128(lane, low32), barrett, 0x10), low32);
    lane = _mm_xor_si128(lane, _mm_clmulepi64_si128(quotient, barrett, 0x00));
    return (uint32_t)_mm_extract_epi32(lane, 1);
}

static int can_fold(void) {
    return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}
#else
static int can_fold(void) { return 0; }
static uint32_t by_folding(uint32_t crc, const uint8_t *p, size_t count) { return by_tables(crc, p, count); }
#endif

static pthread_once_t setup = PTHREAD_ONCE_INIT;
static int folds;

static void set_up(void) {
    build_tables();
    folds = can_fold();
}

uint32_t cexecnet_crc32(uint32_t value, const void *bytes, size_t count) {
    pthread_once(&setup, set_up);
    const uint8_t *p = bytes;
    uint32_t crc = ~value;
    if (folds && count >= 128) {
        size_t bulk = count & ~(size_t)15;
        crc = by_folding(crc, p, bulk);
        p += bulk;
        count -= bulk;
    }
    return ~by_tables(crc, p, count);
}
