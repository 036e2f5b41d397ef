import Store

/// A contact's numbers are kept twice: `contact_phones` finds the contact of a number (its
/// primary key), and the contact's own `phones` column lists its numbers (migration 042), so
/// listing them needs no index on `contact_phones.contact_id` that every new caller wrote.
/// The column is the numbers sorted and joined by commas: E.164 numbers hold none.
enum ContactPhones {
    static func column(_ phones: [String]) -> String { Set(phones).sorted().joined(separator: ",") }

    static func list(_ column: String?) -> [String] {
        (column ?? "").split(separator: ",").map(String.init).sorted()
    }
}

extension Projector {
    /// The contact's numbers as its `phones` column lists them.
    func phones(ofContact id: Int) throws -> [String] {
        ContactPhones.list(try db.scalar("SELECT phones FROM contacts WHERE id = ?", id).string)
    }

    /// Gives the contact `phone` unless the number is another contact's (or already theirs).
    /// True when it was added.
    @discardableResult
    func addPhone(_ phone: String, toContact id: Int) throws -> Bool {
        guard try db.execute("INSERT INTO contact_phones(phone, contact_id) VALUES (?, ?) ON CONFLICT(phone) DO NOTHING", phone, id) == 1
        else { return false }
        try db.execute("UPDATE contacts SET phones = ? WHERE id = ?", ContactPhones.column(try phones(ofContact: id) + [phone]), id)
        return true
    }

    /// Takes `phone` from the contact, if it is theirs.
    func removePhone(_ phone: String, fromContact id: Int) throws {
        guard try db.execute("DELETE FROM contact_phones WHERE phone = ? AND contact_id = ?", phone, id) == 1 else { return }
        try db.execute("UPDATE contacts SET phones = ? WHERE id = ?", ContactPhones.column(try phones(ofContact: id).filter { $0 != phone }), id)
    }

    /// Makes `phones` the contact's numbers (each checked free beforehand).
    func replacePhones(ofContact id: Int, with phones: [String]) throws {
        for old in try self.phones(ofContact: id) { try db.execute("DELETE FROM contact_phones WHERE phone = ? AND contact_id = ?", old, id) }
        for phone in Set(phones) { try db.execute("INSERT INTO contact_phones(phone, contact_id) VALUES (?, ?)", phone, id) }
        try db.execute("UPDATE contacts SET phones = ? WHERE id = ?", ContactPhones.column(phones), id)
    }
}
