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

extension TimestampTests {
    /// Every millisecond survives the trip from a webhook's text to the stored form: the
    /// fraction is parsed into a binary floating-point Date, so `.359` may come back as
    /// `.35899999…` and must round to `.359`, not truncate to `.358`. Checked for every value
    /// 000…999 with several offsets, before 1970 (negative intervals) and as Unix milliseconds.
    func testEveryMillisecondIsKeptThroughNormalize() {
        // (local date and time, offset, the same moment in UTC without the fraction)
        let moments = [
            ("2026-11-23T12:00:00", "+02:00", "2026-11-23T10:00:00"),
            ("2026-11-23T12:00:00", "Z", "2026-11-23T12:00:00"),
            ("2026-11-23T12:00:59", "-0530", "2026-11-23T17:30:59"),
            ("2026-12-31T23:59:59", "-01:00", "2027-01-01T00:59:59"),
            ("1969-12-31T23:59:59", "Z", "1969-12-31T23:59:59"),
            ("1900-03-01T00:00:00", "+00:00", "1900-03-01T00:00:00"),
            ("9999-12-31T23:59:59", "Z", "9999-12-31T23:59:59"),
        ]
        var wrong: [String] = []
        for (local, offset, utc) in moments {
            for millis in 0...999 {
                let fraction = String(format: "%03d", millis)
                let input = "\(local).\(fraction)\(offset)"
                let expected = "\(utc).\(fraction)Z"
                if Timestamp.normalize(input) != expected { wrong.append("\(input) → \(Timestamp.normalize(input) ?? "nil")") }
            }
        }
        for millis in 0...999 {
            let fraction = String(format: "%03d", millis)
            let input = "1795428000\(fraction)"   // Unix milliseconds
            if Timestamp.normalize(input) != "2026-11-23T10:00:00.\(fraction)Z" {
                wrong.append("\(input) → \(Timestamp.normalize(input) ?? "nil")")
            }
        }
        XCTAssertEqual(wrong, [], "\(wrong.count) times changed")
    }

    /// A fraction finer than a millisecond rounds to the nearest one, carrying into the second.
    func testSubMillisecondFractionsRoundToTheNearestMillisecond() {
        XCTAssertEqual(Timestamp.normalize("2026-11-23T12:00:00.3594+02:00"), "2026-11-23T10:00:00.359Z")
        XCTAssertEqual(Timestamp.normalize("2026-11-23T12:00:00.3596+02:00"), "2026-11-23T10:00:00.360Z")
        XCTAssertEqual(Timestamp.normalize("2026-11-23T23:59:59.9996Z"), "2026-11-24T00:00:00.000Z")
        XCTAssertEqual(Timestamp.normalize("1969-12-31T23:59:59.9996Z"), "1970-01-01T00:00:00.000Z")
    }
}

extension TimestampTests {
    /// Numbers past year 9999 are not times we can store (four year digits); a webhook carrying
    /// one is answered 422 like any other non-time, and the daemon keeps serving.
    func testATimePastYear9999IsRefusedAndTheDaemonKeepsServing() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let secret = try t.addIntegration(region: "RO").secret
        let refused = try t.call("ringing", secret: secret, ["callId": "far-1", "clientNumber": "+40722123456",
                                                           "occurredAt": "99999999999999999999999"])
        XCTAssertEqual(refused.status, 422, refused.text)
        XCTAssertEqual(try t.call("ringing", secret: secret, ["callId": "far-2", "clientNumber": "+40722123456",
                                                             "occurredAt": "253402300799"]).status, 200, "9999-12-31T23:59:59Z is the last")
        XCTAssertEqual(try t.call("ringing", secret: secret, ["callId": "far-3", "clientNumber": "+40722123456",
                                                             "occurredAt": "253402300800000"]).status, 422)
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts").status, 200)
    }

    /// A moment moved out of range by arithmetic (a provider's absurd duration added to a start
    /// time) is written as the nearest time the text form holds, never a crash.
    func testFormatClampsToTheYearsItCanWrite() {
        XCTAssertEqual(Timestamp.format(Date(timeIntervalSince1970: 1e22)), "9999-12-31T23:59:59.999Z")
        XCTAssertEqual(Timestamp.format(Date(timeIntervalSince1970: -1e22)), "0000-01-01T00:00:00.000Z")
        XCTAssertEqual(Timestamp.adding(minutes: Int.max, to: "2026-11-23T10:00:00.000Z"), "9999-12-31T23:59:59.999Z")
    }
}

