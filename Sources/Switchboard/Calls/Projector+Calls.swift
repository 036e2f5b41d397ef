import Foundation
import Store

extension Projector {
    /// Merges one call event into its call (creating call and contact as needed),
    /// then applies the rules (the call is on its contact's timeline by itself): UTM fields, missed-call tasks, screen-pop.
    func applyCall(_ incoming: CallEvent, integration: Integration, receivedAt: String, eventId: Int) throws -> ApplyResult {
        var result = ApplyResult()
        // A provider call id that belongs to one of our click-to-call requests lands on that call.
        var event = incoming
        if let canonical = try db.scalar("""
            SELECT c.provider_call_id FROM call_aliases a JOIN calls c ON c.id = a.call_id
            WHERE a.integration_id = ? AND a.provider_call_id = ?
            """, binding: { $0.bind(integration.id); $0.bind(incoming.callId) }).string {
            event.callId = canonical
        }
        let at = event.occurredAt ?? receivedAt

        // The client's number, in E.164, or a flag saying why not.
        var clientNumber: String?
        if let raw = event.clientNumber?.trimmedSpaces, !raw.isEmpty {
            do {
                clientNumber = try parsedNumber?.e164(of: raw, region: integration.region)
                    ?? PhoneNumber.e164(raw, region: integration.region)
            } catch {
                result.flag = "unparseable client number: \(error)"
            }
        } else {
            result.flag = "no client number"
        }

        if let clientNumber, event.callId == incoming.callId, event.direction == "outbound" {
            try adoptPendingRequest(&event, clientNumber: clientNumber, integrationId: integration.id, at: at)
        }

        // Our own line in E.164 too, when it is a plain phone number (`PhoneNumber.line`). Few
        // lines, so the parse cache answers after the first call on each.
        if let ours = event.ourNumber?.trimmedSpaces, !ours.isEmpty {
            event.ourNumber = PhoneNumber.line(ours, region: integration.region)
        }

        // The agent as found when the event arrived, however agents have changed since (`keptCallAgent`),
        // and whether they could own the client then: quality control owns nobody.
        var unknownAgent: String?
        var agentId: Int?
        var ownerCandidate: Int?
        if event.agentId != nil || !(event.sipLogin ?? "").isEmpty {
            let kept = try keptCallAgent(eventId: eventId, event: event, unknown: &unknownAgent)
            agentId = kept.id
            ownerCandidate = kept.owns ? kept.id : nil
        }

        // Contact: found by number, or created (exactly once: contact_phones.phone is the primary key).
        var isNewContact = false
        var createdContact: ContactRecord?
        var contactId: Int?
        if let clientNumber {
            if let existing = try db.scalar("SELECT contact_id FROM contact_phones WHERE phone = ?", binding: { $0.bind(clientNumber) }).int {
                contactId = existing
            } else {
                // Known since the call began, when a report after it says when that was.
                let since = event.startedAt.map { min($0, at) } ?? at
                try db.execute("""
                    INSERT INTO contacts(name, owner_agent_id, owner_from_calls, fields, created_at, updated_at, phones) VALUES (?1, ?2, 1, '{}', ?3, ?4, ?1)
                    """) { arguments in
                    arguments.bind(clientNumber); arguments.bind(ownerCandidate); arguments.bind(since); arguments.bind(at)
                }
                let newId = db.lastInsertRowID
                contactId = newId
                try db.execute("INSERT INTO contact_phones(phone, contact_id) VALUES (?, ?)") { arguments in
                    arguments.bind(clientNumber); arguments.bind(newId)
                }
                isNewContact = true
                createdContact = ContactRecord(id: newId, name: clientNumber, phones: [clientNumber], ownerAgentId: ownerCandidate,
                                               fields: [:], createdAt: since, updatedAt: at)
            }
        }

        let (call, isNewCall, firstEndedAt, before, callOwnerCandidate) = try mergeCall(
            event, integrationId: integration.id, clientNumber: clientNumber, agentId: agentId, ownerCandidate: ownerCandidate,
            contactId: contactId, at: at, flag: result.flag)
        result.callId = call.id
        if let unknownAgent {
            result.warning = Self.unknownAgentWarning(unknownAgent, event: event, resolved: agentId != nil, call: call)
        }
        // What the call knows after this event: an `answered` that carries only the call id
        // belongs to the contact an earlier moment found, and is not flagged for lacking a number.
        result.contactId = call.contactId
        result.flag = call.flag

        if let contactId = call.contactId {
            // A contact this very event made for a new call without an agent (a stranger's first
            // ringing) already says all it knows; otherwise it learns from every moment of its
            // calls, in whatever order they come.
            if !isNewContact || !isNewCall || agentId != nil {
                try settleContact(contactId, call: call, ownerCandidate: callOwnerCandidate, at: at, result: &result)
            }
            // All the call's tags, not only this moment's: a moment without tags can move the
            // call's start earlier, and its tags then count from there (first/last touch). Only
            // when this moment brought tags or set the start (its own time, or the start it
            // states): otherwise nothing changed.
            // (or named the client: the call's tags may have come before its contact did).
            if !event.utm.isEmpty || call.startedAt == at || call.startedAt == event.startedAt || (clientNumber != nil && !call.utm.isEmpty) {
                try writeUTM(of: call, to: contactId, settings: integration.settings.utm)
            }
            try applyMissedCallRules(call, contactId: contactId, settings: integration.settings.missedCallTask, at: at,
                                     eventId: eventId, firstEndedAt: firstEndedAt, result: &result)
        }
        if wantsLiveUpdates {
            try screenPop(event.kind, call: call, rings: agentId, before: before, isNewContact: isNewContact,
                          created: createdContact, into: &result.updates)
        }
        return result
    }

