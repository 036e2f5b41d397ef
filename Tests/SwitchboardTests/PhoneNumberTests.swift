import Switchboard
import XCTest

final class PhoneNumberTests: XCTestCase {
    func testRussianTrunkPrefixEightBecomesPlusSeven() throws {
        XCTAssertEqual(try PhoneNumber.e164("8 (916) 123-45-67", region: "RU"), "+79161234567")
        XCTAssertEqual(try PhoneNumber.e164("8 916 123-45-67", region: "RU"), "+79161234567")
    }

    func testRomanianNationalNumberGetsPlusForty() throws {
        XCTAssertEqual(try PhoneNumber.e164("0722 123 456", region: "RO"), "+40722123456")
    }

    func testInternationalNumberNeedsNoRegion() throws {
        XCTAssertEqual(try PhoneNumber.e164("+48 512 345 678", region: nil), "+48512345678")
        XCTAssertEqual(try PhoneNumber.e164("+48 512 345 678", region: "RO"), "+48512345678")
    }

    func testGarbageIsAClearError() {
        XCTAssertThrowsError(try PhoneNumber.e164("garbage", region: "RO")) { error in
            XCTAssertTrue("\(error)".contains("\"garbage\" is not a phone number"))
        }
        XCTAssertThrowsError(try PhoneNumber.e164("0722 123 456", region: nil), "a national number with no region cannot be placed")
        XCTAssertThrowsError(try PhoneNumber.e164("+40 1", region: "RO"), "too short to be valid")
    }
}
