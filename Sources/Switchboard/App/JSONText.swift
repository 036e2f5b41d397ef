import Foundation
import Telemetry

/// Small JSON helpers shared by the domain: encode values for responses and columns.
enum JSONText {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder = JSONDecoder()

    /// Encodes `value` as JSON bytes; encoding our own Codable types cannot fail short of a bug.
    static func bytes<T: Encodable>(_ value: T) -> [UInt8] {
        do {
            return Array(try encoder.encode(value))
        } catch {
            preconditionFailure("encoding \(T.self) failed: \(error)")
        }
    }

    static func string<T: Encodable>(_ value: T) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// A string dictionary with sorted keys, written by hand (JSONEncoder costs tens of
    /// microseconds, and message payload columns are written on the single writer thread).
    static func string(_ value: [String: String]) -> String {
        var out: [UInt8] = []
        appendStringMap(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `value` as a JSON object with sorted keys: the same bytes as JSONEncoder
    /// with `.sortedKeys`. Shared by every hand-written payload.
    static func appendStringMap<Sink: JSONByteSink>(_ value: [String: String], to out: inout Sink) {
        out.append(byte: UInt8(ascii: "{"))
        if !value.isEmpty {   // most calls carry no UTM tags: no sorting then
            for (index, pair) in value.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out.append(byte: UInt8(ascii: ",")) }
                JSONLine.appendString(pair.key, to: &out)
                out.append(byte: UInt8(ascii: ":"))
                JSONLine.appendString(pair.value, to: &out)
            }
        }
        out.append(byte: UInt8(ascii: "}"))
    }

    /// Decodes a JSON array of strings stored in a column; empty on anything else.
    static func decodeStrings(_ text: String?) -> [String] {
        guard let text, let data = text.data(using: .utf8),
              let array = try? JSONSerialization.jsonObject(with: data) as? [String] else { return [] }
        return array
    }

    /// Decodes a JSON object of strings stored in a column; empty on anything else.
    static func decodeDictionary(_ text: String?) -> [String: String] {
        if text == nil || text == "{}" { return [:] }
        guard let text, let decoded = try? decoder.decode([String: String].self, from: Data(text.utf8)) else { return [:] }
        return decoded
    }

    /// Current time as RFC 3339 UTC with milliseconds.
    static func now() -> String { Timestamp.now() }
}
