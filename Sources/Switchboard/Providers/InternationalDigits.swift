import Foundation

/// Numbers written in international format without the '+' (`380501234567`), as Zadarma (always)
/// and Ringostat (often) write them (webhooks/zadarma.md, webhooks/ringostat.md). The integration's region
/// alone misreads them as national numbers (`380501234567` is no Romanian number), so the
/// caller was flagged and got no contact.
enum InternationalDigits {
    /// Digits from which a number is read as international first: ten digits or more covers
    /// nearly every country (Iceland and Estonia have ten; the few with fewer are read in the
    /// region), while PBX extensions (`100`) and SIP ids (`123456`) are much shorter, and
    /// national numbers without a trunk '0' (Spain, Poland) have nine.
    static let minimumDigits = 10

    /// `number` as the rest of Switchboard should read it (`CallEvent.clientNumber` is parsed later
    /// with the integration's region): a number long enough to be international gets its '+'
    /// back when that makes a valid number. Anything else (a national `0722123456`, a `+40…`,
    /// an extension) is handed on as the provider sent it, to be read in the region.
    static func clientNumber(_ number: String?, region: String?) -> String? {
        guard let number else { return nil }
        guard number.utf8.count >= minimumDigits else { return number }
        return self.number(number, region: region) ?? number
    }

    /// For providers that write numbers either way (Ringostat): `number` as the region reads it
    /// when that is a valid number there (a Russian `84951234567`, an American `2484461234`,
    /// which with a '+' would be Vietnamese and Seychellois), else with its '+' back when that
    /// makes a valid number (`380671112233` on a Romanian line), else as sent.
    static func clientNumberPreferringRegion(_ number: String?, region: String?) -> String? {
        guard let number else { return nil }
        guard number.utf8.count >= minimumDigits, (try? PhoneNumber.e164(number, region: region)) == nil else { return number }
        return self.number(number, region: region) ?? number
    }

    /// "+" and `digits`, when they are all digits without a trunk '0' and that is a valid number.
    /// The parse is cached: the ingest reads the same text in the same region again for free.
    static func number(_ digits: String, region: String?) -> String? {
        guard let first = digits.utf8.first, first != UInt8(ascii: "0"),
              digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        let withPlus = "+" + digits
        return (try? PhoneNumber.e164(withPlus, region: region)) == nil ? nil : withPlus
    }
}
