/// Names operators give agents and integrations: shown in the CLI's tables, the API and log lines.
enum GivenName {
    /// `name` without surrounding white space.
    /// - Throws: `DomainError.unprocessable` when nothing is left, or when it holds a line break
    ///   or another control character (it split the CLI's table rows).
    static func checked(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw DomainError.unprocessable("name must not be empty") }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw DomainError.unprocessable("name must not hold line breaks, tabs or other control characters")
        }
        return trimmed
    }
}
