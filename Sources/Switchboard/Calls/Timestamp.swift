import Foundation

/// Timestamps as stored: RFC 3339 UTC with milliseconds, so text order is time order.
enum Timestamp {
    /// Formats `date` as `2026-11-23T10:00:00.000Z`.
    static func format(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        let millis = Int((date.timeIntervalSince1970 - Double(seconds)) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), min(999, max(0, millis)))
    }

    static func now() -> String { format(Date()) }

    /// Parses ISO 8601 with an offset (`2026-11-23T12:00:00+02:00`, fractional seconds allowed),
    /// a space instead of `T` (`2026-11-23 12:00:00`, taken as UTC), RFC 2822 (Twilio), or Unix seconds.
    static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), trimmed.allSatisfy({ $0.isNumber || $0 == "." }) {
            // Unix seconds (milliseconds when absurdly large).
            return Date(timeIntervalSince1970: seconds > 1e11 ? seconds / 1000 : seconds)
        }
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = iso.date(from: trimmed) { return date }
        iso.formatOptions = [.withInternetDateTime]
        if let date = iso.date(from: trimmed) { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss", "EEE, dd MMM yyyy HH:mm:ss Z"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) { return date }
        }
        return nil
    }

    /// `parse` then `format`; nil when the text is not a time.
    static func normalize(_ text: String?) -> String? {
        guard let text, !text.isEmpty, let date = parse(text) else { return nil }
        return format(date)
    }

    /// `iso` plus `minutes`.
    static func adding(minutes: Int, to iso: String) -> String {
        guard let date = parse(iso) else { return iso }
        return format(date.addingTimeInterval(Double(minutes) * 60))
    }
}
