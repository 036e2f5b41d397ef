import Store

/// Every migration, in order. Never edit a shipped one; append.
enum Schema {
    static let migrations: [Migration] = [
        Migration("001_agents", """
            CREATE TABLE agents (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('manager', 'supervisor', 'quality-control')),
                phones TEXT NOT NULL DEFAULT '[]',
                sip_logins TEXT NOT NULL DEFAULT '[]',
                receives_new_clients INTEGER NOT NULL DEFAULT 0,
                api_key_hash TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL
            );
            CREATE TABLE health (id INTEGER PRIMARY KEY CHECK (id = 1), checked_at TEXT NOT NULL);
            """),
        calls,
        clickToCall,
        whatsapp,
        whatsappSending,
        mediaViews,
        dropContactNameIndex,
        timelineIdFromReference,
        callMergeOrderFree,
        contactOwnerFromCalls,
        integrationsKeptWhenRemoved,
        taskIdsNeverReused,
        apiResults,
        agentIdsNeverReused,
        contactPhonesWithoutForeignKey,
        contactsByOwner,
        callFirstEnd,
        contactUTMSources,
        tasksByContactStateAndClose,
        contactHandSetUTMValues,
        ruleEpochs,
        threadResetAt,
        callAgentAt,
        callMergedFrom,
        clickToCallErrorStatus,
        doneTasksStay,
        callAgentsNamed,
        callDeal,
        clickToCallAsked,
        callBegan,
        callDialedId,
        channelIdsNeverReused,
        callSIPRank,
        rawEventAgentChoice,
        callUTMTimes,
        integrationSettingsVersions,
        callsTalkedUnanswered,
        profileNamesEpoch,
        agentIdsPastRemovedOnes,
        taskAssigneeChoice,
        callTimelineFromCalls,
        contactPhonesColumn,
        callOwnerCandidate,
        unchangedContactsEpoch,
    ]
}

extension Schema {
    /// Calls, contacts, deals, tasks and the timeline; raw events are the source of truth
    /// and everything else is a projection `switchboard rebuild` can recompute.
    static let calls = Migration("002_calls", """
        CREATE TABLE integrations (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            provider TEXT NOT NULL,
            region TEXT,
            secret_hash TEXT NOT NULL UNIQUE,
            provider_secret TEXT NOT NULL DEFAULT '',
            settings TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL
        );
        CREATE TABLE raw_events (
            id INTEGER PRIMARY KEY,
            integration_id INTEGER,
            source TEXT NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            received_at TEXT NOT NULL,
            payload TEXT NOT NULL,
            raw_body BLOB,
            outcome TEXT NOT NULL DEFAULT 'applied',
            note TEXT
        );
        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            owner_agent_id INTEGER,
            fields TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX contacts_name ON contacts(name COLLATE NOCASE);
        CREATE TABLE contact_phones (
            phone TEXT PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE
        ) WITHOUT ROWID;
        CREATE INDEX contact_phones_contact ON contact_phones(contact_id);
        CREATE TABLE calls (
            id INTEGER PRIMARY KEY,
            integration_id INTEGER NOT NULL,
            provider_call_id TEXT NOT NULL,
            direction TEXT NOT NULL DEFAULT 'inbound',
            client_number TEXT,
            client_number_raw TEXT,
            our_number TEXT,
            agent_id INTEGER,
            sip_login TEXT,
            contact_id INTEGER,
            ringing_at TEXT,
            answered_at TEXT,
            ended_at TEXT,
            missed_at TEXT,
            duration INTEGER,
            talk_time INTEGER,
            end_reason TEXT,
            recording_url TEXT,
            utm TEXT NOT NULL DEFAULT '{}',
            client_id TEXT,
            flag TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (integration_id, provider_call_id)
        );
        CREATE INDEX calls_contact ON calls(contact_id, answered_at);
        CREATE TABLE deals (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts(id),
            title TEXT NOT NULL,
            pipeline TEXT NOT NULL DEFAULT 'default',
            stage TEXT NOT NULL DEFAULT 'new',
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
            call_id INTEGER,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX deals_contact ON deals(contact_id, state, updated_at);
        CREATE TABLE tasks (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            board TEXT NOT NULL,
            assignee_agent_id INTEGER,
            title TEXT NOT NULL,
            deadline TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done')),
            contact_id INTEGER,
            deal_id INTEGER,
            call_id INTEGER,
            closed_by_call_id INTEGER,
            closed_by_agent_id INTEGER,
            created_at TEXT NOT NULL,
            closed_at TEXT,
            UNIQUE (kind, call_id)
        );
        CREATE INDEX tasks_open ON tasks(state, assignee_agent_id, deadline);
        CREATE INDEX tasks_contact ON tasks(contact_id, state);
        CREATE TABLE timeline (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            ref_id INTEGER NOT NULL,
            UNIQUE (kind, ref_id)
        );
        CREATE INDEX timeline_contact ON timeline(contact_id, at, id);
        """)
}

