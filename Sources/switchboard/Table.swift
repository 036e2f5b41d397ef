/// A listing for people: a header line, then one line per row, columns padded to line up
/// (`--json` is the form for scripts). Nothing at all when there are no rows.
struct Table {
    let header: [String]
    var rows: [[String]] = []

    init(_ header: String...) { self.header = header }

    mutating func add(_ cells: String...) { rows.append(cells) }

    func print() {
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
