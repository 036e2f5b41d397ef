/// `application/x-www-form-urlencoded` decoding, shared by query strings and form bodies.
public enum FormDecoding {
    /// Decodes `a=1&b=x+y` into a dictionary; the last value of a repeated key wins.
    public static func decode<S: StringProtocol>(_ text: S) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in pairs(text) { out[key] = value }
        return out
    }

    /// Decodes into ordered pairs, keeping repeats (Twilio signatures need every pair).
    public static func pairs<S: StringProtocol>(_ text: S) -> [(String, String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { part in
            if let eq = part.firstIndex(of: "=") {
                return (percentDecode(part[..<eq]), percentDecode(part[part.index(after: eq)...]))
            }
            return (percentDecode(part), "")
        }
    }

    /// Percent-decodes and turns `+` into a space; invalid escapes are kept as they are.
    public static func percentDecode<S: StringProtocol>(_ text: S) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
                      let hi = hexValue(iterator[iterator.startIndex]),
                      let lo = hexValue(iterator[iterator.startIndex + 1]) {
                bytes.append(hi << 4 | lo)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
