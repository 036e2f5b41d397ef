import Foundation
import HTTPClient
import Store
import Telemetry

/// Downloads the media of WhatsApp messages (`wa_media` rows the projector leaves `pending`)
/// into `{dataDirectory}/media/<channel id>/<message id>-<media id>`.
///
/// Meta: `GET {apiBase}/{apiVersion}/{media id}` with the channel's access token answers a
/// short-lived `url` (about five minutes), fetched at once with the same token
/// (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#download-media).
/// Wazzup: the message's `contentUri`, a plain link.
///
/// Fetch state is operational, not a domain event: it lives on the `wa_media` row (attempts,
/// next attempt, error, path). A failure is retried with exponential backoff up to
/// `Policy.maxAttempts`, then the row is `failed` with the last error; answers that cannot
/// improve (Meta no longer knows the id, the file is too big) fail at once. After `rebuild`
/// the rows come back `pending` and a file already on disk (checksum permitting) is taken as is.
public final class MediaFetcher: @unchecked Sendable {
    // @unchecked: `lifecycle` and `kicked` are only touched under `condition`; passes are
    // serialised by `passLock`; everything else is immutable.

    /// Limits of fetching.
    public struct Policy: Sendable {
        /// Attempts before a row is `failed`.
        public var maxAttempts = 5
        /// The wait after the first failure; doubled after each further one.
        public var firstRetryDelay: TimeInterval = 30
        public var maxRetryDelay: TimeInterval = 3600
        /// Meta's largest media (documents) are 100 MB.
        public var maxBytes = 100 << 20
        public var downloadTimeout: TimeInterval = 120
        /// Rows taken per pass.
        public var batchSize = 20

        public init() {}

        /// The wait after `attempts` failures.
        func delay(afterAttempts attempts: Int) -> TimeInterval {
            min(maxRetryDelay, firstRetryDelay * pow(2, Double(max(0, attempts - 1))))
        }
    }

    /// What one pass did.
    struct PassReport: Equatable {
        var stored = 0
        var retrying = 0
        var failed = 0
        /// The batch was full: more rows may be due.
        var hasMore = false
    }

    private enum Lifecycle: Equatable { case idle, running, stopped }

    let store: Store
    let client: HTTPClient
    let dataDirectory: String
    let policy: Policy
    private let condition = NSCondition()
    private var lifecycle = Lifecycle.idle
    private var kicked = false
    private let finished = DispatchSemaphore(value: 0)
    private let passLock = NSLock()

    public init(store: Store, client: HTTPClient, dataDirectory: String, policy: Policy = Policy()) {
        self.store = store
        self.client = client
        self.dataDirectory = dataDirectory
        self.policy = policy
    }

    /// The file of a media row, relative to the data directory (that is what `wa_media.path` holds).
    static func relativePath(channelId: Int, messageId: Int, mediaId: String) -> String {
        // Meta ids are digits and Wazzup's UUIDs, but an id is provider input: keep it a plain file name.
        let safe = String(mediaId.prefix(120).map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" })
        return "media/\(channelId)/\(messageId)-\(safe)"
    }

    /// Where `relative` (a `wa_media.path`) is on disk.
    func absolutePath(_ relative: String) -> String {
        (dataDirectory as NSString).appendingPathComponent(relative)
    }

    // MARK: - Background

    /// Starts a thread that runs a pass every `interval` seconds (sooner after `kick`), until `stop`.
    public func start(interval: TimeInterval) {
        condition.lock()
        defer { condition.unlock() }
        guard lifecycle == .idle else { return }
        lifecycle = .running
        NamedThread.start("media-fetcher") { [self] in loop(interval: interval) }
    }

    /// Asks for a pass now rather than at the next interval.
    public func kick() {
        condition.lock()
        kicked = true
        condition.signal()
        condition.unlock()
    }

    /// Stops the thread, after the file being fetched (if any) is done; returns when it has exited.
    public func stop() {
        condition.lock()
        let wasRunning = lifecycle == .running
        lifecycle = .stopped
        condition.broadcast()
        condition.unlock()
        if wasRunning { finished.wait() }
    }

    private var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return lifecycle == .stopped
    }

    private func loop(interval: TimeInterval) {
        defer { finished.signal() }
        while !isStopped {
            var report = runOnce()
            while report.hasMore && !isStopped { report = runOnce() }
            condition.lock()
            let deadline = Date().addingTimeInterval(interval)
            while lifecycle == .running && !kicked && Date() < deadline { _ = condition.wait(until: deadline) }
            kicked = false
            condition.unlock()
        }
    }

    // MARK: - One pass

    /// One row to fetch, with what is needed to fetch it.
    private struct Item {
        let rowId: Int
        let messageId: Int
        let channelId: Int
        let mediaId: String
        let sha256: String?
        let attempts: Int
        /// The message's provider details (Wazzup's `contentUri` is there).
        let details: String?

