/// A page of `GET /api/v1/contacts`, most recently updated first; `nextBefore` is absent on the last page.
struct ContactPage: Encodable {
    let contacts: [ContactRecord]
    let nextBefore: String?
}

/// Where a contact list page ends: the last contact's `updatedAt` and id (`updatedAt~id`), the
/// list's order. A contact updated while a client pages moves to the front and is not met again.
struct ContactCursor {
    let updatedAt: String
    let id: Int

    init(of contact: ContactRecord) {
        updatedAt = contact.updatedAt
        id = contact.id
    }

    /// - Throws: `DomainError.invalid` (400) for text that is no `nextBefore`.
    init(text: String) throws {
        guard let tilde = text.lastIndex(of: "~"), let id = Int(text[text.index(after: tilde)...]),
              case let at = String(text[..<tilde]), Timestamp.normalize(at) == at else {
            throw DomainError.invalid("before must be a cursor from nextBefore")
        }
        updatedAt = at
        self.id = id
    }

    var text: String { "\(updatedAt)~\(id)" }
}
