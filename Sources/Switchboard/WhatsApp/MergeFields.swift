import Foundation

/// `{{contact.firstName}}`-style placeholders in message texts, template parameters and canned answers.
///
/// An unknown name is an error rather than text sent as-is: a typo would otherwise reach the client.
struct MergeFields: Sendable {
    /// Every placeholder we fill, in the order the README lists them.
    static let names = ["contact.firstName", "contact.name", "contact.phone", "deal.title", "agent.name"]

    /// Values by name; a missing one renders empty.
    var values: [String: String]

    /// The values for a message from `agent` to `contact` about `dealTitle`.
    init(contactName: String, phone: String?, dealTitle: String?, agentName: String) {
        let first = contactName.split(separator: " ").first.map(String.init) ?? contactName
        values = ["contact.firstName": first, "contact.name": contactName, "contact.phone": phone ?? "",
                  "deal.title": dealTitle ?? "", "agent.name": agentName]
    }

    /// `text` with every placeholder replaced.
    /// - Throws: `DomainError.unprocessable` naming the first unknown placeholder.
    func render(_ text: String) throws -> String {
        try Self.substitute(text) { values[$0] ?? "" }
    }

    /// Checks that `text` uses only known placeholders (canned answers are checked when saved).
    static func validate(_ text: String) throws {
        _ = try substitute(text) { _ in "" }
    }

    private static func substitute(_ text: String, _ value: (String) -> String) throws -> String {
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
            out += value(name)
            rest = rest[close.upperBound...]
        }
        out += rest
        return out
    }
}