    /// Providers that do not return a call id from the click-to-call API (Ringostat's and
    /// Zadarma's simple callbacks) are matched here: the first outbound event to the same
    /// number within ten minutes of an unanswered request becomes that request's call.
    private func adoptPendingRequest(_ event: inout CallEvent, clientNumber: String, integrationId: Int, at: String) throws {
        guard try db.scalar("SELECT id FROM calls WHERE integration_id = ? AND provider_call_id = ?", integrationId, event.callId).int == nil
        else { return }
        guard let pending = try db.queryOne("""
            SELECT id, provider_call_id FROM calls c
            WHERE c.integration_id = ? AND c.provider_call_id LIKE 'c2c:%' AND c.client_number = ?
              AND c.ringing_at IS NULL AND c.answered_at IS NULL AND c.ended_at IS NULL
              AND c.created_at >= ? AND c.created_at <= ?
              AND NOT EXISTS (SELECT 1 FROM call_aliases a WHERE a.call_id = c.id)
            ORDER BY c.id DESC LIMIT 1
            """, integrationId, clientNumber, Timestamp.adding(minutes: -10, to: at), Timestamp.adding(minutes: 1, to: at)),
            let callId = pending.int("id"), let canonical = pending.string("provider_call_id") else { return }
        try db.execute("INSERT OR IGNORE INTO call_aliases(integration_id, provider_call_id, call_id) VALUES (?, ?, ?)",
                       integrationId, event.callId, callId)
        try db.execute("UPDATE calls SET dialed_call_id = coalesce(dialed_call_id, ?) WHERE id = ?", event.callId, callId)
        event.callId = canonical
    }

    /// A contact calls created follows its calls, whatever order their moments arrive in: it
    /// was created at the earliest moment and updated at the latest, and (until someone sets
    /// its owner by hand) belongs to the agent of its earliest call that had one — the agent who
    /// answered that call, else the first one named; agents who were quality control when a moment
    /// named them are left out (`owner_candidate`, migration 043). Ties between calls that start at the same
    /// instant go by the provider's call id, not by arrival. Each moment compares its call with
    /// the one the owner came from (`owner_call_*`): constant work however many calls the
    /// contact has. Missed-call tasks that went to the owner (no assignee configured) follow it.
    private func settleContact(_ contactId: Int, call: CallRecord, ownerCandidate: Int?, at: String, result: inout ApplyResult) throws {
        // The call's `createdAt` is its earliest moment of any kind (its earliest end too, which
        // `endedAt`, the latest, is not); `startedAt` can be earlier (a start stated after the call).
        let moments = [call.ringingAt, call.answeredAt, call.endedAt, call.missedAt, call.createdAt, call.startedAt, at].compactMap { $0 }
        let earliest = moments.min() ?? at, latest = moments.max() ?? at
        guard let row = try db.queryOne("""
            SELECT owner_agent_id, owner_from_calls, owner_call_id, owner_call_at, owner_call_ref FROM contacts WHERE id = ?
            """, contactId) else { return }
        var owner = row.int("owner_agent_id")
        var source = (id: row.int("owner_call_id"), at: row.string("owner_call_at"), ref: row.string("owner_call_ref"))
        if row.bool("owner_from_calls"), let agent = ownerCandidate {
            let start = call.startedAt
            let isEarlier = source.at.map { start < $0 || (start == $0 && call.providerCallId < (source.ref ?? "")) } ?? true
            if source.id == call.id || isEarlier {
                owner = agent
                source = (call.id, start, call.providerCallId)
            }
        }
        try db.execute("""
            UPDATE contacts SET created_at = CASE WHEN owner_from_calls THEN min(created_at, ?2) ELSE created_at END,
                updated_at = max(updated_at, ?3), owner_agent_id = ?4, owner_call_id = ?5, owner_call_at = ?6, owner_call_ref = ?7
            WHERE id = ?1
            """, contactId, earliest, latest, SQLValue(owner), SQLValue(source.id), SQLValue(source.at), SQLValue(source.ref))
        if owner != row.int("owner_agent_id") {
            result.updates += try moveTasksFollowingOwner(ofContact: contactId, to: owner, openOnly: false)
        }
    }

    /// `keptAgentChoice` for a call's moment: the agent it names and whether they could own a
    /// client then (`raw_events.agent_owns`, migration 043: quality control owns nobody), both as
    /// first found, however agents and roles have changed since. A pick kept before 043 could own,
    /// as every named agent could then. `unknown` says what named no agent, when found now.
    private func keptCallAgent(eventId: Int, event: CallEvent, unknown: inout String?) throws -> (id: Int?, owns: Bool) {
        let row = try db.queryOne("SELECT agent_id, agent_owns FROM raw_events WHERE id = ?", eventId)
        if let kept = row?.int("agent_id") {
            guard kept != 0 else { return (nil, false) }
            return (kept, row?.int("agent_owns").map { $0 != 0 } ?? true)
        }
        let found = try resolveAgent(event)
        unknown = found.unknown
        let owns = try found.id.map { id in
            try db.scalar("SELECT role FROM agents WHERE id = ?", id).string != Agent.Role.qualityControl.rawValue
        } ?? false
        try db.execute("UPDATE raw_events SET agent_id = ?, agent_owns = ? WHERE id = ?", found.id ?? 0, owns ? 1 : 0, eventId)
        return (found.id, owns)
    }

    /// The agent this event names: by id, else by SIP login; and what in it names no agent
    /// (an `agentId` no agent has, a `sipLogin` no agent has that the id did not settle), for
    /// the webhook's answer and the log.
    private func resolveAgent(_ event: CallEvent) throws -> (id: Int?, unknown: String?) {
        var unknown: [String] = []
        if let id = event.agentId {
            if try agentExists(id) { return (id, nil) }
            unknown.append("agentId \(id)")
        }
        if let login = event.sipLogin, !login.isEmpty {
            // An email used as a login (Aircall's users) matches in any case: Aircall writes it as typed.
            if let found = try db.scalar("""
                SELECT agents.id FROM agents, json_each(agents.sip_logins)
                WHERE json_each.value = ?1 OR (instr(?1, '@') > 0 AND lower(json_each.value) = lower(?1))
                ORDER BY json_each.value = ?1 DESC, agents.id LIMIT 1
                """, login).int {
                return (found, unknown.isEmpty ? nil : "\(unknown[0]) names no agent (sipLogin \"\(login)\" named the agent)")
            }
            unknown.append("sipLogin \"\(login)\"")
        }
        guard !unknown.isEmpty else { return (nil, nil) }
        return (nil, unknown.joined(separator: " and ") + " name" + (unknown.count == 1 ? "s" : "") + " no agent")
    }

    /// The warning for an event whose agent is unknown: whether the call has an agent anyway
    /// (an earlier moment's), and what to do.
    static func unknownAgentWarning(_ unknown: String, event: CallEvent, resolved: Bool, call: CallRecord) -> String {
        var text = unknown
        if !resolved { text += call.agentId == nil ? ": the call has no agent" : ": the call keeps the agent an earlier moment named" }
        if !resolved, let login = event.sipLogin, !login.isEmpty {
            text += " (give an agent the login: agents add --sip \(login))"
        }
        return text
    }

