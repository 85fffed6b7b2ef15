/* Marvin32, the keyed hash Windows 8.1 and later put in each "HvLE" log entry (two per
 * entry, seed REGF_LOG_MARVIN_SEED). Written from the algorithm's description (Niels
 * Ferguson's Marvin: a 64-bit state of two 32-bit halves, one mixing round per 4-byte
 * little-endian block, a 0x80 byte ending the message, two final rounds); the registry
 * uses the whole 64-bit state (high half << 32 | low half) as the hash. Checked against the
 * hashes in real Windows 10 logs (tests/regf, docs/regf.md). */
#include "regf_internal.h"

static inline uint32_t rotl32(uint32_t v, unsigned n) { return (v << n) | (v >> (32u - n)); }

static inline void mix(uint32_t *lo, uint32_t *hi)
{
    *hi ^= *lo;
    *lo = rotl32(*lo, 20) + *hi;
    *hi = rotl32(*hi, 9) ^ *lo;
    *lo = rotl32(*lo, 27) + *hi;
    *hi = rotl32(*hi, 19);
}

uint64_t regf_marvin32(uint64_t seed, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t lo = (uint32_t)seed, hi = (uint32_t)(seed >> 32);
    for (; len >= 4; p += 4, len -= 4) {
        lo += rd32(p);
        mix(&lo, &hi);
    }
    /* The 0-3 bytes left, then the 0x80 terminator byte, zero-padded to 4 bytes. */
    uint32_t last = 0x80u << (8u * (unsigned)len);
    for (size_t i = 0; i < len; i++)
        last |= (uint32_t)p[i] << (8u * (unsigned)i);
    lo += last;
    mix(&lo, &hi);
    mix(&lo, &hi);
    return (uint64_t)hi << 32 | lo;
}
