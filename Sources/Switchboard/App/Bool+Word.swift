import Foundation

extension Bool {
    /// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off` in any case (settings in the environment,
    /// PBX bridges that send every value as text); nil for anything else.
    init?(word: String) {
        switch word.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "1", "yes", "on": self = true
        case "false", "0", "no", "off": self = false
        default: return nil
        }
    }
}