extension Schema {
    /// Click-to-call requests (the outbox) and provider call ids that point at our own call rows.
    static let clickToCall = Migration("003_click_to_call", """
        CREATE TABLE click_to_call (
            id INTEGER PRIMARY KEY,
            request_key TEXT NOT NULL UNIQUE,
            agent_id INTEGER NOT NULL,
            integration_id INTEGER NOT NULL,
            call_id INTEGER,
            number TEXT NOT NULL,
            sip_account TEXT NOT NULL,
            requested_sip_account TEXT NOT NULL,
            fallback_reason TEXT,
            state TEXT NOT NULL CHECK (state IN ('dialing', 'dialed', 'failed', 'unknown')),
            provider_call_id TEXT,
            error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE call_aliases (
            integration_id INTEGER NOT NULL,
            provider_call_id TEXT NOT NULL,
            call_id INTEGER NOT NULL,
            PRIMARY KEY (integration_id, provider_call_id)
        ) WITHOUT ROWID;
        ALTER TABLE calls ADD COLUMN note TEXT;
        """)
}

extension Schema {
    /// WhatsApp: channels (one per business number), messages with their status, threads
    /// (client × business number), business-scoped user ids, media and canned answers.
    static let whatsapp = Migration("004_whatsapp", """
        CREATE TABLE channels (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            provider TEXT NOT NULL CHECK (provider IN ('meta', 'wazzup')),
            phone_number_id TEXT UNIQUE,
            display_number TEXT,
            region TEXT,
            settings TEXT NOT NULL DEFAULT '{}',
            secret_hash TEXT NOT NULL UNIQUE,
            app_secret TEXT NOT NULL DEFAULT '',
            verify_token TEXT NOT NULL DEFAULT '',
            access_token TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE TABLE wa_messages (
            id INTEGER PRIMARY KEY,
            channel_id INTEGER NOT NULL,
            wamid TEXT,
            direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
            contact_id INTEGER,
            deal_id INTEGER,
            client_wa_id TEXT,
            type TEXT NOT NULL,
            text TEXT,
            payload TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL,
            status_rank INTEGER NOT NULL DEFAULT 0,
            error_code INTEGER,
            error_message TEXT,
            skipped_reason TEXT,
            agent_id INTEGER,
            sent_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (channel_id, wamid)
        );
        CREATE INDEX wa_messages_contact ON wa_messages(contact_id, sent_at);
        CREATE TABLE wa_status_history (
            message_id INTEGER NOT NULL,
            status TEXT NOT NULL,
            at TEXT NOT NULL,
            error_code INTEGER,
            error_message TEXT
        );
        CREATE INDEX wa_status_history_message ON wa_status_history(message_id);
        CREATE TABLE wa_threads (
            channel_id INTEGER NOT NULL,
            contact_id INTEGER NOT NULL,
            deal_id INTEGER,
            last_inbound_at TEXT,
            last_outbound_at TEXT,
            unanswered INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (channel_id, contact_id)
        ) WITHOUT ROWID;
        CREATE TABLE wa_identities (
            bsuid TEXT PRIMARY KEY,
            contact_id INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE wa_media (
            id INTEGER PRIMARY KEY,
            message_id INTEGER NOT NULL,
            media_id TEXT NOT NULL,
            mime_type TEXT,
            sha256 TEXT,
            filename TEXT,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'stored', 'failed')),
            path TEXT,
            bytes INTEGER,
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            UNIQUE (message_id, media_id)
        );
        CREATE TABLE canned_answers (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            text TEXT NOT NULL,
            module TEXT NOT NULL CHECK (module IN ('contact', 'deal')),
            created_by INTEGER,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX canned_answers_name ON canned_answers(name COLLATE NOCASE);
        CREATE TABLE wa_outbox (
            id INTEGER PRIMARY KEY,
            message_id INTEGER NOT NULL UNIQUE,
            request TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT
        );
        CREATE INDEX wa_outbox_due ON wa_outbox(state, next_attempt_at);
        ALTER TABLE tasks ADD COLUMN channel_id INTEGER;
        """)
}

