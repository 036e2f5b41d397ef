import Foundation
import Synchronization

/// Structured JSON logs, one object per line on stderr.
///
/// Lines are appended to an in-memory buffer and written by a background
/// flusher, so a request's log line costs no system call on the hot path.
/// `flush()` writes what is pending at once (used at shutdown and on fatal errors).
public final class Logger: Sendable {
    /// The process-wide logger.
    public static let shared = Logger()

    public enum Level: String, Sendable { case debug, info, warning, error }

    private let buffer = Mutex<[UInt8]>([])
    /// Serialises flushes and keeps the buffer written last time, emptied, so the
    /// next swap hands `buffer` storage that is already allocated.
    private let flushLock = Mutex<[UInt8]>([])
    private let fd: Int32

    /// - Parameter fd: where lines go; stderr by default.
    public init(fd: Int32 = 2) {
        self.fd = fd
        // stderr may be a pipe whose reader went away; a failed write must not kill the process.
        signal(SIGPIPE, SIG_IGN)
        NamedThread.start("log-flusher") { [weak self] in
            while let logger = self {
                logger.flush()
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    /// Logs `message` with structured `fields`. Values are rendered as JSON
    /// strings, numbers or booleans; never pass a secret here.
    public func log(_ level: Level, _ message: String, _ fields: [(String, LogValue)] = []) {
        var line = JSONLine()
        line.add("ts", .string(Logger.timestamp()))
        line.add("level", .string(level.rawValue))
        line.add("msg", .string(message))
        for (key, value) in fields { line.add(key, value) }
        append(line.finish())
    }

    /// Appends an already rendered line (must end with a newline).
    public func append(_ bytes: [UInt8]) {
        buffer.withLock { $0.append(contentsOf: bytes) }
    }

    /// Writes every pending line now.
    public func flush() {
        flushLock.withLock { spare in
            var pending: [UInt8] = []
            swap(&pending, &spare)
            buffer.withLock { swap(&$0, &pending) }
            var offset = 0
            while offset < pending.count {
                let written = pending.withUnsafeBytes { raw in
                    Foundation.write(fd, raw.baseAddress.map { $0 + offset }, pending.count - offset)
                }
                if written <= 0 { break }
                offset += written
            }
            if pending.capacity <= 8 << 20 {
                pending.removeAll(keepingCapacity: true)
                spare = pending
            }
        }
    }

    /// RFC 3339 UTC timestamp with milliseconds.
    public static func timestamp(_ date: Date = Date()) -> String {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        var seconds = t.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = t.tv_nsec / 1_000_000
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(millis))
    }
}

/// A value in a structured log line.
public enum LogValue: Sendable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
}

/// Builds one JSON object line by hand: cheaper than JSONSerialization on the hot path.
public struct JSONLine {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var isFirst = true

    public init() { bytes.reserveCapacity(256) }

    public mutating func add(_ key: String, _ value: LogValue) {
        if !isFirst { bytes.append(UInt8(ascii: ",")) }
        isFirst = false
        JSONLine.appendString(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        switch value {
        case .string(let s): JSONLine.appendString(s, to: &bytes)
        case .int(let i): JSONLine.appendInt(i, to: &bytes)
        case .double(let d): bytes.append(contentsOf: (d.isFinite ? String(d) : "null").utf8)
        case .bool(let b): bytes.append(contentsOf: (b ? "true" : "false").utf8)
        }
    }

    public mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// Appends `s` as a JSON string literal, escaping quotes, backslashes and control characters.
    @inlinable
    public static func appendString<Sink: JSONByteSink>(_ s: String, to out: inout Sink) {
        // Read in place when the bytes are contiguous (native and small strings): the copy
        // `withUTF8` needs (it may make the string native) costs a retain and a release.
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { appendString(utf8: $0, to: &out) }
        guard done == nil else { return }
        var s = s
        s.withUTF8 { appendString(utf8: $0, to: &out) }
    }

    /// Appends UTF-8 bytes as a JSON string literal, escaping quotes, backslashes and
    /// control characters. Runs without escapes are copied in one piece.
    @inlinable
    public static func appendString<Sink: JSONByteSink>(utf8: UnsafeBufferPointer<UInt8>, to out: inout Sink) {
        out.append(byte: UInt8(ascii: "\""))
        guard let base = utf8.baseAddress else {
            out.append(byte: UInt8(ascii: "\""))
            return
        }
        let raw = UnsafeRawPointer(base)
        var runStart = 0
        var index = 0
        while index < utf8.count {
            // Eight bytes at a time while none needs escaping (nearly all of them).
            if utf8.count - index >= 8, !mayNeedEscape(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                index += 8
                continue
            }
            let byte = utf8[index]
            index += 1
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            let escaped = index - 1
            if runStart < escaped { out.append(bytes: UnsafeBufferPointer(rebasing: utf8[runStart..<escaped])) }
            runStart = index
            out.append(byte: 92)
            switch byte {
            case UInt8(ascii: "\""): out.append(byte: 34)
            case UInt8(ascii: "\\"): out.append(byte: 92)
            case UInt8(ascii: "\n"): out.append(byte: 110)
            case UInt8(ascii: "\r"): out.append(byte: 114)
            case UInt8(ascii: "\t"): out.append(byte: 116)
            default:
                out.append(byte: 117); out.append(byte: 48); out.append(byte: 48)
                out.append(byte: hexDigit(byte >> 4)); out.append(byte: hexDigit(byte & 15))
            }
        }
        if runStart < utf8.count { out.append(bytes: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        out.append(byte: UInt8(ascii: "\""))
    }

    /// Whether any of the eight bytes in `word` is a control character, `"` or `\\`; exact
    /// (no false positive when none is). The "has a byte less than n" and "has a zero byte"
    /// word tricks (graphics.stanford.edu/~seander/bithacks.html#HasLessInWord), n = 0x20 ≤ 128.
    @inlinable
    static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let control = (word &- ones &* 0x20) & ~word
        let isQuote = (quote &- ones) & ~quote
        let isBackslash = (backslash &- ones) & ~backslash
        return (control | isQuote | isBackslash) & highs != 0
    }

    /// Appends the decimal digits of `value` (with a leading `-` when negative).
    @inlinable
    public static func appendInt<Sink: JSONByteSink>(_ value: Int, to out: inout Sink) {
        if value < 0 { out.append(byte: UInt8(ascii: "-")) }
        appendDecimal(value.magnitude, to: &out)
    }

    /// Appends the decimal digits of `value`, without allocating.
    @inlinable
    public static func appendDecimal<Sink: JSONByteSink>(_ value: UInt, to out: inout Sink) {
        // Resolved when specialized: a ByteBuffer writes the digits in place.
        if let buffer = out as? ByteBuffer {
            buffer.appendDecimal(value)
            return
        }
        if value < 10 {
            out.append(byte: UInt8(truncatingIfNeeded: value) &+ 48)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in   // UInt.max has 20 digits
            var v = value
            var i = buffer.count
            while v > 0 {
                i -= 1
                buffer[i] = UInt8(truncatingIfNeeded: v % 10) &+ 48
                v /= 10
            }
            out.append(bytes: UnsafeBufferPointer(rebasing: buffer[i...]))
        }
    }

    /// Lower-case hexadecimal digit of a value below 16.
    @inlinable
    static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? value &+ 48 : value &+ 87 }
}

