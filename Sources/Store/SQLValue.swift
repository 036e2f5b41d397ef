/// A value bound to or read from SQLite.
public enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var int: Int? {
        switch self {
        case .integer(let v): return Int(v)
        case .real(let v): return Int(v)
        case .text(let s): return Int(s)
        case .null, .blob: return nil
        }
    }

    public var double: Double? {
        switch self {
        case .integer(let v): return Double(v)
        case .real(let v): return v
        case .text(let s): return Double(s)
        case .null, .blob: return nil
        }
    }

    public var string: String? {
        switch self {
        case .text(let s): return s
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        case .null: return nil
        }
    }

    public var isNull: Bool { self == .null }
}

/// Swift values that bind as SQL parameters.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
    /// Binds the value straight to the statement; the default goes through `sqlValue`.
    func bind(to parameter: SQLParameter) -> Int32
}

extension SQLBindable {
    public func bind(to parameter: SQLParameter) -> Int32 { sqlValue.bind(to: parameter) }
}

extension Int: SQLBindable {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public func bind(to parameter: SQLParameter) -> Int32 { parameter.bind(Int64(self)) }
}
extension Int64: SQLBindable {
    public var sqlValue: SQLValue { .integer(self) }
    public func bind(to parameter: SQLParameter) -> Int32 { parameter.bind(self) }
}
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension String: SQLBindable {
    public var sqlValue: SQLValue { .text(self) }
    public func bind(to parameter: SQLParameter) -> Int32 { parameter.bind(self) }
}
extension Bool: SQLBindable { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension SQLValue: SQLBindable {
    public var sqlValue: SQLValue { self }
    public func bind(to parameter: SQLParameter) -> Int32 { parameter.bind(self) }
}
extension Array: SQLBindable where Element == UInt8 { public var sqlValue: SQLValue { .blob(self) } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
    public func bind(to parameter: SQLParameter) -> Int32 { self?.bind(to: parameter) ?? parameter.bindNull() }
}

extension SQLValue {
    /// `value`, or NULL. A parameter pack binds each argument through its conformance's
    /// witness, and Optional's is generic over the wrapped type (value witnesses for every
    /// copy and test); a hot statement with many optional arguments passes them through
    /// this instead, which the call site specializes.
    @inlinable
    public init<Value: SQLBindable>(_ value: Value?) {
        if let value { self = value.sqlValue } else { self = .null }
    }
}
