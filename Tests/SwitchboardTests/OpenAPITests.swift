import Foundation
@testable import Switchboard
import TestSupport
import XCTest

/// `GET /api/v1/openapi.json` serves the OpenAPI 3.1 document, and the document stays true to
/// the router: every registered route is documented with its method, and nothing else is.
final class OpenAPITests: XCTestCase {
    var t: TestDaemon!

    override func setUpWithError() throws { t = try TestDaemon() }
    override func tearDown() { t?.stop() }

    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// The document as served, without an API key.
    func fetchDocument() throws -> (raw: [UInt8], document: [String: Any]) {
        let response = try t.send("GET", "/api/v1/openapi.json")
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertEqual(response.header("content-type"), "application/json")
        let parsed = try JSONSerialization.jsonObject(with: Data(response.body))
        let document = try XCTUnwrap(parsed as? [String: Any], "the document is not a JSON object")
        return (response.body, document)
    }

    /// (METHOD, /path/{name}) of every documented operation.
    static func documentedOperations(_ document: [String: Any]) throws -> Set<String> {
        let paths = try XCTUnwrap(document["paths"] as? [String: Any], "no paths")
        var operations: Set<String> = []
        for (path, item) in paths {
            let item = try XCTUnwrap(item as? [String: Any], "path item \(path) is not an object")
            for method in item.keys where methods.contains(method) { operations.insert("\(method.uppercased()) \(path)") }
        }
        return operations
    }

    func testDocumentIsOpenAPI31AndMatchesTheRouter() throws {
        let (_, document) = try fetchDocument()
        let version = try XCTUnwrap(document["openapi"] as? String)
        XCTAssertTrue(version.hasPrefix("3.1"), "openapi is \(version)")
        XCTAssertEqual((document["info"] as? [String: Any])?["version"] as? String, SwitchboardVersion.current)

        let registered = Set(t.daemon.routes.map { route in
            let path = route.pattern.split(separator: "/", omittingEmptySubsequences: false).map { segment in
                segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
            }.joined(separator: "/")
            return "\(route.method) \(path)"
        })
        XCTAssertFalse(registered.isEmpty)
        XCTAssertTrue(registered.contains("GET /api/v1/openapi.json"))
        let documented = try Self.documentedOperations(document)
        XCTAssertEqual(registered.subtracting(documented).sorted(), [], "registered but not documented")
        XCTAssertEqual(documented.subtracting(registered).sorted(), [], "documented but not registered")
    }

    /// Each member of the native examples in webhooks/ has a type the NativeCallEvent schema
    /// allows (native-missed.json's Unix-seconds `occurredAt` was refused by a validating client).
    /// Found by schemathesis against a running daemon: a client made from the document met a
    /// status it does not list, and read the live stream's events as one string.
    func testAnsweredStatusesAndTheEventStreamAreDocumented() throws {
        let (_, document) = try fetchDocument()
        let paths = try XCTUnwrap(document["paths"] as? [String: Any])
        func operation(_ method: String, _ path: String) throws -> [String: Any] {
            try XCTUnwrap((paths[path] as? [String: Any])?[method] as? [String: Any], "\(method) \(path)")
        }

        // A PATCH giving a channel another channel's phoneNumberId is a 409.
        XCTAssertEqual(try t.api("POST", "/api/v1/channels", body: ["name": "a", "phoneNumberId": "11", "appSecret": "s"]).status, 201)
        let second = try t.api("POST", "/api/v1/channels", body: ["name": "b", "phoneNumberId": "22", "appSecret": "s"])
        let id = try XCTUnwrap(second.json["id"] as? Int, second.text)
        let taken = try t.api("PATCH", "/api/v1/channels/\(id)", body: ["phoneNumberId": "11"])
        XCTAssertEqual(taken.status, 409, taken.text)
        let responses = try XCTUnwrap(try operation("patch", "/api/v1/channels/{id}")["responses"] as? [String: Any])
        XCTAssertNotNil(responses["409"], "PATCH /api/v1/channels/{id} answers 409 without documenting it")

        // Each Server-Sent Event is described as what it is: an event name, an id, JSON data.
        let stream = try XCTUnwrap(((try operation("get", "/api/v1/events")["responses"] as? [String: Any])?["200"]
            as? [String: Any])?["content"] as? [String: Any])
        let schema = try XCTUnwrap((stream["text/event-stream"] as? [String: Any])?["schema"] as? [String: Any])
        XCTAssertEqual(schema["type"] as? String, "object")
        XCTAssertEqual(Set((schema["properties"] as? [String: Any] ?? [:]).keys), ["id", "event", "data"])
    }

