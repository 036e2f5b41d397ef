import Store

extension Projector {
    func createDeal(_ input: DealInput, at: String) throws -> ApplyResult {
        guard let contact = try ContactRecord.load(db, id: input.contactId) else { throw DomainError.notFound("no contact \(input.contactId)") }
        let title = input.title.isEmpty ? "Deal with \(contact.name)" : input.title
        if let callId = input.callId {
            guard let call = try CallRecord.load(db, id: callId), call.contactId == input.contactId else {
                throw DomainError.unprocessable("call \(callId) is not a call of contact \(input.contactId)")
            }
        }
        try db.execute("""
            INSERT INTO deals(contact_id, title, pipeline, stage, state, call_id, created_at, updated_at)
            VALUES (?, ?, ?, ?, 'open', ?, ?, ?)
            """, input.contactId, title, input.pipeline, input.stage, input.callId, at, at)
        let id = db.lastInsertRowID
        try addToTimeline(contactId: input.contactId, at: at, kind: .deal, ref: id)
        try touchContact(input.contactId, at: at)
        return ApplyResult(contactId: input.contactId, dealId: id)
    }

    /// Moves a deal (title, pipeline, stage) or closes or reopens it; `updated_at` becomes the
    /// change's time unless a later one is there already (as the WhatsApp paths keep it). A patch
    /// that changes nothing (closing a closed deal) leaves the deal and its client's time as they were.
    func updateDeal(_ patch: DealPatch, at: String) throws -> ApplyResult {
        guard try db.scalar("SELECT contact_id FROM deals WHERE id = ?", patch.dealId).int == patch.contactId else {
            throw DomainError.notFound("no deal \(patch.dealId) of contact \(patch.contactId)")
        }
        let changed = try db.execute("""
            UPDATE deals SET title = coalesce(?1, title), pipeline = coalesce(?2, pipeline), stage = coalesce(?3, stage),
                             state = coalesce(?4, state), updated_at = max(updated_at, ?5)
            WHERE id = ?6 AND (coalesce(?1, title) IS NOT title OR coalesce(?2, pipeline) IS NOT pipeline
                               OR coalesce(?3, stage) IS NOT stage OR coalesce(?4, state) IS NOT state)
            """, SQLValue(patch.title), SQLValue(patch.pipeline), SQLValue(patch.stage), SQLValue(patch.state), at, patch.dealId)
        if changed > 0 { try touchContact(patch.contactId, at: at) }
        return ApplyResult(contactId: patch.contactId, dealId: patch.dealId)
    }
}
