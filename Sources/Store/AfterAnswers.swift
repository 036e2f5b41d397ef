import Glibc

/// Work that a write's completion leaves to the thread answering it, to run once every
/// job of that flush has been answered.
///
/// Completions run one by one on the WAL syncer after each fdatasync. Something they all
/// feed — the live stream's publishing — is cheaper done once per flush, on that same
/// thread, after the last answer has gone out, than once per job or by waking another
/// thread: `schedule` from a completion queues `work` for that moment.
public enum AfterAnswers {
    /// Queues `work` to run after the answers of the flush being answered on this thread;
    /// false, and nothing queued, when the caller is not a write's completion on the syncer.
    public static func schedule(_ work: @escaping @Sendable () -> Void) -> Bool {
        guard let raw = pthread_getspecific(scopeKey) else { return false }
        let scope = Unmanaged<AnswerScope>.fromOpaque(raw).takeUnretainedValue()
        guard scope.isAnswering else { return false }
        scope.pending.append(work)
        return true
    }

    static let scopeKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}

/// The syncer thread's queue of `AfterAnswers` work; touched only by that thread.
final class AnswerScope {
    fileprivate var isAnswering = false
    fileprivate var pending: [@Sendable () -> Void] = []

    /// Makes this the scope of the calling thread (the syncer, once, at its start).
    func install() {
        pthread_setspecific(AfterAnswers.scopeKey, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Runs `answer` (every completion of one flush), then the work those completions queued.
    func answering(_ answer: () -> Void) {
        isAnswering = true
        answer()
        isAnswering = false   // so the work below cannot queue more
        let work = pending
        pending.removeAll(keepingCapacity: true)
        for item in work { item() }
    }
}
