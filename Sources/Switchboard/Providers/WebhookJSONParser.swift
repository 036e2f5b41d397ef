import Foundation

/// A strict RFC 8259 parser for webhook bodies, giving the same values as
/// JSONSerialization (String, NSNumber, NSNull, [Any], [String: Any]) without its
/// detours (a Data copy, an intermediate tree, bridging). Every webhook goes
/// through it; a test compares it with JSONSerialization on generated and broken input.
struct WebhookJSONParser {
    struct Failure: Error { let reason: String }

    /// A member's value as `eachMember` hands it over: text as read (no existential to cast
    /// back: the native format reads most of its fields as text), anything else as `parse` makes it.
    enum Member {
        case text(String)
        case other(Any)

        /// The value as `parse` gives it.
        var value: Any {
            switch self {
            case .text(let text): return text
            case .other(let value): return value
            }
        }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var at = 0
    private let depthLimit: Int

    /// Parses one JSON value filling all of `bytes` (surrounding whitespace allowed).
    static func parse(_ bytes: [UInt8], depthLimit: Int) throws(Failure) -> Any {
        let result: Result<Any, Failure> = bytes.withUnsafeBufferPointer { buffer in
            var parser = WebhookJSONParser(bytes: buffer, depthLimit: depthLimit)
            return Result { () throws(Failure) -> Any in
                parser.skipWhitespace()
                let value = try parser.value(depth: 0)
                parser.skipWhitespace()
                guard parser.at == buffer.count else { throw Failure(reason: "unexpected text after the value at byte \(parser.at)") }
                return value
            }
        }
        return try result.get()
    }

    /// The members of a document that is one JSON object, handed to `body` in order as they are
    /// read (a repeated key each time: read front to back the last wins, as in `parse`'s
    /// dictionary), without a dictionary or an array of them; false when the document is not an
    /// object (then `parse` says why). When the document turns out broken, `body`
    /// has seen the members before the fault.
    static func eachMember(of bytes: [UInt8], depthLimit: Int, _ body: (String, Member) -> Void) throws(Failure) -> Bool {
        let result: Result<Bool, Failure> = bytes.withUnsafeBufferPointer { buffer in
            var parser = WebhookJSONParser(bytes: buffer, depthLimit: depthLimit)
            return Result { () throws(Failure) -> Bool in
                parser.skipWhitespace()
                guard parser.at < buffer.count, buffer[parser.at] == UInt8(ascii: "{") else { return false }
                try parser.eachMember(depth: 1, body)
                parser.skipWhitespace()
                guard parser.at == buffer.count else { throw Failure(reason: "unexpected text after the value at byte \(parser.at)") }
                return true
            }
        }
        return try result.get()
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, depthLimit: Int) {
        self.bytes = bytes
        self.depthLimit = depthLimit
    }

    private mutating func skipWhitespace() {
        while at < bytes.count {
            switch bytes[at] {
            case 0x20, 0x09, 0x0A, 0x0D: at += 1
            default: return
            }
        }
    }

    private func fail(_ what: String) -> Failure { Failure(reason: "\(what) at byte \(at)") }

    private mutating func value(depth: Int) throws(Failure) -> Any {
        guard at < bytes.count else { throw fail("unexpected end") }
        switch bytes[at] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return try string()
        case UInt8(ascii: "t"): try literal("true"); return NSNumber(value: true)
        case UInt8(ascii: "f"): try literal("false"); return NSNumber(value: false)
        case UInt8(ascii: "n"): try literal("null"); return NSNull()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - at >= count else { throw fail("invalid literal") }
        for offset in 0..<count where bytes[at + offset] != word.utf8Start[offset] { throw fail("invalid literal") }
        at += count
    }

    private mutating func object(depth: Int) throws(Failure) -> [String: Any] {
        var result: [String: Any] = [:]
        try eachMember(depth: depth) { key, member in result[key] = member.value }
        return result
    }

