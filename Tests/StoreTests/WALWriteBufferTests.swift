import Foundation
import Store
import TestSupport
import XCTest

/// The VFS that gathers a commit's WAL frames into one write (Sources/CSQLiteWAL).
final class WALWriteBufferTests: XCTestCase {
    /// A connection that opened a WAL already holding frames (a daemon restarted after a crash)
    /// wrote its first commit frame's header straight to the file, missed that it was a commit,
    /// and kept the page gathered: the commit returned, the wal-index listed the frame, and
    /// another connection (the checkpointer) read stale bytes for it and copied them into the
    /// database file. Every restart after SIGKILL followed by a write could corrupt the database.
    func testAFirstCommitIntoAnExistingWALIsInTheFileWhenItReturns() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("w.db")
        let first = try Database(path: path)
        _ = try first.scalar("PRAGMA journal_mode = WAL")
        try first.executeScript("PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        for i in 0..<50 { try first.execute("INSERT INTO t(id, v) VALUES (?, ?)", i, String(repeating: "a", count: 500)) }
        // A second connection: its WAL handle starts with nothing gathered, behind 50 frames.
        let second = try Database(path: path)
        // As the writer runs: commits do not sync the WAL (the syncer does), so nothing flushes it.
        try second.executeScript("PRAGMA synchronous = NORMAL")
        try second.execute("INSERT INTO t(id, v) VALUES (?, ?)", 1000, "written by the second connection")
        XCTAssertEqual(try first.scalar("SELECT v FROM t WHERE id = 1000").string, "written by the second connection")
        XCTAssertEqual(try first.scalar("PRAGMA integrity_check").string, "ok")
        XCTAssertEqual(try first.scalar("SELECT count(*) FROM t").int, 51)
    }

    /// A transaction that spilled frames (a small page cache) and rolled back left them
    /// gathered; the connection's next read flushed them over the frames another connection
    /// had committed at the same offsets meanwhile.
    func testFramesOfARolledBackTransactionNeverReachTheFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("r.db")
        let first = try Database(path: path)
        _ = try first.scalar("PRAGMA journal_mode = WAL")
        try first.executeScript("""
            PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;
            CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL); PRAGMA cache_size = 10
            """)
        for i in 0..<200 { try first.execute("INSERT INTO t(id, v) VALUES (?, ?)", i, String(repeating: "a", count: 500)) }
        let second = try Database(path: path)
        try second.executeScript("PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0")
        _ = try first.checkpoint(truncate: true)   // the next frames start at the WAL's beginning
        try first.executeScript("BEGIN IMMEDIATE; UPDATE t SET v = printf('%.600c', 'z'); INSERT INTO t SELECT id + 1000, v FROM t")
        try first.executeScript("ROLLBACK")
        try second.executeScript("""
            BEGIN; UPDATE t SET v = printf('%.500c', 'b'); INSERT INTO t SELECT id + 5000, printf('%.900c', 'b') FROM t; COMMIT
            """)
        XCTAssertEqual(try first.scalar("SELECT count(*) FROM t").int, 400)
        XCTAssertEqual(try second.scalar("PRAGMA integrity_check").string, "ok")
        let reopened = try Database(path: path)
        XCTAssertEqual(try reopened.scalar("PRAGMA integrity_check").string, "ok")
        XCTAssertEqual(try reopened.scalar("SELECT count(*) FROM t WHERE substr(v, 1, 1) = 'b'").int, 400)
    }
}
