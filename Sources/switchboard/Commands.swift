import Foundation
import Switchboard

/// The commands: each parses its options and calls into the Switchboard module.
enum Commands {
    /// The configuration; when its database file does not exist yet, says on stderr that a new
    /// one is made and where: an admin command run from another folder made an empty
    /// `./switchboard.db` there without a word, and printed a key the daemon did not know.
    /// What a command group (`agents`, `integrations`, `channels`) does with its words.
    enum Subcommand {
        /// Help was printed (or nothing was asked): exit with this.
        case done(ExitCode)
        case run(String, Arguments, Configuration)
    }

    /// Parses a group's words: help, or a known subcommand with its options and the
    /// configuration. An unknown subcommand is a usage error before the configuration is read
    /// (which says it is creating a database that a typo then never made).
    static func subcommand(_ words: [String], of group: String, _ known: [String], help: String) throws -> Subcommand {
        let arguments = try Arguments(Array(words.dropFirst()))
        guard let sub = words.first, sub != "--help", sub != "-h" else {
            print(help)
            return .done(words.isEmpty ? .usage : .ok)
        }
        if arguments.has("--help") { print(help); return .done(.ok) }
        guard known.contains(sub) else { throw UsageError("unknown \(group) command '\(sub)'") }
        return .run(sub, arguments, try configuration(arguments))
    }

    /// The configuration; the database is not looked at yet (the command announces a new one
    /// when it opens it, after its options were accepted).
    static func configuration(_ arguments: Arguments) throws -> Configuration {
        try Configuration.load(file: try arguments.configPath(), environment: ProcessInfo.processInfo.environment)
    }

    static func serve(_ arguments: Arguments) throws -> ExitCode {
        if arguments.has("--help") { print(Help.serve); return .ok }
        try arguments.allow(["--config"])
        // Blocked while this is the only thread, so every thread inherits the mask: a SIGTERM or
        // SIGINT stays pending until dispatch's signalfd reads it for the sources below, however
        // early it comes. (With SIG_IGN instead, one sent before dispatch had installed its own
        // handler was discarded: the daemon ran on.)
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        let configuration = try configuration(arguments)
        SwitchboardDaemon.announceNewDatabase(configuration)
        // Signals are taken over before anything starts, so a SIGTERM during start-up still stops gracefully.
        let stop = DispatchSemaphore(value: 0)
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { stop.signal() }
            source.resume()
            sources.append(source)
        }
        let daemon = try SwitchboardDaemon(configuration: configuration)
        try daemon.start()
        stop.wait()
        daemon.shutdown()
        sources.forEach { $0.cancel() }
        return .ok
    }

    static func migrate(_ arguments: Arguments) throws -> ExitCode {
        if arguments.has("--help") { print(Help.migrate); return .ok }
        try arguments.allow(["--config"])
        let configuration = try configuration(arguments)
        let applied = try SwitchboardDaemon.migrate(configuration: configuration)
        print(applied.isEmpty ? "database is up to date" : "applied: \(applied.joined(separator: ", "))")
        return .ok
    }
}

