import Foundation

/// A blocking TCP client for tests: sends exact bytes, reads and parses responses.
/// Reads time out (SO_RCVTIMEO) so a broken server fails a test instead of hanging it.
public final class RawConnection {
    public let fd: Int32
    private var buffer: [UInt8] = []

    public init(port: Int, timeout: Double = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket failed") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw TestError("connect to \(port) failed: errno \(errno)")
        }
    }

    deinit { close(fd) }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestError("send failed: errno \(errno)") }
            offset += n
        }
    }

    /// Reads more bytes into the buffer; false on EOF, throws on timeout/error.
    @discardableResult
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        if n > 0 {
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
        if n == 0 { return false }
        if errno == ECONNRESET { return false }
        throw TestError("recv failed or timed out: errno \(errno)")
    }

    /// Reads one complete response (Content-Length framed, or to EOF when there is none).
    public func readResponse(isHead: Bool = false) throws -> RawResponse {
        while true {
            if let end = find([13, 10, 13, 10]) {
                let head = String(decoding: buffer[0..<end], as: UTF8.self)
                var lines = head.components(separatedBy: "\r\n")
                let statusLine = lines.removeFirst()
                let parts = statusLine.split(separator: " ", maxSplits: 2)
                guard parts.count >= 2, let status = Int(parts[1]) else { throw TestError("bad status line: \(statusLine)") }
                var headers: [(String, String)] = []
                for line in lines {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
                }
                let bodyStart = end + 4
                if status == 100 || isHead {
                    buffer.removeFirst(bodyStart)
                    return RawResponse(status: status, headers: headers, body: [])
                }
                if let lengthText = headers.first(where: { $0.0 == "content-length" })?.1, let length = Int(lengthText) {
                    while buffer.count < bodyStart + length {
                        guard try fill() else { throw TestError("connection closed inside a body") }
                    }
                    let body = Array(buffer[bodyStart..<(bodyStart + length)])
                    buffer.removeFirst(bodyStart + length)
                    return RawResponse(status: status, headers: headers, body: body)
                }
                while try fill() {}
                let body = Array(buffer[bodyStart...])
                buffer.removeAll()
                return RawResponse(status: status, headers: headers, body: body)
            }
            guard try fill() else { throw TestError("connection closed before a response (got \(buffer.count) bytes)") }
        }
    }

    /// Reads until the text `marker` has arrived; returns the text up to and including it,
    /// keeping what follows for the next read.
    public func read(until marker: String) throws -> String {
        let needle = Array(marker.utf8)
        var index = find(needle)
        while index == nil {
            guard try fill() else { throw TestError("closed before \(marker)") }
            index = find(needle)
        }
        let end = (index ?? 0) + needle.count
        let text = String(decoding: buffer[0..<end], as: UTF8.self)
        buffer.removeFirst(end)
        return text
    }

    /// True when the server closes the connection (EOF or reset) before the read timeout.
    public func waitForClose() -> Bool {
        while true {
            do {
                if try !fill() { return true }
                buffer.removeAll()
            } catch {
                return false
            }
        }
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        for i in 0...(buffer.count - needle.count) where buffer[i] == needle[0] {
            if Array(buffer[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}

/// A parsed response.
public struct RawResponse {
    public let status: Int
    public let headers: [(String, String)]
    public let body: [UInt8]

    public func header(_ name: String) -> String? { headers.first(where: { $0.0 == name.lowercased() })?.1 }
    public var text: String { String(decoding: body, as: UTF8.self) }
    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }
    /// The `error.code` of a JSON error body.
    public var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    /// The `error.message` of a JSON error body.
    public var errorMessage: String? { (json["error"] as? [String: Any])?["message"] as? String }
}

public struct TestError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
