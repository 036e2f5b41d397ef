import Foundation

/// Numbers written in international format without the '+' (`380501234567`), as Zadarma and
/// Ringostat write them (webhooks/zadarma.md, webhooks/ringostat.md). The integration's region
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

    /// `clientNumber` for numbers that may be written as dialled at home (Ringostat's, the
    /// `destination` a Zadarma extension dialled): one that begins with the region's trunk prefix
    /// and is valid there is read in the region (`dialledNationally`). Zadarma writes callers
    /// internationally, so a Vietnamese `84912345678` calling a Russian line stays Vietnamese.
    static func clientNumberAllowingTrunkPrefix(_ number: String?, region: String?) -> String? {
        guard let number else { return nil }
        if dialledNationally(number, region: region) { return number }
        return clientNumber(number, region: region)
    }

    /// Whether `number` begins with the region's trunk prefix and is a valid number there: a
    /// Russian `84951234567` is Moscow dialled at home, though with a '+' it would be Vietnamese.
    /// Numbers without the prefix are read internationally first: in regions whose national
    /// numbers vary in length (Germany, Italy) a foreign `48601234567` is also a valid local one.
    private static func dialledNationally(_ number: String, region: String?) -> Bool {
        guard let region else { return false }
        let prefix = PhoneNumber.nationalPrefix(of: region)
        guard !prefix.isEmpty, number.hasPrefix(prefix) else { return false }
        return (try? PhoneNumber.e164(number, region: region)) != nil
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
