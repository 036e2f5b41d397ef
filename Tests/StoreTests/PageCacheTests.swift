import CSQLitePageCache
import Foundation
import Store
import TestSupport
import XCTest

/// The page cache that parks a B-tree split's spare page number elsewhere (Sources/CSQLitePageCache).
final class PageCacheTests: XCTestCase {
    /// Keys arriving in random order split index pages in the middle of the tree, where SQLite
    /// renumbers the new pages through the spare number: every committed key must still be
    /// there, nothing of a rolled-back transaction or savepoint, and the file must check ok,
    /// through a small cache (pages evicted and read again) as through the writer's large one.
    func testKeysInsertedInRandomOrderAreAllThereAfterSplitsCommitsAndRollbacks() throws {
        for cachePages in [12, 16384] {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let path = dir.path("p.db")
            let standInsBefore = sb_page_cache_stand_ins()
            let db = try Database(path: path)
            _ = try db.scalar("PRAGMA journal_mode = WAL")
            try db.executeScript("""
                PRAGMA synchronous = NORMAL; PRAGMA cache_size = \(cachePages);
                CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, v TEXT NOT NULL)
                """)
            var generator = SeededGenerator(seed: UInt64(cachePages))
            var committed: [String: Int] = [:]
            var nextId = 0
            func insert(_ count: Int) throws -> [String: Int] {
                var added: [String: Int] = [:]
                for _ in 0..<count {
                    let key = String(generator.next() % 1_000_000_000, radix: 36) + "-" + String(nextId)
                    try db.execute("INSERT INTO t(id, k, v) VALUES (?, ?, ?)", nextId, key, String(repeating: "v", count: 40))
                    added[key] = nextId
                    nextId += 1
                }
                return added
            }
            for round in 0..<120 {
                try db.executeScript("BEGIN IMMEDIATE")
                var kept = try insert(60)
                if round % 5 == 1 {
                    try db.executeScript("SAVEPOINT later")
                    _ = try insert(80)
                    try db.executeScript("ROLLBACK TO later; RELEASE later")
                    kept.merge(try insert(10)) { $1 }
                }
                if round % 7 == 3 {
                    try db.executeScript("ROLLBACK")
                } else {
                    try db.executeScript("COMMIT")
                    committed.merge(kept) { $1 }
                }
                if round % 40 == 39 { _ = try db.checkpoint(truncate: false) }
            }
            XCTAssertGreaterThan(sb_page_cache_stand_ins(), standInsBefore, "no split renumbered its pages: the test proves nothing")
            XCTAssertEqual(try db.scalar("PRAGMA integrity_check").string, "ok")
            let reader = try Database(path: path)
            let rows = try reader.query("SELECT id, k FROM t ORDER BY k")
            XCTAssertEqual(rows.count, committed.count)
            XCTAssertEqual(rows.compactMap { $0.string("k") }, committed.keys.sorted())
            XCTAssertTrue(rows.allSatisfy { row in row.string("k").flatMap { committed[$0] } == row.int("id") })
            XCTAssertEqual(try reader.scalar("SELECT count(*) FROM t INDEXED BY sqlite_autoindex_t_1 WHERE k > ''").int, committed.count)
        }
    }
}

/// SplitMix64: the same keys on every run.
private struct SeededGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
