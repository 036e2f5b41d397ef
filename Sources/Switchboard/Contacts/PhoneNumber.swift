internal import CPhoneNumber
import Foundation
import Synchronization

/// Turns what people type into E.164, through libphonenumber.
public enum PhoneNumber {
    /// Why a number was refused.
    public struct ParseError: Error, CustomStringConvertible, Sendable, Equatable {
        public let input: String
        public let reason: String
        public var description: String { "\"\(input)\" is not a phone number: \(reason)" }
    }

    /// Whether `region` (ISO 3166 alpha-2, any case) is one whose national numbers can be read:
    /// "ZZ" or "XX" are two letters but no region, and every local number read in them failed.
    public static func isSupportedRegion(_ region: String) -> Bool {
        sb_phone_region_supported(region.uppercased()) == 1
    }

    /// `region` in upper case, when it is a region whose national numbers can be read.
    /// - Throws: `DomainError.unprocessable` (422) otherwise.
    static func checkedRegion(_ region: String) throws -> String {
        let region = region.uppercased()
        guard region.count == 2, region.allSatisfy({ $0.isLetter }), isSupportedRegion(region) else {
            throw DomainError.unprocessable("region must be an ISO 3166 alpha-2 code such as RO, RU, PL, got \"\(region)\"")
        }
        return region
    }

    /// The trunk prefix national numbers are dialled with in `region` ("0", Russia's "8"; "" when
    /// it has none or is unknown).
    public static func nationalPrefix(of region: String) -> String {
        var out = [CChar](repeating: 0, count: 16)
        guard sb_phone_national_prefix(region.uppercased(), &out, out.count) == 0 else { return "" }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// E.164 form of `text` (`+40722123456`); `region` (ISO 3166 alpha-2, e.g. "RO")
    /// is used when the text has no international prefix.
    public static func e164(_ text: String, region: String?) throws(ParseError) -> String {
        // libphonenumber's parse takes time quadratic in the input's length (a 30,000-digit
        // "number" held an event loop for seconds): anything longer than a number written out
        // with spaces, dashes and an extension could be is refused before it gets there.
        guard text.utf8.count <= maximumLength else {
            throw ParseError(input: String(text.prefix(24)) + "…", reason: "longer than any phone number (\(maximumLength) characters at most)")
        }
        let key = String.concatenating(region ?? "", "|", text)
        if let cached = cache.withLock({ $0[key] }) { return try cached.get() }
        let result = Result<String, ParseError> { () throws(ParseError) -> String in try parse(text, region: region) }
        cache.withLock { entries in
            if entries.count >= 50_000 { entries.removeAll(keepingCapacity: true) }
            entries[key] = result
        }
        return try result.get()
    }

    /// The longest text taken for a phone number.
    public static let maximumLength = 64

    /// Whether `text` is written like a phone number (digits with `+ -().` and spaces, at least
    /// five digits) rather than a name: contacts made from calls are named after their number.
    static func looksLikeNumber(_ text: String) -> Bool {
        var digits = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "."), UInt8(ascii: " "): continue
            default: return false
            }
        }
        return digits >= 5
    }

    /// One of our own lines as stored: E.164 when `text` (a `tel:` prefix aside) is a phone
    /// number in `region` as libphonenumber reads them (any spacing, `/`, full-width digits); a `+`
    /// number the bundled data does not know loses only its spacing; anything marked as more than
    /// a number — letters (an extension, `ext.`), `@ ; , # *` (a SIP address, `;ext=`) — or an
    /// extension like `101` that is no number at all, as given.
    static func line(_ text: String, region: String?) -> String {
        let number = text.lowercased().hasPrefix("tel:") ? String(text.dropFirst(4)) : text
        let marked = number.unicodeScalars.contains { scalar in
            CharacterSet.letters.contains(scalar) || "@;,#*".unicodeScalars.contains(scalar)
        }
        guard !marked else { return text }
        if let e164 = try? e164(number, region: region) { return e164 }
        let digits = number.filter { ("0"..."9").contains($0) }
        // Digits after a `/` may be an extension or a second number: only libphonenumber's reading counts then.
        guard !number.contains("/"), number.trimmingCharacters(in: .whitespaces).hasPrefix("+"), let first = digits.first, first != "0",
              (7...15).contains(digits.count) else { return text }
        return "+" + digits
    }

    /// One number parsed for `region`, carried from where it was parsed to where it is used.
    struct Parsed: Sendable {
        let text: String
        let region: String?
        let result: Result<String, ParseError>

        init(_ text: String, region: String?) {
            self.text = text
            self.region = region
            result = Result { () throws(ParseError) -> String in try PhoneNumber.e164(text, region: region) }
        }

        /// The E.164 form of `text`, when this is that number parsed for `region`; nil otherwise.
        func e164(of text: String, region: String?) throws(ParseError) -> String? {
            guard text == self.text, region == self.region else { return nil }
            return try result.get()
        }
    }

    /// libphonenumber parses with ICU regular expressions (tens of microseconds); the same
    /// numbers come back again and again, and webhooks warm this cache on the event loops
    /// so the single writer thread rarely parses.
    private static let cache = Mutex<[String: Result<String, ParseError>]>([:])

    private static func parse(_ text: String, region: String?) throws(ParseError) -> String {
        // E.164 is at most 16 characters; the buffer lives on the stack (every new number comes here).
        let (code, number) = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { out -> (Int32, String) in
            guard let base = out.baseAddress else { return (1, "") }
            base.initialize(repeating: 0, count: out.count)
            // Explicit C strings: passing the Strings as arguments made a ContiguousArray copy of each.
            let code = text.withCString { number in
                (region?.uppercased() ?? "").withCString { region in sb_phone_to_e164(number, region, base, out.count) }
            }
            return (code, code == 0 ? String(cString: base) : "")
        }
        switch code {
        case 0:
            return number
        case 2:
            // A number with its own country code is judged by that country, not by the default region.
            let international = text.trimmedSpaces.hasPrefix("+") || text.trimmedSpaces.hasPrefix("00")
            throw ParseError(input: text, reason: international || region == nil ? "not a valid number in its country's numbering plan"
                : "not a valid number for region \(region ?? "")")
        default:
            throw ParseError(input: text, reason: region == nil ? "cannot parse it (no default region given)" : "cannot parse it")
        }
    }
}
