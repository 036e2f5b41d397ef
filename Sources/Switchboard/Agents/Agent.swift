import Store

/// A team member who uses the API: what they may see and write follows their role.
public struct Agent: Sendable, Codable, Equatable {
    /// The three roles of DESIGN.md: managers own clients, supervisors see and write
    /// everything, quality control sees everything and writes nothing.
    public enum Role: String, Sendable, Codable, CaseIterable {
        case manager
        case supervisor
        case qualityControl = "quality-control"
    }

    public var id: Int
    public var name: String
    public var role: Role
    public var phones: [String]
    public var sipLogins: [String]
    public var receivesNewClients: Bool
    public var createdAt: String
    /// The stored hash of the agent's API key: a live stream opened with a key that was
    /// replaced since is ended (see EventHub.recheckAgents). Never encoded.
    var keyHash: String?

    private enum CodingKeys: String, CodingKey {
        case id, name, role, phones, sipLogins, receivesNewClients, createdAt
    }

    init(row: Row) {
        id = row.int("id") ?? 0
        name = row.string("name") ?? ""
        role = Role(rawValue: row.string("role") ?? "") ?? .qualityControl
        phones = JSONText.decodeStrings(row.string("phones"))
        sipLogins = JSONText.decodeStrings(row.string("sip_logins"))
        receivesNewClients = row.bool("receives_new_clients")
        createdAt = row.string("created_at") ?? ""
        keyHash = row.string("api_key_hash")
    }
}
