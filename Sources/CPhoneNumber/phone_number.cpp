#include "phone_number.h"

#include <cstring>
#include <string>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

extern "C" int sb_phone_to_e164(const char *number, const char *region, char *out, size_t out_size) {
    if (number == nullptr || out == nullptr) return 1;
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    PhoneNumber parsed;
    std::string defaultRegion = (region != nullptr && region[0] != '\0') ? region : "ZZ";
    if (util->Parse(number, defaultRegion, &parsed) != PhoneNumberUtil::NO_PARSING_ERROR) return 1;
    if (!util->IsValidNumber(parsed)) return 2;
    std::string formatted;
    util->Format(parsed, PhoneNumberUtil::E164, &formatted);
    if (formatted.size() + 1 > out_size) return 3;
    std::memcpy(out, formatted.c_str(), formatted.size() + 1);
    return 0;
}