extension Schema {
    /// Outbound WhatsApp: every message part an agent sends has a stable id (`outbound_id`)
    /// that its outbox row shares, so the outbox keeps its state across `rebuild`.
    static let whatsappSending = Migration("005_whatsapp_sending", """
        ALTER TABLE wa_messages ADD COLUMN outbound_id TEXT;
        CREATE UNIQUE INDEX wa_messages_outbound ON wa_messages(outbound_id);
        ALTER TABLE wa_outbox ADD COLUMN outbound_id TEXT;
        CREATE UNIQUE INDEX wa_outbox_outbound ON wa_outbox(outbound_id);
        """)
}

extension Schema {
    /// Name search is `LIKE '%q%'`, which no index serves; the index only cost every new
    /// contact a write to a random B-tree page (auto-created contacts are named after their number).
    static let dropContactNameIndex = Migration("007_drop_contacts_name_index", "DROP INDEX IF EXISTS contacts_name")
}

extension Schema {
    /// A timeline entry's id is derived from what it points at (`TimelineKind.entryId`), so the
    /// rowid itself makes an entry unique: the UNIQUE (kind, ref_id) index, a third B-tree written
    /// for every call, goes. Existing entries get their derived ids (entries of one contact at the
    /// same instant are then ordered by kind, then by the referenced row's id). No CHECK on `kind`
    /// (`TimelineKind` is the only writer): a CHECK makes SQLite keep a statement journal for
    /// the upsert, which cost the writer ~20% more instructions per event under callgrind.
    static let timelineIdFromReference = Migration("008_timeline_id_from_reference", """
        CREATE TABLE timeline_by_reference (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            ref_id INTEGER NOT NULL
        );
        INSERT INTO timeline_by_reference(id, contact_id, at, kind, ref_id)
            SELECT (CASE kind WHEN 'call' THEN 0 WHEN 'task' THEN 1 WHEN 'deal' THEN 2 WHEN 'message' THEN 3 END << 56) | ref_id,
                   contact_id, at, kind, ref_id
            FROM timeline;
        DROP TABLE timeline;
        ALTER TABLE timeline_by_reference RENAME TO timeline;
        CREATE INDEX timeline_contact ON timeline(contact_id, at, id);
        """)
}

extension Schema {
    /// Order-free merges of a call: whether its direction was stated by an event (a stated
    /// direction replaces the `inbound` assumed while none was), and the time of the event
    /// that gave the end reason (the latest one's reason wins, whatever the arrival order).
    /// Existing calls keep their direction as stated; `switchboard rebuild` recomputes both.
    static let callMergeOrderFree = Migration("009_call_merge_order_free", """
        ALTER TABLE calls ADD COLUMN direction_known INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE calls ADD COLUMN end_reason_at TEXT;
        """)

