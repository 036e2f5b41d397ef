@testable import Switchboard
import XCTest

/// What a stream reconnecting with Last-Event-ID is sent again, or told it cannot resume.
final class RecentUpdatesTests: XCTestCase {
    private func update(_ n: Int) -> LiveUpdate {
        LiveUpdate(event: "e\(n)", payload: ["n": n], audience: .contactViewers(ownerAgentId: nil))
    }

    func testResumesWhatIsKeptAndRefusesGapsOldIdsAndFutureIds() {
        var recent = RecentUpdates(capacity: 3)
        for n in 101...105 { recent.append(UInt64(n), update(n)) }   // keeps 103, 104, 105
        XCTAssertEqual(recent.after(103, latest: 105)?.map(\.id), [104, 105])
        XCTAssertEqual(recent.after(102, latest: 105)?.map(\.id), [103, 104, 105], "102 was seen: 103 on are kept")
        XCTAssertNil(recent.after(101, latest: 105), "102 is no longer kept")
        XCTAssertEqual(recent.after(105, latest: 105)?.count, 0)
        XCTAssertNil(recent.after(106, latest: 105), "not an id this process gave out")
        // Updates went unmade after 104 (nobody listened): resuming from 104 or before would skip them.
        XCTAssertNil(recent.after(104, latest: 105, unmadeAfter: 104))
        XCTAssertEqual(recent.after(105, latest: 105, unmadeAfter: 104)?.count, 0)
    }
}
