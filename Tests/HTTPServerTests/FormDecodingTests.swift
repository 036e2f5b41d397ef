import HTTPServer
import XCTest

/// `multipart/form-data` bodies (RFC 7578 over RFC 2046) read into the same ordered pairs an
/// urlencoded body gives.
final class FormDecodingTests: XCTestCase {
    typealias MultipartError = FormDecoding.MultipartError

    /// `fields` as a sender writes them: one part each, CRLF line ends, the closing delimiter last.
    static func multipart(_ fields: [(String, String)], boundary: String = "b0undary") -> String {
        fields.map { "--\(boundary)\r\nContent-Disposition: form-data; name=\"\($0.0)\"\r\n\r\n\($0.1)\r\n" }.joined()
            + "--\(boundary)--\r\n"
    }

    func pairs(_ body: String, boundary: String = "b0undary") throws(MultipartError) -> [Pair] {
        try FormDecoding.multipartPairs(Array(body.utf8), boundary: boundary).map(Pair.init)
    }

    /// Asserts `body` is refused with `expected`.
    func assertRefused(_ body: String, boundary: String = "b0undary", _ expected: MultipartError,
                       file: StaticString = #filePath, line: UInt = #line) {
        do throws(MultipartError) {
            let fields = try pairs(body, boundary: boundary)
            XCTFail("accepted as \(fields)", file: file, line: line)
        } catch {
            XCTAssertEqual(error, expected, file: file, line: line)
        }
    }

    /// A name and value, Equatable for XCTAssertEqual.
    struct Pair: Equatable, CustomStringConvertible {
        let name: String
        let value: String
        init(_ pair: (String, String)) { (name, value) = pair }
        init(_ name: String, _ value: String) { (self.name, self.value) = (name, value) }
        var description: String { "\(name)=\(value)" }
    }

    func testWellFormedBodyGivesItsFieldsInOrderWithoutPreambleOrEpilogue() throws {
        let body = "This is the preamble: no one reads it.\r\n"
            + "--b0undary  \t\r\n"   // transport padding after a delimiter
            + "Content-Disposition: form-data; name=\"event\"\r\n\r\nNOTIFY_START\r\n"
            + "--b0undary\r\n"
            + "content-disposition: FORM-DATA; name=caller_id\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n40722123456\r\n"
            + "--b0undary\r\n"
            + "Content-Disposition: form-data; name=\"call_start\"\r\n\r\n2026-11-23 10:00:00\r\n"
            + "--b0undary--\r\nThe epilogue, also ignored.\r\n--b0undary\r\n"
        XCTAssertEqual(try pairs(body), [Pair("event", "NOTIFY_START"), Pair("caller_id", "40722123456"),
                                         Pair("call_start", "2026-11-23 10:00:00")])
    }

    func testValuesKeepTheirLinesTextStartingLikeTheBoundaryAndUTF8() throws {
        let value = "line one\r\nline two\r\n--b0undaryish is no delimiter\r\n-- b0undary neither\r\nМосква ☎"
        XCTAssertEqual(try pairs(Self.multipart([("note", value), ("last", "x")])), [Pair("note", value), Pair("last", "x")])
    }

