import Foundation

/// A failed system call on a socket, with what we were doing and errno's text.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let errno: Int32

    public init(operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        // errno 0: the operation says it all (a name that does not resolve is no system error).
        let text = errno == 0 ? operation : "\(operation): \(String(cString: strerror(errno))) (errno \(errno))"
        return errno == EADDRINUSE ? text + ": another process listens there (another switchboard?)" : text
    }
}
