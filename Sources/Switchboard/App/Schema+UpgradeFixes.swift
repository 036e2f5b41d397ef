import Store

extension Schema {
    /// From now on a WhatsApp profile name names a contact still named after its number, and a
    /// blank one names nobody (RuleEpoch.profileNames): messages received before keep, in
    /// `rebuild` too, the names they gave (a rebuild renamed such contacts, their deals and tasks).
    static let profileNamesEpoch = Migration("038_rule_epoch_profile_names", """
        INSERT INTO rule_epochs(name, since) VALUES ('profile-names', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
        """)

    /// Agent ids are never handed out again (014), but 014 started counting at the highest id
    /// still in use: an agent removed before it, whose id calls, contacts, tasks or messages still
    /// name, gave that id to the next new agent, who inherited their clients and calls. The
    /// counter now starts past every id those name (raw_events.agent_id, from 034 on, only ever
    /// named agents that existed, and reading it would scan the whole event log).
    static let agentIdsPastRemovedOnes = Migration("039_agent_ids_past_removed_ones", """
        CREATE TEMP TABLE named_agent_ids AS
            SELECT max(id) AS id FROM (
                SELECT max(id) AS id FROM agents
                UNION ALL SELECT max(agent_id) FROM calls
                UNION ALL SELECT max(owner_agent_id) FROM contacts
                UNION ALL SELECT max(assignee_agent_id) FROM tasks
                UNION ALL SELECT max(closed_by_agent_id) FROM tasks
                UNION ALL SELECT max(agent_id) FROM click_to_call
                UNION ALL SELECT max(agent_id) FROM wa_messages
                UNION ALL SELECT max(created_by) FROM canned_answers);
        UPDATE sqlite_sequence SET seq = max(seq, (SELECT coalesce(id, 0) FROM named_agent_ids)) WHERE name = 'agents';
        INSERT INTO sqlite_sequence(name, seq)
            SELECT 'agents', id FROM named_agent_ids
            WHERE id > 0 AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'agents');
        DROP TABLE named_agent_ids;
        """)

    /// The agent a missed-call task went to when the integration names one (`raw_events.task_assignee_id`,
    /// 0 for the client's owner): one removed since got the tasks live, and `rebuild` gave them to the owners.
    static let taskAssigneeChoice = Migration("040_raw_event_task_assignee_choice", "ALTER TABLE raw_events ADD COLUMN task_assignee_id INTEGER")

    /// From now on a contact patch that changes nothing leaves the contact's time as it was
    /// (RuleEpoch.unchangedContacts); patches received before moved it, in `rebuild` too.
    static let unchangedContactsEpoch = Migration("044_rule_epoch_unchanged_contacts", """
        INSERT INTO rule_epochs(name, since) VALUES ('unchanged-contacts', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
        """)
}
