#include "phone_number.h"

#include <cstdint>
#include <cstring>
#include <map>
#include <random>
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

/// Each region's national_prefix_for_parsing, read from the metadata's protobuf wire
/// format (PhoneMetadataCollection.metadata = 1; PhoneMetadata.id = 9,
/// national_prefix_for_parsing = 15). It is what Parse strips after a country code.
class NationalPrefixes {
public:
    NationalPrefixes() {
        const uint8_t *data = static_cast<const uint8_t *>(i18n::phonenumbers::metadata_get());
        size_t size = static_cast<size_t>(i18n::phonenumbers::metadata_size());
        Reader collection{data, data + size};
        uint32_t field = 0, wire = 0;
        while (collection.tag(&field, &wire)) {
            if (field == 1 && wire == 2) {
                Reader region{nullptr, nullptr};
                if (!collection.bytes(&region)) break;
                readRegion(region);
            } else if (!collection.skip(wire)) {
                break;
            }
        }
    }

    /// nullptr when the region is unknown.
    const std::string *forRegion(const std::string &region) const {
        auto found = prefixes_.find(region);
        return found == prefixes_.end() ? nullptr : &found->second;
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

    void readRegion(Reader region) {
        std::string id, prefix;
        uint32_t field = 0, wire = 0;
        while (region.tag(&field, &wire)) {
            if ((field == 9 || field == 15) && wire == 2) {
                Reader text{nullptr, nullptr};
                if (!region.bytes(&text)) return;
                (field == 9 ? id : prefix).assign(reinterpret_cast<const char *>(text.at), text.end - text.at);
            } else if (!region.skip(wire)) {
                return;
            }
        }
        if (!id.empty()) prefixes_[id] = prefix;
    }

    std::map<std::string, std::string> prefixes_;
};

const NationalPrefixes &nationalPrefixes() {
    static const NationalPrefixes prefixes;
    return prefixes;
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
    std::string regionCode;
    for (size_t length = 1; length <= 3 && length < count; ++length) {
        int candidate = countryCode * 10 + (digits[length - 1] - '0');
        countryCode = candidate;
        util->GetRegionCodeForCountryCode(candidate, &regionCode);
        if (regionCode != "ZZ") {
            codeLength = length;
            break;
        }
    }
    if (codeLength == 0 || regionCode == "001") return -1;
    const char *national = digits + codeLength;
    size_t nationalLength = count - codeLength;
    if (nationalLength < 2 || national[0] == '0') return -1;
    const std::string *stripped = nationalPrefixes().forRegion(regionCode);
    if (stripped == nullptr) return -1;
    for (char c : *stripped) if (c < '0' || c > '9') return -1;
    if (!stripped->empty() && std::strncmp(national, stripped->c_str(), stripped->size()) == 0) return -1;
    uint64_t nationalNumber = 0;
    for (size_t i = 0; i < nationalLength; ++i) nationalNumber = nationalNumber * 10 + static_cast<uint64_t>(national[i] - '0');
    PhoneNumber parsed;
    parsed.set_country_code(countryCode);
    parsed.set_national_number(nationalNumber);
    if (!util->IsValidNumber(parsed)) return -1;
    std::string formatted;
    util->Format(parsed, PhoneNumberUtil::E164, &formatted);
    return write_out(formatted, out, out_size);
}

}  // namespace

extern "C" int sb_phone_to_e164(const char *number, const char *region, char *out, size_t out_size) {
    if (number == nullptr || out == nullptr) return 1;
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    int fast = fast_international(util, number, out, out_size);
    if (fast >= 0) return fast;
    return full_parse(util, number, region, out, out_size);
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
