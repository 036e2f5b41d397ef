/// Where a statement's text and blob arguments are copied before they are bound.
///
/// Bound with SQLITE_TRANSIENT, SQLite allocates, copies and later frees every text
/// argument itself (~300 instructions each, ~20 per stored call event). Copied here and
/// bound with SQLITE_STATIC it is one memcpy into memory the statement keeps. SQLite reads
/// bound values only while the statement steps, and every run binds every parameter anew
/// (`Statement.checkBound`), so the space is reused from the start at each run. A value
/// that does not fit in what is left is bound with SQLITE_TRANSIENT as before: the space
/// never moves, so a pointer handed to SQLite stays valid until its parameter is bound again.
@usableFromInline
struct BindArena {
    static let capacity = 8192
    private var base: UnsafeMutableRawPointer?
    private var used = 0

    /// Starts a run: every earlier copy may be overwritten.
    @usableFromInline
    mutating func reset() { used = 0 }

    /// A copy of `bytes` that lives until the next `reset`, or nil when it does not fit.
    mutating func copy(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawPointer? {
        guard let source = bytes.baseAddress, bytes.count <= Self.capacity - used else { return nil }
        let start: UnsafeMutableRawPointer
        if let base {
            start = base
        } else {
            start = .allocate(byteCount: Self.capacity, alignment: 16)
            base = start
        }
        let destination = start + used
        destination.copyMemory(from: source, byteCount: bytes.count)
        used += bytes.count
        return UnsafeRawPointer(destination)
    }

    /// Frees the space; only after the statement is finalized.
    mutating func release() {
        base?.deallocate()
        base = nil
    }
}
