internal import CSQLite

/// One `?n` of a prepared statement, handed to `SQLBindable.bind(to:)`.
/// Binding through it skips building an `SQLValue` for the common types.
public struct SQLParameter {
    let statement: OpaquePointer
    let index: Int32
    /// The statement's copy space for text and blobs (see `BindArena`).
    let arena: UnsafeMutablePointer<BindArena>

    @usableFromInline
    init(statement: Statement, index: Int32) {
        self.statement = statement.handle
        self.index = index
        self.arena = statement.arena
    }

    @usableFromInline
    func bindNull() -> Int32 { sqlite3_bind_null(statement, index) }

    func bind(_ value: Int64) -> Int32 { sqlite3_bind_int64(statement, index, value) }

    /// Copied into the statement's arena and bound SQLITE_STATIC (SQLite copies it
    /// itself when it does not fit); the length is passed, so no strlen.
    /// Native strings (all but a few bridged ones) are read in place, without the copy of
    /// the value that `withUTF8` (mutating) needs.
    func bind(_ value: String) -> Int32 {
        if let code = value.utf8.withContiguousStorageIfAvailable({ bind(text: UnsafeRawBufferPointer($0)) }) { return code }
        var text = value
        return text.withUTF8 { bind(text: UnsafeRawBufferPointer($0)) }
    }

    /// Binds UTF-8 `raw` as text, copied into the arena when it fits (see `bind(_: String)`).
    private func bind(text raw: UnsafeRawBufferPointer) -> Int32 {
        guard !raw.isEmpty else {
            return sqlite3_bind_text(statement, index, "", 0, sb_sqlite_transient())   // '' is not NULL
        }
        if let copy = arena.pointee.copy(raw) {
            return sqlite3_bind_text(statement, index, copy.assumingMemoryBound(to: CChar.self), Int32(raw.count), sb_sqlite_static())
        }
        return sqlite3_bind_text(statement, index, raw.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(raw.count),
                                 sb_sqlite_transient())
    }

    func bind(_ value: SQLValue) -> Int32 {
        switch value {
        case .null: return bindNull()
        case .integer(let v): return bind(v)
        case .real(let v): return sqlite3_bind_double(statement, index, v)
        case .text(let s): return bind(s)
        case .blob(let b): return bind(blob: b)
        }
    }

    /// Copied into the arena when it fits, as text is.
    func bind(blob: [UInt8]) -> Int32 {
        blob.withUnsafeBytes { raw in
            if !raw.isEmpty, let copy = arena.pointee.copy(raw) {
                return sqlite3_bind_blob(statement, index, copy, Int32(raw.count), sb_sqlite_static())
            }
            return sqlite3_bind_blob(statement, index, raw.baseAddress, Int32(raw.count), sb_sqlite_transient())
        }
    }
}
