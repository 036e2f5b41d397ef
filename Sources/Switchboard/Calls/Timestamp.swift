import Foundation
import Synchronization

/// Timestamps as stored: RFC 3339 UTC with milliseconds, so text order is time order.
///
/// Parsing and formatting are done by hand for the common forms: webhooks parse
/// times on the hot path, and Foundation's formatters cost tens of microseconds each.
enum Timestamp {
    /// Milliseconds since 1970 of the first and last moments the text form holds
    /// (`0000-01-01T00:00:00.000Z`, `9999-12-31T23:59:59.999Z`): it has four year digits.
    private static let writableMillis: ClosedRange<Double> = -62_167_219_200_000 ... 253_402_300_799_999

    /// Formats `date` as `2026-11-23T10:00:00.000Z`.
    ///
    /// The milliseconds are rounded, not truncated: a parsed `.359` is the binary double
    /// `.35899…`, which truncation stored as `.358`. The whole count is rounded and then split,
    /// so a carry reaches the second and, before 1970, the remainder stays non-negative.
    /// A moment outside the writable years (a provider's absurd duration added to a start time)
    /// is clamped to them: the conversion to an integer would otherwise stop the daemon.
    static func format(_ date: Date) -> String {
        let scaled = (date.timeIntervalSince1970 * 1000).rounded()
        let total = scaled.isNaN ? 0 : Int(min(max(scaled, writableMillis.lowerBound), writableMillis.upperBound))
        var (whole, millis) = total.quotientAndRemainder(dividingBy: 1000)
        if millis < 0 { (whole, millis) = (whole - 1, millis + 1000) }
        var seconds = time_t(whole)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Written straight into the string's storage: every webhook formats two of these.
        return String(unsafeUninitializedCapacity: 24) { out in
            func put(_ value: Int, width: Int, at index: Int, then separator: UInt8) {
                var v = value
                for offset in stride(from: width - 1, through: 0, by: -1) {
                    out[index + offset] = UInt8(truncatingIfNeeded: 48 + v % 10)
                    v /= 10
                }
                out[index + width] = separator
            }
            put(Int(parts.tm_year) + 1900, width: 4, at: 0, then: 45)   // 2026-
            put(Int(parts.tm_mon) + 1, width: 2, at: 5, then: 45)       // 11-
            put(Int(parts.tm_mday), width: 2, at: 8, then: 84)          // 23T
            put(Int(parts.tm_hour), width: 2, at: 11, then: 58)         // 10:
            put(Int(parts.tm_min), width: 2, at: 14, then: 58)          // 00:
            put(Int(parts.tm_sec), width: 2, at: 17, then: 46)          // 00.
            put(millis, width: 3, at: 20, then: 90)                     // 000Z
            return 24
        }
    }

    static func now() -> String { format(Date()) }

    /// Parses ISO 8601 with an offset (`2026-11-23T12:00:00+02:00`, fractional seconds allowed),
    /// a space instead of `T` and no offset (`2026-11-23 12:00:00`, taken as UTC), RFC 2822 (Twilio),
    /// or Unix seconds (milliseconds when the number is too large for seconds).
    /// A moment outside years 0000–9999 is not a time we can store, and gives nil.
    /// (Not a default argument of the zoned form: callers pass `Timestamp.parse` as a function.)
    static func parse(_ text: String) -> Date? { parse(text, localTimeIn: nil) }

