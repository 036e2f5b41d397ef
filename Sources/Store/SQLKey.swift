/// The prepared-statement cache's key: the SQL text, hashed by its length and a
/// sample of its bytes instead of all of them. The merge statements run to kilobytes
/// and are looked up several times per event; equality still compares the whole
/// text (instantly for the same literal), so a shared sample only costs a probe.
struct SQLKey: Hashable {
    let sql: String

    init(_ sql: String) {
        var text = sql
        text.makeContiguousUTF8()
        self.sql = text
    }

    func hash(into hasher: inout Hasher) {
        _ = sql.utf8.withContiguousStorageIfAvailable { bytes in
            hasher.combine(bytes.count)
            let head = min(bytes.count, 24)
            let tail = min(bytes.count - head, 40)
            hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[0..<head])))
            hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[(bytes.count - tail)...])))
        }
    }

    static func == (lhs: SQLKey, rhs: SQLKey) -> Bool { lhs.sql == rhs.sql }
}