extension Commands {
    static func integrations(_ words: [String]) throws -> ExitCode {
        let (sub, arguments, configuration): (String, Arguments, Configuration)
        switch try subcommand(words, of: "integrations", ["add", "list", "rotate-secret", "remove"], help: Help.integrations) {
        case .done(let code): return code
        case .run(let name, let parsed, let read): (sub, arguments, configuration) = (name, parsed, read)
        }
        switch sub {
        case "add":
            try arguments.allow(["--config", "--name", "--provider", "--region", "--provider-secret", "--settings", "--json"])
            guard let name = arguments.value("--name") else { throw UsageError("integrations add needs --name") }
            guard let provider = Integration.Provider(rawValue: arguments.value("--provider") ?? "") else {
                throw UsageError("--provider must be one of: \(Integration.Provider.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            // Settings that are not JSON, or that the API would refuse, are invalid data (exit 65)
            // like settings that decode but cannot work: the message names the setting either way.
            let settings = try arguments.value("--settings").map(IntegrationSettings.init(json:)) ?? IntegrationSettings()
            let created = try SwitchboardDaemon.withIntegrations(configuration) { directory in
                try directory.add(.init(name: name, provider: provider, region: arguments.value("--region"),
                                        providerSecret: arguments.value("--provider-secret") ?? "", settings: settings),
                                  baseURL: configuration.baseURL)
            }
            printSecret(created, json: arguments.has("--json"), headline: " (\(provider.rawValue))")
            warnAboutSetup(provider: provider, hasProviderSecret: !(arguments.value("--provider-secret") ?? "").isEmpty,
                           configuration: configuration)
            return .ok
        case "list":
            try arguments.allow(["--config", "--json"])
            let all = try SwitchboardDaemon.withIntegrations(configuration) { try $0.list() }
            Table("ID", "NAME", "PROVIDER", "REGION").print(all, json: arguments.has("--json")) { i in
                [String(i.id), i.name, i.provider.rawValue, i.region ?? "-"]
            }
            return .ok
        case "rotate-secret":
            try arguments.allow(["--config", "--json"], positional: 1)
            guard let reference = arguments.positional.first else { throw UsageError("integrations rotate-secret needs an id or name") }
            let rotated = try SwitchboardDaemon.withIntegrations(configuration) { directory -> IntegrationDirectory.Created? in
                guard let found = try directory.find(reference: reference) else { return nil }
                return try directory.rotateSecret(id: found.id, baseURL: configuration.baseURL)
            }
            guard let rotated else { throw DomainError.notFound("no integration \(reference)") }
            printSecret(rotated, json: arguments.has("--json"), headline: ": the old secret no longer works; give the provider these URLs")
            return .ok
        case "remove":
            try arguments.allow(["--config"], positional: 1)
            guard let reference = arguments.positional.first else { throw UsageError("integrations remove needs an id or name") }
            let removed = try SwitchboardDaemon.withIntegrations(configuration) { directory -> Bool in
                guard let found = try directory.find(reference: reference) else { return false }
                return try directory.remove(id: found.id)
            }
            guard removed else { throw DomainError.notFound("no integration \(reference)") }
            print("removed integration \(reference)")
            return .ok
        default:
            throw UsageError("unknown integrations command '\(sub)'")
        }
    }

    /// An agent with their one-time API key, as JSON or as lines.
    static func printKey(_ shown: AgentDirectory.Created, json: Bool, headline: String) {
        if json {
            print(SwitchboardDaemon.json(shown))
            return
        }
        print("agent \(shown.agent.id) \(shown.agent.name)\(headline)")
        print("API key (shown once): \(shown.apiKey)")
    }

    /// An integration with its one-time secret and webhook URLs, as JSON or as lines.
    private static func printSecret(_ shown: IntegrationDirectory.Created, json: Bool, headline: String) {
        if json {
            print(SwitchboardDaemon.json(shown))
            return
        }
        print("integration \(shown.integration.id) \(shown.integration.name)\(headline)")
        print("secret (shown once): \(shown.secret)")
        for (name, url) in shown.webhooks.sorted(by: { $0.key < $1.key }) { print("  \(name): \(url)") }
    }

    static func rebuild(_ arguments: Arguments) throws -> ExitCode {
        if arguments.has("--help") { print(Help.rebuild); return .ok }
        try arguments.allow(["--config"])
        let configuration = try configuration(arguments)
        var skippedCount = 0
        let applied = try SwitchboardDaemon.rebuild(configuration: configuration, progress: { done, total in
            FileHandle.standardError.write(Data("rebuild: \(done)/\(total) events\n".utf8))
        }, skipped: { id, reason in
            skippedCount += 1
            FileHandle.standardError.write(Data("rebuild: event \(id) skipped: \(reason)\n".utf8))
        })
        print("rebuilt projections from \(applied) events" + (skippedCount > 0 ? " (\(skippedCount) skipped, named above)" : ""))
        return .ok
    }
}

extension Commands {
    static func sip(_ words: [String]) throws -> ExitCode {
        let arguments = try Arguments(Array(words.dropFirst()))
        guard words.first == "list", !arguments.has("--help") else {
            print(Help.sip)
            return words.first == "--help" || arguments.has("--help") ? .ok : .usage
        }
        try arguments.allow(["--config", "--json"])
        let accounts = try SwitchboardDaemon.sipAccounts(try configuration(arguments))
        // --json: the members GET /api/v1/sip-accounts has (a script reads either the same way).
        Table("INTEGRATION", "SIP LOGIN", "AGENT", "PRESENCE").print(accounts, json: arguments.has("--json")) { a in
            let state = a.presenceError.map { "unknown: \($0)" } ?? (a.online ? "online" : "offline") + (a.onCall ? ", on a call" : "")
            return [a.integration, a.login, a.agentName ?? "-", state]
        }
        return .ok
    }
}

extension Commands {
    static func channels(_ words: [String]) throws -> ExitCode {
        let (sub, arguments, configuration): (String, Arguments, Configuration)
        switch try subcommand(words, of: "channels", ["add", "list", "rotate-secret", "remove"], help: Help.channels) {
        case .done(let code): return code
        case .run(let name, let parsed, let read): (sub, arguments, configuration) = (name, parsed, read)
        }
        switch sub {
        case "add":
            try arguments.allow(["--config", "--name", "--provider", "--phone-number-id", "--display-number", "--region",
                                 "--app-secret", "--verify-token", "--access-token", "--settings", "--json"])
            guard let name = arguments.value("--name") else { throw UsageError("channels add needs --name") }
            guard let provider = Channel.Provider(rawValue: arguments.value("--provider") ?? "meta") else {
                throw UsageError("--provider must be meta or wazzup")
            }
            var settings = ChannelSettings()
            if let text = arguments.value("--settings") {
                // Refused as the API refuses them: invalid data (exit 65), naming the setting.
                let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
                if let unknown = object.flatMap({ ChannelSettings.unknownKeys(in: $0).first }) {
                    throw DomainError.unprocessable("settings.\(unknown): unknown setting")
                }
                do { settings = try JSONDecoder().decode(ChannelSettings.self, from: Data(text.utf8)) } catch let error as DecodingError {
                    let (path, message) = error.described
                    throw DomainError.unprocessable("settings\(path): \(message)")
                } catch {
                    throw DomainError.unprocessable("--settings is not valid channel settings JSON: \(error)")
                }
            }
            let created = try SwitchboardDaemon.withChannels(configuration) { directory in
                try directory.add(.init(name: name, provider: provider, phoneNumberId: arguments.value("--phone-number-id"),
                                        displayNumber: arguments.value("--display-number"), region: arguments.value("--region"),
                                        appSecret: arguments.value("--app-secret") ?? "", verifyToken: arguments.value("--verify-token") ?? "",
                                        accessToken: arguments.value("--access-token") ?? "", settings: settings),
                                  baseURL: configuration.baseURL)
            }
            if arguments.has("--json") {
                print(SwitchboardDaemon.json(created))
            } else {
                print("channel \(created.channel.id) \(created.channel.name) (\(provider.rawValue))")
                print("webhook URL: \(created.webhook)")
            }
            return .ok
        case "list":
            try arguments.allow(["--config", "--json"])
            let all = try SwitchboardDaemon.withChannels(configuration) { try $0.list() }
            Table("ID", "NAME", "PROVIDER", "PHONE NUMBER ID", "NUMBER").print(all, json: arguments.has("--json")) { c in
                [String(c.id), c.name, c.provider.rawValue, c.phoneNumberId ?? "-", c.displayNumber ?? "-"]
            }
            return .ok
        case "rotate-secret":
            try arguments.allow(["--config", "--json"], positional: 1)
            guard let reference = arguments.positional.first else { throw UsageError("channels rotate-secret needs an id or name") }
            let rotated = try SwitchboardDaemon.withChannels(configuration) { directory -> ChannelDirectory.Created? in
                guard let found = try directory.find(reference: reference, preferringId: true) else { return nil }
                return try directory.rotateSecret(id: found.id, baseURL: configuration.baseURL)
            }
            guard let rotated else { throw DomainError.notFound("no channel \(reference)") }
            if arguments.has("--json") {
                print(SwitchboardDaemon.json(rotated))
            } else {
                print("channel \(rotated.channel.id) \(rotated.channel.name): the old secret no longer works; give Wazzup this URL")
                print("webhook URL: \(rotated.webhook)")
            }
            return .ok
        case "remove":
            try arguments.allow(["--config"], positional: 1)
            guard let reference = arguments.positional.first else { throw UsageError("channels remove needs an id or name") }
            let removed = try SwitchboardDaemon.withChannels(configuration) { directory -> Bool in
                // Here an id means that channel, not a legacy channel named with those digits.
                guard let found = try directory.find(reference: reference, preferringId: true) else { return false }
                return try directory.remove(id: found.id)
            }
            guard removed else { throw DomainError.notFound("no channel \(reference)") }
            print("removed channel \(reference)")
            return .ok
        default:
            throw UsageError("unknown channels command '\(sub)'")
        }
    }
}

extension Commands {
    /// Warnings on stderr for an integration that will refuse every webhook as set up: a signing
    /// provider without its secret, or, for Twilio (which signs the URL), URLs made from the
    /// listen address because `publicURL` is not set.
    static func warnAboutSetup(provider: Integration.Provider, hasProviderSecret: Bool, configuration: Configuration) {
        let signer: String? = switch provider {
        case .twilio: "the Twilio auth token"
        case .zadarma: "the Zadarma API secret"
        case .aircall: "the Aircall webhook token"
        case .native, .ringostat: nil
        }
        var warnings: [String] = []
        if let signer, !hasProviderSecret {
            warnings.append("no --provider-secret: every webhook is refused (401 bad_signature) until \(signer) is set "
                + "(PATCH /api/v1/integrations/{id} with providerSecret)")
        }
        if provider == .twilio && configuration.publicURL.isEmpty {
            warnings.append("publicURL is not set: Twilio signs the URL it calls, so give it a URL made from the address "
                + "it reaches this daemon at, and set publicURL to that base (the URLs above use the listen address)")
        } else if configuration.publicURL.isEmpty, let host = try? configuration.listenAddress().host,
                  ["0.0.0.0", "::"].contains(host) || (provider != .native && ["127.0.0.1", "::1", "localhost"].contains(host)) {
            // A wildcard address is no place to call, and a cloud provider cannot reach this machine's loopback.
            warnings.append("publicURL is not set: the URLs above use the listen address \(configuration.listen), which "
                + "\(provider == .native ? "no PBX can call" : "the provider cannot reach"); give it the address it reaches "
                + "this daemon at, and set publicURL to that base")
        }
        for warning in warnings { FileHandle.standardError.write(Data("switchboard: warning: \(warning)\n".utf8)) }
    }
}
