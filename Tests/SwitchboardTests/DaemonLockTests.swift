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
        first.daemon.shutdown()
        configuration.listen = "127.0.0.1:0"
        XCTAssertEqual(try SwitchboardDaemon.rebuild(configuration: configuration) { _, _ in }, 0)
        let next = try SwitchboardDaemon(configuration: configuration)
        try next.start()
        next.shutdown()
    }
}
