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
        (try? pairs(text, strict: false)) ?? []   // not strict: never throws
    }

    /// `pairs`, for bodies that must be right: an escape that is not `%` and two hex digits
    /// throws instead of being kept as typed. Escapes that decode to bytes that are not UTF-8
    /// (`%CF%F0`, a cp1251 UTM tag) become U+FFFD, as in `pairs`: refusing the whole delivery
    /// for one such value would lose it; a caller that needs a value exact (an id: `%FF` and
    /// `%FE` both decode to U+FFFD) checks it for U+FFFD.
    public static func strictPairs<S: StringProtocol>(_ text: S) throws(FormError) -> [(String, String)] {
        try pairs(text, strict: true)
    }

    private static func pairs<S: StringProtocol>(_ text: S, strict: Bool) throws(FormError) -> [(String, String)] {
        var out: [(String, String)] = []
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            if let eq = part.firstIndex(of: "=") {
                out.append((try decode(part[..<eq], strict: strict), try decode(part[part.index(after: eq)...], strict: strict)))
            } else {
                out.append((try decode(part, strict: strict), ""))
            }
        }
        return out
    }

    /// Why a form body is not one.
    public struct FormError: Error, Sendable, Equatable {
        public let reason: String
    }

    /// Percent-decodes and turns `+` into a space; invalid escapes are kept as they are.
    public static func percentDecode<S: StringProtocol>(_ text: S) -> String {
        (try? decode(text, strict: false)) ?? ""   // not strict: never throws
    }

    /// One decoder for both: `strict` throws on a `%` not followed by two hex digits, which
    /// otherwise is kept as typed. Bytes that are not UTF-8 become U+FFFD either way.
    private static func decode<S: StringProtocol>(_ text: S, strict: Bool) throws(FormError) -> String {
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
            } else if byte == UInt8(ascii: "%"), strict {
                throw FormError(reason: "a % not followed by two hex digits in \"\(text.prefix(40))\"")
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

// MARK: - multipart/form-data

extension FormDecoding {
    /// Why a `multipart/form-data` body (or its Content-Type) could not be read. Each case says
    /// what to fix; `reason` is the sentence a sender sees.
    public enum MultipartError: Error, Equatable, Sendable {
        /// The Content-Type is `multipart/form-data` without a `boundary` parameter.
        case missingBoundary
        /// The boundary is empty, longer than RFC 2046's 70 characters, or holds a line break.
        case invalidBoundary(String)
        /// The Content-Type's parameters cannot be read (an unterminated quoted string).
        case invalidContentType(String)
        /// No `--boundary` line anywhere: the body is not multipart, or uses another boundary.
        case noDelimiter(boundary: String)
        /// The body ends before the closing `--boundary--` line (a truncated upload).
        case missingCloseDelimiter(boundary: String)
        /// Part `number` (1-based) breaks RFC 7578; `why` says how.
        case malformedPart(number: Int, why: String)
        /// The text field `name` holds bytes that are not UTF-8.
        case notUTF8(field: String)

        public var reason: String {
            switch self {
            case .missingBoundary: return "multipart/form-data without a boundary parameter"
            case .invalidBoundary(let why): return "multipart boundary \(why)"
            case .invalidContentType(let why): return "Content-Type \(why)"
            case .noDelimiter(let boundary): return "no --\(boundary) line: the body is not multipart with that boundary"
            case .missingCloseDelimiter(let boundary): return "the body ends without its closing --\(boundary)-- line"
            case .malformedPart(let number, let why): return "multipart part \(number) \(why)"
            case .notUTF8(let field): return "field \(field) is not UTF-8"
            }
        }
    }

    /// The boundary of a `multipart/form-data` Content-Type, or nil for any other media type.
    ///
    /// The media type is matched case-insensitively; the boundary keeps its case and may be
    /// quoted (RFC 2046 §5.1.1 quotes boundaries holding characters a token cannot). Only
    /// `form-data` is a form (RFC 7578 §4): other multipart subtypes return nil, for the caller
    /// to refuse as a media type it does not read.
    /// - Throws: for a `multipart/form-data` type whose boundary is missing or unusable.
    public static func multipartBoundary(contentType: String) throws(MultipartError) -> String? {
        let mediaType = contentType.prefix(while: { $0 != ";" }).trimmingWhitespace().lowercased()
        guard mediaType == "multipart/form-data" else { return nil }
        guard let parsed = headerParameters(contentType[...]) else {
            throw .invalidContentType("has an unterminated quoted string: \(contentType)")
        }
        guard let boundary = parsed.parameters["boundary"] else { throw .missingBoundary }
        try validate(boundary: boundary)
        return boundary
    }

    /// RFC 2046 §5.1.1: 1 to 70 characters. A boundary with a line break could never start a
    /// line of its own. Other characters outside the RFC's `bchars` are let through: a sender
    /// that strays there still writes the same boundary in the header and in the body.
    private static func validate(boundary: String) throws(MultipartError) {
        guard !boundary.isEmpty else { throw .invalidBoundary("is empty") }
        guard boundary.utf8.count <= 70 else { throw .invalidBoundary("is longer than 70 characters (RFC 2046 §5.1.1)") }
        guard !boundary.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) else { throw .invalidBoundary("holds a line break") }
    }

    /// The text fields of a `multipart/form-data` body (RFC 7578), as ordered pairs with repeats
    /// kept, exactly as `pairs(_:)` returns an urlencoded body: a provider's fields read, and
    /// sign, the same whichever encoding it posted.
    ///
    /// - The body is parts between `--boundary` lines and ends with `--boundary--`
    ///   (RFC 2046 §5.1.1). The delimiter is the Content-Type's boundary *with two dashes in
    ///   front*; github.com/gravitymir/zadarma calls that a Zadarma bug, but it is the rule.
    ///   Text before the first delimiter (preamble) and after the last (epilogue) is ignored,
    ///   as is transport padding (spaces, tabs) after a delimiter.
    /// - Lines end in CRLF; a bare LF is accepted too (hand-written senders send them), and the
    ///   line break before a delimiter belongs to the delimiter, not to the value before it.
    /// - Every part needs `Content-Disposition: form-data; name="…"` (RFC 7578 §4.2); the name
    ///   is a quoted string (a backslash escapes the next character) or a token, and is not
    ///   percent-decoded. `name*` (RFC 5987) is not read: RFC 7578 §4.2 forbids it.
    /// - A part with a `filename` (a file upload), or whose Content-Type is not `text/…`, is
    ///   not a form field and is skipped, unread: provider notifications carry no files, and
    ///   refusing a delivery over an attachment we would not use makes providers such as
    ///   Zadarma disable the webhook. Text values are UTF-8 whatever charset a part names
    ///   (RFC 7578 §5.1.2); a value that is not UTF-8 is refused, as it is in an urlencoded body.
    /// - Content-Transfer-Encoding is deprecated (RFC 7578 §4.7): `7bit`, `8bit` and `binary`
    ///   are read as they are; any other (base64, quoted-printable) is refused on a text field.
    ///
    /// Work is linear in the body: one pass finds every line that starts like a delimiter, and
    /// each part's bytes are then read once, so a hostile body up to the server's body limit
    /// costs no more than a well-formed one of that size.
    /// - Throws: `MultipartError` for an unusable boundary (as `multipartBoundary` refuses it),
    ///   a body with no delimiter or no closing delimiter, or a part that breaks RFC 7578.
    public static func multipartPairs(_ body: [UInt8], boundary: String) throws(MultipartError) -> [(String, String)] {
        try validate(boundary: boundary)
        let dashBoundary = Array("--\(boundary)".utf8)
        var pairs: [(String, String)] = []
        var partStart: Int?   // where the current part's headers begin; nil before the first delimiter
        var partNumber = 0
        for dash in lineStarts(of: dashBoundary, in: body) {
            var at = dash + dashBoundary.count
            let isClose = at + 1 < body.count && body[at] == 0x2D && body[at + 1] == 0x2D
            if !isClose {
                while at < body.count, body[at] == 0x20 || body[at] == 0x09 { at += 1 }
                if at < body.count, body[at] == 0x0D { at += 1 }
                // "--boundaryX…" is not a delimiter but text that starts like one.
                guard at < body.count, body[at] == 0x0A else { continue }
            }
            if let start = partStart {
                partNumber += 1
                // The CRLF (or LF) before the delimiter is the delimiter's own.
                var end = dash - 1
                if end > start, body[end - 1] == 0x0D { end -= 1 }
                if let field = try formField(body[start..<max(start, end)], number: partNumber) { pairs.append(field) }
            }
            if isClose { return pairs }
            partStart = at + 1
        }
        if partStart == nil { throw .noDelimiter(boundary: boundary) }
        throw .missingCloseDelimiter(boundary: boundary)
    }

    /// The name and value of one part, or nil for a part that is not a text field (a file).
    private static func formField(_ part: ArraySlice<UInt8>, number: Int) throws(MultipartError) -> (String, String)? {
        func malformed(_ why: String) -> MultipartError { .malformedPart(number: number, why: why) }
        // The header section: lines up to the first empty one (RFC 2046 §5.1.1 body-part).
        var headers: [(name: String, value: String)] = []
        var at = part.startIndex
        var valueStart: Int?
        while let lineFeed = part[at...].firstIndex(of: 0x0A) {
            var line = part[at..<lineFeed]
            if line.last == 0x0D { line = line.dropLast() }
            at = lineFeed + 1
            if line.isEmpty { valueStart = at; break }
            guard let text = String(validating: line, as: UTF8.self) else { throw malformed("has a header that is not UTF-8") }
            if line.first == 0x20 || line.first == 0x09 {
                // An obsolete folded line continues the header before it.
                guard !headers.isEmpty else { throw malformed("starts with a folded header line") }
                headers[headers.count - 1].value += " " + text.trimmingWhitespace()
                continue
            }
            guard let colon = text.firstIndex(of: ":") else { throw malformed("has a header line without a colon: \(text)") }
            headers.append((text[..<colon].trimmingWhitespace().lowercased(), text[text.index(after: colon)...].trimmingWhitespace()))
        }
        // A part may end right after its headers, with no blank line and no content (RFC 2046
        // §5.1.1: `body-part := MIME-part-headers [CRLF *OCTET]`): its value is empty.
        if valueStart == nil, at == part.endIndex { valueStart = at }
        guard let valueStart else { throw malformed("has no blank line after its headers") }
        func header(_ name: String) -> String? { headers.first(where: { $0.name == name })?.value }

        guard let disposition = header("content-disposition") else { throw malformed("has no Content-Disposition header") }
        guard let parsed = headerParameters(disposition[...]) else {
            throw malformed("has a Content-Disposition with an unterminated quoted string")
        }
        guard parsed.value.lowercased() == "form-data" else { throw malformed("is \(parsed.value), not form-data") }
        guard let name = parsed.parameters["name"] else { throw malformed("has no name in its Content-Disposition") }
        if parsed.parameters["filename"] != nil || parsed.parameters["filename*"] != nil { return nil }
        if let contentType = header("content-type"), !contentType.lowercased().hasPrefix("text/") { return nil }
        if let encoding = header("content-transfer-encoding")?.lowercased(), !["7bit", "8bit", "binary"].contains(encoding) {
            throw malformed("(field \(name)) has Content-Transfer-Encoding \(encoding), which is not read")
        }
        guard let value = String(validating: part[valueStart...], as: UTF8.self) else { throw .notUTF8(field: name) }
        return (name, value)
    }

    /// A header value's first item and its `; name=value` parameters (RFC 9110 §5.6.6), names
    /// lower-cased, the first of a repeated name kept. Values are tokens or quoted strings in
    /// which a backslash escapes the next character (`name="a\"b"` is `a"b`). Nil when a quoted
    /// string is not terminated; a parameter without `=` has an empty value.
    private static func headerParameters(_ text: Substring) -> (value: String, parameters: [String: String])? {
        let bytes = Array(text.utf8)
        func skipWhitespace(_ at: inout Int) { while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x09 { at += 1 } }
        func trimmed(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self).trimmingWhitespace() }
        var at = bytes.firstIndex(of: 0x3B) ?? bytes.count   // ';'
        let value = trimmed(0..<at)
        var parameters: [String: String] = [:]
        while at < bytes.count {
            at += 1   // the ';'
            skipWhitespace(&at)
            let nameStart = at
            while at < bytes.count, bytes[at] != 0x3D, bytes[at] != 0x3B { at += 1 }   // '=' or ';'
            let name = trimmed(nameStart..<at).lowercased()
            var parameter = ""
            if at < bytes.count, bytes[at] == 0x3D {
                at += 1
                skipWhitespace(&at)
                if at < bytes.count, bytes[at] == 0x22 {   // '"'
                    at += 1
                    var unquoted: [UInt8] = []
                    var isClosed = false
                    while at < bytes.count {
                        let byte = bytes[at]
                        at += 1
                        if byte == 0x22 { isClosed = true; break }
                        if byte == 0x5C, at < bytes.count {   // '\'
                            unquoted.append(bytes[at])
                            at += 1
                        } else {
                            unquoted.append(byte)
                        }
                    }
                    guard isClosed else { return nil }
                    parameter = String(decoding: unquoted, as: UTF8.self)
                    // Anything between the closing quote and the next ';' is not part of the value.
                    while at < bytes.count, bytes[at] != 0x3B { at += 1 }
                } else {
                    let valueStart = at
                    while at < bytes.count, bytes[at] != 0x3B { at += 1 }
                    parameter = trimmed(valueStart..<at)
                }
            }
            if !name.isEmpty, parameters[name] == nil { parameters[name] = parameter }
        }
        return (value, parameters)
    }

    /// Where each line that starts with `dashBoundary` starts: byte 0, or the byte after an LF.
    /// Linear without a search table: `dashBoundary` holds no LF (`validate(boundary:)` refuses
    /// a boundary with a line break), so a comparison begun at a line's start fails by that line's
    /// end at the latest, and every byte is looked at no more than twice.
    private static func lineStarts(of dashBoundary: [UInt8], in body: [UInt8]) -> [Int] {
        // `multipartPairs` validated the boundary before it came here.
        precondition(!dashBoundary.contains(0x0A), "a boundary with a line break is refused before the body is read")
        return body.withUnsafeBufferPointer { bytes in
            var found: [Int] = []
            var lineStart = 0
            while lineStart < bytes.count {
                if bytes.count - lineStart >= dashBoundary.count {
                    var matched = 0
                    while matched < dashBoundary.count, bytes[lineStart + matched] == dashBoundary[matched] { matched += 1 }
                    if matched == dashBoundary.count { found.append(lineStart) }
                }
                var next = lineStart
                while next < bytes.count, bytes[next] != 0x0A { next += 1 }
                lineStart = next + 1
            }
            return found
        }
    }
}

private extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    func trimmingWhitespace() -> String {
        var text = self[...]
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
