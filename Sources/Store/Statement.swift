internal import CSQLite

/// A prepared statement; owns its `sqlite3_stmt` and finalizes it in deinit.
public final class Statement {
    @usableFromInline let handle: OpaquePointer
    let sql: String
    private unowned let database: Database
    /// Copies of the text and blob arguments bound for the current run.
    @usableFromInline let arena: UnsafeMutablePointer<BindArena>

    init(database: Database, sql: String) throws(SQLiteError) {
        var pointer: OpaquePointer?
        let code = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
        guard code == SQLITE_OK, let pointer else {
            throw database.error(code, sql: sql)
        }
        self.handle = pointer
        self.sql = sql
        self.database = database
        arena = .allocate(capacity: 1)
        arena.initialize(to: BindArena())
    }

    deinit {
        sqlite3_finalize(handle)   // SQLite lets go of the bound copies first
        arena.pointee.release()
        arena.deinitialize(count: 1)
        arena.deallocate()
    }

    /// Binds `arguments` to `?1…?n` (every parameter, so nothing of the previous run is left).
    func bind(_ arguments: [any SQLBindable]) throws(SQLiteError) {
        restart()
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == arguments.count else {
            throw SQLiteError(code: SQLITE_RANGE, message: "expected \(expected) arguments, got \(arguments.count)", sql: sql)
        }
        for (offset, argument) in arguments.enumerated() {
            let code = argument.bind(to: SQLParameter(statement: self, index: Int32(offset + 1)))
            guard code == SQLITE_OK else { throw database.error(code, sql: sql) }
        }
    }

    /// Readies the statement for a new run whose arguments are bound one by one.
    @usableFromInline
    func restart() {
        sqlite3_reset(handle)
        arena.pointee.reset()
    }

    /// The error for a failed `sqlite3_bind_*` (its result code is not SQLITE_OK).
    @usableFromInline
    func bindFailure(_ code: Int32) -> SQLiteError { database.error(code, sql: sql) }

    /// Checks that `count` arguments were bound: every parameter, so nothing of the previous run is left.
    @usableFromInline
    func checkBound(_ count: Int32) throws(SQLiteError) {
        let expected = sqlite3_bind_parameter_count(handle)
        guard expected == count else {
            throw SQLiteError(code: SQLITE_RANGE, message: "expected \(expected) arguments, got \(count)", sql: sql)
        }
    }

    /// Steps to the end; the rows changed.
    @usableFromInline
    func runToEnd() throws(SQLiteError) -> Int {
        while try step() {}
        reset()
        return Int(sqlite3_changes(database.handle))
    }

    /// Every row.
    @usableFromInline
    func allRows() throws(SQLiteError) -> [Row] {
        var rows: [Row] = []
        let columns = columnNames
        while try step() { rows.append(currentRow(columns: columns)) }
        reset()
        return rows
    }

    /// The first row, if any (the rest is not read).
    @usableFromInline
    func firstRow() throws(SQLiteError) -> Row? {
        defer { reset() }
        guard try step() else { return nil }
        return currentRow(columns: columnNames)
    }

    /// The first column of the first row (no row is built).
    @usableFromInline
    func firstValue() throws(SQLiteError) -> SQLValue {
        defer { reset() }
        guard try step() else { return .null }
        return value(at: 0)
    }

    /// Steps once; true when a row is available.
    func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = database.error(code, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    func currentRow(columns: ColumnNames) -> Row {
        var values: [SQLValue] = []
        values.reserveCapacity(columns.list.count)
        for index in 0..<columns.list.count { values.append(value(at: Int32(index))) }
        return Row(names: columns, values: values)
    }

    /// Column `index` of the current row.
    func value(at index: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            guard let text = sqlite3_column_text(handle, index) else { return .text("") }
            let count = Int(sqlite3_column_bytes(handle, index))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard let blob = sqlite3_column_blob(handle, index), count > 0 else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: blob, count: count)))
        default: return .null
        }
    }

    lazy var columnNames = ColumnNames((0..<sqlite3_column_count(handle)).map { index in
        sqlite3_column_name(handle, index).map { String(cString: $0) } ?? ""
    })

    func reset() { sqlite3_reset(handle) }
}
