import Foundation
import Switchboard
import Synchronization
import XCTest

/// Known answers for the digests every secret, API key and idempotency key goes through.
final class CryptoTests: XCTestCase {
    func testHexStringWritesEveryByteAsTwoLowerCaseDigits() {
        let all = (0...255).map { UInt8($0) }
        XCTAssertEqual(all.hexString, all.map { String(format: "%02x", $0) }.joined())
        XCTAssertEqual([UInt8]().hexString, "")
    }

    func testSHA256GivesTheStandardDigests() {
        // FIPS 180-2 examples, plus the empty input.
        XCTAssertEqual(Crypto.sha256(Array("abc".utf8)).hexString,
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(Crypto.sha256(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hexString,
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(Crypto.sha256([]).hexString,
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testSHA256OfTheSameInputIsTheSameOnEveryThreadAndCall() {
        // The context is kept per thread and reused: nothing of one input may leak into the next.
        let inputs = (0..<64).map { Array("webhook body \($0) ".utf8) + [UInt8](repeating: UInt8($0), count: $0 * 7) }
        let expected = inputs.map { Crypto.sha256($0) }
        let results = Mutex<[[[UInt8]]]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let mine = inputs.map { Crypto.sha256($0) }
            results.withLock { $0.append(mine) }
        }
        for result in results.withLock({ $0 }) { XCTAssertEqual(result, expected) }
        XCTAssertEqual(Set(expected.map(\.hexString)).count, inputs.count, "different inputs, different digests")
    }

    func testSHA256DigestHoldsTheSameBytesAndWritesTheirHex() {
        for input in [[], Array("abc".utf8), [UInt8](repeating: 7, count: 200)] {
            let digest = Crypto.sha256Digest(input)
            XCTAssertEqual(digest.bytes, Crypto.sha256(input))
            var out = [UInt8](repeating: 0, count: 64)
            let written = out.withUnsafeMutableBufferPointer { digest.writeHex(prefix: 16, into: $0) }
            XCTAssertEqual(String(decoding: out.prefix(written), as: UTF8.self), String(Crypto.sha256(input).hexString.prefix(32)))
        }
    }

    func testConstantTimeEqualsOfTextsComparesTheirBytes() {
        XCTAssertTrue(Crypto.constantTimeEquals("whs_abc", "whs_abc"))
        XCTAssertTrue(Crypto.constantTimeEquals("", ""))
        XCTAssertFalse(Crypto.constantTimeEquals("whs_abc", "whs_abd"))
        XCTAssertFalse(Crypto.constantTimeEquals("whs_abc", "whs_ab"))
        XCTAssertFalse(Crypto.constantTimeEquals("", "x"))
    }
}
