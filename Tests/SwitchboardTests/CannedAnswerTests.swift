import Foundation
@testable import Switchboard
import TestSupport
import XCTest

/// `/api/v1/canned-answers`: saved replies with merge fields, read by all, written by supervisors and managers.
final class CannedAnswerTests: XCTestCase {
    var t: TestDaemon!

    override func setUpWithError() throws { t = try TestDaemon() }
    override func tearDown() { t.stop() }

    @discardableResult
    func create(_ name: String, _ text: String, module: String = "contact", key: String? = nil) throws -> RawResponse {
        try t.api("POST", "/api/v1/canned-answers", key: key, body: ["name": name, "text": text, "module": module])
    }

    func names(_ query: String) throws -> [String] {
        let response = try t.api("GET", "/api/v1/canned-answers\(query)")
        XCTAssertEqual(response.status, 200, response.text)
        return (response.json["cannedAnswers"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    func testCreateListSearchGetPatchAndDelete() throws {
        let created = try create("Salut", "Bună ziua, {{contact.firstName}}! Sunt {{agent.name}}.")
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(created.json["id"] as? Int)
        XCTAssertEqual(created.json["module"] as? String, "contact")
        XCTAssertEqual(created.json["createdBy"] as? Int, t.supervisorId)
        try create("Ofertă canapea", "Oferta pentru {{deal.title}}", module: "deal")
        try create("Program 50%", "Luni–vineri 9–18", module: "contact")

        XCTAssertEqual(try names(""), ["Ofertă canapea", "Program 50%", "Salut"])
        XCTAssertEqual(try names("?q=SAL"), ["Salut"], "name search ignores case")
        XCTAssertEqual(try names("?q=50%25"), ["Program 50%"], "% is searched literally")
        XCTAssertEqual(try names("?module=deal"), ["Ofertă canapea"])
        XCTAssertEqual(try names("?q=o&module=contact"), ["Program 50%"])
        XCTAssertEqual(try t.api("GET", "/api/v1/canned-answers?module=lead").status, 422)

        let one = try t.api("GET", "/api/v1/canned-answers/\(id)")
        XCTAssertEqual(one.json["text"] as? String, "Bună ziua, {{contact.firstName}}! Sunt {{agent.name}}.")
        let patched = try t.api("PATCH", "/api/v1/canned-answers/\(id)", body: ["name": "Salut scurt", "text": "Salut {{contact.firstName}}"])
        XCTAssertEqual(patched.status, 200, patched.text)
        XCTAssertEqual(patched.json["name"] as? String, "Salut scurt")
        XCTAssertEqual(patched.json["text"] as? String, "Salut {{contact.firstName}}")
        XCTAssertEqual(try t.api("PATCH", "/api/v1/canned-answers/\(id)", body: ["module": "contact", "name": "Salut"]).status, 200,
                       "the same module is not a change")
        let moved = try t.api("PATCH", "/api/v1/canned-answers/\(id)", body: ["module": "deal"])
        XCTAssertEqual(moved.status, 422, "the module is fixed once created")
        XCTAssertEqual(try t.api("GET", "/api/v1/canned-answers/\(id)").json["module"] as? String, "contact")

        XCTAssertEqual(try t.api("DELETE", "/api/v1/canned-answers/\(id)").status, 204)
        XCTAssertEqual(try t.api("GET", "/api/v1/canned-answers/\(id)").status, 404)
        XCTAssertEqual(try t.api("DELETE", "/api/v1/canned-answers/\(id)").status, 404)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/canned-answers/\(id)", body: ["name": "x"]).status, 404)
    }

    func testInvalidAnswersAreRefusedNamingTheProblem() throws {
        XCTAssertEqual(try create("", "x").status, 422)
        XCTAssertEqual(try create("x", "").status, 422)
        XCTAssertEqual(try t.api("POST", "/api/v1/canned-answers", body: ["name": "x", "text": "y"]).status, 422, "module is required")
        XCTAssertEqual(try create("x", "y", module: "lead").status, 422)
        let unknown = try create("x", "Salut {{contact.email}}")
        XCTAssertEqual(unknown.status, 422)
        XCTAssertTrue(unknown.text.contains("contact.email"), unknown.text)
        XCTAssertEqual(try t.count("canned_answers"), 0)
    }

    /// A member of the wrong type is refused naming it: a PATCH of `{"text": 5}` or `{"name": null}`
    /// was ignored and answered 200 as if the answer had changed.
    func testMembersOfTheWrongTypeAreRefusedAndChangeNothing() throws {
        let id = try XCTUnwrap(try create("Salut", "Bună ziua").json["id"] as? Int)
        let before = try t.api("GET", "/api/v1/canned-answers/\(id)").text
        let patches: [([String: Any], String)] = [
            (["text": 5], "text"), (["name": NSNull()], "name"), (["module": 7], "module"), (["name": "Hi", "text": ["a"]], "text"),
        ]
        for (body, member) in patches {
            let refused = try t.api("PATCH", "/api/v1/canned-answers/\(id)", body: body)
            XCTAssertEqual(refused.status, 422, "\(body): \(refused.text)")
            XCTAssertTrue(refused.errorMessage?.contains(member) == true, "\(body): \(refused.text)")
        }
        XCTAssertEqual(try t.api("GET", "/api/v1/canned-answers/\(id)").text, before, "nothing changed")
        let created = try t.api("POST", "/api/v1/canned-answers", body: ["name": "x", "text": 5, "module": "contact"])
        XCTAssertEqual(created.status, 422, created.text)
        XCTAssertTrue(created.errorMessage?.contains("text") == true, created.text)
        XCTAssertEqual(try t.count("canned_answers"), 1)
    }

    func testEveryRoleReadsQualityControlCannotWrite() throws {
        let qc = try t.addAgent("Quinn", role: .qualityControl)
        let manager = try t.addAgent("Olga", role: .manager)
        XCTAssertEqual(try create("Manager's", "text", key: manager.key).status, 201)
        let id = try XCTUnwrap(try t.api("GET", "/api/v1/canned-answers", key: qc.key).json["cannedAnswers"] as? [[String: Any]]).first?["id"] as? Int
        let answer = try XCTUnwrap(id)
        XCTAssertEqual(try t.api("GET", "/api/v1/canned-answers/\(answer)", key: qc.key).status, 200)
        XCTAssertEqual(try create("QC", "text", key: qc.key).status, 403)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/canned-answers/\(answer)", key: qc.key, body: ["name": "x"]).status, 403)
        XCTAssertEqual(try t.api("DELETE", "/api/v1/canned-answers/\(answer)", key: qc.key).status, 403)
        XCTAssertEqual(try t.send("GET", "/api/v1/canned-answers").status, 401)
    }

    func testAnAnswerIsPreviewedAndSentWithItsMergeFieldsFilledIn() throws {
        t.daemon.whatsAppSender.stop()
        _ = try t.daemon.channels.add(.init(name: "ro-sales", phoneNumberId: "1065", region: "RO", accessToken: "EAAG"), baseURL: "http://x")
        let contact = try XCTUnwrap(try t.api("POST", "/api/v1/contacts", body: ["name": "Ioana Pop", "phones": ["+40722123456"]]).json["id"] as? Int)
        let answer = try XCTUnwrap(try create("Salut", "Bună, {{contact.firstName}}! Sunt {{agent.name}}.").json["id"] as? Int)
        let preview = try t.api("POST", "/api/v1/contacts/\(contact)/messages/preview", body: ["cannedAnswerId": answer])
        XCTAssertEqual(preview.status, 200, preview.text)
        XCTAssertEqual(preview.json["text"] as? String, "Bună, Ioana! Sunt Sam Supervisor.")
        XCTAssertEqual(preview.json["windowOpen"] as? Bool, false, "the client never wrote")
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts/\(contact)/messages/preview", body: ["cannedAnswerId": 999]).status, 422)
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts/\(contact)/messages", body: ["cannedAnswerId": answer, "text": "x"]).status, 422)
    }
}

extension CannedAnswerTests {
    /// A merge field the client has no value for was sent as a gap ("Pentru masă: ", "Bună ziua,
    /// +40733555666!" for a caller still named after their number): it is refused, naming why.
    func testAMergeFieldWithoutAValueIsRefusedNotSentAsAGap() throws {
        t.daemon.whatsAppSender.stop()
        _ = try t.daemon.channels.add(.init(name: "ro-sales", phoneNumberId: "1065", region: "RO", accessToken: "EAAG"), baseURL: "http://x")
        let caller = try XCTUnwrap(try t.api("POST", "/api/v1/contacts", body: ["name": "+40733555666", "phones": ["+40733555666"]]).json["id"] as? Int)
        func preview(_ contact: Int, _ text: String) throws -> RawResponse {
            try t.api("POST", "/api/v1/contacts/\(contact)/messages/preview", body: ["text": text])
        }
        let greeting = try preview(caller, "Bună ziua, {{contact.firstName}}!")
        XCTAssertEqual(greeting.status, 422)
        XCTAssertTrue(greeting.text.contains("{{contact.firstName}}") && greeting.text.contains("only its number"), greeting.text)
        let deal = try preview(caller, "Pentru masă: {{deal.title}}")
        XCTAssertEqual(deal.status, 422)
        XCTAssertTrue(deal.text.contains("no open deal"), deal.text)
        XCTAssertEqual(try preview(caller, "Sunt {{agent.name}}, numărul dvs. {{contact.phone}}").json["text"] as? String,
                       "Sunt Sam Supervisor, numărul dvs. +40733555666")

        let named = try XCTUnwrap(try t.api("POST", "/api/v1/contacts", body: ["name": "Ioana Pop", "phones": ["+40722123456"]]).json["id"] as? Int)
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts/\(named)/deals", body: ["title": "Masă"]).status, 201)
        XCTAssertEqual(try preview(named, "Bună, {{contact.firstName}}! Pentru {{deal.title}}").json["text"] as? String, "Bună, Ioana! Pentru Masă")
    }
}
