internal import CSQLite
internal import CSQLitePageCache
internal import CSQLiteWAL
import Glibc

/// One SQLite connection; owns its `sqlite3*` handle and closes it in deinit.
///
/// Not Sendable: a connection is used by one thread at a time (the writer
/// thread, or whoever borrowed it from the reader pool).
public final class Database {
    let handle: OpaquePointer
    public let path: String
    private var statements: [SQLKey: Statement] = [:]
    /// The last statement seen at each SQL text address (see `prepared`).
    private var byAddress = [Statement?](repeating: nil, count: 512)
    /// Frames in the WAL after this connection's last commit, once `trackWALFrames` ran.
    private let walFrameCount = UnsafeMutablePointer<Int32>.allocate(capacity: 1)

    /// Applied once, before the first connection of the process opens: the process settings,
    /// and the page cache that keeps a split's spare page number out of pcache1's reach
    /// (Sources/CSQLitePageCache); SQLite's own page cache if it could not be installed.
    private static let processConfigured: Bool = {
        let configured = sb_sqlite_configure_process() == SQLITE_OK
        return sb_page_cache_install() == SQLITE_OK && configured
    }()

    /// Every connection opens through the VFS that writes a commit's WAL frames with one
    /// write (Sources/CSQLiteWAL); SQLite's default VFS if it could not be registered.
    private static let vfsName: String? =
        sb_wal_write_buffer_register() == SQLITE_OK ? String(cString: sb_wal_write_buffer_vfs_name) : nil

