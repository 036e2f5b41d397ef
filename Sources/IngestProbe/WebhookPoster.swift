import Glibc

/// Posts native ringing webhooks one at a time over one keep-alive connection.
final class WebhookPoster {
    private let host: String
    private let port: Int
    private let head: [UInt8]
    private var socket: TCPSocket?
    private var received: [UInt8] = []
    private let space = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)

    init(host: String, port: Int, secret: String) {
        self.host = host
        self.port = port
        head = Array("POST /webhooks/calls/ringing HTTP/1.1\r\nHost: \(host):\(port)\r\nAuthorization: Bearer \(secret)\r\nContent-Type: application/json\r\n".utf8)
    }

    deinit { space.deallocate() }

    /// Sends `body` and reads the whole answer; returns its status code. After a
    /// failure the connection is dropped and the next post opens a new one.
    func post(_ body: [UInt8]) throws(ProbeError) -> Int {
        do throws(ProbeError) {
            let connection: TCPSocket
            if let open = socket { connection = open } else { connection = try TCPSocket(host: host, port: port) }
            socket = connection
            try connection.send(head + Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body)
            return try readResponse(from: connection)
        } catch {
            socket = nil
            received.removeAll()
            throw error
        }
    }

    private func readResponse(from connection: TCPSocket) throws(ProbeError) -> Int {
        var headEnd: Int?
        while true {
            if headEnd == nil {
                headEnd = received.withUnsafeBufferPointer { $0.firstIndex(of: "\r\n\r\n", from: 0, to: $0.count) }
            }
            if let end = headEnd {
                let head = String(decoding: received[0..<end], as: UTF8.self)
                let lines = head.split(separator: "\r\n")
                guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1."),
                      let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else {
                    throw ProbeError("bad status line: \(lines.first ?? "")")
                }
                var length = 0
                var closes = false
                for line in lines.dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    let name = parts[0].lowercased()
                    let value = parts[1].trimmingCharacters(in: " \t")
                    if name == "content-length" { length = Int(value) ?? 0 }
                    if name == "connection" && value.lowercased() == "close" { closes = true }
                }
                if received.count >= end + 4 + length {
                    received.removeFirst(end + 4 + length)
                    if closes { socket = nil; received.removeAll() }
                    return status
                }
            }
            let count = try connection.receive(into: space)
            if count == 0 { throw ProbeError("connection closed before the answer was complete") }
            received.append(contentsOf: UnsafeRawBufferPointer(rebasing: space[0..<count]))
        }
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> String {
        String(drop(while: { set.contains($0) }).reversed().drop(while: { set.contains($0) }).reversed())
    }
}
