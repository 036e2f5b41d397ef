import Foundation

extension DecodingError {
    /// Where in the value it went wrong (".closedDealsPolicy", "[2]") and what, in words: the
    /// raw description ("dataCorrupted(Swift.DecodingError.Context(codingPath: …") told a user nothing.
    public var described: (path: String, message: String) {
        let context: Context
        let message: String
        switch self {
        case .typeMismatch(let type, let c): (context, message) = (c, "expected \(Self.name(of: type))")
        case .valueNotFound(let type, let c): (context, message) = (c, "expected \(Self.name(of: type)), got null")
        case .keyNotFound(let key, let c): (context, message) = (c, "\(key.stringValue) is missing")
        case .dataCorrupted(let c): (context, message) = (c, c.debugDescription)
        @unknown default: return ("", "\(self)")
        }
        let path = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
        return (path, message)
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default: return "\(type)"
        }
    }
}