        init?(_ row: Row) {
            guard let rowId = row.int("id"), let messageId = row.int("message_id"), let channelId = row.int("channel_id"),
                  let mediaId = row.string("media_id") else { return nil }
            self.rowId = rowId
            self.messageId = messageId
            self.channelId = channelId
            self.mediaId = mediaId
            sha256 = row.string("sha256")
            attempts = row.int("attempts") ?? 0
            details = JSONText.decodeDictionary(row.string("payload"))["details"]
        }
    }

    /// A fetched file.
    private struct Fetched {
        var bytes: [UInt8]
        var mimeType: String?
        var sha256: String?
    }

    /// Why a fetch did not work, and whether trying again can help.
    private struct FetchError: Error {
        let message: String
        let isPermanent: Bool
        static func retry(_ message: String) -> FetchError { FetchError(message: message, isPermanent: false) }
        static func permanent(_ message: String) -> FetchError { FetchError(message: message, isPermanent: true) }
    }

    /// Fetches every row due at `now` (one batch), synchronously; passes never overlap.
    /// Tests call this directly; the background thread calls it on its interval.
    @discardableResult
    func runOnce(now: Date = Date()) -> PassReport {
        passLock.lock()
        defer { passLock.unlock() }
        var report = PassReport()
        let rows: [Row]
        do {
            rows = try store.read { db in
                try db.query("""
                    SELECT f.id, f.message_id, f.media_id, f.sha256, f.attempts, m.channel_id, m.payload
                    FROM wa_media f JOIN wa_messages m ON m.id = f.message_id
                    WHERE f.state = 'pending' AND (f.next_attempt_at IS NULL OR f.next_attempt_at <= ?) ORDER BY f.id LIMIT ?
                    """, Timestamp.format(now), policy.batchSize)
            }
        } catch {
            Logger.shared.log(.error, "media fetch: cannot read pending media", [("error", .string("\(error)"))])
            return report
        }
        report.hasMore = rows.count == policy.batchSize
        var channels: [Int: Channel?] = [:]
        for row in rows {
            guard let item = Item(row) else { continue }
            if isStopped { break }
            let channel: Channel?
            if let known = channels[item.channelId] {
                channel = known
            } else {
                channel = try? store.read { db in try Channel.load(db, id: item.channelId) }
                channels[item.channelId] = channel
            }
            let relative = Self.relativePath(channelId: item.channelId, messageId: item.messageId, mediaId: item.mediaId)
            do {
                let stored = try storedAlready(item, relative: relative) ?? fetch(item, channel: channel)
                try save(stored, item: item, relative: relative, at: now)
                report.stored += 1
            } catch let error as FetchError {
                if recordFailure(error, item: item, at: now) { report.failed += 1 } else { report.retrying += 1 }
            } catch {
                if recordFailure(.retry("\(error)"), item: item, at: now) { report.failed += 1 } else { report.retrying += 1 }
            }
        }
        return report
    }

    /// The file already on disk (a `rebuild` reset the row), when its checksum allows.
    private func storedAlready(_ item: Item, relative: String) -> Fetched? {
        guard let data = FileManager.default.contents(atPath: absolutePath(relative)) else { return nil }
        let bytes = [UInt8](data)
        if let expected = item.sha256, !Self.matches(bytes, sha256: expected) { return nil }
        return Fetched(bytes: bytes, mimeType: nil, sha256: nil)
    }

    private func fetch(_ item: Item, channel: Channel?) throws -> Fetched {
        guard let channel else { throw FetchError.permanent("channel \(item.channelId) is gone") }
        var fetched: Fetched
        switch channel.provider {
        case .meta: fetched = try fetchFromMeta(item, channel: channel)
        case .wazzup: fetched = try fetchFromWazzup(item)
        }
        if let expected = item.sha256 ?? fetched.sha256, !Self.matches(fetched.bytes, sha256: expected) {
            throw FetchError.retry("the downloaded file does not match its sha256 \(expected)")
        }
        fetched.sha256 = fetched.sha256 ?? Crypto.sha256(fetched.bytes).hexString
        return fetched
    }

