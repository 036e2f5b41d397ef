import Switchboard

/// A listing for people: a header line, then one line per row, columns padded to line up
/// (`--json` is the form for scripts). Nothing at all when there are no rows.
struct Table {
    let header: [String]
    var rows: [[String]] = []

    init(_ header: String...) { self.header = header }

    /// `items` as JSON when `json` (for scripts), else as this table with a row per item.
    func print<Item: Encodable>(_ items: [Item], json: Bool, row: (Item) -> [String]) {
        if json {
            Swift.print(SwitchboardDaemon.json(items))
            return
        }
        var filled = self
        filled.rows = items.map(row)
        filled.printRows()
    }

    private func printRows() {
        guard !rows.isEmpty else { return }
        let lines = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for line in lines {
            for (column, cell) in line.enumerated() where column < widths.count { widths[column] = max(widths[column], cell.count) }
        }
        for line in lines {
            var text = ""
            for (column, cell) in line.enumerated() {
                let isLast = column == line.count - 1
                text += isLast ? cell : cell + String(repeating: " ", count: widths[column] - cell.count + 2)
            }
            Swift.print(text)
        }
    }
}

extension [String] {
    /// A table cell: comma-separated, or "-" for none.
    var listed: String { isEmpty ? "-" : joined(separator: ",") }
}
