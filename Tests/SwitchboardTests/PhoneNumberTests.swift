import CPhoneNumber
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
        // A number with its own country code is not judged by the default region (it said "for region RO").
        XCTAssertThrowsError(try PhoneNumber.e164("+266696687", region: "RO")) { error in
            XCTAssertFalse("\(error)".contains("RO"), "\(error)")
        }
        XCTAssertThrowsError(try PhoneNumber.e164("0799 1", region: "RO")) { error in
            XCTAssertTrue("\(error)".contains("region RO") || "\(error)".contains("cannot parse"), "\(error)")
        }
    }
}

/// The fast path for numbers already written internationally must agree with
/// libphonenumber's Parse on every input; this compares them across every region.
final class PhoneNumberFastPathTests: XCTestCase {
    func testFastPathAgreesWithLibphonenumberEverywhere() {
        var mismatch = [CChar](repeating: 0, count: 256)
        var taken = 0
        let checked = sb_phone_fast_path_check(40, 20261123, &mismatch, mismatch.count, &taken)
        XCTAssertGreaterThan(checked, 0, "fast path and Parse disagree: \(text(mismatch))")
        // Most valid international inputs are answered without Parse; otherwise the check proves nothing.
        XCTAssertGreaterThan(taken, checked / 8, "the fast path answered only \(taken) of \(checked) inputs")
    }

    func testTrickyInputsGiveParsesAnswer() throws {
        // National prefix after the country code, Italian leading zero, NANP, spacing: same as Parse.
        for (input, region) in [("+7 8 916 123 45 67", "RU"), ("+39 06 1234 5678", "IT"), ("+1 (650) 253-0000", "US"),
                                ("+44 (0)20 7946 0018", "GB"), ("+40 0722 123 456", "RO"), ("+52 1 55 1234 5678", "MX"),
                                ("+54 9 11 2345 6789", "AR"), ("+800 1234 5678", "")] {
            var fast = [CChar](repeating: 0, count: 32)
            var reference = [CChar](repeating: 0, count: 32)
            let a = sb_phone_to_e164(input, region, &fast, fast.count)
            let b = sb_phone_to_e164_reference(input, region, &reference, reference.count)
            XCTAssertEqual(a, b, input)
            XCTAssertEqual(text(fast), text(reference), input)
        }
    }

    private func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
