/// Command-line options of the probe.
struct ProbeOptions {
    static let usage = """
        usage: switchboard-ingest-probe --port N --secret S --key K [--host H] [--interval SECONDS]
                                        [--duration SECONDS] [--drain SECONDS] [--first N]
        """

    var host = "127.0.0.1"
    var port = 0
    var secret = ""          // native integration webhook secret
    var key = ""             // supervisor API key
    var interval = 0.005     // seconds between probe events
    var duration = 0.0       // stop after this many seconds (0: only on a signal)
    var drain = 3.0          // seconds to wait for outstanding SSE events at the end
    var first = 0            // events are probe-<first + 1>, probe-<first + 2>, … (one range per run)

    init(arguments: [String]) throws(ProbeError) {
        var index = 0
        func value(_ name: String) throws(ProbeError) -> String {
            index += 1
            guard index < arguments.count else { throw ProbeError("\(name) needs a value") }
            return arguments[index]
        }
        func number(_ name: String) throws(ProbeError) -> Double {
            let text = try value(name)
            guard let parsed = Double(text), parsed >= 0 else { throw ProbeError("\(name): not a number: \(text)") }
            return parsed
        }
        while index < arguments.count {
            let name = arguments[index]
            switch name {
            case "--host": host = try value(name)
            case "--port":
                let text = try value(name)
                guard let parsed = Int(text), (1...65535).contains(parsed) else { throw ProbeError("--port: not a port: \(text)") }
                port = parsed
            case "--secret": secret = try value(name)
            case "--key": key = try value(name)
            case "--interval": interval = try number(name)
            case "--duration": duration = try number(name)
            case "--drain": drain = try number(name)
            case "--first":
                let text = try value(name)
                guard let parsed = Int(text), parsed >= 0 else { throw ProbeError("--first: not a count: \(text)") }
                first = parsed
            default: throw ProbeError("unknown option \(name)")
            }
            index += 1
        }
        guard port > 0, !secret.isEmpty, !key.isEmpty else { throw ProbeError("--port, --secret and --key are required") }
    }
}
