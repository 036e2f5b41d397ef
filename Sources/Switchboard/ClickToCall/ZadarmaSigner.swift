import Foundation
import HTTPClient

/// Zadarma API authorisation (https://zadarma.com/en/support/api/): the header
/// `Authorization: KEY:SIGN`, where SIGN is Base64 of the *hex* HMAC-SHA1 of
/// method path + sorted query string + MD5(query string) under the secret.
struct ZadarmaSigner {
    let key: String
    let secret: String

    func request(base: String, method: String, parameters: [String: String], timeout: Double = 10) -> HTTPClient.Request {
        let query = parameters.sorted { $0.key < $1.key }
            .map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }.joined(separator: "&")
        let md5 = Crypto.md5(Array(query.utf8)).hexString
        let hex = Crypto.hmacSHA1(key: Array(secret.utf8), data: Array((method + query + md5).utf8)).hexString
        let sign = Data(hex.utf8).base64EncodedString()
        return .init(url: base + method + (query.isEmpty ? "" : "?" + query), headers: [("Authorization", "\(key):\(sign)")], timeout: timeout)
    }

    /// The JSON object of a Zadarma answer, or the provider's error.
    static func checked(_ response: HTTPClient.Response) throws -> [String: Any] {
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        guard (200..<300).contains(response.status), (object["status"] as? String) == "success" else {
            let message = object["message"] as? String ?? "HTTP \(response.status)"
            // An error inside a 2xx or a 4xx is a refusal; a 5xx may have dialled.
            throw (200..<300).contains(response.status) ? ClickToCallError.providerRefused("Zadarma: \(message)")
                : ClickToCallError.answered(response.status, "Zadarma: \(message)")
        }
        return object
    }

    /// PHP's http_build_query encoding (RFC 1738: spaces as `+`).
    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text).replacingOccurrences(of: "%20", with: "+")
    }
}
