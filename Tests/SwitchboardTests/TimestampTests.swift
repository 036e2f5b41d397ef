@testable import Switchboard
import XCTest

final class TimestampTests: XCTestCase {
    /// The shortcut for `YYYY-MM-DDTHH:MM:SSZ` must give exactly what parsing to a Date and
    /// formatting gives, and refuse what that refuses; compared on generated texts around
    /// every boundary (month lengths, leap years, out-of-range fields, broken separators).
    func testCanonicalUTCShortcutAgreesWithTheFullParse() {
        var generator = SystemRandomNumberGenerator()
        var shortcutTaken = 0
        let years = [0, 1, 1900, 1969, 1970, 1999, 2000, 2023, 2024, 2026, 2100, 2400, 9999]
        for _ in 0..<20_000 {
            let year = years.randomElement(using: &generator) ?? 2026
            let month = Int.random(in: 0...13, using: &generator)
            let day = Int.random(in: 0...32, using: &generator)
            let hour = Int.random(in: 0...25, using: &generator)
            let minute = Int.random(in: 0...61, using: &generator)
            let second = Int.random(in: 0...61, using: &generator)
            var text = Array(String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, hour, minute, second).utf8)
            if Int.random(in: 0..<8, using: &generator) == 0 {   // break one byte
                text[Int.random(in: 0..<text.count, using: &generator)] = Array("0-:TZtz x9".utf8).randomElement(using: &generator) ?? 48
            }
            let input = String(decoding: text, as: UTF8.self)
            let full = Timestamp.parse(input).map(Timestamp.format)
            if let shortcut = Timestamp.canonicalUTC(input) {
                shortcutTaken += 1
                XCTAssertEqual(shortcut, full, input)
            }
            XCTAssertEqual(Timestamp.normalize(input), full, input)
        }
        XCTAssertGreaterThan(shortcutTaken, 1_000)
    }

    func testEveryAcceptedFormNormalizesToUTCMilliseconds() {
        XCTAssertEqual(Timestamp.normalize("2026-11-23T12:00:00+02:00"), "2026-11-23T10:00:00.000Z")
        XCTAssertEqual(Timestamp.normalize("2026-11-23T12:00:00.25-0130"), "2026-11-23T13:30:00.250Z")
        XCTAssertEqual(Timestamp.normalize("2026-11-23T10:00:00Z"), "2026-11-23T10:00:00.000Z")
        XCTAssertEqual(Timestamp.normalize("2026-11-23 10:00:00"), "2026-11-23T10:00:00.000Z")
        XCTAssertEqual(Timestamp.normalize("1795428000"), "2026-11-23T10:00:00.000Z")
        XCTAssertEqual(Timestamp.normalize("1795428000500"), "2026-11-23T10:00:00.500Z")
        XCTAssertEqual(Timestamp.normalize("Mon, 23 Nov 2026 10:00:00 +0000"), "2026-11-23T10:00:00.000Z")
        XCTAssertEqual(Timestamp.normalize("2024-02-29T23:59:59Z"), "2024-02-29T23:59:59.000Z")
        XCTAssertEqual(Timestamp.adding(minutes: 90, to: "2026-12-31T23:00:00.000Z"), "2027-01-01T00:30:00.000Z")
    }

    func testNonTimesAreRejected() {
        for text in ["yesterday", "2026-13-01T00:00:00Z", "2026-11-23T10:00:00Zjunk", "2026-11-23T25:00", ""] {
            XCTAssertNil(Timestamp.normalize(text), text)
        }
    }
}