    /// Whether a contact's owner follows its calls (a contact calls created, until someone sets
    /// the owner by hand) or stays as set, and whether a task's assignee is the contact's owner
    /// (none configured, not reassigned) and so follows it; `owner_call_*` name the call the
    /// owner came from (its id, start and provider call id), so that each moment compares itself
    /// with that one call instead of sorting all the contact's calls; `utm_times` holds, per
    /// contact field, the time of the call whose UTM tag it holds (first/last touch by call time). Existing rows keep what
    /// they have; `rebuild` recomputes.
    static let contactOwnerFromCalls = Migration("010_contact_owner_from_calls", """
        ALTER TABLE contacts ADD COLUMN owner_from_calls INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE contacts ADD COLUMN owner_call_id INTEGER;
        ALTER TABLE contacts ADD COLUMN owner_call_at TEXT;
        ALTER TABLE contacts ADD COLUMN owner_call_ref TEXT;
        ALTER TABLE contacts ADD COLUMN utm_times TEXT;
        ALTER TABLE tasks ADD COLUMN assignee_from_owner INTEGER NOT NULL DEFAULT 0;
        """)
}

extension Schema {
    /// Removing an integration keeps its row (`removed_at` set), for two reasons: an id handed
    /// out again merged the new integration's webhooks into the removed one's calls (calls are
    /// unique on integration and provider call id), and `rebuild` skipped the removed one's raw
    /// events, shifting every later id. The table is made again because its column-level
    /// `UNIQUE (name)` cannot be dropped: names are now unique among live integrations only
    /// (a removed one keeps its name, which is free again), and AUTOINCREMENT makes SQLite never
    /// hand an id out twice even if a row is deleted by hand. An integration that an earlier
    /// version deleted gets a removed row back, with the default settings (its own are lost),
    /// for every id its raw events, calls or click-to-call rows still name, so that id is not
    /// reused and `rebuild` replays those events; its provider is read from its raw events.
    static let integrationsKeptWhenRemoved = Migration("011_integrations_kept_when_removed", """
        CREATE TABLE integrations_kept (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            provider TEXT NOT NULL,
            region TEXT,
            secret_hash TEXT NOT NULL UNIQUE,
            provider_secret TEXT NOT NULL DEFAULT '',
            settings TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            removed_at TEXT
        );
        INSERT INTO integrations_kept(id, name, provider, region, secret_hash, provider_secret, settings, created_at)
            SELECT id, name, provider, region, secret_hash, provider_secret, settings, created_at FROM integrations;
        INSERT INTO integrations_kept(id, name, provider, secret_hash, created_at, removed_at)
            SELECT gone.id, 'integration ' || gone.id,
                   coalesce((SELECT source FROM raw_events
                             WHERE integration_id = gone.id AND source IN ('native', 'twilio', 'zadarma', 'ringostat', 'aircall')
                             LIMIT 1), 'native'),
                   'deleted before 011: ' || gone.id,
                   strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
            FROM (SELECT integration_id AS id FROM raw_events UNION SELECT integration_id FROM calls
                  UNION SELECT integration_id FROM click_to_call UNION SELECT integration_id FROM call_aliases) AS gone
            WHERE gone.id IS NOT NULL AND gone.id NOT IN (SELECT id FROM integrations);
        DROP TABLE integrations;
        ALTER TABLE integrations_kept RENAME TO integrations;
        CREATE UNIQUE INDEX integrations_live_name ON integrations(name) WHERE removed_at IS NULL;
        """)
}

