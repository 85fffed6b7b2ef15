/* Shared by the cabinet reader's files; not part of the public interface. */
#ifndef KBAUDIT_CAB_INTERNAL_H
#define KBAUDIT_CAB_INTERNAL_H

#include <stdint.h>

#include "kbaudit/cab.h"

#define CAB_HEADER_SIZE 36u
#define CAB_FOLDER_SIZE 8u
#define CAB_FILE_SIZE 16u
#define CAB_DATA_SIZE 8u
/* MS-CAB: a CFDATA block holds at most 32768 uncompressed bytes; an MSZIP block at most
 * 32768 + 12 compressed bytes (MS-MCI 2.1). The compressed size is capped a little higher
 * for stored blocks (equal to the uncompressed size) and for compressors that add framing. */
#define CAB_BLOCK_MAX 32768u
#define CAB_BLOCK_PACKED_MAX (32768u + 6144u)
/* MS-CAB: names (and the cabinet-set strings) are at most 256 bytes with the NUL. */
#define CAB_NAME_MAX 256u

static inline uint16_t cab_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t cab_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* The MS-CAB checksum of N bytes, folded into SEED. */
uint32_t cab_checksum(const uint8_t *p, size_t n, uint32_t seed);

/* Frees the decoder kept between extractions (cab_inflate.c). */
void cab_stream_free(cab_archive *c);

#endif
