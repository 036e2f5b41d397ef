import Foundation
import HTTPClient
import Store

/// What the outbox keeps for a part going out through Wazzup: the part and its recipient, from
/// which `WazzupSendFormat` rebuilds the request(s) at every attempt. (A Meta part keeps Meta's
/// request body instead: one request, built once.)
struct WazzupOutboxEntry: Codable, Sendable, Equatable {
    /// The client's WhatsApp id (digits).
    var to: String
    var part: WhatsAppOutbound.Part
}

extension WhatsAppSender {
    /// One attempt at a part on a Wazzup channel: its requests in order (a file with a caption is
    /// two Wazzup messages, the file then the caption), with the same guarantees as for Meta.
    ///
    /// - The first request's `messageId` is the part's id. It is recorded as soon as Wazzup answers,
    ///   so statuses and echoes land on the message; in the same transaction the part goes back to
    ///   `sending` while its caption is still to go, so a crash in between leaves it `unknown`.
    /// - 429, 5xx, or Wazzup unreachable: the whole part is tried again later, with backoff. What
    ///   went out before is not sent twice: every request carries a `crmMessageId`, and Wazzup
    ///   refuses a repeat with `repeatedCrmMessageId`, which counts as sent.
    /// - A timeout or a failure after sending: `unknown`, never sent again.
    /// - Refused (bad number, channel not active, wrong API key…): `failed` with Wazzup's error.
    /// When the file went out but its caption did not, the message stays sent and its error says so.
    func sendToWazzup(id: Int, partId: String, channel: Channel, entry: String, attempts: Int, tuning: Tuning) throws {
        let requests: [HTTPClient.Request]
        do {
            let stored = try JSONText.decoder.decode(WazzupOutboxEntry.self, from: Data(entry.utf8))
            requests = try WazzupSendFormat.requests(for: stored.part, to: stored.to, channel: channel)
        } catch {
            try fail(partId, .failed, code: nil, "not sent through Wazzup: \(error)")
            return
        }
        var hasId = try store.read { db in try db.scalar("SELECT wamid FROM wa_messages WHERE outbound_id = ?", partId).string } != nil
        for (index, built) in requests.enumerated() {
            var request = built
            request.connectTimeout = tuning.connectTimeout
            request.timeout = tuning.timeout
            // Past the first request the message itself went out: the failure is the caption's.
            let prefix = index == 0 ? "" : "the file was sent, its caption was not: "
            let response: HTTPClient.Response
            do {
                response = try client.send(request)
            } catch {
                try settle(error, id: id, partId: partId, attempts: attempts, tuning: tuning, provider: "Wazzup", prefix: prefix)
                return
            }
            switch WazzupSendFormat.outcome(status: response.status, body: response.body) {
            case .sent(let messageId):
                guard index == 0 else { continue }
                let more = requests.count > 1
                try record(.whatsappSent(partId: partId, wamid: messageId), key: "wa-out:\(partId):sent") { db in
                    if more { try db.execute("UPDATE wa_outbox SET state = 'sending' WHERE id = ?", id) }
                }
                hasId = true
            case .alreadySent:
                // Sent by an earlier attempt whose answer was lost (a 5xx after Wazzup had taken it),
                // or the file of a part whose caption is being retried; its id comes with the echo.
                continue
            case .retry(let why):
                try retryOrFail(id: id, partId: partId, attempts: attempts, tuning: tuning, reason: prefix + why)
                return
            case .refused(let code, let message):
                try fail(partId, .failed, code: nil, prefix + "Wazzup refused the message: " + (code.flatMap { $0 == message ? nil : "\($0): " } ?? "") + message)
                return
            }
        }
        let note: String? = hasId ? nil : "Wazzup had already sent it (repeatedCrmMessageId); its id comes with Wazzup's echo"
        try store.writeAndWait { db in
            try db.execute("UPDATE wa_outbox SET state = 'sent', last_error = ? WHERE id = ?", note, id)
        }
    }
}