    func testBoundaryComesFromTheContentTypeQuotedOrNot() throws {
        XCTAssertEqual(try FormDecoding.multipartBoundary(contentType: "multipart/form-data; boundary=b0undary"), "b0undary")
        // Quoted (it holds characters a token cannot), its case kept, whatever the media type's case.
        let quoted = #"Multipart/Form-Data; charset=utf-8; BOUNDARY="----=_Part_0 (1) Ab:c""#
        let boundary = try XCTUnwrap(try FormDecoding.multipartBoundary(contentType: quoted))
        XCTAssertEqual(boundary, "----=_Part_0 (1) Ab:c")
        XCTAssertEqual(try pairs(Self.multipart([("a", "1")], boundary: boundary), boundary: boundary), [Pair("a", "1")])
        // curl's, as PHP's curl posts an array (github.com/gravitymir/zadarma reads Zadarma's so).
        let curl = "------------------------d74496d66958873e"
        XCTAssertEqual(try FormDecoding.multipartBoundary(contentType: "multipart/form-data; boundary=\(curl)"), curl)

        // Not a form, or another multipart: not ours to read.
        XCTAssertNil(try FormDecoding.multipartBoundary(contentType: "application/x-www-form-urlencoded"))
        XCTAssertNil(try FormDecoding.multipartBoundary(contentType: "multipart/mixed; boundary=b0undary"))
        XCTAssertNil(try FormDecoding.multipartBoundary(contentType: "text/plain; charset=\"utf-8"))
        for (contentType, expected) in [
            ("multipart/form-data", MultipartError.missingBoundary),
            ("multipart/form-data; boundary=\"\"", .invalidBoundary("is empty")),
            ("multipart/form-data; boundary=\(String(repeating: "x", count: 71))",
             .invalidBoundary("is longer than 70 characters (RFC 2046 §5.1.1)")),
            ("multipart/form-data; boundary=\"b0und", .invalidContentType("has an unterminated quoted string: multipart/form-data; boundary=\"b0und")),
        ] {
            XCTAssertThrowsError(try FormDecoding.multipartBoundary(contentType: contentType), contentType) { error in
                XCTAssertEqual(error as? MultipartError, expected, contentType)
            }
        }
    }

    func testBoundaryPassedStraightToTheDecoderIsCheckedToo() {
        assertRefused(Self.multipart([("a", "1")]), boundary: "b0un\ndary", .invalidBoundary("holds a line break"))
        assertRefused(Self.multipart([("a", "1")]), boundary: "", .invalidBoundary("is empty"))
    }

    func testEmptyValueIsAFieldAndABodyWithoutPartsHasNone() throws {
        XCTAssertEqual(try pairs(Self.multipart([("description", ""), ("success", "true")])),
                       [Pair("description", ""), Pair("success", "true")])
        // RFC 2046 lets a part end right after its headers: no blank line, no content.
        XCTAssertEqual(try pairs("--b0undary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n--b0undary--"), [Pair("a", "")])
        XCTAssertEqual(try pairs("--b0undary--\r\n"), [])
    }

    func testRepeatedFieldKeepsEveryValueAsAnUrlencodedBodyDoes() throws {
        let fields = [("to", "1"), ("from", "2"), ("to", "3")]
        let urlencoded = FormDecoding.pairs("to=1&from=2&to=3").map(Pair.init)
        XCTAssertEqual(try pairs(Self.multipart(fields)), urlencoded)
        XCTAssertEqual(urlencoded, fields.map(Pair.init))
    }