extension TimestampTests {
    /// A time without an offset, read in a zone, is the moment Foundation's `Calendar` gives for
    /// those date components in that zone: checked every ten minutes across two days around each
    /// change of offset in 2026, in zones that move by an hour (Kyiv, New York), by half an hour
    /// (Lord Howe), or never (Kolkata, +05:30). The skipped hour (clocks forward) and the
    /// repeated one (clocks back) are where a reading can go wrong.
    func testWallClockTimesAreReadInTheZoneAcrossDaylightSavingChanges() throws {
        var wrong: [String] = []
        var checked = 0
        for (name, days) in [("Europe/Kyiv", ["2026-03-28", "2026-10-24"]), ("America/New_York", ["2026-03-07", "2026-10-31"]),
                             ("Australia/Lord_Howe", ["2026-04-04", "2026-10-03"]), ("Asia/Kolkata", ["2026-03-28"])] {
            let zone = try XCTUnwrap(TimeZone(identifier: name), name)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            var utc = Calendar(identifier: .gregorian)
            utc.timeZone = try XCTUnwrap(TimeZone(identifier: "UTC"))
            for day in days {
                let parts = day.split(separator: "-").compactMap { Int($0) }
                for step in 0..<(2 * 24 * 6) {
                    let components = DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 0, minute: step * 10)
                    let local = try XCTUnwrap(calendar.date(from: components))
                    // The wall-clock text of the same components, written as UTC would write them.
                    let wallClock = utcText(try XCTUnwrap(utc.date(from: components)))
                    let read = Timestamp.normalize(wallClock, localTimeIn: zone)
                    if read != Timestamp.format(local) { wrong.append("\(name) \(wallClock) → \(read ?? "nil"), Calendar: \(local)") }
                    checked += 1
                }
            }
        }
        XCTAssertEqual(wrong, [], "\(wrong.count) of \(checked) times differ")
    }

    /// The hours around Kyiv's changes, spelled out: the repeated hour is read as the earlier
    /// (summer time) moment, a skipped time as if the clock had not yet gone forward.
    func testKyivWallClockAroundItsChanges() throws {
        let kyiv = try XCTUnwrap(TimeZone(identifier: "Europe/Kyiv"))
        for (local, utc) in [("2026-11-23 12:00:00", "2026-11-23T10:00:00.000Z"),   // winter, +02:00
                             ("2026-07-15 13:00:00", "2026-07-15T10:00:00.000Z"),   // summer, +03:00
                             ("2026-03-29 02:59:59", "2026-03-29T00:59:59.000Z"),   // the last second of winter time
                             ("2026-03-29 03:30:00", "2026-03-29T01:30:00.000Z"),   // skipped: 04:30 summer time
                             ("2026-03-29 04:00:00", "2026-03-29T01:00:00.000Z"),   // the first of summer time
                             ("2026-10-25 02:59:59", "2026-10-24T23:59:59.000Z"),
                             ("2026-10-25 03:30:00", "2026-10-25T00:30:00.000Z"),   // repeated: the earlier one
                             ("2026-10-25 04:00:00", "2026-10-25T02:00:00.000Z"),
                             ("2026-11-23T12:00:00", "2026-11-23T10:00:00.000Z"),   // with a T, still no offset
                             ("2026-11-23 12:00:00.250", "2026-11-23T10:00:00.250Z"),
                             ("2026-11-23 12:00", "2026-11-23T10:00:00.000Z"),
                             ("2027-01-01 01:00:00", "2026-12-31T23:00:00.000Z")] {
            XCTAssertEqual(Timestamp.normalize(local, localTimeIn: kyiv), utc, local)
        }
        XCTAssertNil(Timestamp.normalize("0000-01-01 01:00:00", localTimeIn: kyiv), "before the first storable moment")
    }

    /// A zone only says where a time without an offset is local: a stated offset, Z, RFC 2822
    /// and Unix time name the same moment with or without it.
    func testTheZoneLeavesTimesWithAnOffsetAlone() throws {
        let kyiv = try XCTUnwrap(TimeZone(identifier: "Europe/Kyiv"))
        for text in ["2026-11-23T12:00:00+02:00", "2026-11-23T09:00:00-01:00", "2026-11-23T10:00:00Z", "2026-11-23 10:00:00Z",
                     "2026-11-23T10:00:00.000Z", "1795428000", "1795428000000", "Mon, 23 Nov 2026 10:00:00 +0000"] {
            XCTAssertEqual(Timestamp.normalize(text, localTimeIn: kyiv), "2026-11-23T10:00:00.000Z", text)
            XCTAssertEqual(Timestamp.normalize(text, localTimeIn: kyiv), Timestamp.normalize(text), text)
        }
        XCTAssertEqual(Timestamp.normalize("2026-11-23 10:00:00"), "2026-11-23T10:00:00.000Z", "without a zone, UTC as before")
    }

    /// `date` as `YYYY-MM-DD HH:MM:SS` in UTC.
    private func utcText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}