extension Schema {
    /// A task withdrawn when its call turned out answered is deleted; without AUTOINCREMENT the
    /// next task could get its id, and an agent completing the withdrawn card would complete
    /// another client's task. The table is made again with AUTOINCREMENT (same columns, same
    /// indexes); `rebuild` resets the counter before replaying, so ids come out the same.
    static let taskIdsNeverReused = Migration("012_task_ids_never_reused", """
        CREATE TABLE tasks_numbered (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            board TEXT NOT NULL,
            assignee_agent_id INTEGER,
            title TEXT NOT NULL,
            deadline TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done')),
            contact_id INTEGER,
            deal_id INTEGER,
            call_id INTEGER,
            closed_by_call_id INTEGER,
            closed_by_agent_id INTEGER,
            created_at TEXT NOT NULL,
            closed_at TEXT,
            channel_id INTEGER,
            assignee_from_owner INTEGER NOT NULL DEFAULT 0,
            UNIQUE (kind, call_id)
        );
        INSERT INTO tasks_numbered(id, kind, board, assignee_agent_id, title, deadline, state, contact_id, deal_id, call_id,
                                   closed_by_call_id, closed_by_agent_id, created_at, closed_at, channel_id, assignee_from_owner)
            SELECT id, kind, board, assignee_agent_id, title, deadline, state, contact_id, deal_id, call_id,
                   closed_by_call_id, closed_by_agent_id, created_at, closed_at, channel_id, assignee_from_owner FROM tasks;
        DROP TABLE tasks;
        ALTER TABLE tasks_numbered RENAME TO tasks;
        CREATE INDEX tasks_open ON tasks(state, assignee_agent_id, deadline);
        CREATE INDEX tasks_contact ON tasks(contact_id, state);
        """)
}

extension Schema {
    /// What an API request's event made (its ids, as JSON), so a retry with the same
    /// Idempotency-Key answers like the first request did.
    static let apiResults = Migration("013_api_results", "ALTER TABLE raw_events ADD COLUMN result TEXT")
}

extension Schema {
    /// An agent removed and another added could get the removed one's id, and with it their
    /// contacts, tasks and (until the next heartbeat) their open live stream. The table is made
    /// again with AUTOINCREMENT; same columns and constraints.
    static let agentIdsNeverReused = Migration("014_agent_ids_never_reused", """
        CREATE TABLE agents_numbered (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('manager', 'supervisor', 'quality-control')),
            phones TEXT NOT NULL DEFAULT '[]',
            sip_logins TEXT NOT NULL DEFAULT '[]',
            receives_new_clients INTEGER NOT NULL DEFAULT 0,
            api_key_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        );
        INSERT INTO agents_numbered(id, name, role, phones, sip_logins, receives_new_clients, api_key_hash, created_at)
            SELECT id, name, role, phones, sip_logins, receives_new_clients, api_key_hash, created_at FROM agents;
        DROP TABLE agents;
        ALTER TABLE agents_numbered RENAME TO agents;
        """)
}

extension Schema {
    /// `contact_phones.contact_id` loses its REFERENCES clause: contacts are never deleted (so the
    /// cascade never ran), every phone row is written with the id of the contact just found or
    /// made, and the check cost each new contact a lookup in `contacts` on the single writer
    /// (~1.9k of ~100k instructions per ingested call under callgrind). Same rows, same index.
    static let contactPhonesWithoutForeignKey = Migration("015_contact_phones_without_foreign_key", """
        CREATE TABLE contact_phones_unchecked (
            phone TEXT PRIMARY KEY,
            contact_id INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO contact_phones_unchecked(phone, contact_id) SELECT phone, contact_id FROM contact_phones;
        DROP TABLE contact_phones;
        ALTER TABLE contact_phones_unchecked RENAME TO contact_phones;
        CREATE INDEX contact_phones_contact ON contact_phones(contact_id);
        """)
}

extension Schema {
    /// Contacts by owner: a manager's contact list and round-robin routing of a new WhatsApp
    /// client (each receiving agent's latest client, on the writer thread) read every contact
    /// without it. Partial: a caller nobody has answered yet owns nothing, so the contacts
    /// made by a stranger's first call cost no index write.
    static let contactsByOwner = Migration("016_contacts_by_owner", """
        CREATE INDEX contacts_owner ON contacts(owner_agent_id) WHERE owner_agent_id IS NOT NULL;
        """)
}