    /// `parse`, with a time without an offset read as the local time in `zone`.
    /// - Parameter zone: where a time without an offset is local (an integration's `timeZone`:
    ///   Ringostat's `calldate` and Zadarma's `call_start` are the account's wall clock); nil reads
    ///   it as UTC. Only such a time looks the zone up: one with an offset, RFC 2822 or Unix
    ///   seconds never does.
    static func parse(_ text: String, localTimeIn zone: TimeZone?) -> Date? {
        let trimmed = text.trimmedSpaces
        let date: Date?
        if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 }), let seconds = Double(trimmed) {
            date = Date(timeIntervalSince1970: seconds > 1e11 ? seconds / 1000 : seconds)
        } else {
            var bytes = trimmed
            date = bytes.withUTF8({ parseISO($0, localTimeIn: zone) }) ?? rfc2822.withLock { formatter in formatter.date(from: trimmed) }
        }
        guard let date, writableMillis.contains((date.timeIntervalSince1970 * 1000).rounded()) else { return nil }
        return date
    }

    /// `parse` then `format`; nil when the text is not a time.
    static func normalize(_ text: String?) -> String? { normalize(text, localTimeIn: nil) }

    /// `parse(_:localTimeIn:)` then `format`; nil when the text is not a time.
    /// - Parameter zone: where a time without an offset is local; nil reads it as UTC.
    static func normalize(_ text: String?, localTimeIn zone: TimeZone?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        if let canonical = canonicalUTC(text) { return canonical }
        guard let date = parse(text, localTimeIn: zone) else { return nil }
        return format(date)
    }

    /// True when `text` is a time without an offset (a wall clock, which the zone it is read in
    /// changes), false for one that states its offset, Unix seconds, or no time at all.
    static func isWallClock(_ text: String) -> Bool {
        if canonicalUTC(text) != nil { return false }
        guard let utc = parse(text, localTimeIn: nil) else { return false }
        return parse(text, localTimeIn: TimeZone(secondsFromGMT: 3600)) != utc
    }

    /// Seconds to subtract from `wallClock` (a local date and time counted as if it were UTC)
    /// to get the moment it names in `zone`, daylight-saving time included (Foundation's
    /// `TimeZone`, from the tz database compiled into the toolchain's ICU).
    ///
    /// A wall-clock time maps to one moment except around a change of offset. In the hour
    /// repeated when clocks go back (Kyiv: 03:00–04:00 on the last Sunday of October) the
    /// earlier moment, still summer time, is taken; in the hour skipped when they go forward
    /// (03:00–04:00 on the last Sunday of March) the time is read with the offset before the
    /// change, so 03:30 is 04:30 summer time. Both are what Foundation's `Calendar` gives for
    /// those components (TimestampTests checks it), and as a provider's clock cannot show a
    /// skipped time, that case is only for completeness.
    private static func offset(in zone: TimeZone, atWallClock wallClock: Int) -> Int {
        func offset(at moment: Int) -> Int { zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(moment))) }
        // No zone changes its offset twice within two days: a day either side brackets any change.
        let before = offset(at: wallClock - 86_400)
        let after = offset(at: wallClock + 86_400)
        if before == after || offset(at: wallClock - before) == before { return before }
        if offset(at: wallClock - after) == after { return after }
        return before
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, the form most senders use, checked and given its `.000`
    /// without the round trip through a Date (what `parse` then `format` would give);
    /// nil for anything else, which then takes that round trip.
    static func canonicalUTC(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { b -> String? in
            guard b.count == 20, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b[19] == 90 else { return nil }
            func number(_ from: Int, _ count: Int) -> Int? { digits(b, from, count) }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
                  let minute = number(14, 2), let second = number(17, 2),
                  (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60, second < 60
            else { return nil }
            return String(unsafeUninitializedCapacity: 24) { out in
                for i in 0..<19 { out[i] = b[i] }
                (out[19], out[20], out[21], out[22], out[23]) = (46, 48, 48, 48, 90)   // .000Z
                return 24
            }
        }
    }

    /// The decimal number in `count` bytes of `b` from `from`; nil past the end or on a non-digit.
    private static func digits(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ count: Int) -> Int? {
        guard from + count <= b.count else { return nil }
        var value = 0
        for i in from..<(from + count) {
            guard b[i] >= 48, b[i] <= 57 else { return nil }
            value = value * 10 + Int(b[i] - 48)
        }
        return value
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `iso` plus `minutes`.
    static func adding(minutes: Int, to iso: String) -> String {
        guard let date = parse(iso) else { return iso }
        return format(date.addingTimeInterval(Double(minutes) * 60))
    }

    /// `YYYY-MM-DD[T ]HH:MM[:SS[.fff…]][Z|±HH[:]MM]`; no offset means the local time in `zone`,
    /// or UTC when it is nil.
    private static func parseISO(_ b: UnsafeBufferPointer<UInt8>, localTimeIn zone: TimeZone?) -> Date? {
        func number(_ from: Int, _ count: Int) -> Int? { digits(b, from, count) }
        guard b.count >= 16, let year = number(0, 4), b[4] == 45, let month = number(5, 2), b[7] == 45, let day = number(8, 2),
              b[10] == 84 || b[10] == 116 || b[10] == 32, let hour = number(11, 2), b[13] == 58, let minute = number(14, 2),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60 else { return nil }
        var i = 16
        var second = 0
        var fraction = 0.0
        if i < b.count, b[i] == 58 {
            guard let s = number(17, 2), s < 61 else { return nil }
            second = s
            i = 19
            if i < b.count, b[i] == 46 || b[i] == 44 {
                i += 1
                var scale = 0.1
                let start = i
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    fraction += Double(b[i] - 48) * scale
                    scale /= 10
                    i += 1
                }
                guard i > start else { return nil }
            }
        }
        var offset = 0
        let statesOffset = i < b.count
        if statesOffset {
            switch b[i] {
            case 90, 122:  // Z
                guard i + 1 == b.count else { return nil }
            case 43, 45:  // + -
                let sign = b[i] == 43 ? 1 : -1
                guard let oh = number(i + 1, 2) else { return nil }
                var j = i + 3
                if j < b.count, b[j] == 58 { j += 1 }
                // Offsets in use run from -12:00 to +14:00; +99:99 is no offset at all.
                guard let om = number(j, 2), j + 2 == b.count, oh <= 14, om < 60 else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            default:
                return nil
            }
        }
        // Days from the civil date (Howard Hinnant's algorithm), then seconds.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let wallClock = days * 86_400 + hour * 3600 + minute * 60 + second
        // Only a time without an offset (or Z) asks the zone: the stated offset wins.
        if !statesOffset, let zone { offset = Self.offset(in: zone, atWallClock: wallClock) }
        return Date(timeIntervalSince1970: Double(wallClock - offset) + fraction)
    }

    /// RFC 2822 dates (`Mon, 16 Aug 2010 03:45:01 +0000`); DateFormatter is not thread-safe, hence the lock.
    private static let rfc2822: Mutex<DateFormatter> = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return Mutex(formatter)
    }()
}
