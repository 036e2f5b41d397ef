import Foundation
import Store

extension Projector {
    /// The outbound call exists from the request on: a call row, on its contact's timeline.
    func recordCallRequest(_ request: CallRequest, integrationId: Int?, at: String) throws -> ApplyResult {
        guard let integrationId else { throw DomainError.notFound("click-to-call without an integration") }
        var contactId = request.contactId
        if contactId == nil {
            if let existing = try db.scalar("SELECT contact_id FROM contact_phones WHERE phone = ?", request.number).int {
                contactId = existing
            } else {
                try db.execute("INSERT INTO contacts(name, owner_agent_id, fields, created_at, updated_at, phones) VALUES (?1, ?2, '{}', ?3, ?4, ?1)",
                               request.number, request.agentId, at, at)
                contactId = db.lastInsertRowID
                try db.execute("INSERT INTO contact_phones(phone, contact_id) VALUES (?, ?)", request.number, contactId)
            }
        }
        try db.execute("""
            INSERT INTO calls(integration_id, provider_call_id, direction, client_number, client_number_raw, agent_id, sip_login,
                              contact_id, created_at, updated_at, agents_named, deal_id, sip_rank, owner_candidate)
            VALUES (?1, ?2, 'outbound', ?3, ?3, ?4, ?5, ?6, ?7, ?7, ',' || ?4 || ',', ?8, '0', ?4)
            """, integrationId, Self.requestCallId(request.requestId), request.number, request.agentId,
            request.sipAccount, contactId, at, SQLValue(request.dealId))   // the agent who asked hears the call's answer and end, whoever takes it
        let callId = db.lastInsertRowID
        if let contactId { try touchContact(contactId, at: at) }
        return ApplyResult(callId: callId, contactId: contactId)
    }

    /// The provider accepted the request: its call id now points at our call. Webhooks that
    /// arrived under that id before this moment are replayed onto our call, so the order of
    /// "provider answered our API call" and "provider's first webhook" does not matter. Only events
    /// recorded before this one are replayed: during `rebuild` the later ones come in their own turn.
    func recordDialed(_ requestId: String, providerCallId: String?, sipAccount: String, note: String?, eventId: Int,
                      integrationId: Int?, at: String) throws -> ApplyResult {
        guard let integrationId, let call = try requestedCall(requestId, integrationId: integrationId) else {
            throw DomainError.notFound("no click-to-call request \(requestId)")
        }
        // The SIP account we dialled from is the call's login whatever its webhooks name ('0' ranks first).
        try db.execute("UPDATE calls SET sip_login = ?, sip_rank = '0', note = ?, updated_at = max(updated_at, ?) WHERE id = ?",
                       sipAccount, note, at, call.id)
        var result = ApplyResult(callId: call.id, contactId: call.contactId)
        guard let providerCallId, !providerCallId.isEmpty else { return result }
        try db.execute("INSERT OR REPLACE INTO call_aliases(integration_id, provider_call_id, call_id) VALUES (?, ?, ?)",
                       integrationId, providerCallId, call.id)
        try db.execute("UPDATE calls SET dialed_call_id = ? WHERE id = ?", providerCallId, call.id)
        guard let early = try db.scalar("SELECT id FROM calls WHERE integration_id = ? AND provider_call_id = ?",
                                        integrationId, providerCallId).int else { return result }
        // Undo what the early webhooks projected on their own row, then replay them onto ours.
        for task in try db.query("SELECT id FROM tasks WHERE call_id = ?", early).compactMap({ $0.int("id") }) {
            try removeFromTimeline(kind: .task, ref: task)
        }
        try db.execute("DELETE FROM tasks WHERE call_id = ?", early)
        try db.execute("DELETE FROM calls WHERE id = ?", early)
        guard let integration = try settings.integration(db, integrationId) else { return result }
        let events = try db.query("""
            SELECT id, received_at, payload, settings_version FROM raw_events
            WHERE integration_id = ? AND kind LIKE 'call.%' AND json_extract(payload, '$.call.callId') = ? AND id < ? ORDER BY id
            """, integrationId, providerCallId, eventId)
        for row in events {
            guard case .call(let event) = try JSONText.decoder.decode(DomainEvent.self, from: Data((row.string("payload") ?? "").utf8)) else { continue }
            // Each with the integration's settings it was applied with when it arrived.
            let asApplied = try SettingsLookup.asApplied(integration: integrationId, version: row.int("settings_version"))
                .integration(db, integrationId) ?? integration
            let replayed = try applyCall(event, integration: asApplied, receivedAt: row.string("received_at") ?? at,
                                         eventId: row.int("id") ?? 0)
            result.updates += replayed.updates
        }
        return result
    }

    /// The provider refused or failed: the call ends as failed, with the reason on it.
    func recordDialFailure(_ requestId: String, reason: String, integrationId: Int?, at: String) throws -> ApplyResult {
        guard let integrationId, let call = try requestedCall(requestId, integrationId: integrationId) else {
            throw DomainError.notFound("no click-to-call request \(requestId)")
        }
        try db.execute("""
            UPDATE calls SET ended_at = ?1, first_ended_at = coalesce(min(first_ended_at, ?1), ?1), end_reason = 'dial-failed', flag = ?2,
                updated_at = ?1 WHERE id = ?3
            """, at, reason, call.id)
        return ApplyResult(callId: call.id, contactId: call.contactId)
    }

    private func requestedCall(_ requestId: String, integrationId: Int) throws -> CallRecord? {
        try db.queryOne("SELECT * FROM calls WHERE integration_id = ? AND provider_call_id = ?", integrationId, Self.requestCallId(requestId))
            .map(CallRecord.init(row:))
    }

    /// Our own id for a requested call until (and after) the provider names it.
    static func requestCallId(_ requestId: String) -> String { "c2c:\(requestId)" }
}
