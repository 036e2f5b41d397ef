import CSystem
import Foundation

/// Starts the daemon's long-lived threads under a name the operating system shows.
///
/// Foundation's `Thread.name` stays inside Foundation on Linux: `top -H`, `ps -L`,
/// `perf` and `/proc/<pid>/task/*/comm` all showed every thread as `switchboard`. The
/// name is set from the thread itself (prctl PR_SET_NAME); Linux keeps its first 15 bytes.
public enum NamedThread {
    /// Runs `body` on a new thread called `name`.
    public static func start(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            _ = sb_set_thread_name(name)
            body()
        }
        thread.name = name
        thread.start()
    }
}