    /// Order-free merge: each moment keeps its earliest time, the end its latest (and its
    /// earliest, `first_ended_at`, which dates a missed-call task), so any arrival order of the
    /// same events gives the same call.
    private func mergeCall(_ e: CallEvent, integrationId: Int, clientNumber: String?, agentId: Int?, ownerCandidate: Int?, contactId: Int?,
                           at: String, flag: String?)
        throws -> (call: CallRecord, isNew: Bool, firstEndedAt: String?, before: MergedFrom?, ownerCandidate: Int?) {
        let utm = e.utm.isEmpty ? nil : JSONText.string(e.utm)
        let ringing = e.kind == .ringing ? at : nil
        let answered = e.kind == .answered ? at : nil
        let ended = (e.kind == .ended || e.kind == .missed) ? at : nil
        let missed = e.kind == .missed ? at : nil
        // The call's agent is the one of its earliest answer that named one, else of its earliest
        // moment that named one, at the same instant the smaller agent id: the smallest
        // `agent_rank` ('0' for an answer or '1', the moment, the agent id). Its SIP login is
        // ranked alike (`sip_rank`, by the moment's agent, then the login), so the two agree.
        // An answer naming nobody once kept the agent a later moment had named.
        db.clearLastInsertRowID()
        try db.execute("""
            INSERT INTO calls(integration_id, provider_call_id, direction, direction_known, client_number, client_number_raw,
                              our_number, agent_id, sip_login, contact_id, ringing_at, answered_at, ended_at, missed_at, duration,
                              talk_time, end_reason, end_reason_at, recording_url, utm, client_id, flag, created_at, updated_at,
                              first_ended_at, agent_at, agents_named, began_at, sip_rank, agent_rank, utm_times, owner_candidate, owner_rank)
            VALUES (?1, ?2, coalesce(?3, 'inbound'), ?3 IS NOT NULL, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                    CASE WHEN ?16 IS NOT NULL THEN ?21 END, ?17, coalesce(?18, '{}'), ?19, ?20, ?21, ?21, ?12,
                    CASE WHEN ?7 IS NOT NULL THEN ?21 END, CASE WHEN ?7 IS NOT NULL THEN ',' || ?7 || ',' END, ?22,
                    CASE WHEN ?8 IS NOT NULL THEN (CASE WHEN ?11 IS NOT NULL THEN '0' ELSE '1' END) || ?21
                        || printf('%012d', coalesce(?7, 999999999999)) || ?8 END,
                    CASE WHEN ?7 IS NOT NULL THEN (CASE WHEN ?11 IS NOT NULL THEN '0' ELSE '1' END) || ?21 || printf('%012d', ?7) END,
                    CASE WHEN ?18 IS NOT NULL THEN (SELECT json_group_object(key, ?21) FROM json_each(?18)) END, ?23,
                    CASE WHEN ?23 IS NOT NULL THEN (CASE WHEN ?11 IS NOT NULL THEN '0' ELSE '1' END) || ?21 || printf('%012d', ?23) END)
            ON CONFLICT(integration_id, provider_call_id) DO UPDATE SET
                direction = CASE WHEN calls.direction_known OR NOT excluded.direction_known THEN calls.direction ELSE excluded.direction END,
                direction_known = max(calls.direction_known, excluded.direction_known),
                client_number = coalesce(calls.client_number, excluded.client_number),
                client_number_raw = coalesce(calls.client_number_raw, excluded.client_number_raw),
                our_number = coalesce(calls.our_number, excluded.our_number),
                agent_id = CASE WHEN excluded.agent_rank < coalesce(calls.agent_rank, '2') THEN excluded.agent_id ELSE calls.agent_id END,
                agent_at = CASE WHEN excluded.agent_rank < coalesce(calls.agent_rank, '2') THEN excluded.agent_at ELSE calls.agent_at END,
                agent_rank = CASE WHEN excluded.agent_rank < coalesce(calls.agent_rank, '2') THEN excluded.agent_rank ELSE calls.agent_rank END,
                owner_candidate = CASE WHEN excluded.owner_rank < coalesce(calls.owner_rank, '2') THEN excluded.owner_candidate ELSE calls.owner_candidate END,
                owner_rank = CASE WHEN excluded.owner_rank < coalesce(calls.owner_rank, '2') THEN excluded.owner_rank ELSE calls.owner_rank END,
                sip_login = CASE WHEN excluded.sip_rank < coalesce(calls.sip_rank, '2') THEN excluded.sip_login ELSE calls.sip_login END,
                sip_rank = CASE WHEN excluded.sip_rank < coalesce(calls.sip_rank, '2') THEN excluded.sip_rank ELSE calls.sip_rank END,
                contact_id = coalesce(calls.contact_id, excluded.contact_id),
                ringing_at = coalesce(min(calls.ringing_at, excluded.ringing_at), calls.ringing_at, excluded.ringing_at),
                began_at = coalesce(min(calls.began_at, excluded.began_at), calls.began_at, excluded.began_at),
                answered_at = coalesce(min(calls.answered_at, excluded.answered_at), calls.answered_at, excluded.answered_at),
                ended_at = coalesce(max(calls.ended_at, excluded.ended_at), calls.ended_at, excluded.ended_at),
                first_ended_at = coalesce(min(calls.first_ended_at, excluded.first_ended_at), calls.first_ended_at, excluded.first_ended_at),
                missed_at = coalesce(min(calls.missed_at, excluded.missed_at), calls.missed_at, excluded.missed_at),
                duration = coalesce(max(calls.duration, excluded.duration), calls.duration, excluded.duration),
                talk_time = coalesce(max(calls.talk_time, excluded.talk_time), calls.talk_time, excluded.talk_time),
                end_reason = CASE WHEN excluded.end_reason IS NOT NULL AND (calls.end_reason IS NULL OR calls.end_reason_at IS NULL
                    OR excluded.end_reason_at > calls.end_reason_at
                    OR (excluded.end_reason_at = calls.end_reason_at AND excluded.end_reason > calls.end_reason))
                    THEN excluded.end_reason ELSE calls.end_reason END,
                end_reason_at = CASE WHEN excluded.end_reason IS NOT NULL AND (calls.end_reason IS NULL OR calls.end_reason_at IS NULL
                    OR excluded.end_reason_at > calls.end_reason_at
                    OR (excluded.end_reason_at = calls.end_reason_at AND excluded.end_reason > calls.end_reason))
                    THEN excluded.end_reason_at ELSE calls.end_reason_at END,
                recording_url = coalesce(max(calls.recording_url, excluded.recording_url), calls.recording_url, excluded.recording_url),
                -- Each tag is the earliest moment's that had it (at the same instant the smaller value):
                -- the last delivery's won before.
                utm = json_patch(calls.utm, (SELECT json_group_object(t.key, t.value) FROM json_each(excluded.utm) t
                    WHERE json_extract(calls.utm_times, '$.' || t.key) IS NULL OR excluded.created_at < json_extract(calls.utm_times, '$.' || t.key)
                        OR (excluded.created_at = json_extract(calls.utm_times, '$.' || t.key) AND t.value < json_extract(calls.utm, '$.' || t.key)))),
                utm_times = json_patch(coalesce(calls.utm_times, '{}'), (SELECT json_group_object(t.key, excluded.created_at) FROM json_each(excluded.utm) t
                    WHERE json_extract(calls.utm_times, '$.' || t.key) IS NULL OR excluded.created_at < json_extract(calls.utm_times, '$.' || t.key)
                        OR (excluded.created_at = json_extract(calls.utm_times, '$.' || t.key) AND t.value < json_extract(calls.utm, '$.' || t.key)))),
                client_id = coalesce(calls.client_id, excluded.client_id),
                flag = CASE WHEN coalesce(calls.client_number, excluded.client_number) IS NULL
                    THEN coalesce(max(calls.flag, excluded.flag), calls.flag, excluded.flag) ELSE NULL END,
                created_at = min(calls.created_at, excluded.created_at),
                updated_at = max(calls.updated_at, excluded.updated_at),
                merged_from = coalesce(calls.ringing_at, '') || '|' || coalesce(calls.answered_at, '') || '|'
                    || coalesce(calls.ended_at, '') || '|' || coalesce(calls.agent_id, '') || '|' || coalesce(calls.agents_named, '')
                    || '|' || coalesce(calls.talk_time, ''),
                agents_named = CASE WHEN excluded.agents_named IS NULL OR instr(coalesce(calls.agents_named, ''), excluded.agents_named) > 0
                    THEN calls.agents_named ELSE coalesce(calls.agents_named, ',') || substr(excluded.agents_named, 2) END
            """) { arguments in   // bound one by one, where they lie (`ParameterBinder`)
            arguments.bind(integrationId); arguments.bind(e.callId); arguments.bind(e.direction); arguments.bind(clientNumber)
            arguments.bind(e.clientNumber); arguments.bind(e.ourNumber); arguments.bind(agentId); arguments.bind(e.sipLogin)
            arguments.bind(contactId); arguments.bind(ringing); arguments.bind(answered); arguments.bind(ended)
            arguments.bind(missed); arguments.bind(e.duration); arguments.bind(e.talkTime); arguments.bind(e.endReason)
            arguments.bind(e.recordingUrl); arguments.bind(utm); arguments.bind(e.clientId); arguments.bind(flag)
            arguments.bind(at); arguments.bind(e.startedAt); arguments.bind(ownerCandidate)
        }
        // A new call is exactly the values just inserted (an UPSERT that updates leaves the last
        // insert rowid alone); a merged one is read back by its key, which is cheaper than
        // RETURNING (SQLite builds a temporary table for it).
        let inserted = db.lastInsertRowID
        if inserted != 0 {
            return (CallRecord(id: inserted, integrationId: integrationId, providerCallId: e.callId, direction: e.direction ?? "inbound",
                              clientNumber: clientNumber, clientNumberRaw: e.clientNumber, ourNumber: e.ourNumber, agentId: agentId,
                              sipLogin: e.sipLogin, contactId: contactId, ringingAt: ringing, beganAt: e.startedAt,
                              answeredAt: answered, endedAt: ended,
                              missedAt: missed, duration: e.duration, talkTime: e.talkTime, endReason: e.endReason,
                              recordingUrl: e.recordingUrl, utm: e.utm, clientId: e.clientId, flag: flag, note: nil, createdAt: at,
                              firstEndedAt: ended),
                    true, ended, nil, ownerCandidate)
        }
        guard let row = try db.queryOne("SELECT * FROM calls WHERE integration_id = ? AND provider_call_id = ?", integrationId, e.callId)
        else { throw DomainError.notFound("call \(e.callId) was not stored") }
        return (CallRecord(row: row), false, row.string("first_ended_at"), MergedFrom(row.string("merged_from")), row.int("owner_candidate"))
    }

