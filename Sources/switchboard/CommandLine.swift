/// Parsed `--flag value` and `--switch` options plus positional words.
struct Arguments {
    var positional: [String] = []
    var options: [String: [String]] = [:]
    var switches: Set<String> = []
    /// The last word was an option without its value: reported by `allow` (or when the value is
    /// read), after unknown options, so `--bogus` says "unknown option" and not "needs a value".
    var missingValue: String?
    /// Options whose value is a word starting with `--` (a secret may): `allow` refuses the pair
    /// when that word is one of the command's own options (`--name --json` lacks its value).
    var dashedValues: [(option: String, value: String)] = []

    /// Flags that take no value.
    static let switchNames: Set<String> = ["--json", "--help", "-h", "--receives-new-clients", "--no-receives-new-clients",
                                                "--no-sip", "--no-phone"]

    init(_ words: [String]) throws(UsageError) {
        var index = 0
        while index < words.count {
            let word = words[index]
            if Self.switchNames.contains(word) {
                switches.insert(word == "-h" ? "--help" : word)
            } else if word.hasPrefix("--") {
                if let eq = word.firstIndex(of: "=") {
                    options[String(word[..<eq]), default: []].append(String(word[word.index(after: eq)...]))
                } else {
                    guard index + 1 < words.count else {
                        missingValue = word
                        break
                    }
                    if words[index + 1].hasPrefix("--") { dashedValues.append((word, words[index + 1])) }
                    options[word, default: []].append(words[index + 1])
                    index += 1
                }
            } else {
                positional.append(word)
            }
            index += 1
        }
    }

    /// Whether `word` is one of `names` or a switch, alone or as `--option=value`.
    static func isOption(_ word: String, of names: Set<String>) -> Bool {
        let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
        return names.contains(name) || switchNames.contains(name)
    }

    /// `--config`'s value, read before a command checks its options: "--config needs a value"
    /// rather than a file named "--name".
    func configPath() throws(UsageError) -> String? {
        if missingValue == "--config" { throw UsageError("--config needs a value") }
        if let taken = dashedValues.first(where: { $0.option == "--config" && $0.value.hasPrefix("--") }) {
            throw UsageError("--config needs a value (\(taken.value) is an option)")
        }
        return value("--config")
    }

    func value(_ name: String) -> String? { options[name]?.last }
    func values(_ name: String) -> [String] { options[name] ?? [] }
    func has(_ name: String) -> Bool { switches.contains(name) }

    /// Fails on options the command does not know, and on words past the `positional` it
    /// takes (`agents remove 1 extra`), so typos do not pass silently.
    func allow(_ names: Set<String>, positional count: Int = 0) throws(UsageError) {
        if positional.count > count { throw UsageError("unexpected argument \(positional[count])") }
        if let taken = dashedValues.first(where: { Self.isOption($0.value, of: names) }) {
            throw UsageError("\(taken.option) needs a value (\(taken.value) is an option)")
        }
        for name in options.keys where !names.contains(name) { throw UsageError("unknown option \(name)") }
        for name in switches where !names.contains(name) && name != "--help" { throw UsageError("unknown option \(name)") }
        if let missingValue {
            throw UsageError(names.contains(missingValue) ? "\(missingValue) needs a value" : "unknown option \(missingValue)")
        }
    }
}

/// Wrong use of the command line (exit 64, EX_USAGE).
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Exit codes (sysexits.h), so scripts can tell failures apart.
enum ExitCode: Int32 {
    case ok = 0
    case failure = 1
    case usage = 64
    case dataError = 65
    case notFound = 66
    case config = 78
}
