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

/// Why the probe could not do what it was asked.
struct ProbeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Monotonic clock in nanoseconds (the same clock for both threads).
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

extension UnsafeBufferPointer<UInt8> {
    /// First index of `pattern` in `from..<to`, or nil.
    func firstIndex(of pattern: StaticString, from: Int, to: Int) -> Int? {
        let length = pattern.utf8CodeUnitCount
        guard length > 0, let base = baseAddress else { return nil }
        let first = Int32(pattern.utf8Start.pointee)
        var start = from
        while to - start >= length {
            guard let hit = memchr(base + start, first, to - start - length + 1) else { return nil }
            let index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + index, pattern.utf8Start, length) == 0 { return index }
            start = index + 1
        }
        return nil
    }

    /// Whether the bytes at `index` begin with `prefix`.
    func hasPrefix(_ prefix: StaticString, at index: Int, end: Int) -> Bool {
        let length = prefix.utf8CodeUnitCount
        guard let base = baseAddress, end - index >= length else { return false }
        return memcmp(base + index, prefix.utf8Start, length) == 0
    }
}
