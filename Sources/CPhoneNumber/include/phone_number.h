#ifndef SWITCHBOARD_PHONE_NUMBER_H
#define SWITCHBOARD_PHONE_NUMBER_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif

/// Parses `number` with `region` (ISO 3166 alpha-2, may be NULL or "") as the
/// default and writes its E.164 form, NUL-terminated, into `out`.
/// Returns 0 on success; 1 when the text is not a number; 2 when it parses but
/// is not a valid number for any region; 3 when `out` is too small.
int sb_phone_to_e164(const char *number, const char *region, char *out, size_t out_size);

#ifdef __cplusplus
}
#endif
#endif
