import Telemetry

/// Appending text to byte buffers without going through `String` iteration.
extension Array where Element == UInt8 {
    /// Appends the bytes of a literal (no allocation, no UTF-8 decoding).
    @inline(__always)
    mutating func append(static text: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends the UTF-8 bytes of `text` in one copy.
    @inline(__always)
    mutating func append(utf8 text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    /// Appends `value` in decimal.
    @inline(__always)
    mutating func append(decimal value: Int) {
        if value >= 0 && value < 10 {
            append(UInt8(truncatingIfNeeded: value) &+ 48)
        } else if value >= 100 && value < 1000 {
            append(UInt8(truncatingIfNeeded: value / 100) &+ 48)
            append(UInt8(truncatingIfNeeded: value / 10 % 10) &+ 48)
            append(UInt8(truncatingIfNeeded: value % 10) &+ 48)
        } else {
            JSONLine.appendInt(value, to: &self)
        }
    }
}
