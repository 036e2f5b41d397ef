@testable import Switchboard
import XCTest

final class StringConcatenatingTests: XCTestCase {
    func testPartsAreJoinedByteForByte() {
        XCTAssertEqual(String.concatenating(), "")
        XCTAssertEqual(String.concatenating("", "", ""), "")
        XCTAssertEqual(String.concatenating("RO", "|", "0722 123 456"), "RO|0722 123 456")
        let long = String(repeating: "x", count: 100)
        XCTAssertEqual(String.concatenating("1", ":c:", long, ":", "ringing"), "1:c:" + long + ":ringing")
        XCTAssertEqual(String.concatenating("Ștefan", " ", "Łódź", " 📞"), "Ștefan Łódź 📞")
        // Bridged and substring-backed parts are copied as well as native ones.
        let slice = String("abc:def".split(separator: ":")[1])
        XCTAssertEqual(String.concatenating(slice, "/", "end"), "def/end")
    }
}
