import Foundation
import Store
import Switchboard
import TestSupport
import XCTest

/// One daemon per database inside a process too (the lock is per open file, not per process),
/// and `shutdown` hands the database on.
final class DaemonLockTests: XCTestCase {
    func testASecondDaemonOnTheDatabaseIsRefusedUntilTheFirstShutsDown() throws {
        let first = try TestDaemon()
        defer { first.stop() }   // a second shutdown: it waited for ever on the closed store
        var configuration = first.daemon.configuration
        XCTAssertThrowsError(try SwitchboardDaemon(configuration: configuration)) { error in
            guard case DatabaseLockError.held(let path, let holder) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(path.hasSuffix("/switchboard.db.lock"), path)
            XCTAssertEqual(holder, "serve pid \(getpid())")
        }
        XCTAssertThrowsError(try SwitchboardDaemon.rebuild(configuration: configuration) { _, _ in }) { error in
            XCTAssertTrue("\(error)".contains("is using this database"), "\(error)")
        }
        // Another name for the same file (a symbolic link) finds the lock taken: both daemons ran.
        var linked = configuration
        linked.database = first.dir.path("link.db")
        try FileManager.default.createSymbolicLink(atPath: linked.database, withDestinationPath: configuration.database)
        XCTAssertThrowsError(try SwitchboardDaemon(configuration: linked)) { error in
            guard case DatabaseLockError.held = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try SwitchboardDaemon.migrate(configuration: linked))
        // Admin commands run beside the daemon; one of a newer version, with a migration to apply, does not.
        XCTAssertNoThrow(try SwitchboardDaemon.withDirectory(configuration) { try $0.list() })
        let latest = try first.daemon.store.writeAndWait { db -> String in
            let name = try db.scalar("SELECT max(name) FROM schema_migrations").string ?? ""
            try db.execute("DELETE FROM schema_migrations WHERE name = ?", name)
            return name
        }
        XCTAssertThrowsError(try SwitchboardDaemon.withDirectory(configuration) { try $0.list() }) { error in
            guard case DatabaseLockError.held = error else { return XCTFail("\(error)") }
        }
        try first.daemon.store.writeAndWait { db in try db.execute("INSERT INTO schema_migrations(name) VALUES (?)", latest) }
        first.daemon.shutdown()
        configuration.listen = "127.0.0.1:0"
        XCTAssertEqual(try SwitchboardDaemon.rebuild(configuration: configuration) { _, _ in }, 0)
        let next = try SwitchboardDaemon(configuration: configuration)
        try next.start()
        next.shutdown()
    }

    /// A holder that could not write its name into the file (made by another user) leaves an
    /// earlier holder's there: a process that is gone is not named (an operator might kill its pid).
    func testAGoneHolderIsNotNamed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let path = dir.path("sb.db.lock")
        let held = open(path, O_RDWR | O_CREAT, 0o644)
        defer { close(held) }
        XCTAssertEqual(flock(held, LOCK_EX), 0)
        let text = Array("rebuild pid \(gone.processIdentifier)\n".utf8)
        XCTAssertEqual(text.withUnsafeBytes { pwrite(held, $0.baseAddress, $0.count, 0) }, text.count)
        XCTAssertThrowsError(try DatabaseLock(databasePath: dir.path("sb.db"), purpose: "serve")) { error in
            guard case DatabaseLockError.held(_, let holder) = error else { return XCTFail("\(error)") }
            XCTAssertNil(holder)
            XCTAssertTrue("\(error)".hasPrefix("another switchboard is using this database"), "\(error)")
        }
    }
}
