import Foundation
import Switchboard
import TestSupport
import XCTest

final class ConfigurationTests: XCTestCase {
    func testRunsWithNoFileOnDefaults() throws {
        let configuration = try Configuration.load(file: nil, environment: [:])
        XCTAssertEqual(configuration.listen, "127.0.0.1:8080")
        XCTAssertEqual(configuration.database, "./switchboard.db")
        XCTAssertEqual(configuration.maxBodyBytes, 8 * 1024 * 1024)
    }

    func testEnvironmentOverridesTheFile() throws {
        let dir = try TemporaryDirectory()
        let file = dir.path("c.json")
        try #"{"listen": "127.0.0.1:9000", "database": "/tmp/a.db", "maxBodyBytes": 2048, "logRequests": false}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        let configuration = try Configuration.load(file: file, environment: [
            "SWITCHBOARD_LISTEN": "0.0.0.0:9100", "SWITCHBOARD_MAX_BODY_BYTES": "4096", "SWITCHBOARD_PUBLIC_URL": "https://x.example",
        ])
        XCTAssertEqual(configuration.listen, "0.0.0.0:9100")
        XCTAssertEqual(configuration.database, "/tmp/a.db")
        XCTAssertEqual(configuration.maxBodyBytes, 4096)
        XCTAssertEqual(configuration.publicURL, "https://x.example")
        XCTAssertFalse(configuration.logRequests)
    }

    func testConfigFileCanComeFromTheEnvironment() throws {
        let dir = try TemporaryDirectory()
        let file = dir.path("c.json")
        try #"{"database": "from-file.db"}"#.write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try Configuration.load(file: nil, environment: ["SWITCHBOARD_CONFIG": file]).database, "from-file.db")
    }

    func testUnknownKeyIsNamed() throws {
        let dir = try TemporaryDirectory()
        let file = dir.path("c.json")
        try #"{"lisen": "127.0.0.1:1"}"#.write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Configuration.load(file: file, environment: [:])) { error in
            XCTAssertEqual((error as? ConfigurationError)?.key, "lisen")
        }
        // Malformed JSON says where ("The data is not in the correct format" did not).
        try "{\"listen\": \"127.0.0.1:1\",\n \"database\": }".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Configuration.load(file: file, environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("around character"), "\(error)")
        }
    }

    func testAMisspelledVariableIsRefusedNotIgnored() throws {
        XCTAssertThrowsError(try Configuration.load(file: nil, environment: ["SWITCHBOARD_DATABSE": "/srv/crm.db", "PATH": "/bin"])) { error in
            let refused = error as? ConfigurationError
            XCTAssertEqual(refused?.key, "SWITCHBOARD_DATABSE")
            XCTAssertTrue(refused?.message.contains("SWITCHBOARD_DATABASE") == true, refused?.message ?? "")
        }
        // What Kubernetes (a Service named switchboard) and Docker links inject is no typo.
        let injected = ["SWITCHBOARD_PORT": "tcp://10.0.0.7:8080", "SWITCHBOARD_SERVICE_HOST": "10.0.0.7",
                        "SWITCHBOARD_PORT_8080_TCP_ADDR": "10.0.0.7", "SWITCHBOARD_NAME": "/web/switchboard"]
        XCTAssertEqual(try Configuration.load(file: nil, environment: injected).database, "./switchboard.db")
        for typo in ["SWITCHBOARD_LISTN", "SWITCHBORD_DATABASE", "switchboard_database", "SWITCHBOARD_DATA_DIR", "SWITCHBOARD_DB"] {
            XCTAssertThrowsError(try Configuration.load(file: nil, environment: [typo: "x"]), typo)
        }
        for injected in ["SWITCHBOARD_SERVICE_PORT_HTTP", "SWITCHBOARD_PORT_8080_TCP_PORT", "SWITCHBOARD_DB_SERVICE_HOST", "SWITCHBOARD_ENV_TZ"] {
            XCTAssertNoThrow(try Configuration.load(file: nil, environment: [injected: "x"]), injected)
        }
        // Told by their values too: a port variable Kubernetes made is a URL, a Docker link's name a path.
        XCTAssertNoThrow(try Configuration.load(file: nil, environment: ["SWITCHBOARD_WEB_PORT": "tcp://10.0.0.9:80",
                                                                         "SWITCHBOARD_DB_NAME": "/web/db"]))
        for (typo, value) in [("SWITCHBOARD_LISTEN_PORT", "38499"), ("SWITCHBOARD_HTTP_PORT", "8081"), ("SWITCHBOARD_DB_NAME", "crm"),
                              ("SWITCHBOARD_DATABASE_NAME", "crm.db")] {
            XCTAssertThrowsError(try Configuration.load(file: nil, environment: [typo: value]), typo)
        }
        XCTAssertThrowsError(try Configuration.load(file: nil, environment: ["SWITCHBOARD_DATABASE": "file:/srv/crm.db?mode=rwc"])) { error in
            XCTAssertTrue("\(error)".contains("not an SQLite URI"), "\(error)")
        }
        XCTAssertEqual(try Configuration.load(file: nil, environment: ["SWITCHBOARD_DATABASE": "/srv/crm.db", "OTHER_DATABSE": "x"]).database,
                       "/srv/crm.db", "only SWITCHBOARD_ variables are ours to judge")
    }

    func testBadValuesAreNamed() throws {
        XCTAssertThrowsError(try Configuration.load(file: nil, environment: ["SWITCHBOARD_MAX_BODY_BYTES": "lots"])) { error in
            XCTAssertEqual((error as? ConfigurationError)?.key, "SWITCHBOARD_MAX_BODY_BYTES")
        }
        XCTAssertThrowsError(try Configuration.load(file: nil, environment: ["SWITCHBOARD_LISTEN": "nohost"])) { error in
            XCTAssertEqual((error as? ConfigurationError)?.key, "listen")
        }
        XCTAssertThrowsError(try Configuration.load(file: nil, environment: ["SWITCHBOARD_LOG_REQUESTS": "maybe"])) { error in
            XCTAssertEqual((error as? ConfigurationError)?.key, "SWITCHBOARD_LOG_REQUESTS")
        }
        // Too large to be a timer (1e11 s crashed the media fetcher at start, 1e300 the shutdown),
        // or event loops beyond what the process may open: refused, not a crash.
        for (name, value) in [("SWITCHBOARD_MEDIA_FETCH_INTERVAL_SECONDS", "1e11"), ("SWITCHBOARD_SHUTDOWN_GRACE_SECONDS", "1e300"),
                              ("SWITCHBOARD_IDLE_TIMEOUT_SECONDS", "86401"), ("SWITCHBOARD_EVENT_LOOPS", "100000")] {
            XCTAssertThrowsError(try Configuration.load(file: nil, environment: [name: value]), name) { error in
                XCTAssertEqual((error as? ConfigurationError)?.key, name)
                XCTAssertTrue("\(error)".contains("at most"), "\(error)")
            }
        }
        XCTAssertEqual(try Configuration.load(file: nil, environment: ["SWITCHBOARD_IDLE_TIMEOUT_SECONDS": "86400"]).idleTimeoutSeconds, 86_400)
    }
}

