/// One result row, readable by column name.
public struct Row: Sendable {
    public let values: [SQLValue]
    private let names: ColumnNames

    public var columns: [String] { names.list }

    init(names: ColumnNames, values: [SQLValue]) {
        self.names = names
        self.values = values
    }

    public subscript(_ name: String) -> SQLValue {
        guard let index = names.position(of: name) else { return .null }
        return values[index]
    }

    public subscript(_ index: Int) -> SQLValue { values[index] }

    public func int(_ name: String) -> Int? { self[name].int }
    public func string(_ name: String) -> String? { self[name].string }
    public func double(_ name: String) -> Double? { self[name].double }
    public func bool(_ name: String) -> Bool { (self[name].int ?? 0) != 0 }
}

/// A result's column names and their positions, built once per query and shared by its rows.
final class ColumnNames: Sendable {
    let list: [String]
    let index: [String: Int]

    /// The first column called `name`. Rows have a few dozen columns at most, and column
    /// names are short (stored inline in the String), so comparing them in order is cheaper
    /// than hashing `name`; wider results use the dictionary.
    func position(of name: String) -> Int? {
        if list.count > 32 { return index[name] }
        for (position, column) in list.enumerated() where column == name { return position }
        return nil
    }

    init(_ list: [String]) {
        self.list = list
        var index: [String: Int] = [:]
        for (position, name) in list.enumerated() where index[name] == nil { index[name] = position }
        self.index = index
    }
}
