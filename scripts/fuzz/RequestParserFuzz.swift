// libFuzzer entry point for HTTPRequestParser; compiled by scripts/fuzz-parser
// together with the parser's own source files (it imports nothing else).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Feed the input whole, and again split in two, as a socket may deliver it.
    for split in [size, size / 2] {
        var parser = HTTPRequestParser(limits: .init(maxHeaderBytes: 1024, maxBodyBytes: 4096))
        var buffer = Array(bytes[0..<split])
        var position = 0
        var fedRest = split == size
        while true {
            do {
                guard let event = try parser.parse(buffer, position: &position) else {
                    if fedRest { break }
                    buffer.append(contentsOf: bytes[split...])
                    fedRest = true
                    continue
                }
                if case .request(let request) = event {
                    // Invariants: a parsed request never holds more body than the limit,
                    // and never consumes more than it was given.
                    precondition(request.body.count <= 4096)
                    precondition(position <= buffer.count)
                }
            } catch {
                break
            }
        }
    }
    return 0
}
