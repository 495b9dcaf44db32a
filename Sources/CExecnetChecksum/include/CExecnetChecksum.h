#ifndef CEXECNET_CHECKSUM_H
#define CEXECNET_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/// zlib's CRC-32 (reflected polynomial 0xEDB88320) of `count` bytes at
/// `bytes`, continuing from `crc`, a value this function or zlib.crc32
/// returned (0 to start): equal to zlib.crc32(bytes, crc).
uint32_t cexecnet_crc32(uint32_t crc, const void *bytes, size_t count);

#endif
