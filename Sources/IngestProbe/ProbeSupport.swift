import Glibc

/// Why the probe could not do what it was asked.
struct ProbeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Monotonic clock in nanoseconds (the same clock for both threads).
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

extension UnsafeBufferPointer<UInt8> {
    /// First index of `pattern` in `from..<to`, or nil.
    func firstIndex(of pattern: StaticString, from: Int, to: Int) -> Int? {
        let length = pattern.utf8CodeUnitCount
        guard length > 0, let base = baseAddress else { return nil }
        let first = Int32(pattern.utf8Start.pointee)
        var start = from
        while to - start >= length {
            guard let hit = memchr(base + start, first, to - start - length + 1) else { return nil }
            let index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + index, pattern.utf8Start, length) == 0 { return index }
            start = index + 1
        }
        return nil
    }

    /// Whether the bytes at `index` begin with `prefix`.
    func hasPrefix(_ prefix: StaticString, at index: Int, end: Int) -> Bool {
        let length = prefix.utf8CodeUnitCount
        guard let base = baseAddress, end - index >= length else { return false }
        return memcmp(base + index, prefix.utf8Start, length) == 0
    }
}