    /// The members of the object starting at `at`, in order, handed to `body` as they are read.
    private mutating func eachMember(depth: Int, _ body: (String, Member) -> Void) throws(Failure) {
        guard depth <= depthLimit else { throw Failure(reason: "nested deeper than \(depthLimit) levels") }
        at += 1
        skipWhitespace()
        if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return }
        while true {
            skipWhitespace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw fail("expected a key") }
            let key = try string()
            skipWhitespace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            at += 1
            skipWhitespace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "\"") {
                body(key, .text(try string()))
            } else {
                body(key, .other(try value(depth: depth)))
            }
            skipWhitespace()
            guard at < bytes.count else { throw fail("unexpected end in an object") }
            if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
            if bytes[at] == UInt8(ascii: "}") { at += 1; return }
            throw fail("expected ',' or '}'")
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> [Any] {
        guard depth <= depthLimit else { throw Failure(reason: "nested deeper than \(depthLimit) levels") }
        at += 1
        var result: [Any] = []
        skipWhitespace()
        if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return result }
        while true {
            skipWhitespace()
            result.append(try value(depth: depth))
            skipWhitespace()
            guard at < bytes.count else { throw fail("unexpected end in an array") }
            if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
            if bytes[at] == UInt8(ascii: "]") { at += 1; return result }
            throw fail("expected ',' or ']'")
        }
    }

    /// A string token; runs without escapes are decoded in one piece, and must be valid UTF-8.
    private mutating func string() throws(Failure) -> String {
        at += 1
        let start = at
        var allBits: UInt8 = 0
        while at < bytes.count {
            let byte = bytes[at]
            if byte == UInt8(ascii: "\"") {
                let run = UnsafeBufferPointer(rebasing: bytes[start..<at])
                at += 1
                // ASCII is valid UTF-8, and decoding it is cheap; String(validating:) is
                // generic and looked up type metadata on every call (~1k instructions).
                if allBits < 0x80 { return String(decoding: run, as: UTF8.self) }
                guard let text = String(validating: run, as: UTF8.self) else { throw fail("invalid UTF-8 in a string") }
                return text
            }
            allBits |= byte
            if byte == UInt8(ascii: "\\") { return try escapedString(from: start) }
            if byte < 0x20 { throw fail("control character in a string") }
            at += 1
        }
        throw fail("unterminated string")
    }

    private mutating func escapedString(from start: Int) throws(Failure) -> String {
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<at]))
        while at < bytes.count {
            let byte = bytes[at]
            switch byte {
            case UInt8(ascii: "\""):
                at += 1
                guard let text = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8 in a string") }
                return text
            case UInt8(ascii: "\\"):
                at += 1
                guard at < bytes.count else { break }
                let escape = bytes[at]
                at += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape(to: &out)
                default: throw fail("invalid escape")
                }
            default:
                if byte < 0x20 { throw fail("control character in a string") }
                out.append(byte)
                at += 1
            }
        }
        throw fail("unterminated string")
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard bytes.count - at >= 4 else { throw fail("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[at]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | digit
            at += 1
        }
        return value
    }

    /// \uXXXX, with UTF-16 surrogate pairs joined; a lone surrogate is an error.
    private mutating func appendUnicodeEscape(to out: inout [UInt8]) throws(Failure) {
        var scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard bytes.count - at >= 6, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                throw fail("unpaired surrogate")
            }
            at += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw fail("unpaired surrogate")
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
        UTF8.encode(unicode) { out.append($0) }
    }

    /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? ; integers that fit are Int, the rest Double.
    private mutating func number() throws(Failure) -> NSNumber {
        let start = at
        if bytes[at] == UInt8(ascii: "-") { at += 1 }
        guard at < bytes.count, isDigit(bytes[at]) else { throw fail("invalid number") }
        if bytes[at] == UInt8(ascii: "0") {
            at += 1
        } else {
            while at < bytes.count, isDigit(bytes[at]) { at += 1 }
        }
        var isInteger = true
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
            isInteger = false
            at += 1
            guard at < bytes.count, isDigit(bytes[at]) else { throw fail("invalid number") }
            while at < bytes.count, isDigit(bytes[at]) { at += 1 }
        }
        if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
            isInteger = false
            at += 1
            if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
            guard at < bytes.count, isDigit(bytes[at]) else { throw fail("invalid number") }
            while at < bytes.count, isDigit(bytes[at]) { at += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
        if isInteger, let integer = Int(text) { return NSNumber(value: integer) }
        guard let double = Double(text), double.isFinite else { throw fail("number out of range") }
        return NSNumber(value: double)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
