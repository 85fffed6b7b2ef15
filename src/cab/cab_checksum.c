/* The CFDATA checksum of MS-CAB ("Checksum method"): the data is read as little-endian
 * 32-bit words XORed together; the 1 to 3 bytes left over form one more word, taken in the
 * order MS-CAB gives (first byte highest), which is not the little-endian order of the
 * words. The block's checksum is that of its data, then folded with its cbData and cbUncomp
 * fields (4 bytes). */
#include "cab_internal.h"

uint32_t cab_checksum(const uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t sum = seed;
    size_t words = n / 4;
    for (size_t i = 0; i < words; i++, p += 4)
        sum ^= cab_u32(p);
    uint32_t last = 0;
    switch (n % 4) {
    case 3: last = ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2]; break;
    case 2: last = ((uint32_t)p[0] << 8) | p[1]; break;
    case 1: last = p[0]; break;
    default: break;
    }
    return sum ^ last;
}
