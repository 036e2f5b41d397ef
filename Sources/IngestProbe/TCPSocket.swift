import Glibc

/// A connected TCP socket; owns its descriptor and closes it in deinit.
final class TCPSocket {
    let descriptor: Int32

    /// Connects to `host:port` (the first address that accepts), with TCP_NODELAY set.
    init(host: String, port: Int) throws(ProbeError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var addresses: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, String(port), &hints, &addresses)
        guard code == 0, let first = addresses else {
            throw ProbeError("cannot resolve \(host): \(String(cString: gai_strerror(code)))")
        }
        defer { freeaddrinfo(first) }
        var connected: Int32 = -1
        var lastError: Int32 = 0
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry, connected < 0 {
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            if fd >= 0, connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 {
                connected = fd
            } else {
                lastError = errno
                if fd >= 0 { close(fd) }
            }
            entry = address.pointee.ai_next
        }
        guard connected >= 0 else { throw ProbeError("cannot connect to \(host):\(port): \(String(cString: strerror(lastError)))") }
        var one: Int32 = 1
        _ = setsockopt(connected, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        descriptor = connected
    }

    deinit { close(descriptor) }

    /// Sets the receive buffer size (a hint to the kernel; failures are ignored).
    func setReceiveBuffer(bytes: Int32) {
        var size = bytes
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Writes all of `bytes`.
    func send(_ bytes: [UInt8]) throws(ProbeError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.send(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw ProbeError("send: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// Blocks until bytes arrive; returns how many (0 when the peer closed the connection).
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(ProbeError) -> Int {
        while true {
            let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw ProbeError("recv: \(String(cString: strerror(errno)))")
        }
    }

    /// Wakes a thread blocked in `receive` (it then reads 0).
    func shutdownBoth() {
        _ = shutdown(descriptor, Int32(SHUT_RDWR))
    }
}
