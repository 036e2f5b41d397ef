#include "phone_number.h"

#include <cstdint>
#include <cstring>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <vector>
#include <re2/re2.h>
#include <set>
#include <string>
#include <phonenumbers/phonenumberutil.h>

namespace i18n { namespace phonenumbers {
// libphonenumber's compiled-in metadata: a serialized PhoneMetadataCollection (exported, not in its headers).
int metadata_size();
const void *metadata_get();
} }

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace {

/// What the fast path needs of each region, read from libphonenumber's compiled-in
/// metadata in protobuf wire format (phonemetadata.proto: PhoneMetadataCollection.metadata = 1;
/// PhoneMetadata: general_desc = 1, fixed_line = 2, mobile = 3, toll_free = 4, premium_rate = 5,
/// shared_cost = 6, personal_number = 7, voip = 8, id = 9, country_code = 10,
/// national_prefix_for_parsing = 15, same_mobile_and_fixed_line_pattern = 18, pager = 21,
/// leading_digits = 23, uan = 25, voicemail = 28; PhoneNumberDesc: national_number_pattern = 2,
/// possible_length = 9).
struct NumberDesc {
    std::string pattern;
    std::vector<int> possibleLengths;
    std::unique_ptr<RE2> regex;   // compiled on first use of the region
};

struct RegionMetadata {
    std::string id;
    int countryCode = 0;
    std::string nationalPrefixForParsing;
    bool sameMobileAndFixedLine = false;
    std::string leadingDigits;
    NumberDesc general;
    NumberDesc fixedLine;
    NumberDesc mobile;
    std::vector<NumberDesc> others;   // premium, toll free, shared cost, voip, personal, pager, uan, voicemail
    std::unique_ptr<RE2> leadingDigitsRegex;
    std::once_flag compiled;
};

class Metadata {
public:
    Metadata() {
        const uint8_t *data = static_cast<const uint8_t *>(i18n::phonenumbers::metadata_get());
        size_t size = static_cast<size_t>(i18n::phonenumbers::metadata_size());
        Reader collection{data, data + size};
        uint32_t field = 0, wire = 0;
        while (collection.tag(&field, &wire)) {
            if (field == 1 && wire == 2) {
                Reader region{nullptr, nullptr};
                if (!collection.bytes(&region)) break;
                auto metadata = std::make_unique<RegionMetadata>();
                if (readRegion(region, metadata.get()) && !metadata->id.empty()) regions_[metadata->id] = std::move(metadata);
            } else if (!collection.skip(wire)) {
                break;
            }
        }
    }

    /// nullptr when the region is unknown; its patterns compiled (once, thread-safe).
    RegionMetadata *region(const std::string &id) const {
        auto found = regions_.find(id);
        return found == regions_.end() ? nullptr : compiled(found->second.get());
    }

    /// `metadata` with its patterns compiled (once, thread-safe); nullptr stays nullptr.
    static RegionMetadata *compiled(RegionMetadata *metadata) {
        if (metadata == nullptr) return nullptr;
        std::call_once(metadata->compiled, [metadata] {
            RE2::Options options;
            options.set_log_errors(false);
            for (NumberDesc *desc : std::initializer_list<NumberDesc *>{&metadata->general, &metadata->fixedLine, &metadata->mobile}) {
                if (!desc->pattern.empty()) desc->regex = std::make_unique<RE2>(desc->pattern, options);
            }
            for (NumberDesc &desc : metadata->others) {
                if (!desc.pattern.empty()) desc.regex = std::make_unique<RE2>(desc.pattern, options);
            }
            if (!metadata->leadingDigits.empty()) metadata->leadingDigitsRegex = std::make_unique<RE2>(metadata->leadingDigits, options);
        });
        return metadata;
    }

    /// nullptr when the region is unknown, without compiling its patterns.
    RegionMetadata *find(const std::string &id) const {
        auto found = regions_.find(id);
        return found == regions_.end() ? nullptr : found->second.get();
    }

private:
    struct Reader {
        const uint8_t *at;
        const uint8_t *end;

        bool varint(uint64_t *value) {
            uint64_t result = 0;
            for (int shift = 0; shift < 64 && at < end; shift += 7) {
                uint8_t byte = *at++;
                result |= static_cast<uint64_t>(byte & 0x7f) << shift;
                if ((byte & 0x80) == 0) { *value = result; return true; }
            }
            return false;
        }
        bool tag(uint32_t *field, uint32_t *wire) {
            uint64_t key = 0;
            if (at >= end || !varint(&key)) return false;
            *field = static_cast<uint32_t>(key >> 3);
            *wire = static_cast<uint32_t>(key & 7);
            return true;
        }
        bool bytes(Reader *inner) {
            uint64_t length = 0;
            if (!varint(&length) || length > static_cast<uint64_t>(end - at)) return false;
            *inner = Reader{at, at + length};
            at += length;
            return true;
        }
        std::string text() const { return std::string(reinterpret_cast<const char *>(at), end - at); }
        bool skip(uint32_t wire) {
            uint64_t ignored = 0;
            Reader inner{nullptr, nullptr};
            switch (wire) {
            case 0: return varint(&ignored);
            case 1: if (end - at < 8) return false; at += 8; return true;
            case 2: return bytes(&inner);
            case 5: if (end - at < 4) return false; at += 4; return true;
            default: return false;
            }
        }
    };

    static bool readDesc(Reader desc, NumberDesc *out) {
        uint32_t field = 0, wire = 0;
        while (desc.tag(&field, &wire)) {
            if (field == 2 && wire == 2) {
                Reader text{nullptr, nullptr};
                if (!desc.bytes(&text)) return false;
                out->pattern = text.text();
            } else if (field == 9 && wire == 0) {
                uint64_t length = 0;
                if (!desc.varint(&length)) return false;
                out->possibleLengths.push_back(static_cast<int>(static_cast<int32_t>(length)));
            } else if (field == 9 && wire == 2) {   // packed
                Reader packed{nullptr, nullptr};
                if (!desc.bytes(&packed)) return false;
                uint64_t length = 0;
                while (packed.at < packed.end && packed.varint(&length)) out->possibleLengths.push_back(static_cast<int>(static_cast<int32_t>(length)));
            } else if (!desc.skip(wire)) {
                return false;
            }
        }
        return true;
    }

    static bool readRegion(Reader region, RegionMetadata *out) {
        uint32_t field = 0, wire = 0;
        out->others.resize(8);
        while (region.tag(&field, &wire)) {
            Reader inner{nullptr, nullptr};
            uint64_t number = 0;
            if (wire == 2 && (field == 9 || field == 15 || field == 23)) {
                if (!region.bytes(&inner)) return false;
                (field == 9 ? out->id : field == 15 ? out->nationalPrefixForParsing : out->leadingDigits) = inner.text();
            } else if (wire == 0 && (field == 10 || field == 18)) {
                if (!region.varint(&number)) return false;
                if (field == 10) out->countryCode = static_cast<int>(number); else out->sameMobileAndFixedLine = number != 0;
            } else if (wire == 2 && (field <= 8 || field == 21 || field == 25 || field == 28)) {
                if (!region.bytes(&inner)) return false;
                NumberDesc *desc = nullptr;
                switch (field) {
                case 1: desc = &out->general; break;
                case 2: desc = &out->fixedLine; break;
                case 3: desc = &out->mobile; break;
                case 4: desc = &out->others[0]; break;
                case 5: desc = &out->others[1]; break;
                case 6: desc = &out->others[2]; break;
                case 7: desc = &out->others[3]; break;
                case 8: desc = &out->others[4]; break;
                case 21: desc = &out->others[5]; break;
                case 25: desc = &out->others[6]; break;
                case 28: desc = &out->others[7]; break;
                }
                if (desc == nullptr || !readDesc(inner, desc)) return false;
            } else if (!region.skip(wire)) {
                return false;
            }
        }
        return true;
    }

    std::map<std::string, std::unique_ptr<RegionMetadata>> regions_;
};

const Metadata &metadata() {
    static const Metadata instance;
    return instance;
}

/// The regions of each country calling code, in libphonenumber's order (the main country
/// first), found once: GetRegionCodesForCountryCallingCode builds a list of strings and each
/// region was then looked up by name, on every number. Read-only after its thread-safe
/// initialisation (a function-local static).
class CountryCodes {
public:
    static constexpr int limit = 1000;   // calling codes have at most three digits

    struct Entry {
        std::string mainCode = "ZZ";             // GetRegionCodeForCountryCode: "ZZ" for a code no region has
        RegionMetadata *main = nullptr;          // mainCode's metadata, nullptr where there is none
        std::vector<RegionMetadata *> regions;   // as GetRegionCodesForCountryCallingCode lists them, nullptr where unknown
    };

    explicit CountryCodes(const PhoneNumberUtil *util) {
        const Metadata &all = metadata();
        for (int code = 1; code < limit; ++code) {
            std::list<std::string> codes;
            util->GetRegionCodesForCountryCallingCode(code, &codes);
            for (const std::string &region : codes) entries_[code].regions.push_back(all.find(region));
            util->GetRegionCodeForCountryCode(code, &entries_[code].mainCode);
            entries_[code].main = all.find(entries_[code].mainCode);
        }
    }

    /// The regions of `code`; empty for a code no region has.
    const Entry &operator[](int code) const {
        static const Entry none;
        return code > 0 && code < limit ? entries_[code] : none;
    }

private:
    Entry entries_[limit];
};

const CountryCodes &countryCodes(const PhoneNumberUtil *util) {
    static const CountryCodes instance(util);
    return instance;
}

/// libphonenumber's IsNumberMatchingDesc: a possible length, then a full match of the pattern.
bool matchesDesc(const std::string &nsn, const NumberDesc &desc) {
    if (!desc.possibleLengths.empty()) {
        bool possible = false;
        for (int length : desc.possibleLengths) possible = possible || length == static_cast<int>(nsn.size());
        if (!possible) return false;
    }
    return desc.regex != nullptr && desc.regex->ok() && RE2::FullMatch(nsn, *desc.regex);
}

/// libphonenumber's GetNumberTypeHelper(...) != UNKNOWN.
bool hasNumberType(const std::string &nsn, const RegionMetadata &region) {
    if (!matchesDesc(nsn, region.general)) return false;
    // libphonenumber tries the rarer types first because it wants the type; validity only
    // asks whether any type matches, so the common ones (fixed line, mobile) go first.
    if (matchesDesc(nsn, region.fixedLine)) return true;
    if (!region.sameMobileAndFixedLine && matchesDesc(nsn, region.mobile)) return true;
    for (const NumberDesc &desc : region.others) if (matchesDesc(nsn, desc)) return true;
    return false;
}

/// libphonenumber's IsValidNumber for a number without leading zeros, with its regular
/// expressions run by RE2 (the engine libphonenumber itself can be built with) instead of
/// ICU, which spent most of its time building a matcher per pattern per call. The region is
/// found as GetRegionCodeForNumber finds it. -1: cannot tell here (a pattern RE2 refused).
int isValidNumber(const PhoneNumberUtil *util, int countryCode, const std::string &nsn) {
    const std::vector<RegionMetadata *> &regionCodes = countryCodes(util)[countryCode].regions;
    for (RegionMetadata *found : regionCodes) {
        RegionMetadata *region = Metadata::compiled(found);
        if (region == nullptr) return -1;
        for (const NumberDesc *desc : {&region->general, &region->fixedLine, &region->mobile}) {
            if (desc->regex != nullptr && !desc->regex->ok()) return -1;
        }
        for (const NumberDesc &desc : region->others) if (desc.regex != nullptr && !desc.regex->ok()) return -1;
        if (region->leadingDigitsRegex != nullptr && !region->leadingDigitsRegex->ok()) return -1;
        if (regionCodes.size() > 1) {
            // GetRegionCodeForNumberFromRegionList: leading digits decide when a region has them.
            if (region->leadingDigitsRegex != nullptr) {
                re2::StringPiece input(nsn);
                if (!RE2::Consume(&input, *region->leadingDigitsRegex)) continue;
            } else if (!hasNumberType(nsn, *region)) {
                continue;
            }
        }
        // IsValidNumberForRegion with the region found.
        return region->countryCode == countryCode && hasNumberType(nsn, *region) ? 1 : 0;
    }
    return 0;
}

int write_out(const std::string &formatted, char *out, size_t out_size) {
    if (formatted.size() + 1 > out_size) return 3;
    std::memcpy(out, formatted.c_str(), formatted.size() + 1);
    return 0;
}

/// libphonenumber's own path: Parse (several ICU regular expressions), IsValidNumber, Format.
int full_parse(const PhoneNumberUtil *util, const char *number, const char *region, char *out, size_t out_size) {
    PhoneNumber parsed;
    std::string defaultRegion = (region != nullptr && region[0] != '\0') ? region : "ZZ";
    if (util->Parse(number, defaultRegion, &parsed) != PhoneNumberUtil::NO_PARSING_ERROR) return 1;
    if (!util->IsValidNumber(parsed)) return 2;
    std::string formatted;
    util->Format(parsed, PhoneNumberUtil::E164, &formatted);
    return write_out(formatted, out, out_size);
}

/// The common case, already international: "+" then digits, maybe spaced with " -.()".
/// Parse spends most of its time in regular expressions that cannot change such a
/// number, so it is split here the way Parse splits it (shortest known country code)
/// and only validated. Anything Parse might rewrite is left to `full_parse`: a national
/// number starting with 0 (Italian leading zero), a region whose prefix-for-parsing is a
/// pattern rather than plain digits (AR, MX, BR…), or a national number starting with
/// those digits; so is anything that does not validate. Returns -1 for "not taken".
int fast_international(const PhoneNumberUtil *util, const char *number, char *out, size_t out_size) {
    const char *p = number;
    if (*p != '+') return -1;
    ++p;
    char digits[18];
    size_t count = 0;
    for (; *p != '\0'; ++p) {
        char c = *p;
        if (c >= '0' && c <= '9') {
            if (count == sizeof(digits) - 1) return -1;
            digits[count++] = c;
        } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
            return -1;
        }
    }
    digits[count] = '\0';
    if (count < 4 || digits[0] == '0') return -1;
    int countryCode = 0;
    size_t codeLength = 0;
    const CountryCodes &codes = countryCodes(util);
    for (size_t length = 1; length <= 3 && length < count; ++length) {
        int candidate = countryCode * 10 + (digits[length - 1] - '0');
        countryCode = candidate;
        if (codes[candidate].mainCode != "ZZ") {
            codeLength = length;
            break;
        }
    }
    if (codeLength == 0 || codes[countryCode].mainCode == "001") return -1;
    const char *national = digits + codeLength;
    size_t nationalLength = count - codeLength;
    if (nationalLength < 2 || national[0] == '0') return -1;
    RegionMetadata *main = Metadata::compiled(codes[countryCode].main);
    if (main == nullptr) return -1;
    const std::string &stripped = main->nationalPrefixForParsing;
    for (char c : stripped) if (c < '0' || c > '9') return -1;
    if (!stripped.empty() && std::strncmp(national, stripped.c_str(), stripped.size()) == 0) return -1;
    uint64_t nationalNumber = 0;
    for (size_t i = 0; i < nationalLength; ++i) nationalNumber = nationalNumber * 10 + static_cast<uint64_t>(national[i] - '0');
    PhoneNumber parsed;
    parsed.set_country_code(countryCode);
    parsed.set_national_number(nationalNumber);
    int valid = isValidNumber(util, countryCode, std::string(national, nationalLength));
    if (valid < 0) valid = util->IsValidNumber(parsed) ? 1 : 0;
    if (valid == 0) return -1;
    // Format(E164) is "+", the country code and the national significant number; with no
    // leading zero (checked above) that is "+" and the digits as read, written here directly.
    if (count + 2 > out_size) return 3;
    out[0] = '+';
    std::memcpy(out + 1, digits, count + 1);
    return 0;
}

}  // namespace

