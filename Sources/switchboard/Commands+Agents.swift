import Foundation
import Switchboard

extension Commands {
    static func agents(_ words: [String]) throws -> ExitCode {
        let (sub, arguments, configuration): (String, Arguments, Configuration)
        switch try subcommand(words, of: "agents", ["add", "update", "list", "rotate-key", "remove"], help: Help.agents) {
        case .done(let code): return code
        case .run(let name, let parsed, let read): (sub, arguments, configuration) = (name, parsed, read)
        }
        switch sub {
        case "add":
            try arguments.allow(["--config", "--name", "--role", "--phone", "--sip", "--receives-new-clients", "--json"])
            guard let name = arguments.value("--name") else { throw UsageError("agents add needs --name") }
            guard let roleText = arguments.value("--role") else { throw UsageError("agents add needs --role") }
            guard let role = Agent.Role(rawValue: roleText) else {
                throw UsageError("--role must be one of: \(Agent.Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let created = try SwitchboardDaemon.withDirectory(configuration) { directory in
                try directory.add(.init(name: name, role: role, phones: arguments.values("--phone"),
                                        sipLogins: arguments.values("--sip"),
                                        receivesNewClients: arguments.has("--receives-new-clients")))
            }
            printKey(created, json: arguments.has("--json"), headline: " (\(created.agent.role.rawValue))")
            return .ok
        case "update":
            try arguments.allow(["--config", "--name", "--role", "--phone", "--sip", "--receives-new-clients", "--no-receives-new-clients",
                                 "--no-sip", "--no-phone", "--json"], positional: 1)
            guard let text = arguments.positional.first, let id = Int(text) else { throw UsageError("agents update needs an agent id") }
            let change = try agentChange(arguments)
            guard !change.isEmpty else {
                throw UsageError("agents update needs something to change (--name, --role, --[no-]phone, --[no-]sip, --[no-]receives-new-clients)")
            }
            guard let updated = try SwitchboardDaemon.withDirectory(configuration, { try $0.update(id: id, change) }) else {
                throw DomainError.notFound("no agent \(id)")
            }
            if arguments.has("--json") {
                print(SwitchboardDaemon.json(updated))
            } else {
                print("updated agent \(updated.id) \(updated.name) (\(updated.role.rawValue)); SIP logins: \(updated.sipLogins.listed); "
                    + "new clients: \(updated.receivesNewClients ? "yes" : "no")")
            }
            return .ok
        case "list":
            try arguments.allow(["--config", "--json"])
            let agents = try SwitchboardDaemon.withDirectory(configuration) { try $0.list() }
            Table("ID", "NAME", "ROLE", "PHONES", "SIP LOGINS", "NEW CLIENTS").print(agents, json: arguments.has("--json")) { agent in
                [String(agent.id), agent.name, agent.role.rawValue, agent.phones.listed, agent.sipLogins.listed,
                 agent.receivesNewClients ? "yes" : "no"]
            }
            return .ok
        case "rotate-key":
            try arguments.allow(["--config", "--json"], positional: 1)
            guard let text = arguments.positional.first, let id = Int(text) else { throw UsageError("agents rotate-key needs an agent id") }
            guard let rotated = try SwitchboardDaemon.withDirectory(configuration, { try $0.rotateKey(id: id) }) else {
                throw DomainError.notFound("no agent \(id)")
            }
            printKey(rotated, json: arguments.has("--json"), headline: ": the old key no longer works")
            return .ok
        case "remove":
            try arguments.allow(["--config", "--hand-over-to"], positional: 1)
            guard let text = arguments.positional.first, let id = Int(text) else { throw UsageError("agents remove needs an agent id") }
            let target = try arguments.value("--hand-over-to").map { value -> Int in
                guard let target = Int(value) else { throw UsageError("--hand-over-to needs an agent id") }
                return target
            }
            let handed = try SwitchboardDaemon.withDirectory(configuration) { try $0.remove(id: id, handOverTo: target) }
            guard let handed else { throw DomainError.notFound("no agent \(id)") }
            if let target, handed.clients + handed.openTasks > 0 {
                print("removed agent \(id); agent \(target) now has their \(handed.clients) client(s) and \(handed.openTasks) open task(s)")
            } else {
                print("removed agent \(id)")
            }
            return .ok
        default:
            throw UsageError("unknown agents command '\(sub)'")
        }
    }
}

extension Commands {
    /// `agents update`'s options: each given one replaces that property (`--sip` and `--phone`, repeated, the whole list).
    static func agentChange(_ arguments: Arguments) throws -> AgentDirectory.Change {
        if arguments.has("--receives-new-clients") && arguments.has("--no-receives-new-clients") {
            throw UsageError("--receives-new-clients and --no-receives-new-clients contradict each other")
        }
        let role = try arguments.value("--role").map { text -> Agent.Role in
            guard let role = Agent.Role(rawValue: text) else {
                throw UsageError("--role must be one of: \(Agent.Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return role
        }
        // --sip/--phone replace the list; --no-sip/--no-phone empty it.
        func list(_ option: String, none: String) throws -> [String]? {
            let values = arguments.values(option)
            if arguments.has(none) {
                guard values.isEmpty else { throw UsageError("\(option) and \(none) contradict each other") }
                return []
            }
            return values.isEmpty ? nil : values
        }
        return AgentDirectory.Change(
            name: arguments.value("--name"), role: role, phones: try list("--phone", none: "--no-phone"),
            sipLogins: try list("--sip", none: "--no-sip"),
            receivesNewClients: arguments.has("--receives-new-clients") ? true : arguments.has("--no-receives-new-clients") ? false : nil)
    }
}
