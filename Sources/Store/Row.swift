/// One result row, readable by column name.
public struct Row: Sendable {
    public let columns: [String]
    public let values: [SQLValue]

    public subscript(_ name: String) -> SQLValue {
        guard let index = columns.firstIndex(of: name) else { return .null }
        return values[index]
    }

    public subscript(_ index: Int) -> SQLValue { values[index] }

    public func int(_ name: String) -> Int? { self[name].int }
    public func string(_ name: String) -> String? { self[name].string }
    public func double(_ name: String) -> Double? { self[name].double }
    public func bool(_ name: String) -> Bool { (self[name].int ?? 0) != 0 }
}
