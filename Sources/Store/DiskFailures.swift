import Foundation
import Synchronization

/// The last write that failed because the disk is full or failing (SQLITE_FULL, SQLITE_IOERR),
/// for `/readyz`: its own tiny write can still fit in pages the database already has while every
/// webhook fails, so its success alone says too little. (A failed fdatasync needs none of this:
/// it sticks, and fails readyz's own write.)
final class DiskFailures: Sendable {
    private let last = Mutex<(at: UInt64, error: String)?>(nil)

    /// Notes `error` when it is a disk failure; other errors (a constraint, a bad event) are not.
    func record(_ error: Error?) {
        guard let error, Self.isDiskFailure(error) else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        last.withLock { $0 = (now, "\(error)") }
    }

    /// The last disk failure if it happened within `seconds`.
    func recent(within seconds: Double) -> String? {
        guard let failure = last.withLock({ $0 }) else { return nil }
        let age = Double(DispatchTime.now().uptimeNanoseconds - failure.at) / 1e9
        return age <= seconds ? failure.error : nil
    }

    static func isDiskFailure(_ error: Error) -> Bool {
        guard let sqlite = error as? SQLiteError else { return false }
        return sqlite.code & 0xff == 13 || sqlite.code & 0xff == 10   // SQLITE_FULL, SQLITE_IOERR
    }
}
