import Foundation

/// Runs a program to completion and captures its output.
public struct ProcessResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public enum Subprocess {
    /// Runs `executable` with `arguments` and `environment` added to ours.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           stdin: String? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        if let stdin {
            let input = Pipe()
            process.standardInput = input
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// The directory holding the built products (the `switchboard` executable).
    public static var productsDirectory: URL {
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL
    }

    /// Path of the built `switchboard` binary: `TEST_SWITCHBOARD_BINARY` when set (scripts/test runs
    /// the daemon-process tests again on the release build `scripts/run` serves), else this build's.
    public static var switchboardBinary: String {
        if let given = ProcessInfo.processInfo.environment["TEST_SWITCHBOARD_BINARY"], !given.isEmpty { return given }
        return productsDirectory.appendingPathComponent("switchboard").path
    }
}