extension Schema {
    /// A call's earliest end or missed moment, beside `ended_at` (the latest): a missed-call
    /// task is due from it, and end reports that carry only the call id can arrive before the
    /// moment that names the client, when there is no task to date yet. Existing calls start
    /// from the earliest end they kept.
    static let callFirstEnd = Migration("017_call_first_end", """
        ALTER TABLE calls ADD COLUMN first_ended_at TEXT;
        UPDATE calls SET first_ended_at = CASE WHEN missed_at IS NULL OR ended_at < missed_at THEN ended_at ELSE missed_at END
            WHERE ended_at IS NOT NULL OR missed_at IS NOT NULL;
        """)
}

extension Schema {
    /// Per contact field a UTM tag was written to, the call it came from (beside `utm_times`,
    /// its start): in last touch, when a late delivery moves that call's start earlier, the
    /// field goes back to the latest call with the tag. Existing fields have no source yet
    /// (`rebuild` fills them in).
    static let contactUTMSources = Migration("018_contact_utm_sources", "ALTER TABLE contacts ADD COLUMN utm_sources TEXT")
}

extension Schema {
    /// A contact's tasks by state and then closing time: an answered call looks for the open
    /// missed-call tasks it reaches and for done ones a later callback closed, and the second
    /// look reads only those closed at or after its answer instead of every done task.
    static let tasksByContactStateAndClose = Migration("019_tasks_by_contact_state_and_close", """
        DROP INDEX tasks_contact;
        CREATE INDEX tasks_contact ON tasks(contact_id, state, closed_at);
        """)
}

extension Schema {
    /// Per contact field, the value last set by hand and when (`UTMTouches`): last touch gives it
    /// back when the call that replaced it turns out to have started before the edit. Kept apart
    /// from `utm_times`/`utm_sources`, whose keys are field names and could be anything.
    static let contactHandSetUTMValues = Migration("020_contact_hand_set_utm_values", """
        ALTER TABLE contacts ADD COLUMN utm_hand TEXT;
        ALTER TABLE contacts ADD COLUMN utm_hand_times TEXT;
        """)
}

extension Schema {
    /// When a rule that changes which tasks events make came into force (`RuleEpoch`): events
    /// received before it are applied, by `rebuild` too, as they were when they arrived, so the
    /// tasks come out with the ids that stored API events (a completion, a reassignment) name.
    static let ruleEpochs = Migration("021_rule_epochs", """
        CREATE TABLE rule_epochs (name TEXT PRIMARY KEY, since TEXT NOT NULL) WITHOUT ROWID;
        INSERT INTO rule_epochs(name, since) VALUES ('whatsapp-replies', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
        """)
}

extension Schema {
    /// When an agent last marked a thread read without replying: messages up to then need no
    /// reply, also when a later reply fails (`reopenReplyIfUnanswered`).
    static let threadResetAt = Migration("022_thread_reset_at", "ALTER TABLE wa_threads ADD COLUMN reset_at TEXT")
}

extension Schema {
    /// The time of the moment a call's agent came from when no answer named one (the earliest
    /// moment naming an agent wins, in any arrival order). Older calls start from their answer
    /// or their first moment; `rebuild` makes them exact.
    static let callAgentAt = Migration("023_call_agent_at", """
        ALTER TABLE calls ADD COLUMN agent_at TEXT;
        UPDATE calls SET agent_at = coalesce(answered_at, created_at) WHERE agent_id IS NOT NULL;
        """)
}

extension Schema {
    /// What a call had before its last merge (`MergedFrom`): the screen-pop of a ringing decides
    /// from it whether this ringing is new, without a read before every merge.
    static let callMergedFrom = Migration("024_call_merged_from", "ALTER TABLE calls ADD COLUMN merged_from TEXT")
    /// The HTTP status and error code a failed click-to-call was answered with, so a retry
    /// with its Idempotency-Key answers the same (it was a 200 carrying `state: failed`).
    static let clickToCallErrorStatus = Migration("025_click_to_call_error_status", """
        ALTER TABLE click_to_call ADD COLUMN error_status INTEGER;
        ALTER TABLE click_to_call ADD COLUMN error_code TEXT;
        """)