    /// Opens (creating if needed) the database at `path`.
    public init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        _ = Self.processConfigured
        if !readOnly && path != ":memory:" && access(path, F_OK) != 0 {
            // A new database holds provider secrets and API key hashes: readable by its owner
            // only, whatever the umask (SQLite would make it 0644). Its -wal and -shm files take
            // the same mode from it. An empty file is an empty database.
            let created = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if created >= 0 { close(created) }
        }
        var pointer: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &pointer, flags, Self.vfsName)
        guard code == SQLITE_OK, let pointer else {
            let message = pointer.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let pointer { sqlite3_close_v2(pointer) }
            throw SQLiteError(code: code, message: "cannot open \(path): \(message)")
        }
        handle = pointer
        self.path = path
        if Self.vfsName != nil { sb_wal_write_buffer_install(pointer) }
        walFrameCount.initialize(to: 0)
        sqlite3_extended_result_codes(handle, 1)
        registerFold()
    }

    deinit {
        byAddress.removeAll()
        statements.removeAll()
        sqlite3_close_v2(handle)
        walFrameCount.deallocate()
    }

    /// The database file as SQLite resolved it: absolute, symbolic links followed.
    public var filename: String {
        sqlite3_db_filename(handle, "main").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? path
    }

    /// Turns off SQLite's autocheckpoint on this connection and counts the WAL's frames
    /// instead (`walFrames`), for a writer that schedules checkpoints itself.
    func trackWALFrames() { sb_sqlite_track_wal_frames(handle, walFrameCount) }

    /// Frames in the WAL after this connection's last commit (0 until `trackWALFrames`).
    var walFrames: Int { Int(walFrameCount.pointee) }

    func error(_ code: Int32, sql: String?) -> SQLiteError {
        SQLiteError(code: code, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Runs one or more statements without parameters (schema, pragmas).
    public func executeScript(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(message)
            throw SQLiteError(code: code, message: text, sql: sql)
        }
    }

    /// Runs one statement with bound parameters and returns the rows changed.
    /// Arguments are a parameter pack, bound in order to `?1…?n`; inlinable, so each call
    /// site binds its own types directly (no array, no existential boxes).
    @discardableResult @inlinable
    public func execute<each Argument: SQLBindable>(_ sql: String, _ arguments: repeat each Argument) throws(SQLiteError) -> Int {
        try bound(sql, repeat each arguments).runToEnd()
    }

    /// Runs one statement whose parameters `bindArguments` binds in order, and returns the
    /// rows changed: for statements with many optional arguments (see `ParameterBinder`).
    @discardableResult
    public func execute(_ sql: String, binding bindArguments: (inout ParameterBinder) -> Void) throws(SQLiteError) -> Int {
        try bound(sql, binding: bindArguments).runToEnd()
    }

    /// `scalar` for a query whose parameters `bindArguments` binds in order (see `ParameterBinder`).
    public func scalar(_ sql: String, binding bindArguments: (inout ParameterBinder) -> Void) throws(SQLiteError) -> SQLValue {
        try bound(sql, binding: bindArguments).firstValue()
    }

    /// The prepared statement for `sql` with the parameters `bindArguments` bound, all of them.
    private func bound(_ sql: String, binding bindArguments: (inout ParameterBinder) -> Void) throws(SQLiteError) -> Statement {
        let statement = try prepared(sql)
        statement.restart()
        var binder = ParameterBinder(statement: statement)
        bindArguments(&binder)
        if binder.failure != 0 { throw statement.bindFailure(binder.failure) }
        try statement.checkBound(binder.count)
        return statement
    }

    @discardableResult
    public func execute(_ sql: String, arguments: [any SQLBindable]) throws(SQLiteError) -> Int {
        let statement = try prepared(sql)
        try statement.bind(arguments)
        return try statement.runToEnd()
    }

    /// Runs a query and returns every row.
    @inlinable
    public func query<each Argument: SQLBindable>(_ sql: String, _ arguments: repeat each Argument) throws(SQLiteError) -> [Row] {
        try bound(sql, repeat each arguments).allRows()
    }

    public func query(_ sql: String, arguments: [any SQLBindable]) throws(SQLiteError) -> [Row] {
        let statement = try prepared(sql)
        try statement.bind(arguments)
        return try statement.allRows()
    }

    /// The first row of a query, if any.
    @inlinable
    public func queryOne<each Argument: SQLBindable>(_ sql: String, _ arguments: repeat each Argument) throws(SQLiteError) -> Row? {
        try bound(sql, repeat each arguments).firstRow()
    }

    /// The first column of the first row (read straight from the statement: no rows are built).
    @inlinable
    public func scalar<each Argument: SQLBindable>(_ sql: String, _ arguments: repeat each Argument) throws(SQLiteError) -> SQLValue {
        try bound(sql, repeat each arguments).firstValue()
    }

    /// The prepared statement for `sql` with `arguments` bound to `?1…?n`.
    @inlinable
    func bound<each Argument: SQLBindable>(_ sql: String, _ arguments: repeat each Argument) throws(SQLiteError) -> Statement {
        let statement = try prepared(sql)
        statement.restart()
        var index: Int32 = 0
        for argument in repeat each arguments {
            index += 1
            let code = argument.bind(to: SQLParameter(statement: statement, index: index))
            if code != 0 { throw statement.bindFailure(code) }   // 0 is SQLITE_OK
        }
        try statement.checkBound(index)
        return statement
    }

    /// Rowid of the last inserted row on this connection.
    public var lastInsertRowID: Int { Int(sqlite3_last_insert_rowid(handle)) }

    /// False once SQLite has rolled the open transaction back by itself (disk full, I/O
    /// error, out of memory) or when none was begun.
    public var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Sets `lastInsertRowID` to 0, so a following UPSERT shows whether it inserted
    /// (a new rowid) or updated (still 0).
    public func clearLastInsertRowID() { sqlite3_set_last_insert_rowid(handle, 0) }

    /// The cached statement for `sql`, prepared on first use. Most SQL here is string
    /// literals, whose text sits at a fixed address, so a slot chosen by that address is
    /// tried first, checked by comparing the text (instant for the same literal); other
    /// text, and slot collisions, go through the dictionary.
    @usableFromInline
    func prepared(_ sql: String) throws(SQLiteError) -> Statement {
        let address = sql.utf8.withContiguousStorageIfAvailable { UInt(bitPattern: $0.baseAddress) } ?? 0
        let slot = Int(truncatingIfNeeded: (address >> 3) &* 0x9E37_79B9) & (byAddress.count - 1)
        if let cached = byAddress[slot], cached.sql == sql { return cached }
        let key = SQLKey(sql)
        if let cached = statements[key] {
            byAddress[slot] = cached
            return cached
        }
        let statement = try Statement(database: self, sql: sql)
        statements[key] = statement
        byAddress[slot] = statement
        return statement
    }

    /// Runs `body` inside BEGIN IMMEDIATE … COMMIT, rolling back on error.
    public func transaction<T>(_ body: (Database) throws -> T) throws -> T {
        try executeScript("BEGIN IMMEDIATE")
        do {
            let value = try body(self)
            try executeScript("COMMIT")
            return value
        } catch {
            try? executeScript("ROLLBACK")
            throw error
        }
    }

    /// Applies the pragmas every connection needs: WAL, FULL sync, busy timeout, foreign keys.
    func configure(busyTimeoutMillis: Int32, isWriter: Bool) throws(SQLiteError) {
        sqlite3_busy_timeout(handle, busyTimeoutMillis)
        try executeScript("PRAGMA foreign_keys = ON")
        if isWriter {
            let mode = try scalar("PRAGMA journal_mode = WAL").string ?? ""
            guard mode.lowercased() == "wal" else {
                throw SQLiteError(code: SQLITE_ERROR, message: "could not switch \(path) to WAL (got \(mode))")
            }
            // 64 MiB of page cache: the writer touches index pages all over the file, and
            // SQLite's default 2 MiB cache sent it back to the OS for them on every batch.
            // NORMAL: commits do not wait for the disk here; WALSyncer flushes the WAL before
            // any job of a batch is answered (see WALSyncer). SQLite still syncs around checkpoints.
            try executeScript("PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 67108864; PRAGMA wal_autocheckpoint = 1000; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY")
        } else {
            try executeScript("PRAGMA query_only = 1; PRAGMA cache_size = -16384")
        }
    }

    /// Runs a WAL checkpoint. `truncate` waits for readers and shrinks the file to zero.
    @discardableResult
    public func checkpoint(truncate: Bool) throws(SQLiteError) -> (walFrames: Int, checkpointed: Int) {
        var log: Int32 = 0
        var done: Int32 = 0
        let mode = truncate ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE
        let code = sqlite3_wal_checkpoint_v2(handle, nil, mode, &log, &done)
        guard code == SQLITE_OK || code == SQLITE_BUSY else { throw error(code, sql: "wal_checkpoint") }
        return (Int(log), Int(done))
    }
}
