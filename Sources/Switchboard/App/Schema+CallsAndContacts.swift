import Store

extension Schema {
    /// A call's place on its contact's timeline is read from the call itself (`Timeline.page`
    /// merges the calls with the other entries), not kept in a `timeline` row: every call event
    /// wrote that row and its index entry again, two B-trees of the ten a new caller's ringing
    /// wrote. The index orders a contact's calls by `CallRecord.startSQL` (the same expression,
    /// so SQLite reads it from the index), and the answers index holds only answered calls (no
    /// entry for a ringing; `firstReach` asks only for answers).
    static let callTimelineFromCalls = Migration("041_call_timeline_from_calls", """
        DELETE FROM timeline WHERE kind = 'call';
        DROP INDEX calls_contact;
        CREATE INDEX calls_answered ON calls(contact_id, answered_at) WHERE answered_at IS NOT NULL;
        CREATE INDEX calls_timeline ON calls(contact_id, min(created_at, coalesce(began_at, created_at)), id)
            WHERE contact_id IS NOT NULL;
        """)
}

extension Schema {
    /// A contact lists its own numbers (`ContactPhones`): the index of `contact_phones` by
    /// contact, one more B-tree every new caller wrote, goes.
    static let contactPhonesColumn = Migration("042_contact_phones_column", """
        ALTER TABLE contacts ADD COLUMN phones TEXT NOT NULL DEFAULT '';
        UPDATE contacts SET phones = coalesce((SELECT group_concat(phone, ',') FROM contact_phones p WHERE p.contact_id = contacts.id), '');
        DROP INDEX contact_phones_contact;
        """)
}

extension Schema {
    /// Quality control owns no clients (the API refuses to make them owners), but a call whose
    /// moment named one made them the new client's owner and the assignee of its missed-call
    /// task, which they cannot complete. A call now keeps, beside its agent, the agent who can own
    /// its client (`owner_candidate`, ranked as `agent_rank` among the moments whose agent could),
    /// and each event keeps whether its agent could own when it arrived (`raw_events.agent_owns`),
    /// so a role changed later rebuilds as it was. Calls and events stored before keep the old
    /// rule: every named agent could own.
    static let callOwnerCandidate = Migration("043_call_owner_candidate", """
        ALTER TABLE calls ADD COLUMN owner_candidate INTEGER;
        ALTER TABLE calls ADD COLUMN owner_rank TEXT;
        UPDATE calls SET owner_candidate = agent_id, owner_rank = agent_rank;
        ALTER TABLE raw_events ADD COLUMN agent_owns INTEGER;
        """)
}
