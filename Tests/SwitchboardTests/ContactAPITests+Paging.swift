import Foundation
import Switchboard
import TestSupport
import XCTest

/// The contact list stopped at 200 (its largest page) with no way on: a team with more clients
/// could reach the rest only by searching for them. It pages with `nextBefore`, as the
/// timeline does, in its order (most recently updated first; the id breaks ties).
extension ContactAPITests {
    func testTheContactListPagesThroughEveryContactOnce() throws {
        let ana = try t.addAgent("Ana", role: .manager)
        var created: [Int] = []
        for index in 0..<9 { created.append(try createContact("Client \(index)", owner: index % 3 == 0 ? ana.id : nil)) }
        // Several contacts updated in the same millisecond: the id decides between them.
        let sameMillisecond = created[2...5].map(String.init).joined(separator: ", ")
        try t.daemon.store.writeAndWait { db in
            try db.execute("UPDATE contacts SET updated_at = '2026-12-07T10:00:00.000Z' WHERE id IN (\(sameMillisecond))")
        }
        func everyPage(key: String? = nil, limit: Int) throws -> [[Int]] {
            var pages: [[Int]] = []
            var before: String?
            repeat {
                let page = try t.api("GET", "/api/v1/contacts?limit=\(limit)" + (before.map { "&before=\($0)" } ?? ""), key: key)
                XCTAssertEqual(page.status, 200, page.text)
                pages.append((page.json["contacts"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int })
                before = (page.json["nextBefore"] as? String)?.addingPercentEncoding(withAllowedCharacters: .alphanumerics)
            } while before != nil && pages.count < 20
            return pages
        }
        let all = try everyPage(limit: 200)
        XCTAssertEqual(all.count, 1, "one page holds them all: no nextBefore")
        XCTAssertEqual(Set(all[0]), Set(created))
        for limit in [1, 2, 4] {
            let pages = try everyPage(limit: limit)
            XCTAssertEqual(pages.flatMap { $0 }, all[0], "limit \(limit): every contact once, in the list's order")
            XCTAssertTrue(pages.dropLast().allSatisfy { $0.count == limit }, "limit \(limit): \(pages)")
        }
        // A manager pages through their own clients only.
        let own = try everyPage(key: ana.key, limit: 2).flatMap { $0 }
        XCTAssertEqual(Set(own), Set([created[0], created[3], created[6]]))
        for bad in ["x", "2026-12-07T10:00:00.000Z", "~5", "2026~x", "garbage~5"] {
            let refused = try t.api("GET", "/api/v1/contacts?before=\(bad)")
            XCTAssertEqual(refused.status, 400, "\(bad): \(refused.text)")
        }
    }
}