extern "C" int sb_phone_to_e164(const char *number, const char *region, char *out, size_t out_size) {
    if (number == nullptr || out == nullptr) return 1;
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    int fast = fast_international(util, number, out, out_size);
    if (fast >= 0) return fast;
    return full_parse(util, number, region, out, out_size);
}

extern "C" int sb_phone_region_supported(const char *region) {
    if (region == nullptr) return 0;
    return PhoneNumberUtil::GetInstance()->GetCountryCodeForRegion(region) != 0 ? 1 : 0;
}

extern "C" int sb_phone_national_prefix(const char *region, char *out, size_t out_size) {
    if (out == nullptr || out_size == 0) return 3;
    std::string prefix;
    if (region != nullptr) PhoneNumberUtil::GetInstance()->GetNddPrefixForRegion(region, true, &prefix);
    if (prefix.size() + 1 > out_size) return 3;
    std::memcpy(out, prefix.c_str(), prefix.size() + 1);
    return 0;
}

extern "C" int sb_phone_to_e164_reference(const char *number, const char *region, char *out, size_t out_size) {
    if (number == nullptr || out == nullptr) return 1;
    return full_parse(PhoneNumberUtil::GetInstance(), number, region, out, out_size);
}

extern "C" long sb_phone_fast_path_check(unsigned variants, unsigned seed, char *mismatch, size_t mismatch_size,
                                         long *fast_taken) {
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    std::set<std::string> regions;
    util->GetSupportedRegions(&regions);
    std::mt19937 random(seed);
    long checked = 0;
    long taken = 0;
    char fast[32];
    char reference[32];
    for (const std::string &region : regions) {
        std::set<PhoneNumberUtil::PhoneNumberType> types;
        util->GetSupportedTypesForRegion(region, &types);
        for (PhoneNumberUtil::PhoneNumberType type : types) {
            PhoneNumber example;
            if (!util->GetExampleNumberForType(region, type, &example)) continue;
            std::string e164;
            util->Format(example, PhoneNumberUtil::E164, &e164);
            for (unsigned v = 0; v <= variants; ++v) {
                std::string input = e164;
                if (v > 0) {
                    // Change one to three digits; sometimes insert one near the country code, add or drop one.
                    size_t changes = 1 + random() % 3;
                    for (size_t i = 0; i < changes; ++i) {
                        size_t at = 2 + random() % (input.size() - 2);
                        input[at] = static_cast<char>('0' + random() % 10);
                    }
                    if (random() % 3 == 0) input.insert(2 + random() % 3, 1, static_cast<char>('0' + random() % 10));
                    if (random() % 5 == 0) input.push_back(static_cast<char>('0' + random() % 10));
                    if (random() % 5 == 0 && input.size() > 5) input.pop_back();
                    if (random() % 4 == 0) input.insert(4, " ");
                }
                const char *defaults[] = {"", region.c_str()};
                for (const char *defaultRegion : defaults) {
                    int a = sb_phone_to_e164(input.c_str(), defaultRegion, fast, sizeof(fast));
                    int b = sb_phone_to_e164_reference(input.c_str(), defaultRegion, reference, sizeof(reference));
                    ++checked;
                    if (a != b || (a == 0 && std::strcmp(fast, reference) != 0)) {
                        std::string text = input + " (" + region + "): " + (a == 0 ? std::string(fast) : "error " + std::to_string(a))
                            + " vs " + (b == 0 ? std::string(reference) : "error " + std::to_string(b));
                        std::strncpy(mismatch, text.c_str(), mismatch_size - 1);
                        mismatch[mismatch_size - 1] = '\0';
                        return -checked;
                    }
                }
                char scratch[32];
                if (fast_international(util, input.c_str(), scratch, sizeof(scratch)) == 0) ++taken;
            }
        }
    }
    if (fast_taken != nullptr) *fast_taken = taken;
    return checked;
}