    /// Copies the call's UTM tags (all its moments') into the contact fields the integration maps
    /// them to. Each field keeps the time its value is from and where it came from (`UTMTouches`),
    /// so first touch keeps the earliest call's tags and last touch the latest touch's whatever
    /// order calls are delivered in. A value set by hand counts from when it was
    /// set: first touch never replaces it, last touch only with a call that starts later. Starts
    /// only move earlier, which can only help a call to first touch; in last touch the call that
    /// holds a field and starts earlier than it seemed may no longer be the latest, so the field
    /// goes to the latest of the contact's calls tagged with that key by an integration that
    /// writes it there in last touch.
    private func writeUTM(of call: CallRecord, to contactId: Int, settings: UTMSettings) throws {
        guard !call.utm.isEmpty, !settings.fields.isEmpty else { return }
        let allowed = settings.write.map(Set.init) ?? Set(settings.fields.keys)
        guard let row = try db.queryOne("SELECT fields, \(UTMTouches.columns) FROM contacts WHERE id = ?", contactId) else { return }
        var fields = JSONText.decodeDictionary(row.string("fields"))
        var touches = UTMTouches(row: row)
        let touchedAt = call.startedAt, source = String(call.id)
        var changed = false
        for (key, value) in call.utm.sorted(by: { $0.key < $1.key }) where !value.isEmpty && allowed.contains(key) {
            guard let field = settings.fields[key] else { continue }
            let existing = fields[field] ?? ""
            switch settings.mode {
            case .firstTouch:
                // At the same instant the smaller provider call id counts as first (as owners do).
                let tiedAndFirst = try touches.times[field] == touchedAt
                    && heldCallId(touches.sources[field], other: source).map { call.providerCallId < $0 } == true
                // A field this very call holds follows its tag, which an earlier moment delivered
                // later can replace (the call's start, and so the field's time, unchanged).
                guard touches.sources[field] != UTMTouches.hand,
                      existing.isEmpty || touches.sources[field] == source || touches.times[field].map({ touchedAt < $0 }) == true
                        || tiedAndFirst else { continue }
            case .lastTouch:
                // At the same instant the greater provider call id counts as last (as `latestTouch`).
                if touches.times[field] == touchedAt, let held = try heldCallId(touches.sources[field], other: source), held > call.providerCallId {
                    continue
                }
                if let held = touches.times[field], touchedAt < held {
                    // Held by this very call, which starts earlier than it seemed: the latest touch
                    // wins again, a call's or the value last set by hand.
                    guard touches.sources[field] == source else { continue }
                    let latest = try latestTouch(key, field: field, contactId: contactId)
                    if let handAt = touches.handTimes[field], let handValue = touches.handValues[field], latest.map({ handAt > $0.at }) ?? true {
                        (fields[field], touches.times[field], touches.sources[field]) = (handValue, handAt, UTMTouches.hand)
                    } else if let latest {
                        (fields[field], touches.times[field], touches.sources[field]) = (latest.value, latest.at, String(latest.callId))
                    } else {
                        continue
                    }
                    changed = true
                    continue
                }
            }
            guard existing != value || touches.times[field] != touchedAt || touches.sources[field] != source else { continue }
            (fields[field], touches.times[field], touches.sources[field]) = (value, touchedAt, source)
            changed = true
        }
        if changed { try saveUTM(fields: fields, touches: touches, contactId: contactId) }
    }

