import Foundation
@testable import Switchboard
import XCTest

/// The webhook JSON parser must accept what JSONSerialization accepts, with equal values,
/// except trailing commas, which RFC 8259 does not allow and JSONSerialization does.
final class WebhookJSONParserTests: XCTestCase {
    private var random = SeededRandom(seed: 20261123)

    func testAgreesWithJSONSerializationOnGeneratedDocuments() throws {
        for _ in 0..<3000 {
            let text = document()
            try assertAgreement(Array(text.utf8), context: text)
        }
    }

    func testAgreesWithJSONSerializationOnBrokenDocuments() throws {
        let alphabet = Array(#"{}[]:,"\ -+.eE0123456789tfnulr/buabcxyz"#.utf8) + [0x00, 0x09, 0x0A, 0x1F, 0x7F]
        var rejected = 0
        for _ in 0..<6000 {
            var bytes = Array(document().utf8)
            for _ in 0..<(1 + random.next(3)) {
                let at = random.next(bytes.count)
                switch random.next(3) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(alphabet[random.next(alphabet.count)], at: at)
                default: bytes[at] = alphabet[random.next(alphabet.count)]
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            if try !assertAgreement(bytes, context: String(decoding: bytes, as: UTF8.self)) { rejected += 1 }
        }
        XCTAssertGreaterThan(rejected, 1000, "the mutations must produce plenty of invalid documents")
    }

    func testWrittenBackTextParsesToTheSameValueWithSortedKeys() throws {
        for _ in 0..<2000 {
            let value = try WebhookJSONParser.parse(Array(document().utf8), depthLimit: 64)
            let text = try XCTUnwrap(WebhookJSONText.text(value))
            let again = try WebhookJSONParser.parse(Array(text.utf8), depthLimit: 64)
            XCTAssertTrue(equal(value, again), text)
            let foundation = try JSONSerialization.jsonObject(with: Data(text.utf8))
            XCTAssertTrue(equal(again, foundation), "JSONSerialization reads it the same: \(text)")
        }
        let sample = try WebhookJSONParser.parse(Array(#"{"b":[true,false,null,1,-2.5,"x/y"],"a":{"d":1,"c":"\u00e9"}}"#.utf8), depthLimit: 8)
        XCTAssertEqual(WebhookJSONText.text(sample), #"{"a":{"c":"é","d":1},"b":[true,false,null,1,-2.5,"x/y"]}"#)
    }

    /// `eachMember` (the native format's reader) sees exactly the object `parse` builds:
    /// same members with the last of a repeated key winning, same refusals and reasons.
    func testMembersAgreeWithTheParsedObject() throws {
        let alphabet = Array(#"{}[]:,"\ -+.eE0123456789tfnul"#.utf8)
        for round in 0..<4000 {
            var bytes = Array(document().utf8)
            if round % 3 == 0 {   // repeated keys
                bytes = Array((#"{"callId":"a","x":1,"callId":"#.utf8)) + Array(document().utf8) + [0x7D]
            }
            if round % 2 == 1, !bytes.isEmpty { bytes[random.next(bytes.count)] = alphabet[random.next(alphabet.count)] }
            let context = String(decoding: bytes, as: UTF8.self)
            let parsed = Result { try WebhookJSONParser.parse(bytes, depthLimit: 32) }
            let members = Result { () throws(WebhookJSONParser.Failure) -> [(key: String, value: Any)]? in
                var pairs: [(key: String, value: Any)] = []
                let isObject = try WebhookJSONParser.eachMember(of: bytes, depthLimit: 32) { key, member in pairs.append((key, member.value)) }
                return isObject ? pairs : nil
            }
            switch (parsed, members) {
            case (.success(let value as [String: Any]), .success(let pairs?)):
                let rebuilt = Dictionary(pairs, uniquingKeysWith: { _, last in last })
                XCTAssertTrue(equal(value, rebuilt), context)
            case (.success(let value), .success(nil)):
                XCTAssertFalse(value is [String: Any], "members refused an object: \(context)")
            case (.failure(let a as WebhookJSONParser.Failure), .failure(let b)):
                XCTAssertEqual(a.reason, b.reason, context)
            case (.failure, .success(nil)):
                XCTAssertNotEqual(context.trimmingCharacters(in: .whitespacesAndNewlines).first, "{", context)
            default:
                XCTFail("parse and members disagree on \(context.debugDescription): \(parsed) vs \(members)")
            }
        }
    }

    func testEdgeCases() throws {
        for text in [#"{"a":"\ud83d\ude00","b":"\u00e9\n\t\"\\\/"}"#, #"{"n":[0,-0,1e3,1.5E-3,-12.25,9223372036854775807,99999999999999999999]}"#,
                     #"{"a":"\ud83d"}"#, #"{"a":"\ude00x"}"#, #"{"a":01}"#, #"{"a":1.}"#, #"{"a":.5}"#, #"{"a":+1}"#, #"{"a":tru}"#,
                     #"{"a":1,}"#, #"{,}"#, "{\"a\":\"x\ty\"}", #" {"a" : [ ] } "#, #"{"a":{}}x"#, #"[1,2]"#, #""str""#,
                     "{\"caf\u{e9}\":\"\u{1F600}\"}", #"{"a":1e999}"#] {
            try assertAgreement(Array(text.utf8), context: text)
        }
        XCTAssertThrowsError(try WebhookJSONParser.parse(Array((String(repeating: "[", count: 40) + String(repeating: "]", count: 40)).utf8),
                                                         depthLimit: 32))
        XCTAssertThrowsError(try WebhookJSONParser.parse([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], depthLimit: 32), "invalid UTF-8")
    }

    /// True when both accepted (with equal values), false when both refused; a failure otherwise.
    @discardableResult
    private func assertAgreement(_ bytes: [UInt8], context: String) throws -> Bool {
        let ours = try? WebhookJSONParser.parse(bytes, depthLimit: 64)
        let theirs = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        switch (ours, theirs) {
        case (nil, nil): return false
        case (let a?, let b?):
            XCTAssertTrue(equal(a, b), "different values for \(context): \(a) vs \(b)")
            return true
        case (nil, let b?):
            // The one known difference: JSONSerialization takes trailing commas ({"a":1,}); RFC 8259
            // and this parser do not. Without them the document must parse to the same value.
            let text = String(decoding: bytes, as: UTF8.self)
            let stripped = text.replacingOccurrences(of: #",[ \t\r\n]*([}\]])"#, with: "$1", options: .regularExpression)
            if stripped != text, let again = try? WebhookJSONParser.parse(Array(stripped.utf8), depthLimit: 64), equal(again, b) {
                return false
            }
            XCTFail("disagreement on \(context.debugDescription): ours refused, JSONSerialization \(b)")
            return false
        default:
            XCTFail("disagreement on \(context.debugDescription): ours \(ours.map { "\($0)" } ?? "refused"), JSONSerialization \(theirs.map { "\($0)" } ?? "refused")")
            return ours != nil
        }
    }

    private func equal(_ a: Any, _ b: Any) -> Bool {
        switch (a, b) {
        case (let x as [String: Any], let y as [String: Any]):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { equal(value, $0) } ?? false }
        case (let x as [Any], let y as [Any]):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (let x as String, let y as String): return x == y
        case (is NSNull, is NSNull): return true
        case (let x as NSNumber, let y as NSNumber): return x.doubleValue == y.doubleValue || x.stringValue == y.stringValue
        default: return false
        }
    }

    // MARK: - Generator

    private func document() -> String { object(depth: 0) }

    private func value(depth: Int) -> String {
        switch random.next(depth > 3 ? 5 : 7) {
        case 0: return string()
        case 1: return number()
        case 2: return ["true", "false", "null"][random.next(3)]
        case 3, 4: return string()
        case 5: return object(depth: depth + 1)
        default: return array(depth: depth + 1)
        }
    }

    private func object(depth: Int) -> String {
        let members = (0..<random.next(5)).map { _ in space() + string() + space() + ":" + space() + value(depth: depth) + space() }
        return "{" + members.joined(separator: ",") + space() + "}"
    }

    private func array(depth: Int) -> String {
        "[" + (0..<random.next(4)).map { _ in space() + value(depth: depth) + space() }.joined(separator: ",") + "]"
    }

    private func space() -> String { ["", "", "", " ", "\n", "\t ", "\r\n"][random.next(7)] }

    private func number() -> String {
        let forms = ["0", "-1", "42", "-0", "3.25", "1e5", "2E-3", "-7.5e+2", "123456789012", "0.000001"]
        return forms[random.next(forms.count)]
    }

    private func string() -> String {
        let pieces = ["a", "callId", "+40722123456", "é", "😀", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\ud83d\\ude00", "\\t", " ", "x y"]
        return "\"" + (0..<random.next(4)).map { _ in pieces[random.next(pieces.count)] }.joined() + "\""
    }
}

/// A small deterministic generator (SplitMix64), so a failure reproduces.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return bound <= 1 ? 0 : Int(z % UInt64(bound))
    }
}
