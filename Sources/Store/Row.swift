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

    /// The first column called `name`. Rows have a few dozen columns at most, so the
    /// names' UTF-8 bytes are compared in order, lengths first, which is cheaper than
    /// hashing `name` (and than String comparison); wider results use the dictionary.
    func position(of name: String) -> Int? {
        if list.count > 32 { return index[name] }
        let found = name.utf8.withContiguousStorageIfAvailable { wanted -> Int? in
            for (position, column) in utf8Names.enumerated() where column.count == wanted.count {
                if column.withUnsafeBufferPointer({ $0.elementsEqual(wanted) }) { return position }
            }
            return nil
        }
        return found ?? index[name]
    }

    private let utf8Names: [[UInt8]]

    init(_ list: [String]) {
        self.list = list
        utf8Names = list.map { Array($0.utf8) }
        var index: [String: Int] = [:]
        for (position, name) in list.enumerated() where index[name] == nil { index[name] = position }
        self.index = index
    }
}
