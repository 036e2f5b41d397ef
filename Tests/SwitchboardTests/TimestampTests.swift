@testable import Switchboard
import XCTest

final class TimestampTests: XCTestCase {
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
