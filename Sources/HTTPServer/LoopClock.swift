import Foundation

/// Time for one event loop: a monotonic clock, plus the HTTP `Date` value and the
/// log timestamp prefix, each formatted once per second rather than per request.
struct LoopClock {
    private var cachedSecond: Int = -1
    private var dateBytes: [UInt8] = []
    /// `YYYY-MM-DDTHH:MM:SS.` for the cached second.
    private var timestampPrefix: [UInt8] = []

    /// Monotonic nanoseconds.
    func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// The IMF-fixdate for the `Date` header (RFC 9110 §5.6.7).
    mutating func httpDate() -> [UInt8] {
        refresh(wallClock())
        return dateBytes
    }

    /// Appends the RFC 3339 UTC timestamp with milliseconds (`2026-11-23T11:23:35.472Z`).
    mutating func appendTimestamp(to out: inout [UInt8]) {
        let t = wallClock()
        refresh(t)
        out.append(contentsOf: timestampPrefix)
        let millis = Int(t.tv_nsec / 1_000_000)
        out.append(UInt8(truncatingIfNeeded: millis / 100) &+ 48)
        out.append(UInt8(truncatingIfNeeded: millis / 10 % 10) &+ 48)
        out.append(UInt8(truncatingIfNeeded: millis % 10) &+ 48)
        out.append(UInt8(ascii: "Z"))
    }

    private func wallClock() -> timespec {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return t
    }

    private mutating func refresh(_ t: timespec) {
        guard t.tv_sec != cachedSecond else { return }
        cachedSecond = t.tv_sec
        var seconds = t.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let year = parts.tm_year + 1900
        let time = "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
        dateBytes = Array("\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(year) \(time) GMT".utf8)
        timestampPrefix = Array("\(year)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(time).".utf8)
    }
}
