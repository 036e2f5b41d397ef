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
/// Numbers already written internationally ("+40 721 234 567") take a fast path
/// that gives the same answer as libphonenumber's Parse without its regular expressions.
int sb_phone_to_e164(const char *number, const char *region, char *out, size_t out_size);

/// 1 when `region` (ISO 3166 alpha-2, upper case) is one libphonenumber has numbering data for, else 0.
int sb_phone_region_supported(const char *region);

/// Writes the national (trunk) prefix dialled before national numbers in `region` ("0" in
/// Romania or Germany, "8" in Russia; "" where there is none), NUL-terminated; 0 on success,
/// 3 when `out` is too small.
int sb_phone_national_prefix(const char *region, char *out, size_t out_size);

/// The same, always through libphonenumber's Parse (the reference for the fast path).
int sb_phone_to_e164_reference(const char *number, const char *region, char *out, size_t out_size);

/// Compares the two over every supported region's example numbers and `variants`
/// random alterations of each (digits changed, added, dropped, spaced), with and
/// without the region as default. Returns how many inputs were compared, or minus
/// the count at the first disagreement, described in `mismatch`. `fast_taken`
/// receives how many inputs the fast path answered by itself.
long sb_phone_fast_path_check(unsigned variants, unsigned seed, char *mismatch, size_t mismatch_size, long *fast_taken);

#ifdef __cplusplus
}
#endif
#endif
