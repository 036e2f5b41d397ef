import Foundation
import HTTPClient

/// Places the click-to-call request with the integration's provider: the provider
/// rings the client and bridges the agent's SIP account once the client answers.
struct Dialer: Sendable {
    let api: ProviderAPI

    /// The provider's call id when it returns one.
    func dial(_ integration: Integration, number: String, sip: String, requestId: String) throws -> String? {
        guard let dialer = integration.settings.dialer else {
            throw DomainError.unprocessable("integration \(integration.name) has no dialer settings")
        }
        switch integration.provider {
        case .ringostat: return try ringostat(dialer, number: number, sip: sip, requestId: requestId)
        case .zadarma: return try zadarma(dialer, secret: integration.providerSecret, number: number, sip: sip)
        case .twilio: return try twilio(dialer, token: integration.providerSecret, number: number, sip: sip)
        case .native, .aircall:
            guard let template = dialer.template else {
                throw DomainError.unprocessable("integration \(integration.name) needs dialer.template to place calls")
            }
            return try generic(template, timeout: dialer.timeout, number: number, sip: sip, requestId: requestId)
        }
    }

    /// Ringostat: `callback/outward_call` (form, Auth-key), or the extended JSON-RPC
    /// (`/a/v2`), which can answer 200 with an error inside.
    private func ringostat(_ d: DialerSettings, number: String, sip: String, requestId: String) throws -> String? {
        let base = d.apiBase ?? "https://api.ringostat.net"
        var headers: [(name: String, value: String)] = [("Auth-key", d.apiKey ?? "")]
        let request: HTTPClient.Request
        let digits = number.hasPrefix("+") ? String(number.dropFirst()) : number
        if d.extended == true {
            headers.append(("Content-Type", "application/json"))
            let body: [String: Any] = ["jsonrpc": "2.0", "id": requestId, "method": "Api\\V2\\Callback.external",
                                       "params": ["caller": sip, "callee": digits, "projectId": d.projectId ?? "", "clientIp": "127.0.0.1"]]
            request = .init(method: "POST", url: base + "/a/v2", headers: headers,
                            body: Array((try? JSONSerialization.data(withJSONObject: body)) ?? Data()), timeout: d.timeout)
        } else {
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            if let project = d.projectId { headers.append(("x-project-id", project)) }
            request = .init(method: "POST", url: base + "/callback/outward_call", headers: headers,
                            body: Array("extension=\(ZadarmaSigner.encode(sip))&destination=\(ZadarmaSigner.encode(digits))".utf8),
                            timeout: d.timeout)
        }
        let response = try api.send(request, provider: "Ringostat")
        guard (200..<300).contains(response.status) else {
            throw ClickToCallError.answered(response.status, "Ringostat: HTTP \(response.status) \(ProviderAPI.errorMessage(in: response.body) ?? response.text)")
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        // A 200 can still carry an error (JSON-RPC `error`, or `status: error`).
        if let object, object["error"] != nil || (object["status"] as? String)?.lowercased() == "error" || (object["success"] as? Bool) == false {
            throw ClickToCallError.providerRefused("Ringostat: \(ProviderAPI.errorMessage(in: response.body) ?? response.text)")
        }
        let result = object?["result"] as? [String: Any]
        return (result?["callId"] ?? result?["call_id"] ?? object?["call_id"] ?? object?["uniqueid"]).map { "\($0)" }
    }

    /// Zadarma: `GET /v1/request/callback/?from=SIP&to=NUMBER`, signed.
    private func zadarma(_ d: DialerSettings, secret: String, number: String, sip: String) throws -> String? {
        let signer = ZadarmaSigner(key: d.apiKey ?? "", secret: secret)
        let response = try api.send(signer.request(base: d.apiBase ?? "https://api.zadarma.com", method: "/v1/request/callback/",
                                                   parameters: ["from": sip, "to": number], timeout: d.timeout), provider: "Zadarma")
        let object = try ZadarmaSigner.checked(response)
        return (object["pbx_call_id"] ?? object["call_id"]).map { "\($0)" }
    }

    /// Twilio: create a call to the client whose TwiML dials the agent's SIP address.
    private func twilio(_ d: DialerSettings, token: String, number: String, sip: String) throws -> String? {
        guard let sid = d.apiKey, let from = d.callerId else {
            throw DomainError.unprocessable("Twilio dialing needs dialer.apiKey (Account SID) and dialer.callerId")
        }
        let base = d.apiBase ?? "https://api.twilio.com"
        let twiml = "<Response><Dial><Sip>\(Self.xmlEscaped(try Self.twilioSIPAddress(sip, domain: d.sipDomain)))</Sip></Dial></Response>"
        var fields = [("To", number), ("From", from), ("Twiml", twiml)]
        if let callback = d.statusCallback, !callback.isEmpty {
            // The call to the client (Direction outbound-api) reports its moments here and lands
            // on the request's call by its CallSid. The <Sip> leg gets no callback: its From is
            // our caller id, which would read as a client calling in.
            // https://www.twilio.com/docs/voice/api/call-resource#statuscallbackevent
            fields.append(("StatusCallback", callback))
            for event in ["initiated", "ringing", "answered", "completed"] { fields.append(("StatusCallbackEvent", event)) }
        }
        let form = fields.map { "\($0.0)=\(ZadarmaSigner.encode($0.1))" }.joined(separator: "&")
        let auth = Data("\(sid):\(token)".utf8).base64EncodedString()
        let response = try api.send(.init(method: "POST", url: "\(base)/2010-04-01/Accounts/\(sid)/Calls.json",
                                          headers: [("Authorization", "Basic \(auth)"), ("Content-Type", "application/x-www-form-urlencoded")],
                                          body: Array(form.utf8), timeout: d.timeout), provider: "Twilio")
        guard (200..<300).contains(response.status) else {
            throw ClickToCallError.answered(response.status, "Twilio: HTTP \(response.status) \(ProviderAPI.errorMessage(in: response.body) ?? "")")
        }
        return ((try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any])?["sid"] as? String
    }

    /// The full SIP address Twilio's `<Sip>` needs (https://www.twilio.com/docs/voice/twiml/sip):
    /// `sip:` + a login that names its host, or `sip:login@sipDomain`; a bare login without a
    /// domain is 422 before anything is sent (Twilio would accept the call and fail the leg).
    static func twilioSIPAddress(_ login: String, domain: String?) throws -> String {
        let bare = login.lowercased().hasPrefix("sip:") ? String(login.dropFirst(4)) : login
        if bare.contains("@") { return "sip:" + bare }
        guard let domain = domain?.trimmingCharacters(in: .whitespaces), !domain.isEmpty else {
            throw DomainError.unprocessable("Twilio dials a full SIP address: SIP account \(login) has no domain; set dialer.sipDomain "
                                            + "(e.g. company.sip.twilio.com) or give it as \(login)@<your SIP domain>")
        }
        return "sip:\(bare)@\(domain)"
    }

    /// Text for TwiML: the five XML special characters escaped.
    static func xmlEscaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Any other platform: the configured request with `{{number}}`, `{{sip}}`, `{{requestId}}` filled in.
    private func generic(_ t: DialTemplate, timeout: Double, number: String, sip: String, requestId: String) throws -> String? {
        // Each value encoded for where it stands: `+40…` in a URL or form is `%2B40…` (a bare `+`
        // reads as a space), in JSON a quote is escaped; headers take it as it is.
        func fill(_ text: String, _ encode: (String) -> String = { $0 }) -> String {
            text.replacingOccurrences(of: "{{number}}", with: encode(number)).replacingOccurrences(of: "{{sip}}", with: encode(sip))
                .replacingOccurrences(of: "{{requestId}}", with: encode(requestId))
        }
        let headers = (t.headers ?? [:]).sorted { $0.key < $1.key }.map { (name: $0.key, value: fill($0.value)) }
        let contentType = headers.first { $0.name.lowercased() == "content-type" }?.value.lowercased() ?? ""
        let bodyTemplate = t.body ?? ""
        let body: String
        let looksJSON = bodyTemplate.drop(while: \.isWhitespace).first.map { $0 == "{" || $0 == "[" } == true
        if contentType.contains("json") || (contentType.isEmpty && looksJSON) {
            body = fill(bodyTemplate, Self.jsonEscaped)
        } else if contentType.contains("x-www-form-urlencoded") || contentType.isEmpty {
            // Without a Content-Type libcurl sends a POST body as a form.
            body = fill(bodyTemplate, Self.percentEncoded)
        } else {
            body = fill(bodyTemplate)
        }
        let response = try api.send(.init(method: t.method, url: fill(t.url, Self.percentEncoded), headers: headers, body: Array(body.utf8),
                                          timeout: timeout), provider: "the call provider")
        guard (200..<300).contains(response.status) else {
            throw ClickToCallError.answered(response.status, "provider answered HTTP \(response.status): \(ProviderAPI.errorMessage(in: response.body) ?? response.text)")
        }
        guard let field = t.callIdField else { return nil }
        return (((try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any])?[field]).map { "\($0)" }
    }
}

extension Dialer {
    /// `value` with everything but RFC 3986's unreserved characters percent-encoded.
    static func percentEncoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// `value` as the inside of a JSON string.
    static func jsonEscaped(_ value: String) -> String {
        let quoted = JSONText.string(value)
        return String(quoted.dropFirst().dropLast())
    }
}

extension DialerSettings {
    var timeout: Double { timeoutSeconds ?? 10 }
}
