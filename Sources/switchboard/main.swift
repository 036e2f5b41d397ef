import Foundation
import Switchboard

/// Entry point: parse the command line, wire the daemon, map failures to exit codes.
let words = Array(CommandLine.arguments.dropFirst())
let code: ExitCode
do {
    code = try run(words)
} catch let error as UsageError {
    FileHandle.standardError.write(Data("error: \(error.description)\nRun 'switchboard --help' for usage.\n".utf8))
    code = .usage
} catch let error as ConfigurationError {
    FileHandle.standardError.write(Data("\(error.description)\n".utf8))
    code = .config
} catch let error as DomainError {
    FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
    code = error.status == 404 ? .notFound : .dataError
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    code = .failure
}
exit(code.rawValue)

func run(_ words: [String]) throws -> ExitCode {
    guard let command = words.first else {
        print(Help.main)
        return .usage
    }
    let rest = Array(words.dropFirst())
    switch command {
    case "--help", "-h", "help":
        print(Help.main)
        return .ok
    case "version", "--version":
        if rest == ["--help"] || rest == ["-h"] {
            print(Help.version)
            return .ok
        }
        if let extra = rest.first { throw UsageError("unexpected argument \(extra)") }
        print("switchboard \(SwitchboardVersion.current)")
        return .ok
    case "serve":
        return try Commands.serve(try Arguments(rest))
    case "migrate":
        return try Commands.migrate(try Arguments(rest))
    case "agents":
        return try Commands.agents(rest)
    case "integrations":
        return try Commands.integrations(rest)
    case "channels":
        return try Commands.channels(rest)
    case "sip":
        return try Commands.sip(rest)
    case "rebuild":
        return try Commands.rebuild(try Arguments(rest))
    default:
        throw UsageError("unknown command '\(command)'")
    }
}
