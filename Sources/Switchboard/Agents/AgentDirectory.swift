import Foundation
import Store

/// Creating, listing, removing and authenticating agents.
///
/// API keys are shown once at creation and stored only as SHA-256 hashes: the
/// keys are 256 random bits, so a fast hash is enough and a stolen database
/// holds no usable credential.
public struct AgentDirectory: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    /// A new agent with the one-time plain API key.
    public struct Created: Sendable, Encodable {
        public let agent: Agent
        public let apiKey: String

        public func encode(to encoder: Encoder) throws {
            try agent.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(apiKey, forKey: .apiKey)
        }

        enum CodingKeys: String, CodingKey { case apiKey }
    }

    /// What `add` needs.
    public struct NewAgent: Sendable {
        public var name: String
        public var role: Agent.Role
        public var phones: [String] = []
        public var sipLogins: [String] = []
        public var receivesNewClients = false

        public init(name: String, role: Agent.Role, phones: [String] = [], sipLogins: [String] = [], receivesNewClients: Bool = false) {
            self.name = name
            self.role = role
            self.phones = phones
            self.sipLogins = sipLogins
            self.receivesNewClients = receivesNewClients
        }
    }

    /// Creates an agent and its API key. Phones are normalised to E.164 (no default region: give `+…`).
    public func add(_ new: NewAgent) throws -> Created {
        let name = try Self.checkedName(new.name)
        let phones = try Self.checkedPhones(new.phones)
        let logins = try Self.checkedLogins(new.sipLogins)
        if new.role == .qualityControl && new.receivesNewClients { throw Self.qualityControlTakesNoClients }
        let (key, hash) = try Self.makeKey()
        let createdAt = JSONText.now()
        let agent = try store.writeAndWait { db -> Agent in
            try Self.refuseTakenLogins(logins, except: nil, in: db)
            try db.execute("""
                INSERT INTO agents(name, role, phones, sip_logins, receives_new_clients, api_key_hash, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, name, new.role.rawValue, JSONText.string(phones), JSONText.string(logins),
                new.receivesNewClients, hash, createdAt)
            guard let row = try db.queryOne("SELECT * FROM agents WHERE id = ?", db.lastInsertRowID) else {
                throw DomainError.notFound("agent vanished after insert")
            }
            return Agent(row: row)
        }
        return Created(agent: agent, apiKey: key)
    }

    /// Quality control owns no clients, so is given no new ones.
    static let qualityControlTakesNoClients = DomainError.unprocessable("quality control owns no clients: it cannot receive new clients")

    static func checkedName(_ name: String) throws -> String { try GivenName.checked(name) }

    static func checkedPhones(_ phones: [String]) throws -> [String] {
        try phones.map { phone in
            do { return try PhoneNumber.e164(phone, region: nil) } catch { throw DomainError.unprocessable("\(error)") }
        }
    }

    /// `logins` trimmed, each once; an empty one is refused.
    static func checkedLogins(_ logins: [String]) throws -> [String] {
        var given: [String] = []
        for login in logins.map(\.trimmedSpaces) where !given.contains(login) {
            guard !login.isEmpty else { throw DomainError.unprocessable("a SIP login must not be empty") }
            given.append(login)
        }
        return given
    }

    /// A login is one phone: two agents with it would both be rung for each other's calls, and
    /// webhooks naming it would always find the first. 409 naming the agent who has it.
    static func refuseTakenLogins(_ logins: [String], except id: Int?, in db: Database) throws {
        for login in logins {
            if let holder = try db.queryOne("""
                SELECT agents.id, agents.name FROM agents, json_each(agents.sip_logins)
                WHERE (json_each.value = ?1 OR (instr(?1, '@') > 0 AND lower(json_each.value) = lower(?1))) AND agents.id IS NOT ?2 LIMIT 1
                """, login, SQLValue(id)) {
                throw DomainError.conflict("SIP login \(login) belongs to agent \(holder.int("id") ?? 0) (\(holder.string("name") ?? ""))")
            }
        }
    }

    public func list() throws -> [Agent] {
        try store.read { db in try db.query("SELECT * FROM agents ORDER BY id").map(Agent.init(row:)) }
    }

    public func find(id: Int) throws -> Agent? {
        try store.read { db in try db.queryOne("SELECT * FROM agents WHERE id = ?", id).map(Agent.init(row:)) }
    }

    /// Gives the agent a new API key (shown once, as at creation); the old one stops working at
    /// once (keys are looked up on every request, not cached). nil when there is no such agent.
    public func rotateKey(id: Int) throws -> Created? {
        let (key, hash) = try Self.makeKey()
        let agent = try store.writeAndWait { db -> Agent? in
            guard try db.execute("UPDATE agents SET api_key_hash = ? WHERE id = ?", hash, id) > 0 else { return nil }
            return try db.queryOne("SELECT * FROM agents WHERE id = ?", id).map(Agent.init(row:))
        }
        return agent.map { Created(agent: $0, apiKey: key) }
    }

    /// The agent owning `apiKey`, or nil.
    public func authenticate(apiKey: String) throws -> Agent? {
        guard apiKey.hasPrefix("sb_"), apiKey.utf8.count == 67 else { return nil }
        let hash = Self.hash(apiKey)
        return try store.read { db in
            try db.queryOne("SELECT * FROM agents WHERE api_key_hash = ?", hash).map(Agent.init(row:))
        }
    }

    static func hash(_ key: String) -> String { Crypto.sha256(Array(key.utf8)).hexString }

    /// A new key (`sb_` + 256 random bits in hex) and the hash that is stored.
    private static func makeKey() throws -> (key: String, hash: String) {
        let key = "sb_" + (try Crypto.randomBytes(32)).hexString
        return (key, hash(key))
    }
}
