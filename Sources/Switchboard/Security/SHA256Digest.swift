/// A SHA-256 digest (`Crypto.sha256Digest`) held by value, in four words: a webhook's body
/// hash is made and written into its idempotency key without an array or a string between.
public struct SHA256Digest: Sendable {
    /// The 32 bytes in order, as the words' memory.
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// A digest whose 32 bytes `fill` writes (they start as zeros).
    init(_ fill: (UnsafeMutableBufferPointer<UInt8>) -> Void) {
        withUnsafeMutableBytes(of: &words) { raw in fill(raw.bindMemory(to: UInt8.self)) }
    }

    /// The digest's bytes.
    public var bytes: [UInt8] { withUnsafeBytes(of: words) { Array($0) } }

    /// Writes the first `count` bytes (at most 32) in lower-case hex at the start of `out`, which
    /// has room for them; returns how many characters were written.
    public func writeHex(prefix count: Int, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        withUnsafeBytes(of: words) { digest in
            let length = min(max(count, 0), digest.count, out.count / 2)
            for index in 0..<length {
                out[2 * index] = Self.hexDigit(digest[index] >> 4)
                out[2 * index + 1] = Self.hexDigit(digest[index] & 15)
            }
            return 2 * length
        }
    }

    /// The lower-case hex digit of `value` (0...15).
    private static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? 48 + value : 87 + value }   // 0-9, a-f
}
