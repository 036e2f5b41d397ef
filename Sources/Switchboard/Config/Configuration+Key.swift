import Foundation

extension Configuration {
    /// One configuration key: its JSON name, environment name and typed setter.
    struct Key: Sendable {
        let name: String
        private let setter: @Sendable (inout Configuration, Any, String) throws(ConfigurationError) -> Void

        /// `SWITCHBOARD_` + SCREAMING_SNAKE_CASE of the name.
        var environmentName: String {
            var out = "SWITCHBOARD_"
            for character in name {
                if character.isUppercase { out += "_" }
                out += character.uppercased()
            }
            return out.replacingOccurrences(of: "_U_R_L", with: "_URL")
        }

        func apply(json: Any, to configuration: inout Configuration, source: String) throws(ConfigurationError) {
            try setter(&configuration, json, source)
        }

        func apply(text: String, to configuration: inout Configuration, source: String) throws(ConfigurationError) {
            try setter(&configuration, text, source)
        }

        static func string(_ name: String, _ path: WritableKeyPath<Configuration, String> & Sendable) -> Key {
            Key(name: name) { (configuration: inout Configuration, value: Any, source: String) throws(ConfigurationError) in
                guard let text = value as? String else {
                    throw ConfigurationError(key: source, message: "expected a string")
                }
                configuration[keyPath: path] = text
            }
        }

        static func int(_ name: String, _ path: WritableKeyPath<Configuration, Int> & Sendable, min: Int, max: Int = Int.max) -> Key {
            Key(name: name) { (configuration: inout Configuration, value: Any, source: String) throws(ConfigurationError) in
                let number: Int?
                if let text = value as? String { number = Int(text.trimmingCharacters(in: .whitespaces)) }
                // Exactly: 1e30 is no integer (intValue overflowed), 2.5 neither; Int.max is one.
                else if let n = value as? NSNumber, !WebhookFields.isBoolean(n) { number = Int(exactly: n) ?? Int(exactly: n.doubleValue) }
                else { number = nil }
                guard let number else { throw ConfigurationError(key: source, message: "expected an integer, got \(value)") }
                guard number >= min else { throw ConfigurationError(key: source, message: "must be at least \(min)") }
                guard number <= max else { throw ConfigurationError(key: source, message: "must be at most \(max)") }
                configuration[keyPath: path] = number
            }
        }

        /// The longest any timeout or interval may be set to.
        static let maximumSeconds = 86_400.0

        static func double(_ name: String, _ path: WritableKeyPath<Configuration, Double> & Sendable) -> Key {
            Key(name: name) { (configuration: inout Configuration, value: Any, source: String) throws(ConfigurationError) in
                let number: Double?
                if let text = value as? String { number = Double(text.trimmingCharacters(in: .whitespaces)) }
                else if let n = value as? NSNumber, !WebhookFields.isBoolean(n) { number = n.doubleValue }
                else { number = nil }
                guard let number, number > 0, number.isFinite else {
                    throw ConfigurationError(key: source, message: "expected a positive number of seconds, got \(value)")
                }
                // Timers are nanoseconds in 64 bits: 1e11 s crashed the daemon. A day is more than any of them needs.
                guard number <= Self.maximumSeconds else {
                    throw ConfigurationError(key: source, message: "must be at most \(Int(Self.maximumSeconds)) seconds (a day), got \(value)")
                }
                configuration[keyPath: path] = number
            }
        }

        static func bool(_ name: String, _ path: WritableKeyPath<Configuration, Bool> & Sendable) -> Key {
            Key(name: name) { (configuration: inout Configuration, value: Any, source: String) throws(ConfigurationError) in
                let flag: Bool?
                if let text = value as? String {
                    flag = Bool(word: text)
                // A JSON true or false only: on Linux the number 1 also casts to Bool.
                } else if let n = value as? NSNumber, WebhookFields.isBoolean(n) { flag = n.boolValue } else { flag = nil }
                guard let flag else { throw ConfigurationError(key: source, message: "expected true or false, got \(value)") }
                configuration[keyPath: path] = flag
            }
        }
    }
}