    /// From now on a reassignment reaching a done task is refused when applied (RuleEpoch.doneTasksStay).
    static let doneTasksStay = Migration("026_done_tasks_stay", """
        INSERT INTO rule_epochs(name, since) VALUES ('done-tasks-stay', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
        """)

    /// Every agent a moment of the call named (`,3,5,`): each of their screens gets the call's later
    /// updates. A call handed from one agent to another left the first one's pop ringing for ever.
    /// Calls stored before stay NULL (their updates reach the call's agent, as before) until `rebuild`.
    static let callAgentsNamed = Migration("027_call_agents_named", "ALTER TABLE calls ADD COLUMN agents_named TEXT")

    /// The deal a click-to-call was placed for (`dealId` of `POST /api/v1/calls`: it was checked,
    /// then kept only in the raw event). Filled for older calls by `rebuild`.
    static let callDeal = Migration("028_call_deal", "ALTER TABLE calls ADD COLUMN deal_id INTEGER")

    /// A click-to-call request as the client sent it (contactId or number, region, integrationId,
    /// dealId), so a retry with its Idempotency-Key is compared with what was asked, not with the
    /// number worked out again (a contact's first number can change meanwhile).
    static let clickToCallAsked = Migration("029_click_to_call_asked", "ALTER TABLE click_to_call ADD COLUMN asked TEXT")

    /// When the call began as a report made after it says (`CallEvent.startedAt`): a call known
    /// only from its end sat on the timeline at its end. Calls stored before keep their old
    /// place until `rebuild` (their raw events do not carry the start either; see README).
    static let callBegan = Migration("030_call_began", "ALTER TABLE calls ADD COLUMN began_at TEXT")

    /// The provider's own id for a click-to-call (what its webhooks and call log name), which
    /// was kept only as an alias: the call showed our request's `c2c:` id alone. Filled for
    /// older calls by `rebuild`.
    static let callDialedId = Migration("031_call_dialed_id", "ALTER TABLE calls ADD COLUMN dialed_call_id TEXT")

    /// A removed channel's id went to the next channel added, and the removed one's threads and
    /// messages (which keep their channel id) showed up under it. AUTOINCREMENT never gives an
    /// id twice; the sequence starts past every id a channel, thread or message has used, as
    /// channels removed before this left their ids in threads and messages.
    static let channelIdsNeverReused = Migration("032_channel_ids_never_reused", """
        CREATE TABLE channels_numbered (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            provider TEXT NOT NULL CHECK (provider IN ('meta', 'wazzup')),
            phone_number_id TEXT UNIQUE,
            display_number TEXT,
            region TEXT,
            settings TEXT NOT NULL DEFAULT '{}',
            secret_hash TEXT NOT NULL UNIQUE,
            app_secret TEXT NOT NULL DEFAULT '',
            verify_token TEXT NOT NULL DEFAULT '',
            access_token TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        INSERT INTO channels_numbered(id, name, provider, phone_number_id, display_number, region, settings, secret_hash,
                                      app_secret, verify_token, access_token, created_at)
            SELECT id, name, provider, phone_number_id, display_number, region, settings, secret_hash,
                   app_secret, verify_token, access_token, created_at FROM channels;
        DROP TABLE channels;
        ALTER TABLE channels_numbered RENAME TO channels;
        DELETE FROM sqlite_sequence WHERE name = 'channels';
        INSERT INTO sqlite_sequence(name, seq) SELECT 'channels', max(
            coalesce((SELECT max(id) FROM channels), 0),
            coalesce((SELECT max(channel_id) FROM wa_threads), 0),
            coalesce((SELECT max(channel_id) FROM wa_messages), 0));
        """)

