import Foundation
import Store

extension AgentDirectory {
    /// What `update` changes; nil members stay as they are. Lists replace the agent's list.
    public struct Change: Sendable {
        public var name: String?
        public var role: Agent.Role?
        public var phones: [String]?
        public var sipLogins: [String]?
        public var receivesNewClients: Bool?

        public init(name: String? = nil, role: Agent.Role? = nil, phones: [String]? = nil, sipLogins: [String]? = nil,
                    receivesNewClients: Bool? = nil) {
            self.name = name
            self.role = role
            self.phones = phones
            self.sipLogins = sipLogins
            self.receivesNewClients = receivesNewClients
        }

        public var isEmpty: Bool { name == nil && role == nil && phones == nil && sipLogins == nil && receivesNewClients == nil }
    }

    /// Changes an agent in place (their id, key, clients and tasks stay); nil when there is none.
    /// - Throws: 409 for a SIP login another agent has; 409 for making quality control of an
    ///   agent who owns clients or has open tasks (quality control owns and completes none:
    ///   `remove --hand-over-to` first); 400/422 for an empty name, login or a bad phone.
    public func update(id: Int, _ change: Change) throws -> Agent? {
        let name = try change.name.map(Self.checkedName)
        let phones = try change.phones.map(Self.checkedPhones)
        let logins = try change.sipLogins.map(Self.checkedLogins)
        return try store.writeAndWait { db -> Agent? in
            guard try db.queryOne("SELECT id FROM agents WHERE id = ?", id) != nil else { return nil }
            if let logins { try Self.refuseTakenLogins(logins, except: id, in: db) }
            let role = try change.role ?? db.scalar("SELECT role FROM agents WHERE id = ?", id).string.flatMap(Agent.Role.init(rawValue:))
            let receives = try change.receivesNewClients ?? db.scalar("SELECT receives_new_clients FROM agents WHERE id = ?", id).int.map { $0 != 0 }
            if role == .qualityControl && receives == true {
                // Turning quality control on also turns new clients off, unless new clients were asked for.
                guard change.receivesNewClients != true else { throw Self.qualityControlTakesNoClients }
                try db.execute("UPDATE agents SET receives_new_clients = 0 WHERE id = ?", id)
            }
            if change.role == .qualityControl {
                let held = try Self.holdings(of: id, in: db)
                if held.clients + held.openTasks > 0 {
                    throw DomainError.conflict("agent \(id) owns \(held.clients) client(s) and has \(held.openTasks) open task(s), which "
                        + "quality control cannot have: hand them to another agent first")
                }
            }
            if let name { try db.execute("UPDATE agents SET name = ? WHERE id = ?", name, id) }
            if let role = change.role { try db.execute("UPDATE agents SET role = ? WHERE id = ?", role.rawValue, id) }
            if let phones { try db.execute("UPDATE agents SET phones = ? WHERE id = ?", JSONText.string(phones), id) }
            if let logins { try db.execute("UPDATE agents SET sip_logins = ? WHERE id = ?", JSONText.string(logins), id) }
            if let receives = change.receivesNewClients {
                try db.execute("UPDATE agents SET receives_new_clients = ? WHERE id = ?", receives, id)
            }
            return try db.queryOne("SELECT * FROM agents WHERE id = ?", id).map(Agent.init(row:))
        }
    }
}