    private func fetchFromMeta(_ item: Item, channel: Channel) throws -> Fetched {
        guard !channel.accessToken.isEmpty else { throw FetchError.retry("channel \(channel.name) has no access token") }
        let auth = [(name: "Authorization", value: "Bearer \(channel.accessToken)")]
        var base = channel.settings.apiBase
        while base.hasSuffix("/") { base.removeLast() }
        let id = item.mediaId.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? item.mediaId
        let lookup = try send(.init(url: "\(base)/\(channel.settings.apiVersion)/\(id)", headers: auth))
        guard lookup.status == 200 else {
            let detail = Self.metaError(lookup.body) ?? "HTTP \(lookup.status)"
            // 400/404: the id is unknown or expired (Meta keeps media 30 days); asking again cannot help.
            if [400, 404, 410].contains(lookup.status) { throw FetchError.permanent("Meta does not know media \(item.mediaId): \(detail)") }
            throw FetchError.retry("looking up media \(item.mediaId): \(detail)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(lookup.body))) as? [String: Any], let url = object["url"] as? String else {
            throw FetchError.retry("Meta's answer for media \(item.mediaId) has no url")
        }
        let file = try download(url, headers: auth)
        return Fetched(bytes: file.body, mimeType: (object["mime_type"] as? String) ?? file.contentType, sha256: object["sha256"] as? String)
    }

    private func fetchFromWazzup(_ item: Item) throws -> Fetched {
        guard let details = item.details, let object = (try? JSONSerialization.jsonObject(with: Data(details.utf8))) as? [String: Any],
              let link = object["contentUri"] as? String, !link.isEmpty else {
            throw FetchError.permanent("the message has no contentUri")
        }
        let file = try download(link, headers: [])
        return Fetched(bytes: file.body, mimeType: file.contentType, sha256: nil)
    }

    private func download(_ url: String, headers: [(name: String, value: String)]) throws -> HTTPClient.Response {
        let response = try send(.init(url: url, headers: headers, timeout: policy.downloadTimeout, maxResponseBytes: policy.maxBytes))
        guard response.status == 200 else {
            if [404, 410].contains(response.status) { throw FetchError.permanent("the media link answered HTTP \(response.status)") }
            throw FetchError.retry("downloading media: HTTP \(response.status)")
        }
        return response
    }

    private func send(_ request: HTTPClient.Request) throws -> HTTPClient.Response {
        do {
            return try client.send(request)
        } catch {
            // CURLE_WRITE_ERROR: our write callback refused more bytes than the limit.
            if error.code == 23 { throw FetchError.permanent("the file is larger than \(policy.maxBytes) bytes") }
            throw FetchError.retry(error.description)
        }
    }

    /// Writes the file (atomically: a temporary file renamed into place) and marks the row stored.
    private func save(_ fetched: Fetched, item: Item, relative: String, at now: Date) throws {
        let path = absolutePath(relative)
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) {
                try Data(fetched.bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
            }
        } catch {
            throw FetchError.retry("writing \(path): \(error.localizedDescription)")
        }
        try store.writeAndWait { db in
            try db.execute("""
                UPDATE wa_media SET state = 'stored', path = ?, bytes = ?, mime_type = coalesce(mime_type, ?), sha256 = coalesce(sha256, ?),
                    attempts = attempts + 1, error = NULL, next_attempt_at = NULL, stored_at = ?
                WHERE id = ? AND state = 'pending'
                """, relative, fetched.bytes.count, fetched.mimeType, fetched.sha256, Timestamp.format(now), item.rowId)
        }
    }

    /// Records a failed attempt; true when the row is now `failed` for good.
    private func recordFailure(_ error: FetchError, item: Item, at now: Date) -> Bool {
        let attempts = item.attempts + 1
        let isFinal = error.isPermanent || attempts >= policy.maxAttempts
        let next = Timestamp.format(now.addingTimeInterval(policy.delay(afterAttempts: attempts)))
        do {
            try store.writeAndWait { db in
                try db.execute("""
                    UPDATE wa_media SET attempts = ?, error = ?, state = CASE WHEN ? THEN 'failed' ELSE state END,
                        next_attempt_at = CASE WHEN ? THEN NULL ELSE ? END
                    WHERE id = ? AND state = 'pending'
                    """, attempts, error.message, isFinal, isFinal, next, item.rowId)
            }
        } catch {
            Logger.shared.log(.error, "media fetch: cannot record a failure", [("error", .string("\(error)"))])
        }
        Logger.shared.log(isFinal ? .warning : .info, isFinal ? "media fetch failed" : "media fetch will be retried",
                          [("media", .int(item.rowId)), ("attempts", .int(attempts)), ("error", .string(error.message))])
        return isFinal
    }

    /// Meta gives sha256 as hex; older APIs gave base64. Either form is accepted.
    static func matches(_ bytes: [UInt8], sha256 expected: String) -> Bool {
        let digest = Crypto.sha256(bytes)
        return expected.lowercased() == digest.hexString || expected == Data(digest).base64EncodedString()
    }

    /// The message of a Graph API error answer, when there is one.
    private static func metaError(_ body: [UInt8]) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
              let error = object["error"] as? [String: Any] else { return nil }
        return error["message"] as? String
    }
}
