/// Where hand-written JSON goes: a `[UInt8]`, or a `ByteBuffer`.
public protocol JSONByteSink {
    mutating func append(byte: UInt8)
    mutating func append(bytes: UnsafeBufferPointer<UInt8>)
}

extension Array: JSONByteSink where Element == UInt8 {
    @inlinable public mutating func append(byte: UInt8) { append(byte) }
    @inlinable public mutating func append(bytes: UnsafeBufferPointer<UInt8>) { append(contentsOf: bytes) }
}

/// A growable byte buffer for payloads written by hand on hot paths.
///
/// Appending to it is a capacity check and a copy; `Array.append(contentsOf:)` costs
/// ~90 instructions per call (generic sequence copying), and a screen-pop makes ~60 of
/// them. Not Sendable: one thread builds a payload, then `makeArray()` hands it over.
public final class ByteBuffer: JSONByteSink {
    // Unchecked: one thread uses a buffer, and no method hands out access to these while
    // calling back; dynamic exclusivity checks on every append cost more than the copy.
    @exclusivity(unchecked) @usableFromInline var start: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    @exclusivity(unchecked) @usableFromInline var used = 0

    public init(capacity: Int = 256) {
        self.capacity = Swift.max(capacity, 16)
        start = .allocate(capacity: self.capacity)
    }

    deinit { start.deallocate() }

    /// Bytes written so far.
    public var count: Int { used }

    @inlinable public func append(byte: UInt8) {
        if used == capacity { grow(toFit: 1) }
        start[used] = byte
        used += 1
    }

    @inlinable public func append(bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        if capacity - used < bytes.count { grow(toFit: bytes.count) }
        (start + used).initialize(from: source, count: bytes.count)
        used += bytes.count
    }

    /// Appends the bytes of a literal.
    @inlinable public func append(_ text: StaticString) {
        append(bytes: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends `"name":`, after a comma unless `isFirst`: a JSON object's key, with one
    /// capacity check for the whole of it (an object writer writes ~40 keys a screen-pop).
    @inlinable public func appendKey(_ name: StaticString, isFirst: Bool) {
        let length = name.utf8CodeUnitCount
        if capacity - used < length + 4 { grow(toFit: length + 4) }
        var at = start + used
        if !isFirst { at.pointee = 44; at += 1 }
        at.pointee = 34
        (at + 1).initialize(from: name.utf8Start, count: length)
        at += length + 1
        at[0] = 34
        at[1] = 58
        used = at + 2 - start
    }

    /// Appends the decimal digits of `value`, written in place: no temporary, one capacity check.
    @inlinable public func appendDecimal(_ value: UInt) {
        var digits = 1
        var bound: UInt = 10
        while digits < 20 && value >= bound {   // UInt.max has 20 digits; 10^19 still fits
            digits += 1
            bound = bound &* 10
        }
        if capacity - used < digits { grow(toFit: digits) }
        var at = start + used + digits
        var rest = value
        // Two digits a step, from a table: half the divisions.
        let pairs = Self.digitPairs.utf8Start
        while rest >= 100 {
            let pair = Int(truncatingIfNeeded: rest % 100) &* 2
            rest /= 100
            at -= 2
            at[0] = pairs[pair]
            at[1] = pairs[pair &+ 1]
        }
        if rest >= 10 {
            let pair = Int(truncatingIfNeeded: rest) &* 2
            (at - 2).pointee = pairs[pair]
            (at - 1).pointee = pairs[pair &+ 1]
        } else {
            (at - 1).pointee = UInt8(truncatingIfNeeded: rest) &+ 48
        }
        used += digits
    }

    /// "00" to "99", for `appendDecimal`: a literal, so no lazy initialisation on the way.
    @usableFromInline static var digitPairs: StaticString {
        """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """
    }

    /// Appends the decimal digits of `value`, with a leading `-` when negative.
    @inlinable public func appendInt(_ value: Int) {
        if value < 0 { append(byte: 45) }
        appendDecimal(value.magnitude)
    }

    /// A copy of the bytes written.
    public func makeArray() -> [UInt8] { Array(UnsafeBufferPointer(start: start, count: used)) }

    @usableFromInline func grow(toFit extra: Int) {
        let grown = Swift.max(capacity * 2, used + extra)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        moved.initialize(from: start, count: used)
        start.deallocate()
        start = moved
        capacity = grown
    }
}