    func testNativeExamplesFitTheNativeCallEventSchema() throws {
        let (_, document) = try fetchDocument()
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any]
        let properties = try XCTUnwrap((schemas?["NativeCallEvent"] as? [String: Any])?["properties"] as? [String: Any])
        let webhooks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("webhooks")
        for kind in ["ringing", "answered", "ended", "missed"] {
            let data = try Data(contentsOf: webhooks.appendingPathComponent("native-\(kind).json"))
            let example = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            for (key, value) in example {
                let property = try XCTUnwrap(properties[key] as? [String: Any], "native-\(kind).json: \(key) is not in the schema")
                let allowed = (property["type"] as? [String]) ?? [property["type"] as? String ?? ""]
                let actual: String
                switch value {
                case is String: actual = "string"
                case let number as NSNumber:
                    actual = String(cString: number.objCType) == "c" ? "boolean" : number.doubleValue == number.doubleValue.rounded() ? "integer" : "number"
                case is [Any]: actual = "array"
                default: actual = "object"
                }
                XCTAssertTrue(allowed.contains(actual) || (actual == "integer" && allowed.contains("number")),
                              "native-\(kind).json: \(key) is \(actual), the schema allows \(allowed)")
            }
        }
    }

    /// The DialerSettings schema forbids other properties, so a setting missing from it is one a
    /// validating client cannot send (`sipDomain` was): every member of the settings is in it.
    func testDialerSettingsSchemaHasEveryMember() throws {
        let (_, document) = try fetchDocument()
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any]
        let properties = try XCTUnwrap((schemas?["DialerSettings"] as? [String: Any])?["properties"] as? [String: Any])
        var full = DialerSettings()
        (full.apiBase, full.apiKey, full.projectId, full.callerId, full.statusCallback) = ("b", "k", "p", "c", "s")
        (full.sipAccount, full.sipDomain, full.timeoutSeconds, full.presenceSeconds) = ("a", "d", 1, 1)
        (full.template, full.presenceURL, full.extended) = (DialTemplate(method: "POST", url: "u"), "u", true)
        let encoded = try XCTUnwrap(try JSONSerialization.jsonObject(with: JSONEncoder().encode(full)) as? [String: Any])
        XCTAssertEqual(Set(encoded.keys).subtracting(properties.keys).sorted(), [])
    }

    func testAPIOperationsNeedTheBearerKeyAndDocumentTheErrorBody() throws {
        let (_, document) = try fetchDocument()
        let components = try XCTUnwrap(document["components"] as? [String: Any])
        let schemes = try XCTUnwrap(components["securitySchemes"] as? [String: Any])
        let apiKey = try XCTUnwrap(schemes["apiKey"] as? [String: Any])
        XCTAssertEqual(apiKey["type"] as? String, "http")
        XCTAssertEqual(apiKey["scheme"] as? String, "bearer")
        let error = try XCTUnwrap((components["schemas"] as? [String: Any])?["Error"] as? [String: Any])
        let inner = try XCTUnwrap((error["properties"] as? [String: Any])?["error"] as? [String: Any])
        XCTAssertEqual(Set(inner["required"] as? [String] ?? []), ["code", "message"])
        for name in ["Agent", "Integration", "Contact", "Call", "Deal", "Task", "TimelinePage", "Message", "Channel",
                     "CannedAnswer", "ClickToCallResult", "Conversation"] {
            XCTAssertNotNil((components["schemas"] as? [String: Any])?[name], "no schema \(name)")
        }

        let paths = try XCTUnwrap(document["paths"] as? [String: Any])
        for (path, item) in paths where path.hasPrefix("/api/v1/") && path != "/api/v1/openapi.json" {
            for (method, operation) in item as? [String: Any] ?? [:] where Self.methods.contains(method) {
                let operation = try XCTUnwrap(operation as? [String: Any])
                let security = operation["security"] as? [[String: Any]] ?? []
                XCTAssertTrue(security.contains { $0["apiKey"] != nil }, "\(method) \(path) does not require the API key")
                let responses = operation["responses"] as? [String: Any] ?? [:]
                XCTAssertNotNil(responses["401"], "\(method) \(path) does not document 401")
            }
        }
        // The document itself is served without a key, as it says.
        let openapi = (paths["/api/v1/openapi.json"] as? [String: Any])?["get"] as? [String: Any]
        XCTAssertEqual((openapi?["security"] as? [Any])?.count, 0)
    }

    /// Validates the served document with openapi-spec-validator, when Python has it.
    func testDocumentPassesOpenAPISpecValidator() throws {
        let check = try Subprocess.run("/usr/bin/env", ["python3", "-c", "import openapi_spec_validator"])
        guard check.status == 0 else { throw XCTSkip("python3 with openapi_spec_validator is not available") }
        let (raw, _) = try fetchDocument()
        let dir = try TemporaryDirectory()
        let file = dir.path("openapi.json")
        try Data(raw).write(to: URL(fileURLWithPath: file))
        let script = """
            import json, sys
            from openapi_spec_validator import validate
            with open(sys.argv[1]) as f:
                validate(json.load(f))
            """
        let result = try Subprocess.run("/usr/bin/env", ["python3", "-c", script, file])
        XCTAssertEqual(result.status, 0, "openapi-spec-validator: \(result.stderr)\(result.stdout)")
    }
}
