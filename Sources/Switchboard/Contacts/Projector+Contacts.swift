import Store

extension Projector {
    func createContact(_ input: ContactInput, at: String) throws -> ApplyResult {
        for phone in input.phones where try db.scalar("SELECT contact_id FROM contact_phones WHERE phone = ?", phone).int != nil {
            throw DomainError.conflict("\(phone) already belongs to another contact")
        }
        // Fields given here are set by hand, from now (see writeUTM).
        var touches = UTMTouches()
        touches.setByHand(input.fields, at: at)
        let (times, sources, hand, handTimes) = touches.values
        try db.execute("""
            INSERT INTO contacts(name, owner_agent_id, fields, created_at, updated_at, \(UTMTouches.columns), phones) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, input.name, input.ownerAgentId, JSONText.string(input.fields), at, at, times, sources, hand, handTimes, ContactPhones.column(input.phones))
        let id = db.lastInsertRowID
        for phone in input.phones { try db.execute("INSERT INTO contact_phones(phone, contact_id) VALUES (?, ?)", phone, id) }
        return ApplyResult(contactId: id)
    }

    /// The contact's time (`updated_at`, its place in the contact list) moves only when the patch
    /// changes something (`RuleEpoch.unchangedContacts`): saving a contact as it was moved it up.
    func updateContact(_ id: Int, _ patch: ContactPatch, at: String) throws -> ApplyResult {
        guard let contact = try ContactRecord.load(db, id: id) else { throw DomainError.notFound("no contact \(id)") }
        var changed = false
        if let name = patch.name {
            changed = changed || name != contact.name
            try db.execute("UPDATE contacts SET name = ? WHERE id = ?", name, id)
        }
        var result = ApplyResult(contactId: id)
        if patch.ownerAgentId != nil || patch.clearsOwner == true {
            let owner = patch.clearsOwner == true ? nil : patch.ownerAgentId
            // Set by hand, even to the owner the calls gave, the owner is pinned: a change too.
            let fromCalls = try db.scalar("SELECT owner_from_calls FROM contacts WHERE id = ?", id).int == 1
            changed = changed || owner != contact.ownerAgentId || fromCalls
            // The owner was checked when the change was made (WriteCheck, the hand-over): an agent
            // removed since still owned the client then, so `rebuild` gives it to them as live did.
            // Set by hand: the contact's calls no longer move it (settleContact).
            try db.execute("UPDATE contacts SET owner_agent_id = ?, owner_from_calls = 0 WHERE id = ?", owner, id)
            result.updates += try moveTasksFollowingOwner(ofContact: id, to: owner, openOnly: true)
        }
        if let changes = patch.fields {
            var fields = contact.fields
            for (key, value) in changes { fields[key] = value.isEmpty ? nil : value }
            changed = changed || fields != contact.fields
            // A field set by hand is a touch of its own, from now (see writeUTM); one emptied is none.
            var touches = UTMTouches(row: try db.queryOne("SELECT \(UTMTouches.columns) FROM contacts WHERE id = ?", id))
            touches.setByHand(changes, at: at)
            try saveUTM(fields: fields, touches: touches, contactId: id)
        }
        if let phones = patch.phones {
            for phone in phones {
                // Which contact is not said: a manager does not learn that others' clients exist.
                if let other = try db.scalar("SELECT contact_id FROM contact_phones WHERE phone = ?", phone).int, other != id {
                    throw DomainError.conflict("\(phone) already belongs to another contact")
                }
            }
            changed = changed || Set(phones) != Set(contact.phones)
            try replacePhones(ofContact: id, with: phones)
        }
        let keepsUnchangedTime = try RuleEpoch.unchangedContacts.applies(to: at, in: db)
        if changed || !keepsUnchangedTime {
            try db.execute("UPDATE contacts SET updated_at = ? WHERE id = ?", at, id)
        }
        return result
    }

    /// Gives the contact's open tasks that went to its owner (no assignee was configured, and
    /// nobody has reassigned them since: `assignee_from_owner`) to `owner`, nil leaving them
    /// unassigned, as `settleContact` does when calls move the owner. Done tasks stay with
    /// whoever had them: they record who did the work. Each move is announced as a reassignment
    /// is (`reassignmentUpdates`).
    /// `openOnly`: a hand-made change moves the open tasks; one that follows the contact's calls
    /// moves done ones too, so every arrival order leaves the same tasks (settleContact).
    func moveTasksFollowingOwner(ofContact id: Int, to owner: Int?, openOnly: Bool) throws -> [LiveUpdate] {
        let moving = try db.query("""
            SELECT id, assignee_agent_id FROM tasks
            WHERE contact_id = ?1 AND (state = 'open' OR NOT ?3) AND assignee_from_owner AND assignee_agent_id IS NOT ?2
            """, id, owner, openOnly)
        var updates: [LiveUpdate] = []
        for task in moving {
            guard let taskId = task.int("id") else { continue }
            try db.execute("UPDATE tasks SET assignee_agent_id = ? WHERE id = ?", owner, taskId)
            updates += try reassignmentUpdates(taskId, from: task.int("assignee_agent_id"), to: owner)
        }
        return updates
    }
}

extension Projector {
    /// Stores a contact's fields with what it remembers of their UTM touches.
    func saveUTM(fields: [String: String], touches: UTMTouches, contactId: Int) throws {
        let (times, sources, hand, handTimes) = touches.values
        try db.execute("""
            UPDATE contacts SET fields = ?, utm_times = ?, utm_sources = ?, utm_hand = ?, utm_hand_times = ? WHERE id = ?
            """, JSONText.string(fields), times, sources, hand, handTimes, contactId)
    }
}