    /// The provider call id of the call a field's value came from (`source`, a call id), when it
    /// is a call other than `other`; nil for a value set by hand or none.
    private func heldCallId(_ source: String?, other: String) throws -> String? {
        guard let source, source != other, source != UTMTouches.hand, let id = Int(source) else { return nil }
        return try db.scalar("SELECT provider_call_id FROM calls WHERE id = ?", id).string
    }

    /// The contact's call that starts latest (`CallRecord.startedAt`; at the same instant the
    /// greater provider call id) among those tagged with `key` by an integration that writes
    /// `key` into `field` in last touch, with its tag value.
    private func latestTouch(_ key: String, field: String, contactId: Int) throws -> (value: String, at: String, callId: Int)? {
        let candidates = try db.query("""
            SELECT id, integration_id, json_extract(utm, '$.' || ?1) AS value, \(CallRecord.startSQL) AS start
            FROM calls WHERE contact_id = ?2 AND coalesce(json_extract(utm, '$.' || ?1), '') <> ''
            ORDER BY start DESC, provider_call_id DESC
            """, key, contactId)
        for row in candidates {
            guard let id = row.int("id"), let integrationId = row.int("integration_id"), let value = row.string("value"),
                  let at = row.string("start"), let utm = try settings.integration(db, integrationId)?.settings.utm,
                  utm.mode == .lastTouch, utm.fields[key] == field, utm.write.map({ $0.contains(key) }) ?? true else { continue }
            return (value, at, id)
        }
        return nil
    }

