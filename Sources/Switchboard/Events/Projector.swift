import Foundation
import Store

/// Turns events into contacts, calls, deals, tasks and timeline entries.
/// Deterministic: the outcome depends only on the events, their order, and the
/// integration settings, which is what lets `rebuild` reproduce the state.
struct Projector {
    let db: Database
    let settings: SettingsLookup
    /// False when nobody listens: the screen-pop's extra reads are skipped.
    var wantsLiveUpdates = true
    /// The client number already parsed by the caller (the webhook's event loop), so the
    /// writer does not look it up again.
    var parsedNumber: PhoneNumber.Parsed?

    func apply(_ event: DomainEvent, eventId: Int, integrationId: Int?, receivedAt: String) throws -> ApplyResult {
        switch event {
        case .call(let call):
            // A removed integration keeps its row and settings (migration 011), so a stored call
            // event finds them, in `rebuild` too; no row means it was deleted by hand.
            guard let integrationId, let integration = try settings.integration(db, integrationId) else {
                throw DomainError.notFound("integration \(integrationId.map(String.init) ?? "none") is gone")
            }
            return try applyCall(call, integration: integration, receivedAt: receivedAt, eventId: eventId)
        case .contactCreated(let input):
            return try createContact(input, at: receivedAt)
        case .contactUpdated(let id, let patch):
            return try updateContact(id, patch, at: receivedAt)
        case .dealCreated(let input):
            return try createDeal(input, at: receivedAt)
        case .dealUpdated(let patch):
            return try updateDeal(patch, at: receivedAt)
        case .taskCompleted(let taskId, let agentId):
            return try completeTask(taskId, byAgent: agentId, at: receivedAt)
        case .taskReassigned(let taskId, let agentId):
            return try reassignTask(taskId, to: agentId, at: receivedAt)
        case .callRequested(let request):
            return try recordCallRequest(request, integrationId: integrationId, at: receivedAt)
        case .callDialed(let requestId, let providerCallId, let sip, let note):
            return try recordDialed(requestId, providerCallId: providerCallId, sipAccount: sip, note: note, eventId: eventId,
                                    integrationId: integrationId, at: receivedAt)
        case .callDialFailed(let requestId, let reason):
            return try recordDialFailure(requestId, reason: reason, integrationId: integrationId, at: receivedAt)
        case .whatsappInbound(let message):
            return try applyInbound(message, at: receivedAt, eventId: eventId)
        case .whatsappStatus(let status):
            return try applyStatus(status, at: receivedAt)
        case .whatsappEcho(let echo):
            return try applyEcho(echo, at: receivedAt)
        case .whatsappOutbound(let outbound):
            return try applyOutbound(outbound, at: receivedAt)
        case .whatsappSent(let partId, let wamid):
            return try applySent(partId: partId, wamid: wamid, eventId: eventId, at: receivedAt)
        case .whatsappSendFailed(let failure):
            return try applySendFailure(failure, at: receivedAt)
        case .whatsappConversationReset(let channelId, let contactId, let agentId):
            return try resetConversation(channelId: channelId, contactId: contactId, agentId: agentId, at: receivedAt)
        }
    }

    // MARK: - Shared pieces

    /// Adds (or moves earlier) the timeline entry for `kind`/`ref`; its id says which entry it is.
    func addToTimeline(contactId: Int, at: String, kind: TimelineKind, ref: Int) throws {
        try db.execute("""
            INSERT INTO timeline(id, contact_id, at, kind, ref_id) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET at = min(at, excluded.at), contact_id = excluded.contact_id
            """, kind.entryId(ref), contactId, at, kind.rawValue, ref)
    }

    /// Removes the timeline entry for `kind`/`ref`, if there is one.
    func removeFromTimeline(kind: TimelineKind, ref: Int) throws {
        try db.execute("DELETE FROM timeline WHERE id = ?", kind.entryId(ref))
    }

    func touchContact(_ id: Int, at: String) throws {
        try db.execute("UPDATE contacts SET updated_at = max(updated_at, ?) WHERE id = ?", at, id)
    }

    /// An agent event `eventId` picks among the agents of the moment (a call's agent by its id or
    /// SIP login, a new WhatsApp client's round-robin owner). The first pick is kept on the raw
    /// event (`raw_events.agent_id`, 0 for nobody; migration 034) and every later application of
    /// the event (`rebuild`, a click-to-call replay) takes it from there: agents change (`agents
    /// update`, `remove`), an event's history does not. Events stored before keep the pick their
    /// first rebuild makes.
    func keptAgentChoice(eventId: Int, _ choose: () throws -> Int?) throws -> Int? {
        if let kept = try db.scalar("SELECT agent_id FROM raw_events WHERE id = ?", eventId).int { return kept == 0 ? nil : kept }
        let chosen = try choose()
        try db.execute("UPDATE raw_events SET agent_id = ? WHERE id = ?", chosen ?? 0, eventId)
        return chosen
    }

    /// `keptAgentChoice` for the agent a missed-call task of event `eventId` goes to by the
    /// integration's settings (`raw_events.task_assignee_id`, 0 for the client's owner; migration 040).
    func keptAssigneeChoice(eventId: Int, _ choose: () throws -> Int?) throws -> Int? {
        if let kept = try db.scalar("SELECT task_assignee_id FROM raw_events WHERE id = ?", eventId).int { return kept == 0 ? nil : kept }
        let chosen = try choose()
        try db.execute("UPDATE raw_events SET task_assignee_id = ? WHERE id = ?", chosen ?? 0, eventId)
        return chosen
    }

    func agentExists(_ id: Int) throws -> Bool {
        try db.queryOne("SELECT id FROM agents WHERE id = ?", id) != nil
    }
}
