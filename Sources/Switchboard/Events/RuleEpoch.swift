import Store

/// Rules of the projector that came in with a migration and change which tasks events make.
///
/// `rebuild` must hand out the same task ids as the live run did (stored API events name tasks
/// by id), so an event received before a rule existed is applied without it, live and in
/// `rebuild` alike; the rule's start is the time its migration ran (`rule_epochs`).
enum RuleEpoch: String {
    /// WhatsApp: a client message older than a reply sent after it opens no reply task, and a
    /// failed reply reopens the task it closed (`applyInbound`, `reopenReplyIfUnanswered`).
    case whatsappReplies = "whatsapp-replies"

    /// A done task is not reassigned (`reassignTask`). The API checked it before recording, but a
    /// completion committed between that check and the reassignment's write slipped through.
    case doneTasksStay = "done-tasks-stay"

    /// WhatsApp: a profile name names a contact still named after its number, and a blank one
    /// names nobody (`takeProfileName`, a new contact's name).
    case profileNames = "profile-names"

    /// A contact patch that changes nothing leaves the contact's `updated_at` (and so its place
    /// in the contact list) as it was (`updateContact`); patches received before moved it.
    case unchangedContacts = "unchanged-contacts"

    /// Whether the rule applies to an event received at `receivedAt`.
    func applies(to receivedAt: String, in db: Database) throws -> Bool {
        guard let since = try db.scalar("SELECT since FROM rule_epochs WHERE name = ?", rawValue).string else { return true }
        return receivedAt >= since
    }
}