    /// Files the missed-call task (once per call), and closes open ones when the client is reached.
    private func applyMissedCallRules(_ call: CallRecord, contactId: Int, settings: MissedCallTaskSettings, at: String,
                                      eventId: Int, firstEndedAt: String?, result: inout ApplyResult) throws {
        if call.answeredAt != nil || (call.talkTime ?? 0) > 0 {
            // Answered after all: a task this call filed while it looked missed (its end or a
            // missed report came before its answer) goes, as in arrival order none was filed.
            try withdrawMissedCallTask(of: call.id, contactId: contactId, result: &result)
            // Reached: every earlier missed call of this client is dealt with.
            // A call known only by its talk time (an `ended` without `answered`) was reached by its end.
            let reachedAt = call.answeredAt ?? firstEndedAt ?? call.endedAt ?? at
            // Its answer came earlier than it seemed: tasks it closed that were missed after it
            // go to the next call that reached the client, or open again.
            try unclose(closedBy: call.id, contactId: contactId, before: reachedAt, result: &result)
            // Known first by its talk time and reached at its end, then answered later than that end:
            // what it closed goes to the first call that reached the client after each was missed,
            // now (this one at its answer, or another in between), as in arrival order.
            for task in try db.query("""
                SELECT id, created_at FROM tasks INDEXED BY tasks_closed_by_call
                WHERE closed_by_call_id = ?2 AND state = 'done' AND closed_by_agent_id IS NULL AND closed_at <> ?1
                """, reachedAt, call.id) {   // tasks_closed_by_call (migration 037)
                guard let taskId = task.int("id"), let missedAt = task.string("created_at"),
                      let reach = try firstReach(ofContact: contactId, since: missedAt) else { continue }
                try db.execute("UPDATE tasks SET closed_by_call_id = ?, closed_at = ? WHERE id = ?", reach.callId, reach.at, taskId)
            }
            // Open tasks missed before it, and tasks a later callback closed (delivered first):
            // the first callback answered is the one that reached the client, in any order.
            // A missed-call task's created_at is its call's missed moment.
            // Callbacks answered at the same instant: the smaller provider call id counts as first
            // (as in `firstReach`). Each half is one range of (contact, state, closed_at): migration 019.
            let reached = try db.query("""
                SELECT id, assignee_agent_id, state FROM tasks
                WHERE contact_id = ?1 AND state = 'open' AND kind = 'missed_call' AND created_at <= ?2
                UNION ALL
                SELECT id, assignee_agent_id, state FROM tasks
                WHERE contact_id = ?1 AND state = 'done' AND closed_at >= ?2 AND kind = 'missed_call' AND created_at <= ?2
                  AND closed_by_agent_id IS NULL AND (closed_at > ?2
                      OR (closed_by_call_id IS NOT ?3 AND (SELECT provider_call_id FROM calls WHERE id = tasks.closed_by_call_id) > ?4))
                """, contactId, reachedAt, call.id, call.providerCallId)
            for task in reached {
                try db.execute("UPDATE tasks SET state = 'done', closed_by_call_id = ?, closed_at = ? WHERE id = ?",
                               call.id, reachedAt, task.int("id"))
            }
            let closing = reached.filter { $0.string("state") == "open" }
            guard !closing.isEmpty else { return }
            result.updates.append(try tasksClosed(closing, by: call.id, contactId: contactId))
            return
        }
        if call.direction != "inbound" {
            // A task filed while the direction was still assumed (the outbound moment came later)
            // goes: in arrival order it would never have been filed.
            try withdrawMissedCallTask(of: call.id, contactId: contactId, result: &result)
            return
        }
        // Missed, busy or failed: an inbound client who did not reach anyone is owed a call back.
        guard call.outcome != nil, settings.enabled else { return }
        // The client was missed from the call's earliest end or missed moment (`first_ended_at`;
        // `ended_at` is the latest end), whichever moments came first and whether they named the client.
        let missedAt = firstEndedAt ?? call.endedAt ?? at
        let deadline = Timestamp.adding(minutes: settings.deadlineMinutes, to: missedAt)
        // Looked up rather than left to ON CONFLICT DO NOTHING: with AUTOINCREMENT (migration 012)
        // a skipped insert still uses up an id, and ids must come out as they did before it.
        if let filed = try db.queryOne("""
            SELECT id, state, created_at, closed_by_call_id, closed_by_agent_id, assignee_agent_id FROM tasks
            WHERE kind = 'missed_call' AND call_id = ?
            """, call.id), let filedId = filed.int("id") {
            // Its title is filled from all the call knows now (a later moment may name our line).
            try db.execute("UPDATE tasks SET title = ?1 WHERE id = ?2 AND title IS NOT ?1 AND closed_by_agent_id IS NULL",
                           try missedCallTitle(settings, call: call, contactId: contactId), filedId)
            // Filed by another moment of this call: it is due from the earliest one, in any order.
            guard let filedAt = filed.string("created_at"), missedAt < filedAt else { return }
            try db.execute("UPDATE tasks SET deadline = min(deadline, ?1), created_at = ?2 WHERE id = ?3", deadline, missedAt, filedId)
            try addToTimeline(contactId: contactId, at: missedAt, kind: .task, ref: filedId)
            // Missed earlier than it looked: the first answer after the new date, already stored,
            // reached the client (sooner than the call that closed it, if one did; a task an agent
            // completed stays as they left it).
            guard filed.int("closed_by_agent_id") == nil, let reached = try firstReach(ofContact: contactId, since: missedAt),
                  reached.callId != filed.int("closed_by_call_id") else { return }
            try db.execute("UPDATE tasks SET state = 'done', closed_by_call_id = ?, closed_at = ? WHERE id = ?",
                           reached.callId, reached.at, filedId)
            if filed.string("state") == "open" { result.updates.append(try tasksClosed([filed], by: reached.callId, contactId: contactId)) }
            return
        }
        let contact = try db.queryOne("SELECT name, owner_agent_id FROM contacts WHERE id = ?", contactId)
        // The configured agent, unless they have been removed since: then, as with none, the owner.
        // The pick is kept with the event, so `rebuild` gives the task to whom it went live.
        let configured = try keptAssigneeChoice(eventId: eventId) { try settings.assigneeAgentId.flatMap { try agentExists($0) ? $0 : nil } }
        let assignee = configured ?? contact?.int("owner_agent_id")   // the owner's: follows the owner (settleContact)
        let title = try missedCallTitle(settings, call: call, contactId: contactId, contactName: contact?.string("name"))
        // Reached already (a later answered call arrived first)? Then the task is born done.
        let laterAnswer = try firstReach(ofContact: contactId, since: missedAt)
        try db.execute("""
            INSERT INTO tasks(kind, board, assignee_agent_id, assignee_from_owner, title, deadline, state, contact_id, call_id,
                              closed_by_call_id, created_at, closed_at)
            VALUES ('missed_call', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, settings.board, assignee, configured == nil, title, deadline,
            laterAnswer == nil ? "open" : "done", contactId, call.id, laterAnswer?.callId, missedAt, laterAnswer?.at)
        let taskId = db.lastInsertRowID
        result.taskId = taskId
        try addToTimeline(contactId: contactId, at: missedAt, kind: .task, ref: taskId)
        if let task = try TaskRecord.load(db, id: taskId) {
            let owner = contact?.int("owner_agent_id")
            let audience: LiveUpdate.Audience = assignee.map { .agentsAndViewers([$0], ownerAgentId: owner) } ?? .contactViewers(ownerAgentId: owner)
            result.updates.append(LiveUpdate(event: "task.created", payload: task, audience: audience))
        }
    }

    /// `tasks.closed` for `tasks` (rows with `id` and `assignee_agent_id`) that `callId` just
    /// closed: their assignees hear of it as well as everyone who sees the client.
    private func tasksClosed(_ tasks: [Row], by callId: Int, contactId: Int) throws -> LiveUpdate {
        let owner = try db.scalar("SELECT owner_agent_id FROM contacts WHERE id = ?", contactId).int
        return LiveUpdate(event: "tasks.closed",
                          payload: TasksClosed(contactId: contactId, closedByCallId: callId, taskIds: tasks.compactMap { $0.int("id") }),
                          audience: .agentsAndViewers(tasks.compactMap { $0.int("assignee_agent_id") }, ownerAgentId: owner))
    }

    /// The integration's title with the placeholders settings validation accepts, each filled in
    /// from the call and its client (the name read when not given).
    private func missedCallTitle(_ settings: MissedCallTaskSettings, call: CallRecord, contactId: Int,
                                 contactName: String? = nil) throws -> String {
        guard settings.title.contains("{{") else { return settings.title }
        let name = try contactName ?? db.scalar("SELECT name FROM contacts WHERE id = ?", contactId).string
        let values = ["contact.name": name, "contact.phone": call.clientNumber, "call.ourNumber": call.ourNumber]
        var title = settings.title
        for placeholder in MissedCallTaskSettings.titlePlaceholders {
            title = title.replacingOccurrences(of: "{{\(placeholder)}}", with: (values[placeholder] ?? nil) ?? "")
        }
        return title
    }

    /// Tasks `callId` closed (not an agent) that were missed after `reachedAt`, its answer now:
    /// each goes to the first call that reached the client after it was missed, or opens again.
    private func unclose(closedBy callId: Int, contactId: Int, before reachedAt: String, result: inout ApplyResult) throws {
        let stale = try db.query("""
            SELECT id, created_at FROM tasks INDEXED BY tasks_closed_by_call
            WHERE closed_by_call_id = ?2 AND contact_id = ?1 AND state = 'done' AND kind = 'missed_call'
              AND closed_at > ?3 AND closed_by_agent_id IS NULL AND created_at > ?3
            """, contactId, callId, reachedAt)   // the tasks the call closed: tasks_closed_by_call (migration 037)
        for task in stale {
            guard let taskId = task.int("id"), let missedAt = task.string("created_at") else { continue }
            if let reach = try firstReach(ofContact: contactId, since: missedAt) {
                try db.execute("UPDATE tasks SET closed_by_call_id = ?, closed_at = ? WHERE id = ?", reach.callId, reach.at, taskId)
            } else {
                // Open again, a task that follows the client's owner goes to the owner now (as an
                // open one would have gone when the owner changed meanwhile).
                let owner = try db.scalar("SELECT owner_agent_id FROM contacts WHERE id = ?", contactId).int
                let previous = try db.scalar("SELECT assignee_agent_id FROM tasks WHERE id = ?", taskId).int
                try db.execute("""
                    UPDATE tasks SET state = 'open', closed_by_call_id = NULL, closed_at = NULL,
                        assignee_agent_id = CASE WHEN assignee_from_owner THEN ?2 ELSE assignee_agent_id END
                    WHERE id = ?1
                    """, taskId, owner)
                if let reopened = try TaskRecord.load(db, id: taskId) {
                    result.updates.append(LiveUpdate(event: "task.reopened", payload: reopened,
                                                     audience: .agentsAndViewers(reopened.assigneeAgentId.map { [$0] } ?? [], ownerAgentId: owner)))
                    // Moved to the owner on the way: the agent who had it hears so as in any hand-over
                    // (everyone else just heard `task.reopened`, with the new assignee).
                    result.updates += try reassignmentUpdates(taskId, from: previous, to: reopened.assigneeAgentId)
                        .filter { $0.event == "task.unassigned" }
                }
            }
        }
    }

    /// The first time the client was reached at or after `moment`: the first answer (a range of the
    /// calls_answered index) or a call known only by its talk time, reached at its first end (that
    /// look covers only the contact's unanswered calls), whichever came first.
    private func firstReach(ofContact contactId: Int, since moment: String) throws -> (callId: Int, at: String)? {
        let reaches = try [db.queryOne("""
            SELECT id, provider_call_id, answered_at AS reached_at FROM calls WHERE contact_id = ? AND answered_at >= ?
            ORDER BY answered_at, provider_call_id LIMIT 1
            """, contactId, moment), db.queryOne(Self.firstTalkedReachSQL, contactId, moment)].compactMap { row -> (callId: Int, at: String, ref: String)? in
            guard let row, let id = row.int("id"), let at = row.string("reached_at") else { return nil }
            return (id, at, row.string("provider_call_id") ?? "")
        }
        // The earlier of the two; at the same instant the smaller provider call id, as when closing.
        return reaches.min { ($0.at, $0.ref) < ($1.at, $1.ref) }.map { ($0.callId, $0.at) }
    }

    /// The client's first call known only by its talk time that ended at or after a moment
    /// (`calls_talked_unanswered`, migration 037: not every unanswered call of the client, sorted).
    static let firstTalkedReachSQL = """
        SELECT id, provider_call_id, first_ended_at AS reached_at FROM calls
        WHERE contact_id = ? AND answered_at IS NULL AND talk_time > 0 AND first_ended_at >= ?
        ORDER BY first_ended_at, provider_call_id LIMIT 1
        """

    /// Removes the missed-call task of `callId` with its timeline entry, if one was filed and no
    /// agent has dealt with it (a task an agent completed stays; one a call closed goes, as in
    /// arrival order it would not have been filed).
    private func withdrawMissedCallTask(of callId: Int, contactId: Int, result: inout ApplyResult) throws {
        guard let task = try db.queryOne("""
            SELECT id, assignee_agent_id FROM tasks WHERE kind = 'missed_call' AND call_id = ? AND closed_by_agent_id IS NULL
            """, callId), let taskId = task.int("id")
        else { return }
        try db.execute("DELETE FROM tasks WHERE id = ?", taskId)
        try removeFromTimeline(kind: .task, ref: taskId)
        let owner = try db.scalar("SELECT owner_agent_id FROM contacts WHERE id = ?", contactId).int
        // Its assignee too, who heard of it (task.created) though they may not see the client.
        result.updates.append(LiveUpdate(event: "task.withdrawn", payload: ["taskId": taskId, "callId": callId, "contactId": contactId],
                                         audience: .agentsAndViewers(task.int("assignee_agent_id").map { [$0] } ?? [], ownerAgentId: owner)))
    }

    /// The screen-pop (on ringing) or call update for the live stream.
    /// `created` is the contact this event created, known without reading it back (and without deals).
    /// `rings`: the agent this event names; a ringing pops their screen (a call handed on rings
    /// another agent). `before`: the call before this event (nil: new), with every agent its
    /// moments had named. No pop for a ringing of a call already answered or ended
    /// (a late delivery), or for a repeat of one that already rang the same agent (a redelivery
    /// without an event id).
    /// The updates are appended to `updates`. `call` is taken over: the pop holds it, not a copy.
    private func screenPop(_ kind: CallEventKind, call: consuming CallRecord, rings: Int?, before: MergedFrom?, isNewContact: Bool,
                           created: ContactRecord?, into updates: inout [LiveUpdate]) throws {
        if kind == .ringing, let before {
            if before.answered || before.ended { return }
            // Rung already (Twilio's initiated and ringing of one leg, a redelivery): no second pop.
            if before.rang && (rings == nil || rings == before.agentId || rings.map(before.agentsNamed.contains) == true) { return }
        }
        // Told already: Twilio reports a <Dial> leg's answer and end, then its parent's; a missed
        // call may be reported twice. An answer naming nobody new that leaves the answer where it
        // was, and an end of a call already over the same way (answered and ended after its
        // answer, or ended unanswered), are not told again. A transfer's answer, an answer or
        // talk after a missed end, and the end after such an answer still are.
        if kind == .answered, let before, let answeredBefore = before.answeredAt, rings == nil || rings == before.agentId,
           call.answeredAt == answeredBefore { return }
        if kind == .ended || kind == .missed, let before, let endedBefore = before.endedAt {
            let wasAnsweredEnd = before.answeredAt.map { endedBefore >= $0 } ?? ((before.talkTime ?? 0) > 0)
            let wasMissedEnd = before.answeredAt == nil && (before.talkTime ?? 0) == 0
            let isAnswered = call.outcome == "answered"
            if (wasAnsweredEnd && isAnswered) || (wasMissedEnd && !isAnswered) { return }
        }
        let agentId = kind == .ringing ? rings ?? call.agentId : call.agentId
        let justCreated = created.flatMap { $0.id == call.contactId ? $0 : nil }
        let contact = try justCreated ?? call.contactId.flatMap { try ContactRecord.load(db, id: $0) }
        let openDeals = try justCreated != nil ? [] : call.contactId.map { id in
            try db.query("SELECT * FROM deals WHERE contact_id = ? AND state = 'open' ORDER BY updated_at DESC", id).map(DealRecord.init(row:))
        } ?? []
        let agent = try agentId.flatMap { id in try db.queryOne("SELECT * FROM agents WHERE id = ?", id).map(Agent.init(row:)) }
        // An end is told as what it was: `call.missed` when nobody answered (Twilio reports an
        // unanswered parent leg as completed, Ringostat's after-call webhook may say only that it
        // ended), `call.ended` when the call was answered (a `missed` that lost to a later answer).
        let event = kind == .ended || kind == .missed ? (call.outcome == "answered" ? "call.ended" : "call.missed") : kind.eventName
        let pop = ScreenPop(type: event, call: consume call, agent: agent.map { .init(id: $0.id, name: $0.name) },
                            contact: contact.map { ScreenPop.ContactCard(contact: $0, isNew: isNewContact, openDeals: openDeals) })
        // The agent the call rings (even one who does not own the client) and everyone who sees the
        // client; an update (answered, ended, missed) also reaches every agent the call rang or
        // named before (a call handed on, or answered by another: their screens learn it is taken,
        // then that it ended), and the agent the call had before this moment.
        var agents = agentId.map { [$0] } ?? []
        if kind != .ringing {
            let earlier = (before?.agentsNamed ?? []) + (before?.agentId.map { [$0] } ?? [])
            for named in earlier where !agents.contains(named) { agents.append(named) }
        }
        // A manager the call rings who does not own the client cannot open it (managers see only
        // their own clients): their pop has the card without links that would answer 404, and
        // without the recording of a conversation they may not read.
        let owner = contact?.ownerAgentId
        let outsiders = try managers(among: agents.filter { $0 != owner }, known: agent)
        if !outsiders.isEmpty {
            var unlinked = pop
            unlinked.contact?.hasLinks = false
            unlinked.call.recordingUrl = nil
            updates.append(LiveUpdate(event: event, payload: unlinked, audience: .agents(outsiders)))
            agents.removeAll(where: outsiders.contains)
        }
        let audience: LiveUpdate.Audience = agents.isEmpty ? .contactViewers(ownerAgentId: owner) : .agentsAndViewers(agents, ownerAgentId: owner)
        updates.append(LiveUpdate(event: event, payload: pop, audience: audience))
    }

    /// Those of `ids` who are managers (who see only the clients they own); `known` is an agent
    /// already read (the one the call rings), whose role needs no query.
    private func managers(among ids: [Int], known: Agent?) throws -> [Int] {
        var result: [Int] = []
        var unknown: [Int] = []
        for id in ids {
            if let known, known.id == id {
                if known.role == .manager { result.append(id) }
            } else {
                unknown.append(id)
            }
        }
        guard !unknown.isEmpty else { return result }
        let found = try db.query("SELECT id FROM agents WHERE role = ? AND id IN (SELECT value FROM json_each(?))",
                                 Agent.Role.manager.rawValue, "[" + unknown.map(String.init).joined(separator: ",") + "]")
        return result + found.compactMap { $0.int("id") }
    }
}

/// What a call had before its last merge (`calls.merged_from`, written by the merge itself so
/// the screen-pop needs no read before it): whether it had rung, been answered or ended, its
/// agent, and every agent its moments had named (`agents_named`; not in what versions before
/// migration 027 wrote).
struct MergedFrom {
    let rang: Bool
    let answeredAt: String?
    let endedAt: String?
    let agentId: Int?
    let agentsNamed: [Int]
    /// Kept since this version (a sixth part); nil in what older versions recorded.
    let talkTime: Int?

    var answered: Bool { answeredAt != nil }
    var ended: Bool { endedAt != nil }

    init?(_ text: String?) {
        guard let parts = text?.split(separator: "|", omittingEmptySubsequences: false), (4...6).contains(parts.count) else { return nil }
        func time(_ part: Substring) -> String? { part.isEmpty ? nil : String(part) }
        (rang, answeredAt, endedAt, agentId) = (!parts[0].isEmpty, time(parts[1]), time(parts[2]), Int(parts[3]))
        agentsNamed = parts.count >= 5 ? parts[4].split(separator: ",").compactMap { Int($0) } : []
        talkTime = parts.count == 6 ? Int(parts[5]) : nil
    }
}

/// What an agent's screen shows when a call rings, and on its updates.
struct ScreenPop: Encodable, Sendable {
    struct AgentRef: Encodable, Sendable { let id: Int; let name: String }
    struct ContactCard: Encodable, Sendable {
        let id: Int
        let name: String
        let phones: [String]
        let ownerAgentId: Int?
        let isNew: Bool
        let openDeals: [DealRecord]

        /// False in the pop of a manager who does not own the client, who could open none of `links`.
        var hasLinks = true

        /// Where the agent's screen goes next; made when the card is encoded, off the writer thread.
        var links: [String: String] {
            ["contact": "/api/v1/contacts/\(id)", "createDeal": "/api/v1/contacts/\(id)/deals", "timeline": "/api/v1/contacts/\(id)/timeline"]
        }

        init(contact: ContactRecord, isNew: Bool, openDeals: [DealRecord]) {
            id = contact.id
            name = contact.name
            phones = contact.phones
            ownerAgentId = contact.ownerAgentId
            self.isNew = isNew
            self.openDeals = openDeals
        }

        private enum CodingKeys: String, CodingKey { case id, name, phones, ownerAgentId, isNew, openDeals, links }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(name, forKey: .name)
            try c.encode(phones, forKey: .phones)
            try c.encodeIfPresent(ownerAgentId, forKey: .ownerAgentId)
            try c.encode(isNew, forKey: .isNew)
            try c.encode(openDeals, forKey: .openDeals)
            if hasLinks { try c.encode(links, forKey: .links) }
        }
    }

    let type: String
    var call: CallRecord
    let agent: AgentRef?
    var contact: ContactCard?
}

/// `tasks.closed`: a call reached the client, and these missed-call tasks of theirs are done.
struct TasksClosed: Encodable, Sendable {
    let contactId: Int
    let closedByCallId: Int
    let taskIds: [Int]
}