    func testQuotedNamesMayHoldEscapedQuotesAndSemicolons() throws {
        let body = "--b0undary\r\nContent-Disposition: form-data; name=\"say \\\"hi\\\"; now\"\r\n\r\nhello\r\n--b0undary--"
        XCTAssertEqual(try pairs(body), [Pair(#"say "hi"; now"#, "hello")])
    }

    func testFilePartsAndNonTextPartsAreSkippedUnread() throws {
        var body = Array("--b0undary\r\nContent-Disposition: form-data; name=\"event\"\r\n\r\nNOTIFY_RECORD\r\n".utf8)
        body += Array("--b0undary\r\nContent-Disposition: form-data; name=\"record\"; filename=\"call.mp3\"\r\n".utf8)
        body += Array("Content-Type: audio/mpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n".utf8) + [0xFF, 0xFB, 0x90, 0x0D, 0x0A]
        body += Array("--b0undary\r\nContent-Disposition: form-data; name=\"blob\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
            + [0x00, 0xFF, 0x0D, 0x0A]
        body += Array("--b0undary\r\nContent-Disposition: form-data; name=\"call_id_with_rec\"\r\n\r\n1795428000.1001-rec\r\n".utf8)
        body += Array("--b0undary--\r\n".utf8)
        XCTAssertEqual(try FormDecoding.multipartPairs(body, boundary: "b0undary").map(Pair.init),
                       [Pair("event", "NOTIFY_RECORD"), Pair("call_id_with_rec", "1795428000.1001-rec")])
    }

    func testBareLineFeedsAreReadAsCRLF() throws {
        let body = "--b0undary\nContent-Disposition: form-data; name=\"a\"\n\n1\n--b0undary\r\n"
            + "Content-Disposition: form-data; name=\"b\"\r\n\r\n2\n--b0undary--\n"
        XCTAssertEqual(try pairs(body), [Pair("a", "1"), Pair("b", "2")])
    }

    func testMissingFinalBoundaryIsRefused() {
        let complete = Self.multipart([("event", "NOTIFY_START"), ("pbx_call_id", "in_1")])
        let truncated = String(complete.dropLast("--b0undary--\r\n".count))
        assertRefused(truncated, .missingCloseDelimiter(boundary: "b0undary"))
        assertRefused(String(complete.dropLast(4)) + "\r\n", .missingCloseDelimiter(boundary: "b0undary"))
        XCTAssertEqual(MultipartError.missingCloseDelimiter(boundary: "b0undary").reason,
                       "the body ends without its closing --b0undary-- line")
    }

    func testGarbageIsRefusedSayingWhy() {
        assertRefused("event=NOTIFY_START&pbx_call_id=in_1", .noDelimiter(boundary: "b0undary"))
        assertRefused("", .noDelimiter(boundary: "b0undary"))
        assertRefused(Self.multipart([("a", "1")]), boundary: "other", .noDelimiter(boundary: "other"))
        assertRefused("--b0undaryX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b0undaryX--",
                      .noDelimiter(boundary: "b0undary"))

        let head = "--b0undary\r\n", tail = "\r\n--b0undary--\r\n"
        let cases: [(String, String)] = [
            ("Content-Type: text/plain\r\n\r\nno disposition", "has no Content-Disposition header"),
            ("Content-Disposition: attachment; name=\"a\"\r\n\r\n1", "is attachment, not form-data"),
            ("Content-Disposition: form-data; filename=\"a.txt\"\r\n\r\n1", "has no name in its Content-Disposition"),
            ("Content-Disposition: form-data; name=\"a\r\n\r\n1", "has a Content-Disposition with an unterminated quoted string"),
            ("Content-Disposition: form-data; name=\"a\"\r\nno blank line before the delimiter", "has no blank line after its headers"),
            ("Content-Disposition: form-data; name=\"a\"\r\ngarbage\r\n\r\n1", "has a header line without a colon: garbage"),
            (" folded: first\r\n\r\n1", "starts with a folded header line"),
            ("Content-Disposition: form-data; name=\"a\"\r\nContent-Transfer-Encoding: base64\r\n\r\nMQ==",
             "(field a) has Content-Transfer-Encoding base64, which is not read"),
        ]
        for (part, why) in cases {
            assertRefused(head + part + tail, .malformedPart(number: 1, why: why))
        }
        // The part is numbered so the sender can find it.
        assertRefused(Self.multipart([("a", "1")]).dropLast("--b0undary--\r\n".count) + head + "\r\n1" + tail,
                      .malformedPart(number: 2, why: "has no Content-Disposition header"))
        XCTAssertEqual(MultipartError.malformedPart(number: 2, why: "has no Content-Disposition header").reason,
                       "multipart part 2 has no Content-Disposition header")

        let invalid = Array((head + "Content-Disposition: form-data; name=\"a\"\r\n\r\n").utf8) + [0xC3, 0x28] + Array(tail.utf8)
        XCTAssertThrowsError(try FormDecoding.multipartPairs(invalid, boundary: "b0undary")) { error in
            XCTAssertEqual(error as? MultipartError, .notUTF8(field: "a"))
        }
    }

    /// Work stays linear in the body: near-miss delimiters and a huge header section are each
    /// read once (a quadratic scan of these would not finish).
    func testHostileBodiesUpToMegabytesAreReadInOnePass() throws {
        let nearMisses = "--b0undary\r\n" + String(repeating: "\n--b0undar\n--b0undaryy", count: 100_000)
        assertRefused(nearMisses, .missingCloseDelimiter(boundary: "b0undary"))
        let endlessHeaders = "--b0undary\r\n" + String(repeating: "X-Filler: 1\r\n", count: 20_000) + "\r\n--b0undary--"
        assertRefused(endlessHeaders, .malformedPart(number: 1, why: "has no Content-Disposition header"))
        let manyFields = Array(repeating: ("n", "v"), count: 10_000)
        XCTAssertEqual(try pairs(Self.multipart(manyFields)).count, 10_000)
    }
}
