// swift-tools-version:6.0
import PackageDescription

/// Layers, each importing only downwards:
/// C shims → infrastructure (HTTPServer, HTTPClient, Store, Telemetry) → domain (Switchboard) → executable.
let package = Package(
    name: "Switchboard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "switchboard", targets: ["switchboard"]),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        .systemLibrary(name: "CSystem", path: "Sources/CSystem"),
        .target(
            name: "CPhoneNumber",
            path: "Sources/CPhoneNumber",
            cxxSettings: [.unsafeFlags(["-std=c++17"])],
            linkerSettings: [.linkedLibrary("phonenumber"), .linkedLibrary("re2"), .linkedLibrary("stdc++")]
        ),
        // A shim over SQLite's default VFS that writes a commit's WAL frames with one pwrite.
        .target(name: "CSQLiteWAL", dependencies: ["CSQLite"], path: "Sources/CSQLiteWAL",
                // DWARF 4: valgrind 3.19 (Debian 12), used by bench/profile-*, cannot read clang's DWARF 5.
                cSettings: [.unsafeFlags(["-gdwarf-4"])]),
        // SQLite's default page cache, except for the spare page number a B-tree split borrows
        // (which made every commit visit the whole cache).
        .target(name: "CSQLitePageCache", dependencies: ["CSQLite"], path: "Sources/CSQLitePageCache",
                cSettings: [.unsafeFlags(["-gdwarf-4"])]),
        .target(name: "Telemetry", dependencies: ["CSystem"]),
        .target(name: "HTTPServer", dependencies: ["CSystem", "Telemetry"]),
        .target(name: "HTTPClient", dependencies: ["CCurl"]),
        .target(name: "Store", dependencies: ["CSQLite", "CSQLitePageCache", "CSQLiteWAL", "Telemetry"]),
        .target(name: "Switchboard", dependencies: ["HTTPServer", "HTTPClient", "Store", "Telemetry", "CCrypto", "CPhoneNumber"]),
        // jemalloc replaces glibc's malloc in the daemon (Swift allocates a lot; glibc spent
        // its time consolidating and unlinking chunks): ~10% more webhooks per second.
        .executableTarget(name: "switchboard", dependencies: ["Switchboard"],
                          linkerSettings: [.linkedLibrary("jemalloc")]),
        // bench/ingest's ack -> SSE probe: compiled, because it reads every event of the load
        // on the same two CPUs as the server it measures.
        .executableTarget(name: "switchboard-ingest-probe", path: "Sources/IngestProbe"),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "TestSupport"]),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "HTTPServer", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "CSQLitePageCache", "Telemetry", "TestSupport"]),
        .testTarget(name: "SwitchboardTests", dependencies: ["Switchboard", "HTTPServer", "Store", "TestSupport", "CPhoneNumber"]),
    ],
    swiftLanguageModes: [.v6]
)