    /// Which moment the call's SIP login came from, so that it is the same in any arrival order:
    /// the login of the earliest answer that named one, else of the earliest moment naming one
    /// ('0' or '1', that moment's time, its agent's id as the call's agent is chosen, the login;
    /// the smallest wins). The first login to arrive stuck: a call rung at 100 and answered at
    /// 101 showed 101's agent with login 100. A click-to-call's is the account it dialled from
    /// ('0', before any webhook's). Calls stored before keep their login, ranked from their
    /// answer when they had one, else from their earliest moment.
    /// The call's agent is ranked the same way (`agent_rank`): an answer that named nobody let a
    /// later-delivered moment's agent stick over the earliest one's.
    static let callSIPRank = Migration("033_call_agent_and_sip_ranks", """
        ALTER TABLE calls ADD COLUMN agent_rank TEXT;
        UPDATE calls SET agent_rank = CASE WHEN agent_at = answered_at THEN '0' ELSE '1' END || agent_at || printf('%012d', agent_id)
        WHERE agent_id IS NOT NULL AND agent_at IS NOT NULL;
        ALTER TABLE calls ADD COLUMN sip_rank TEXT;
        UPDATE calls SET sip_rank = CASE
            WHEN provider_call_id LIKE 'c2c:%' THEN '0'
            WHEN answered_at IS NOT NULL THEN '0' || answered_at || printf('%012d', coalesce(agent_id, 999999999999)) || sip_login
            ELSE '1' || created_at || printf('%012d', coalesce(agent_id, 999999999999)) || sip_login END
        WHERE sip_login IS NOT NULL;
        """)

    /// The agent an event picked when it first applied (a call's agent by id or SIP login, a new
    /// WhatsApp client's round-robin owner; 0 for nobody): `rebuild` takes it from here instead
    /// of picking again among the agents of its day (`Projector.keptAgentChoice`).
    static let rawEventAgentChoice = Migration("034_raw_event_agent_choice", "ALTER TABLE raw_events ADD COLUMN agent_id INTEGER")

    /// When each of a call's UTM tags was given (`{"utm_source": "<moment>"}`): a tag two
    /// moments give differently is the earliest moment's, in any arrival order (the last
    /// delivered won). Calls stored before count their tags from their earliest moment.
    static let callUTMTimes = Migration("035_call_utm_times", """
        ALTER TABLE calls ADD COLUMN utm_times TEXT;
        UPDATE calls SET utm_times = (SELECT json_group_object(key, calls.created_at) FROM json_each(calls.utm)) WHERE utm != '{}';
        """)

    /// Each version of an integration's region and settings, and the version each call event was
    /// applied with: `rebuild` applied every past call with the settings of its day (a changed
    /// missed-call title, board, assignee or UTM mapping rewrote history). Events stored before
    /// record none and are rebuilt with the settings of the day of the rebuild.
    static let integrationSettingsVersions = Migration("036_integration_settings_versions", """
        ALTER TABLE integrations ADD COLUMN settings_version INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE integration_settings (
            integration_id INTEGER NOT NULL,
            version INTEGER NOT NULL,
            region TEXT,
            settings TEXT NOT NULL,
            PRIMARY KEY (integration_id, version)
        ) WITHOUT ROWID;
        INSERT INTO integration_settings(integration_id, version, region, settings)
            SELECT id, 0, region, json_remove(settings, '$.dialer') FROM integrations;
        ALTER TABLE raw_events ADD COLUMN settings_version INTEGER;
        """)

    /// A client's calls known only by their talk time (ended with talk, never `answered`: a PBX
    /// that sends only an after-call report), by first end: finding the first one to reach a
    /// missed client read all the client's unanswered calls and sorted them, so each webhook of a
    /// client with 100k such calls took ~200 ms on the single writer. Partial: a call with an
    /// answer, or without talk (every ringing), writes no entry. And the tasks each call closed,
    /// which a callback's later answer re-dates or hands on (read through every closed task of the
    /// client before).
    static let callsTalkedUnanswered = Migration("037_calls_talked_unanswered", """
        CREATE INDEX calls_talked_unanswered ON calls(contact_id, first_ended_at, provider_call_id)
            WHERE answered_at IS NULL AND talk_time > 0;
        CREATE INDEX tasks_closed_by_call ON tasks(closed_by_call_id) WHERE closed_by_call_id IS NOT NULL;
        """)
}
