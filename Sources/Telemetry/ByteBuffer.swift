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
