internal import CSQLite

/// One `?n` of a prepared statement, handed to `SQLBindable.bind(to:)`.
/// Binding through it skips building an `SQLValue` for the common types.
public struct SQLParameter {
    let statement: OpaquePointer
    let index: Int32

    @usableFromInline
    init(statement: OpaquePointer, index: Int32) {
        self.statement = statement
        self.index = index
    }

    @usableFromInline
    func bindNull() -> Int32 { sqlite3_bind_null(statement, index) }

    func bind(_ value: Int64) -> Int32 { sqlite3_bind_int64(statement, index, value) }

    /// SQLite copies the bytes (SQLITE_TRANSIENT); the length is passed, so no strlen.
    func bind(_ value: String) -> Int32 {
        var text = value
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                return sqlite3_bind_text(statement, index, "", 0, sb_sqlite_transient())   // '' is not NULL
            }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { chars in
                sqlite3_bind_text(statement, index, chars, Int32(bytes.count), sb_sqlite_transient())
            }
        }
    }

    func bind(_ value: SQLValue) -> Int32 {
        switch value {
        case .null: return bindNull()
        case .integer(let v): return bind(v)
        case .real(let v): return sqlite3_bind_double(statement, index, v)
        case .text(let s): return bind(s)
        case .blob(let b):
            return b.withUnsafeBytes { raw in
                sqlite3_bind_blob(statement, index, raw.baseAddress, Int32(raw.count), sb_sqlite_transient())
            }
        }
    }
}
