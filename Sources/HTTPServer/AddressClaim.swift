import Glibc
import Telemetry

/// Claims `host:port` for this process while the returned descriptor is open: an abstract Unix
/// socket named after the address, which only one process (in a network namespace) can bind,
/// atomically, and which the kernel frees when the process ends however it ends.
///
/// The listeners use SO_REUSEPORT, so two servers starting at the same moment could both pass a
/// plain bind check (a socket bound but not yet listening does not conflict with it) and then
/// share the port: each would get half the connections.
enum AddressClaim {
    /// The claim's descriptor; throws EADDRINUSE when another process holds the claim, or the
    /// error that kept the socket from being made (`makeSocket`: socket(2), replaced in tests).
    static func claim(host: String, port: Int,
                      makeSocket: (Int32, Int32, Int32) -> Int32 = { Glibc.socket($0, $1, $2) }) throws -> Int32 {
        let descriptor = makeSocket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(operation: "socket", errno: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        // Abstract namespace: sun_path starts with a NUL byte, and the length given says where the name ends.
        let name = Array("\0switchboard-http:\(host):\(port)".utf8.prefix(MemoryLayout.size(ofValue: address.sun_path)))
        withUnsafeMutableBytes(of: &address.sun_path) { path in path.copyBytes(from: name) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + name.count)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            let error = SocketError(operation: "bind \(host):\(port)", errno: errno)
            close(descriptor)
            throw error
        }
        return descriptor
    }
}

extension AddressClaim {
    /// The claim, or nil where Unix sockets are not allowed (a systemd unit with
    /// `RestrictAddressFamilies=AF_INET AF_INET6`, a seccomp or SELinux profile): the daemon then
    /// starts with the bind check alone, and says so. Only a claim held by another process stops it.
    static func claimIfAllowed(host: String, port: Int, logger: Logger,
                               makeSocket: (Int32, Int32, Int32) -> Int32 = { Glibc.socket($0, $1, $2) }) throws -> Int32? {
        do {
            return try claim(host: host, port: port, makeSocket: makeSocket)
        } catch let error as SocketError where error.errno != EADDRINUSE {
            logger.log(.warning, "cannot claim the listen address through a Unix socket; two daemons starting at the same moment on it would not be told apart",
                       [("address", .string("\(host):\(port)")), ("error", .string("\(error)"))])
            return nil
        }
    }
}