extension ConfigurationTests {
    /// In the file, a number is no boolean (`"logRequests": 1` was taken as true although the
    /// message says true or false), and an integer too large for one is not an integer (1e30
    /// overflowed and was refused as "must be at least 0").
    func testJSONNumbersAreCheckedForWhatTheyAre() throws {
        let dir = try TemporaryDirectory()
        let file = dir.path("c.json")
        for (text, key, words) in [(#"{"logRequests": 1}"#, "logRequests", "true or false"),
                                   (#"{"eventLoops": 1e30}"#, "eventLoops", "integer"),
                                   (#"{"maxBodyBytes": 2.5}"#, "maxBodyBytes", "integer")] {
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try Configuration.load(file: file, environment: [:]), text) { error in
                let refusal = error as? ConfigurationError
                XCTAssertTrue(refusal?.key.hasSuffix(key) == true, "\(text): \(String(describing: refusal?.key))")
                XCTAssertTrue("\(error)".contains(words), "\(text): \(error)")
            }
        }
        try #"{"logRequests": false, "eventLoops": 3, "maxBodyBytes": 9223372036854775807}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let configuration = try Configuration.load(file: file, environment: [:])
        XCTAssertFalse(configuration.logRequests)
        XCTAssertEqual(configuration.eventLoops, 3)
        XCTAssertEqual(configuration.maxBodyBytes, Int.max, "the largest integer is one")
    }
}
