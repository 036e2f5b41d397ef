import Foundation

/// The `switchboard serve` binary running on a free loopback port.
public final class RunningDaemon {
    public let process = Process()
    public let port: Int
    private let logFile: URL

    public init(environment: [String: String], arguments: [String] = []) throws {
        port = try RunningDaemon.freePort()
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("sb-log-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: Subprocess.switchboardBinary)
        process.arguments = ["serve"] + arguments
        var env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        env["SWITCHBOARD_LISTEN"] = "127.0.0.1:\(port)"
        process.environment = env
        process.standardError = try FileHandle(forWritingTo: logFile)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try waitUntilListening()
    }

    deinit {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: logFile)
    }

    /// What the daemon wrote to stderr so far.
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Sends one raw request on a new connection and reads the response.
    public func request(_ raw: String) throws -> RawResponse {
        let connection = try RawConnection(port: port)
        try connection.send(raw)
        return try connection.readResponse()
    }

    /// SIGTERM, then waits; returns the exit status.
    @discardableResult
    public func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    /// SIGKILL, no chance to clean up.
    public func kill() {
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    private func waitUntilListening() throws {
        // Poll by connecting: the process is starting up; give it up to 30 s.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if !process.isRunning { throw TestError("switchboard exited: \(log)") }
            if let connection = try? RawConnection(port: port, timeout: 2) {
                try connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                if (try? connection.readResponse().status) == 200 { return }
            }
            usleep(20_000)
        }
        throw TestError("switchboard did not start listening: \(log)")
    }

    /// A port nobody listens on right now.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw TestError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
