import Foundation
import Glibc
@testable import HTTPServer
import Telemetry
import TestSupport
import XCTest

/// Claiming the listen address must not keep a daemon from starting where Unix sockets are not
/// allowed (systemd's RestrictAddressFamilies=AF_INET AF_INET6, a seccomp profile): it exited 1
/// with "socket: Address family not supported by protocol".
final class AddressClaimTests: XCTestCase {
    func testWhereUnixSocketsAreRefusedTheServerStartsWithTheBindCheckAlone() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let logPath = dir.path("log")
        let fd = open(logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(fd) }
        let logger = Logger(fd: fd)
        let refused: (Int32, Int32, Int32) -> Int32 = { _, _, _ in
            errno = EAFNOSUPPORT
            return -1
        }
        let port = try RunningDaemon.freePort()
        XCTAssertNil(try AddressClaim.claimIfAllowed(host: "127.0.0.1", port: port, logger: logger, makeSocket: refused))
        logger.flush()
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        XCTAssertTrue(log.contains("cannot claim the listen address"), log)
        XCTAssertTrue(log.contains("Address family not supported"), log)

        // A claim another process (here: this one) holds still stops a second server.
        let held = try XCTUnwrap(try AddressClaim.claimIfAllowed(host: "127.0.0.1", port: port, logger: logger))
        defer { close(held) }
        XCTAssertThrowsError(try AddressClaim.claimIfAllowed(host: "127.0.0.1", port: port, logger: logger)) { error in
            XCTAssertEqual((error as? SocketError)?.errno, EADDRINUSE)
        }
    }
}
