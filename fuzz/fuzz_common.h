/* Shared by the fuzz targets: one DNS handle with a real key for DKIM. */
#ifndef VOUCH_FUZZ_COMMON_H
#define VOUCH_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
