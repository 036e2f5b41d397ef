/// A failed SQLite call: the result code, SQLite's message, and the SQL it ran.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// SQLITE_CONSTRAINT and its extended codes (low byte 19).
    public var isConstraintViolation: Bool { code & 0xff == 19 }

    public var description: String {
        if let sql { return "SQLite error \(code): \(message) — in: \(sql)" }
        return "SQLite error \(code): \(message)"
    }
}
