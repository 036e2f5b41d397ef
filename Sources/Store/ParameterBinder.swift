internal import CSQLite

/// Binds a statement's `?1…?n` in order, each value through an overload for its own type.
///
/// `Database.execute(_:binding:)` hands one to the caller. A parameter pack of two dozen
/// optionals went through an `SQLValue` built at the call site, a copy of each element and a
/// conformance witness per argument (~150 instructions each, 20 per stored call event); here
/// each value is bound where it lies. A failed bind is kept and thrown once all are bound.
public struct ParameterBinder {
    private let statement: Statement
    /// Parameters bound so far (`Statement.checkBound` compares it with the statement's).
    private(set) var count: Int32 = 0
    /// The first failing result code; 0 (SQLITE_OK) while every bind succeeded.
    private(set) var failure: Int32 = 0

    init(statement: Statement) { self.statement = statement }

    /// The next parameter, or nil after a failure (nothing more is bound then).
    private mutating func next() -> SQLParameter? {
        count += 1
        return failure == 0 ? SQLParameter(statement: statement, index: count) : nil
    }

    private mutating func record(_ code: Int32) { if code != SQLITE_OK { failure = code } }

    /// Text ('' stays text, not NULL).
    public mutating func bind(_ value: String) {
        if let parameter = next() { record(parameter.bind(value)) }
    }

    /// Text, or NULL.
    public mutating func bind(_ value: String?) {
        guard let parameter = next() else { return }
        record(value.map { parameter.bind($0) } ?? parameter.bindNull())
    }

    /// An integer.
    public mutating func bind(_ value: Int) {
        if let parameter = next() { record(parameter.bind(Int64(value))) }
    }

    /// An integer, or NULL.
    public mutating func bind(_ value: Int?) {
        guard let parameter = next() else { return }
        record(value.map { parameter.bind(Int64($0)) } ?? parameter.bindNull())
    }

    /// A blob, or NULL.
    public mutating func bind(_ value: [UInt8]?) {
        guard let parameter = next() else { return }
        record(value.map { parameter.bind(blob: $0) } ?? parameter.bindNull())
    }

    /// Whatever `value` holds.
    public mutating func bind(_ value: SQLValue) {
        if let parameter = next() { record(parameter.bind(value)) }
    }
}
