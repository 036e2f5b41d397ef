import Foundation
import Glibc
import TestSupport
import XCTest

/// A SIGTERM that reaches `switchboard serve` before it has taken over its signals (a service
/// manager stopping it right after starting it) still stops it gracefully.
final class DaemonEarlySignalTests: XCTestCase {
    /// The daemon is started with SIGTERM blocked and sent one at once, so the signal is pending
    /// before any of its code runs (the widest form of the start-up gap). It used to set SIGTERM
    /// to SIG_IGN, which discarded the pending signal, and ran on until killed.
    func testASIGTERMPendingAtStartStopsTheDaemonGracefully() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let logPath = dir.path("stderr.log")
        var environment = ProcessInfo.processInfo.environment
        environment["SWITCHBOARD_DATABASE"] = dir.path("sb.db")
        environment["SWITCHBOARD_LISTEN"] = "127.0.0.1:0"
        let pid = try spawnWithSIGTERMBlocked(Subprocess.switchboardBinary, ["serve"], environment: environment, stderr: logPath)
        XCTAssertEqual(kill(pid, SIGTERM), 0)

        let exited = DispatchSemaphore(value: 0)
        let status = ExitStatus()
        Thread {
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
            status.value = raw
            exited.signal()
        }.start()
        guard exited.wait(timeout: .now() + 20) == .success else {
            kill(pid, SIGKILL)
            exited.wait()
            XCTFail("serve was still running 20 s after a SIGTERM sent at start: the signal was lost")
            return
        }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        XCTAssertTrue(status.value & 0x7f == 0, "ended by signal \(status.value & 0x7f), not by a graceful stop\n\(log)")
        XCTAssertEqual((status.value >> 8) & 0xff, 0, log)
        XCTAssertTrue(log.contains(#""msg":"stopped""#), log)
    }

    private final class ExitStatus: @unchecked Sendable { var value: Int32 = 0 }   // written before the semaphore, read after

    /// posix_spawn with SIGTERM in the child's blocked set and stderr to `stderr`.
    private func spawnWithSIGTERMBlocked(_ path: String, _ arguments: [String], environment: [String: String],
                                         stderr: String) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        posix_spawnattr_setsigmask(&attributes, &blocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw TestError("posix_spawn \(path): errno \(result)") }
        return pid
    }
}
