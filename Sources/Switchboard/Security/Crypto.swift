internal import CCrypto
import Foundation

/// libcrypto (OpenSSL) behind a Swift face: hashes, HMACs, constant-time compare, random bytes.
/// Never hand-rolled: every primitive here is OpenSSL's.
public enum Crypto {
    /// Cryptographically secure random bytes (RAND_bytes).
    public static func randomBytes(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw CryptoError.randomFailed }
        return bytes
    }

    /// SHA-256 digest.
    public static func sha256(_ data: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        data.withUnsafeBufferPointer { buffer in
            digest.withUnsafeMutableBufferPointer { out in
                // Cannot fail short of OpenSSL being unusable; the digest then stays zero and matches nothing.
                _ = sb_sha256(sha256Algorithm, buffer.baseAddress, buffer.count, out.baseAddress)
            }
        }
        return digest
    }

    /// SHA-256 digest held by value: no array is made for it (every webhook's body hash comes here).
    public static func sha256Digest(_ data: [UInt8]) -> SHA256Digest {
        SHA256Digest { out in
            data.withUnsafeBufferPointer { buffer in
                // Cannot fail short of OpenSSL being unusable; the digest then stays zero and matches nothing.
                _ = sb_sha256(sha256Algorithm, buffer.baseAddress, buffer.count, out.baseAddress)
            }
        }
    }

    /// SHA-256 fetched from the default provider once: OpenSSL 3's one-shot `SHA256()`
    /// looks the algorithm up on every call, which cost more than hashing a webhook body.
    /// An EVP_MD is immutable after the fetch and safe to share between threads.
    nonisolated(unsafe) private static let sha256Algorithm: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil) ?? EVP_sha256()

    /// MD5 digest (only where a provider's protocol demands it: Zadarma's API signature).
    public static func md5(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        data.withUnsafeBufferPointer { buffer in
            _ = EVP_Digest(buffer.baseAddress, buffer.count, &out, &length, EVP_md5(), nil)
        }
        return Array(out.prefix(Int(length)))
    }

    /// HMAC-SHA256 of `data` under `key`.
    public static func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] { hmac("SHA256", key: key, data: data) }

    /// HMAC-SHA1 of `data` under `key` (Twilio and Zadarma still sign with SHA-1).
    public static func hmacSHA1(key: [UInt8], data: [UInt8]) -> [UInt8] { hmac("SHA1", key: key, data: data) }

    /// Compares in time that depends only on the length (CRYPTO_memcmp), so a
    /// signature check does not leak how many leading bytes matched.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0 }
        }
    }

    /// `constantTimeEquals` of two texts' UTF-8 bytes, read in place (no arrays are made).
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { pa in
            b.withUTF8 { pb in
                guard pa.count == pb.count else { return false }
                guard let left = pa.baseAddress, let right = pb.baseAddress else { return true }   // both empty
                return CRYPTO_memcmp(left, right, pa.count) == 0
            }
        }
    }

    private static func hmac(_ digest: String, key: [UInt8], data: [UInt8]) -> [UInt8] {
        let size = Int(EVP_MAX_MD_SIZE)
        var out = [UInt8](repeating: 0, count: size)
        var length = 0
        let ok = key.withUnsafeBufferPointer { k in
            data.withUnsafeBufferPointer { d in
                sb_hmac(digest, k.baseAddress, k.count, d.baseAddress, d.count, &out, size, &length)
            }
        }
        // Cannot fail short of OpenSSL being unusable; an empty MAC then matches no signature.
        return ok == 1 ? Array(out.prefix(length)) : []
    }
}

/// Failures of the crypto layer.
public enum CryptoError: Error {
    case randomFailed
}

extension Array where Element == UInt8 {
    /// Lower-case hexadecimal, written straight into the string's storage.
    public var hexString: String {
        String(unsafeUninitializedCapacity: count * 2) { out in
            for (index, byte) in enumerated() {
                out[2 * index] = Self.hexDigit(byte >> 4)
                out[2 * index + 1] = Self.hexDigit(byte & 15)
            }
            return count * 2
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? 48 + value : 87 + value }   // 0-9, a-f
}
