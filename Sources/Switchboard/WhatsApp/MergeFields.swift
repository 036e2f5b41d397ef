import Foundation

/// `{{contact.firstName}}`-style placeholders in message texts, template parameters and canned answers.
///
/// An unknown name is an error rather than text sent as-is: a typo would otherwise reach the client.
struct MergeFields: Sendable {
    /// Every placeholder we fill, in the order the README lists them.
    static let names = ["contact.firstName", "contact.name", "contact.phone", "deal.title", "agent.name"]

    /// Values by name; a name without one says why (`missing`).
    var values: [String: String]
    var missing: [String: String] = [:]

    /// The values for a message from `agent` to `contact` about `dealTitle`. A contact still
    /// named after its number (every caller's contact starts so) has no name to greet.
    init(contactName: String, phone: String?, dealTitle: String?, agentName: String) {
        values = ["agent.name": agentName]
        let name = contactName.trimmedSpaces
        if name.isEmpty || name == phone || PhoneNumber.looksLikeNumber(name) {
            for field in ["contact.firstName", "contact.name"] { missing[field] = "the contact has no name yet, only its number" }
        } else {
            values["contact.name"] = name
            values["contact.firstName"] = name.split(separator: " ").first.map(String.init) ?? name
        }
        if let phone { values["contact.phone"] = phone } else { missing["contact.phone"] = "the contact has no phone number" }
        if let dealTitle, !dealTitle.isEmpty { values["deal.title"] = dealTitle } else { missing["deal.title"] = "the client has no open deal" }
    }

    /// `text` with every placeholder replaced.
    /// - Throws: `DomainError.unprocessable` naming the first unknown placeholder, or the first
    ///   one this client has no value for (the message would reach them with a gap).
    func render(_ text: String) throws -> String {
        try Self.substitute(text) { name in
            if let value = values[name] { return value }
            throw DomainError.unprocessable("{{\(name)}} has no value here: \(missing[name] ?? "unknown"); write the text without it")
        }
    }

    /// Checks that `text` uses only known placeholders (canned answers are checked when saved).
    static func validate(_ text: String) throws {
        _ = try substitute(text) { _ in "" }
    }

    private static func substitute(_ text: String, _ value: (String) throws -> String) throws -> String {
        var out = ""
        var rest = text[...]
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                out += rest[open.lowerBound...]
                return out
            }
            let name = String(rest[open.upperBound..<close.lowerBound]).trimmedSpaces
            guard names.contains(name) else {
                throw DomainError.unprocessable("unknown merge field {{\(name)}}; known: " + names.map { "{{\($0)}}" }.joined(separator: ", "))
            }
            out += try value(name)
            rest = rest[close.upperBound...]
        }
        out += rest
        return out
    }
}
