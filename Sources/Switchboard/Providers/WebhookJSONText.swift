import Foundation
import Telemetry

/// Writes a value made by `WebhookJSONParser` (dictionaries, arrays, String, NSNumber,
/// NSNull) back to compact JSON with sorted keys, as JSONSerialization with `.sortedKeys`
/// does, for the provider objects kept verbatim on a message (interactive, referral…).
/// JSONSerialization cost ~60k instructions per Meta message here.
enum WebhookJSONText {
    static func text(_ value: Any) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        guard append(value, to: &out) else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    private static func append(_ value: Any, to out: inout [UInt8]) -> Bool {
        switch value {
        case let string as String:
            JSONLine.appendString(string, to: &out)
        case let object as [String: Any]:
            out.append(UInt8(ascii: "{"))
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONLine.appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                guard let member = object[key], append(member, to: &out) else { return false }
            }
            out.append(UInt8(ascii: "}"))
        case let array as [Any]:
            out.append(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                guard append(element, to: &out) else { return false }
            }
            out.append(UInt8(ascii: "]"))
        case is NSNull:
            out.append(contentsOf: "null".utf8)
        case let number as NSNumber:
            // The parser makes booleans with NSNumber(value: Bool), whose type is "c".
            if String(cString: number.objCType) == "c" {
                out.append(contentsOf: (number.boolValue ? "true" : "false").utf8)
            } else if String(cString: number.objCType) == "d" || String(cString: number.objCType) == "f" {
                guard number.doubleValue.isFinite else { return false }
                out.append(contentsOf: "\(number.doubleValue)".utf8)
            } else {
                out.append(contentsOf: number.stringValue.utf8)
            }
        default:
            return false
        }
        return true
    }
}
