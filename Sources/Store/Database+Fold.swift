internal import CSQLite
import Foundation

extension Database {
    /// `fold(text)`, registered on every connection: `text` without case or diacritics
    /// ("Ștefan" and "ȘTEFAN" are "stefan", "ИВАН" is "иван"), for searches that should find
    /// a name however it is typed. SQLite's own LIKE folds only ASCII letters.
    func registerFold() {
        sqlite3_create_function_v2(handle, "fold", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nil,
                                   foldSQLFunction, nil, nil, nil)
    }

    /// What `fold` gives for `text`; names in plain ASCII (most, and every number) skip Foundation.
    public static func fold(_ text: String) -> String {
        var ascii = true
        for byte in text.utf8 where byte >= 0x80 { ascii = false; break }
        if ascii { return text.lowercased() }
        return text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }
}

private func foldSQLFunction(_ context: OpaquePointer?, _ count: Int32, _ values: UnsafeMutablePointer<OpaquePointer?>?) {
    guard count == 1, let value = values?[0], let text = sqlite3_value_text(value) else {
        sqlite3_result_null(context)
        return
    }
    let folded = Database.fold(String(cString: text))
    sqlite3_result_text(context, folded, -1, sb_sqlite_transient())
}
