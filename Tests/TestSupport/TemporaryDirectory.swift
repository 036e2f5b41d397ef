import Foundation
import Synchronization

/// A fresh temporary directory, removed by `remove()`, at deinit, or when the process exits.
///
/// The exit sweep is there because XCTest on Linux keeps every test case, and what its
/// properties hold, until the process ends: directories held by a test class's property
/// were never removed, and each run of the suite left ~150 of them (some of 100 MB) behind.
public final class TemporaryDirectory {
    public let url: URL
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        TemporaryDirectory.sweepAtExit()
        TemporaryDirectory.existing.withLock { _ = $0.insert(url.path) }
    }
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    public func remove() {
        try? FileManager.default.removeItem(at: url)
        TemporaryDirectory.existing.withLock { _ = $0.remove(url.path) }
    }
    deinit { remove() }

    /// Paths made and not yet removed.
    private static let existing = Mutex<Set<String>>([])
    private static let registered = Mutex(false)

    private static func sweepAtExit() {
        let first = registered.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        atexit {
            for path in TemporaryDirectory.existing.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
        }
    }
}
