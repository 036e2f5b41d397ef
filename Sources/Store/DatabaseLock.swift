import Foundation
import Synchronization

/// An exclusive lock on `<database>.lock` for work that must have the database to itself:
/// `serve` holds it while it runs (a second daemon on the same file would deliver every
/// queued WhatsApp message twice) and `rebuild` while it rewrites the projections (a
/// daemon writing meanwhile would have its writes replaced).
///
/// `flock(2)` on a file of its own: SQLite's POSIX locks on the database file are dropped
/// by the kernel when any descriptor of the process on that file is closed, so the
/// database file itself is left alone. The kernel releases the lock when the process
/// ends, however it ends (SIGKILL included), so a stale file never blocks a restart.
public final class DatabaseLock: Sendable {
    /// The open lock file; -1 once released.
    private let descriptor: Mutex<Int32>
    /// The lock file: the database's path with `.lock` appended.
    public let path: String

    /// Takes the lock for `databasePath` without waiting; `purpose` ("serve", "rebuild") is
    /// written into the file so that whoever finds it taken is told who holds it.
    /// - Throws: `DatabaseLockError.held` when another process (or another daemon in this
    ///   one) holds it; `.failed` when the file cannot be opened or locked.
    public init(databasePath: String, purpose: String) throws(DatabaseLockError) {
        path = databasePath + ".lock"
        var descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        let writable = descriptor >= 0
        if writable {
            // Writable by whoever runs next (a `sudo switchboard rebuild` before the service user's serve).
            _ = fchmod(descriptor, 0o666)
        } else {
            // Made by another user before that: flock needs only a read descriptor.
            let code = errno
            if code == EACCES { descriptor = open(path, O_RDONLY | O_CLOEXEC) }
            guard descriptor >= 0 else { throw .failed(path: path, operation: "open", code: code) }
        }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            let holder = Self.readHolder(descriptor)
            close(descriptor)
            if code == EWOULDBLOCK { throw .held(path: path, holder: holder) }
            throw .failed(path: path, operation: "flock", code: code)
        }
        // Read-only, the file still names an earlier holder: readers see that process is gone.
        let holder = Array("\(purpose) pid \(getpid())\n".utf8)
        if writable, ftruncate(descriptor, 0) == 0 { _ = holder.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) } }
        self.descriptor = Mutex(descriptor)
    }

    /// Releases the lock (closing the only descriptor does); later calls do nothing.
    public func release() {
        descriptor.withLock { open in
            if open >= 0 { close(open) }
            open = -1
        }
    }

    deinit { release() }

    /// What the holder wrote ("serve pid 1234"); nil when the file is empty or names a
    /// process that no longer exists (a holder that could not write it left an earlier one's).
    private static func readHolder(_ descriptor: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pid = text.split(separator: " ").last.flatMap({ pid_t($0) }), pid > 0 else { return nil }
        return kill(pid, 0) == 0 || errno == EPERM ? text : nil
    }
}

/// The database is in use by work that must have it alone, or its lock file is unusable.
public enum DatabaseLockError: Error, CustomStringConvertible {
    case held(path: String, holder: String?)
    case failed(path: String, operation: String, code: Int32)

    public var description: String {
        switch self {
        case .held(let path, let holder):
            let who = holder.map { "another switchboard (\($0))" } ?? "another switchboard"
            return "\(who) is using this database (lock \(path) is held): stop it first"
        case .failed(let path, let operation, let code):
            return "\(operation) \(path): \(String(cString: strerror(code)))"
        }
    }
}
