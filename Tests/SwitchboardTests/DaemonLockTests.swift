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
            XCTAssertEqual(path, configuration.database + ".lock")
            XCTAssertEqual(holder, "serve pid \(getpid())")
        }
        XCTAssertThrowsError(try SwitchboardDaemon.rebuild(configuration: configuration) { _, _ in }) { error in
            XCTAssertTrue("\(error)".contains("is using this database"), "\(error)")
        }
        first.daemon.shutdown()
        configuration.listen = "127.0.0.1:0"
        XCTAssertEqual(try SwitchboardDaemon.rebuild(configuration: configuration) { _, _ in }, 0)
        let next = try SwitchboardDaemon(configuration: configuration)
        try next.start()
        next.shutdown()
    }
}
