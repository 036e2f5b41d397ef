import Foundation
import Store
import Synchronization
import Telemetry
import TestSupport
import XCTest

final class StoreTests: XCTestCase {
    var dir: TemporaryDirectory!
    let migrations = [
        Migration("001_items", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, payload BLOB)"),
    ]

    override func setUpWithError() throws { dir = try TemporaryDirectory() }

    /// Inserts a 64 KiB value while the file may not grow: the value needs new pages, so SQLite
    /// answers SQLITE_FULL and rolls back the whole transaction (the INSERT has no statement journal).
    private static func insertPastAFullDisk(_ db: Database, name: String) throws {
        let pages = try db.scalar("PRAGMA page_count").int ?? 0
        _ = try db.scalar("PRAGMA max_page_count = \(pages)")
        defer { _ = try? db.scalar("PRAGMA max_page_count = 1073741823") }
        try db.execute("INSERT INTO items(name, payload) VALUES (?, ?)", name, SQLValue.blob([UInt8](repeating: 7, count: 65536)))
    }

    /// Holds the writer inside a job (alone in its batch) until `gate` is signalled, so the
    /// jobs written meanwhile queue up and commit as one batch; `first` is that job's answer.
    private func holdWriter(_ store: Store) -> (gate: DispatchSemaphore, first: XCTestExpectation) {
        let gate = DispatchSemaphore(value: 0)
        let entered = DispatchSemaphore(value: 0)
        let first = expectation(description: "first")
        store.write({ _ in entered.signal(); gate.wait() }) { _ in first.fulfill() }
        entered.wait()
        return (gate, first)
    }

    func testMigrationsAreRecordedByNameAndAppliedOnce() throws {
        let path = dir.path("m.db")
        var store: Store? = try Store(path: path, migrations: migrations)
        store?.close()
        store = nil
        let more = migrations + [Migration("002_flag", "ALTER TABLE items ADD COLUMN flag INTEGER NOT NULL DEFAULT 0")]
        let reopened = try Store(path: path, migrations: more)  // would fail if 001 ran twice
        defer { reopened.close() }
        let names = try reopened.read { db in try db.query("SELECT name FROM schema_migrations ORDER BY name").compactMap { $0.string("name") } }
        XCTAssertEqual(names, ["001_items", "002_flag"])
        let mode = try reopened.read { db in try db.scalar("PRAGMA journal_mode").string }
        XCTAssertEqual(mode, "wal")
    }

    /// A database a newer version had upgraded was served by the older one without a word.
    func testADatabaseUpgradedByANewerVersionIsRefused() throws {
        let path = dir.path("newer.db")
        try Store(path: path, migrations: migrations + [Migration("002_future", "CREATE TABLE later (id INTEGER)")]).close()
        XCTAssertThrowsError(try Store(path: path, migrations: migrations)) { error in
            XCTAssertTrue("\(error)".contains("upgraded by a newer switchboard") && "\(error)".contains("002_future"), "\(error)")
        }
    }

    /// A new database (provider secrets, key hashes) was readable by everyone under umask 022.
    func testANewDatabaseAndItsWALAreReadableByTheirOwnerOnly() throws {
        let path = dir.path("private.db")
        let store = try Store(path: path, migrations: migrations)
        defer { store.close() }
        try store.writeAndWait { db in try db.execute("INSERT INTO items(name) VALUES ('x')") }
        for file in [path, path + "-wal", path + "-shm"] {
            var info = stat()
            XCTAssertEqual(stat(file, &info), 0, file)
            XCTAssertEqual(info.st_mode & 0o777, 0o600, file)
        }
    }

    func testConcurrentWritesAreGroupCommittedAndEachIsAnsweredAfterItsCommit() throws {
        let metrics = Metrics()
        let store = try Store(path: dir.path("g.db"), migrations: migrations, metrics: metrics)
        defer { store.close() }
        let answered = Atomic<Int>(0)
        let visibleAtAnswer = Atomic<Int>(0)
        // All 400 are queued at once, as 400 webhooks on 400 connections would be.
        let group = DispatchGroup()
        for i in 0..<400 {
            group.enter()
            store.write({ db in try db.execute("INSERT INTO items(name) VALUES (?)", "item-\(i)") }) { result in
                if case .success = result {
                    answered.add(1, ordering: .relaxed)
                    // A separate connection must already see the row: the answer comes after the commit.
                    do {
                        let seen = try store.read { db in try db.scalar("SELECT count(*) FROM items WHERE name = ?", "item-\(i)").int }
                        if seen == 1 { visibleAtAnswer.add(1, ordering: .relaxed) }
                    } catch {
                        XCTFail("read after commit failed: \(error)")
                    }
                }
                group.leave()
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(answered.load(ordering: .relaxed), 400)
        XCTAssertEqual(visibleAtAnswer.load(ordering: .relaxed), 400)
        XCTAssertEqual(try store.read { db in try db.scalar("SELECT count(*) FROM items").int }, 400)
        XCTAssertLessThan(metrics.writerBatchSize.count, 400, "concurrent writes must share commits")
        XCTAssertGreaterThan(metrics.walSyncDuration.count, 0, "answers wait for a flush of the WAL")
        XCTAssertLessThan(metrics.walSyncDuration.count, 400, "concurrent writes must share flushes")
    }

    func testAFailingJobRollsBackAloneAndGetsItsOwnError() throws {
        let metrics = Metrics()
        let store = try Store(path: dir.path("f.db"), migrations: migrations, metrics: metrics)
        defer { store.close() }
        // Hold the writer inside a first job so the next ones queue up and commit as one batch.
        // (The gate job must be alone in its batch: a batch with a failing job runs again.)
        let (gate, first) = holdWriter(store)
        struct Refused: Error {}
        let results = Mutex<[String: String]>([:])
        let all = expectation(description: "batch")
        all.expectedFulfillmentCount = 5
        for name in ["a", "b", "bad", "c", "dup"] {
            store.write({ db in
                switch name {
                case "bad":
                    try db.execute("INSERT INTO items(name) VALUES ('bad')")
                    throw Refused()
                case "dup":
                    try db.execute("INSERT INTO items(name) VALUES ('dup')")
                    try db.execute("INSERT INTO items(name) VALUES ('a')")  // UNIQUE violation
                default:
                    try db.execute("INSERT INTO items(name) VALUES (?)", name)
                }
            }) { result in
                let outcome: String
                switch result {
                case .success: outcome = "ok"
                case .failure(let error as SQLiteError): outcome = error.isConstraintViolation ? "constraint" : "sqlite"
                case .failure(is Refused): outcome = "refused"
                case .failure: outcome = "other"
                }
                results.withLock { $0[name] = outcome }
                all.fulfill()
            }
        }
        gate.signal()
        wait(for: [first, all], timeout: 10)
        XCTAssertEqual(results.withLock { $0 }, ["a": "ok", "b": "ok", "bad": "refused", "c": "ok", "dup": "constraint"])
        let names = try store.read { db in try db.query("SELECT name FROM items ORDER BY name").compactMap { $0.string("name") } }
        XCTAssertEqual(names, ["a", "b", "c"], "the failing jobs' partial writes are rolled back, the others kept")
    }

    /// Disk full (and I/O errors) make SQLite roll back the whole transaction, not only the
    /// failing statement. The job that hit it fails; the rest of its batch must still be
    /// stored and answered as stored, and nothing may be stored that is answered as failed.
    func testAJobWhoseErrorRollsBackTheWholeTransactionFailsAloneAndTheBatchIsKept() throws {
        let store = try Store(path: dir.path("full.db"), migrations: migrations)
        defer { store.close() }
        let (gate, first) = holdWriter(store)
        struct Refused: Error {}
        let results = Mutex<[String: String]>([:])
        let all = expectation(description: "batch")
        let names = ["a", "bad", "full", "c"]
        all.expectedFulfillmentCount = names.count
        for name in names {
            store.write({ db in
                switch name {
                case "bad":
                    try db.execute("INSERT INTO items(name) VALUES ('bad')")
                    throw Refused()
                case "full":
                    try Self.insertPastAFullDisk(db, name: name)
                default:
                    try db.execute("INSERT INTO items(name) VALUES (?)", name)
                }
            }) { result in
                let outcome: String
                switch result {
                case .success: outcome = "ok"
                case .failure(let error as SQLiteError): outcome = error.code & 0xff == 13 ? "full" : "sqlite \(error)"   // SQLITE_FULL
                case .failure(is Refused): outcome = "refused"
                case .failure(let error): outcome = "other \(error)"
                }
                results.withLock { $0[name] = outcome }
                all.fulfill()
            }
        }
        gate.signal()
        wait(for: [first, all], timeout: 10)
        XCTAssertEqual(results.withLock { $0 }, ["a": "ok", "bad": "refused", "full": "full", "c": "ok"])
        let stored = try store.read { db in try db.query("SELECT name FROM items ORDER BY name").compactMap { $0.string("name") } }
        XCTAssertEqual(stored, ["a", "c"], "exactly the jobs answered as stored")
        // The writer goes on normally afterwards.
        try store.writeAndWait { db in try db.execute("INSERT INTO items(name) VALUES ('after')") }
        XCTAssertEqual(try store.read { db in try db.scalar("SELECT count(*) FROM items").int }, 3)
    }

    /// When job after job rolls the whole transaction back the disk is unusable: after four,
    /// the batch fails as a whole, every job answered with the error and none stored.
    func testABatchWhereManyJobsRollBackTheWholeTransactionFailsAsAWhole() throws {
        let store = try Store(path: dir.path("full2.db"), migrations: migrations)
        defer { store.close() }
        let (gate, first) = holdWriter(store)
        let names = ["a", "full1", "full2", "full3", "full4", "full5", "c"]
        let failed = Mutex<[String]>([])
        let all = expectation(description: "batch")
        all.expectedFulfillmentCount = names.count
        for name in names {
            store.write({ db in
                if name.hasPrefix("full") {
                    try Self.insertPastAFullDisk(db, name: name)
                } else {
                    try db.execute("INSERT INTO items(name) VALUES (?)", name)
                }
            }) { result in
                if case .failure(let error as SQLiteError) = result, error.code & 0xff == 13 { failed.withLock { $0.append(name) } }
                all.fulfill()
            }
        }
        gate.signal()
        wait(for: [first, all], timeout: 10)
        XCTAssertEqual(Set(failed.withLock { $0 }), Set(names), "every job answered with the disk-full error")
        XCTAssertEqual(try store.read { db in try db.scalar("SELECT count(*) FROM items").int }, 0, "nothing stored")
        try store.writeAndWait { db in try db.execute("INSERT INTO items(name) VALUES ('after')") }
        XCTAssertEqual(try store.read { db in try db.scalar("SELECT count(*) FROM items").int }, 1)
    }

    /// Jobs arriving while a batch is being synced join the next transaction, which stays
    /// open until that sync returns; a job failing in it must still undo only itself,
    /// whichever part of the held transaction the other jobs ran in.
    func testJobsHeldInATransactionDuringASyncCommitTogetherAndFailAlone() throws {
        let metrics = Metrics()
        let store = try Store(path: dir.path("h.db"), migrations: migrations, metrics: metrics)
        defer { store.close() }
        struct Refused: Error {}
        let outcomes = Mutex<[String: Bool]>([:])
        // 16 clients, each sending its next write once the previous one is answered (as
        // webhooks on keep-alive connections do), so jobs keep arriving during every sync.
        let (clients, writes) = (16, 150)
        let done = DispatchGroup()
        for client in 0..<clients {
            done.enter()
            Thread.detachNewThread {
            defer { done.leave() }
            let answered = DispatchSemaphore(value: 0)
            for i in 0..<writes {
                let name = "c\(client)-\(i)"
                let fails = (client + i) % 25 == 7
                store.write({ db in
                    try db.execute("INSERT INTO items(name) VALUES (?)", name)
                    if fails { throw Refused() }
                }) { result in
                    if case .success = result { outcomes.withLock { $0[name] = true } } else { outcomes.withLock { $0[name] = false } }
                    answered.signal()
                }
                XCTAssertEqual(answered.wait(timeout: .now() + 30), .success)
            }
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        let expected = Dictionary(uniqueKeysWithValues: (0..<clients).flatMap { c in
            (0..<writes).map { i in ("c\(c)-\(i)", (c + i) % 25 != 7) }
        })
        XCTAssertEqual(outcomes.withLock { $0 }, expected, "every job answered: the failing ones with their error, the rest with success")
        let stored = try store.read { db in try db.query("SELECT name FROM items").compactMap { $0.string("name") } }
        XCTAssertEqual(stored.count, expected.values.filter { $0 }.count, "each successful job stored once")
        XCTAssertEqual(Set(stored), Set(expected.filter(\.value).keys), "no failing job's insert left behind")
        XCTAssertEqual(metrics.writerBatchSize.count, metrics.walSyncDuration.count,
                       "a transaction commits only once the previous one is on disk: one fdatasync per commit")
        XCTAssertLessThan(metrics.writerBatchSize.count, UInt64(clients * writes), "concurrent jobs share transactions")
    }

    func testWorkLeftByCompletionsRunsOnceEveryAnswerOfTheirFlushIsOut() throws {
        let store = try Store(path: dir.path("a.db"), migrations: migrations)
        defer { store.close() }
        XCTAssertFalse(AfterAnswers.schedule {}, "only a write's completion on the syncer can leave work")
        // Hold the writer in a first job so the next five queue up and are answered as one flush.
        let gate = DispatchSemaphore(value: 0)
        let entered = DispatchSemaphore(value: 0)
        store.write({ _ in entered.signal(); gate.wait() }) { _ in }
        entered.wait()
        let log = Mutex<[String]>([])
        let done = expectation(description: "after answers")
        done.expectedFulfillmentCount = 5
        for name in ["a", "b", "c", "d", "e"] {
            store.write({ db in try db.execute("INSERT INTO items(name) VALUES (?)", name) }) { _ in
                log.withLock { $0.append("answer \(name)") }
                let queued = AfterAnswers.schedule {
                    log.withLock { $0.append("after \(name)") }
                    done.fulfill()
                }
                XCTAssertTrue(queued)
            }
        }
        gate.signal()
        wait(for: [done], timeout: 10)
        XCTAssertEqual(log.withLock { $0 }, ["answer a", "answer b", "answer c", "answer d", "answer e",
                                             "after a", "after b", "after c", "after d", "after e"])
    }

    func testValuesBindAsThemselvesEmptyTextIncluded() throws {
        let store = try Store(path: dir.path("b.db"), migrations: migrations)
        defer { store.close() }
        let absent: String? = nil
        try store.writeAndWait { db in
            try db.execute("INSERT INTO items(name, payload) VALUES (?, ?)", "", [UInt8]([1, 2, 3]))
            try db.execute("INSERT INTO items(name, payload) VALUES (?, ?)", "héllo", absent)
            try db.execute("INSERT INTO items(name, payload) VALUES (?, ?)", String(42), 7)
            try db.execute("INSERT INTO items(name, payload) VALUES (?, ?)", SQLValue(Optional("x")), SQLValue(absent))
            try db.execute("INSERT INTO items(name, payload) VALUES (?, ?)", "y", SQLValue(Optional(5)))
        }
        let rows = try store.read { db in
            try db.query("SELECT name, typeof(name) AS t, length(name) AS n, typeof(payload) AS p FROM items ORDER BY id")
        }
        XCTAssertEqual(rows.map { $0.string("name") }, ["", "héllo", "42", "x", "y"])
        XCTAssertEqual(rows.map { $0.string("t") }, ["text", "text", "text", "text", "text"], "an empty string is '' and never NULL")
        XCTAssertEqual(rows.map { $0.int("n") }, [0, 5, 2, 1, 1])
        XCTAssertEqual(rows.map { $0.string("p") }, ["blob", "null", "integer", "null", "integer"])
    }

    /// Text and blobs are copied into space the statement reuses on each run (and handed to
    /// SQLite to copy when they do not fit): every run stores exactly its own values, of
    /// any size and in any mix, through the array form and the parameter pack alike.
    func testTextAndBlobsOfEverySizeBindExactlyTheirOwnValuesRunAfterRun() throws {
        let store = try Store(path: dir.path("arena.db"), migrations: [
            Migration("001_wide", "CREATE TABLE wide (id INTEGER PRIMARY KEY, a TEXT, b BLOB, c TEXT, d TEXT)"),
        ])
        defer { store.close() }
        var generator = SystemRandomNumberGenerator()
        func text(_ length: Int, _ seed: Int) -> String {
            String((0..<length).map { i in Character(Unicode.Scalar(UInt8(97 + (seed + i * 7) % 26))) })
        }
        let lengths = [0, 1, 15, 16, 100, 3000, 5000, 8192, 9000, 70000]
        var expected: [(String, [UInt8], String, String)] = []
        for run in 0..<60 {
            let a = text(lengths.randomElement(using: &generator) ?? 0, run)
            let b = (0..<(lengths.randomElement(using: &generator) ?? 0)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ run) }
            let c = "é" + text(lengths.randomElement(using: &generator) ?? 0, run + 1)
            let d = text(run % 3 == 0 ? 0 : 40, run + 2)
            expected.append((a, b, c, d))
        }
        let values = expected
        try store.writeAndWait { db in
            for (run, (a, b, c, d)) in values.enumerated() {
                if run % 2 == 0 {
                    try db.execute("INSERT INTO wide(a, b, c, d) VALUES (?, ?, ?, ?)", a, SQLValue.blob(b), c, SQLValue(Optional(d)))
                } else {
                    try db.execute("INSERT INTO wide(a, b, c, d) VALUES (?, ?, ?, ?)", arguments: [a, b, SQLValue.text(c), d])
                }
                // A read of the same values through a statement bound in between.
                let found = try db.scalar("SELECT count(*) FROM wide WHERE a = ? AND c = ? AND d = ?", a, c, d).int
                XCTAssertGreaterThanOrEqual(found ?? 0, 1, "run \(run)")
            }
        }
        let rows = try store.read { db in try db.query("SELECT a, b, c, d FROM wide ORDER BY id") }
        XCTAssertEqual(rows.count, expected.count)
        for (row, (a, b, c, d)) in zip(rows, expected) {
            XCTAssertEqual(row.string("a"), a)
            if b.isEmpty {
                XCTAssertTrue(row["b"] == .null || row["b"] == .blob([]))
            } else {
                XCTAssertEqual(row["b"], SQLValue.blob(b))
            }
            XCTAssertEqual(row.string("c"), c)
            XCTAssertEqual(row.string("d"), d)
        }
    }

    /// Every parameter must be bound on every run: too few or too many arguments are refused
    /// before anything runs, and the next run binds afresh (nothing left from a refused one).
    func testWrongArgumentCountsAreRefusedAndLeaveNothingBehind() throws {
        let store = try Store(path: dir.path("n.db"), migrations: migrations)
        defer { store.close() }
        let sql = "INSERT INTO items(name, payload) VALUES (?, ?)"
        XCTAssertThrowsError(try store.writeAndWait { db in try db.execute(sql, "one") }) { error in
            XCTAssertEqual((error as? SQLiteError)?.message, "expected 2 arguments, got 1")
        }
        XCTAssertThrowsError(try store.writeAndWait { db in try db.execute(sql, "a", 1, "extra") }) { error in
            XCTAssertEqual((error as? SQLiteError)?.code, 25, "SQLITE_RANGE")
        }
        XCTAssertThrowsError(try store.writeAndWait { db in try db.execute(sql, arguments: ["one"]) })
        XCTAssertThrowsError(try store.read { db in try db.scalar("SELECT count(*) FROM items WHERE name = ?") })
        try store.writeAndWait { db in try db.execute(sql, "two", SQLValue.null) }
        let rows = try store.read { db in try db.query("SELECT name, typeof(payload) AS p FROM items") }
        XCTAssertEqual(rows.map { $0.string("name") }, ["two"])
        XCTAssertEqual(rows.map { $0.string("p") }, ["null"])
    }

    func testWritesAfterCloseAreRefusedAndQueuedOnesFinish() throws {
        let store = try Store(path: dir.path("c.db"), migrations: migrations)
        let finished = expectation(description: "queued before close")
        store.write({ db in try db.execute("INSERT INTO items(name) VALUES ('early')") }) { result in
            if case .success = result { finished.fulfill() }
        }
        store.close()
        wait(for: [finished], timeout: 10)
        XCTAssertThrowsError(try store.writeAndWait { db in try db.execute("INSERT INTO items(name) VALUES ('late')") }) { error in
            XCTAssertEqual("\(error)", "the store is shutting down")
        }
        let reopened = try Store(path: dir.path("c.db"), migrations: migrations)
        defer { reopened.close() }
        let names = try reopened.read { db in try db.query("SELECT name FROM items").compactMap { $0.string("name") } }
        XCTAssertEqual(names, ["early"])
    }

    func testSQLErrorsCarryCodeMessageAndSQL() throws {
        let store = try Store(path: dir.path("e.db"), migrations: migrations)
        defer { store.close() }
        XCTAssertThrowsError(try store.writeAndWait { db in try db.execute("INSERT INTO nowhere VALUES (1)") }) { error in
            let sqlite = error as? SQLiteError
            XCTAssertEqual(sqlite?.code, 1)
            XCTAssertEqual(sqlite?.sql, "INSERT INTO nowhere VALUES (1)")
            XCTAssertTrue(sqlite?.message.contains("no such table") ?? false)
        }
    }

    func testWriteAheadLogStaysBoundedUnderConstantLoadWithReaders() throws {
        let path = dir.path("w.db")
        let store = try Store(path: path, migrations: migrations)
        defer { store.close() }
        let stop = Atomic<Bool>(false)
        let readers = DispatchGroup()
        for _ in 0..<2 {
            DispatchQueue.global().async(group: readers) {
                while !stop.load(ordering: .relaxed) {
                    _ = try? store.read { db in try db.scalar("SELECT count(*) FROM items").int }
                }
            }
        }
        let payload = [UInt8](repeating: 7, count: 4096)
        var largestWAL = 0
        // 24,000 rows of 4 KiB ≈ 100 MB through the WAL.
        for round in 0..<24 {
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                let group = DispatchGroup()
                for i in 0..<125 {
                    group.enter()
                    store.write({ db in
                        try db.execute("INSERT INTO items(name, payload) VALUES (?, ?)", "r\(round)-\(worker)-\(i)", payload)
                    }) { _ in group.leave() }
                }
                group.wait()
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
            largestWAL = max(largestWAL, size)
        }
        stop.store(true, ordering: .relaxed)
        readers.wait()
        XCTAssertEqual(try store.read { db in try db.scalar("SELECT count(*) FROM items").int }, 24_000)
        XCTAssertLessThan(largestWAL, 40 * 1024 * 1024, "WAL grew to \(largestWAL) bytes")
    }

    func testCheckpointsRunBesideTheWriterAndTheWALStartsOverInsteadOfGrowing() throws {
        let metrics = Metrics()
        let path = dir.path("c.db")
        let store = try Store(path: path, migrations: migrations, metrics: metrics)
        let payload = [UInt8](repeating: 7, count: 3000)
        let largestWAL = Atomic<Int>(0)
        let failures = Atomic<Int>(0)
        // 16 clients each waiting for their answer, as webhooks on keep-alive connections do:
        // small batches, 12,000 one-page rows, about three times the WAL size (4,000 frames)
        // at which the writer lets the WAL start over.
        DispatchQueue.concurrentPerform(iterations: 16) { client in
            for i in 0..<750 {
                do {
                    try store.writeAndWait { db in
                        try db.execute("INSERT INTO items(name, payload) VALUES (?, ?)", "c\(client)-\(i)", payload)
                    }
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
                if i % 25 == 0 {
                    let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
                    largestWAL.max(size, ordering: .relaxed)
                }
            }
        }
        XCTAssertEqual(failures.load(ordering: .relaxed), 0)
        XCTAssertGreaterThan(metrics.walCheckpoints.value(["background"]), 0, "background checkpoints must copy frames")
        XCTAssertGreaterThan(metrics.walCheckpoints.value(["writer"]), 0, "the writer copies the tail so the WAL can start over")
        // 4,000 frames and a tail of 4 KiB pages is ~18 MB; a WAL that never started over would
        // reach the 32 MiB at which a truncating checkpoint stops the writer.
        XCTAssertLessThan(largestWAL.load(ordering: .relaxed), 24 * 1024 * 1024)
        let mainFile = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        XCTAssertGreaterThan(mainFile, 12_000 * 3000 / 2, "the rows reach the database file while the daemon runs")
        store.close()
        let reopened = try Store(path: path, migrations: migrations)
        defer { reopened.close() }
        XCTAssertEqual(try reopened.read { db in try db.scalar("SELECT count(*) FROM items").int }, 12_000)
        XCTAssertEqual(try reopened.read { db in try db.scalar("PRAGMA integrity_check").string }, "ok")
    }

    func testTransactionsOfEverySizeReachTheWALWholeAndSurviveReopening() throws {
        // WAL frames are gathered and written together (Sources/CSQLiteWAL): one row, a few
        // hundred KiB (past the 128 KiB the default VFS writes per call) and 6 MiB (past the
        // 4 MiB gathered at most) must all commit, be seen by another connection, and be on
        // disk when the database is opened again.
        let path = dir.path("t.db")
        let store = try Store(path: path, migrations: migrations)
        let sizes = [1, 3, 70, 1_500]   // rows of 4 KiB in one transaction
        for (batch, rows) in sizes.enumerated() {
            try store.writeAndWait { db in
                for i in 0..<rows {
                    let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: batch * 31 + i), count: 4096)
                    try db.execute("INSERT INTO items(name, payload) VALUES (?, ?)", "b\(batch)-\(i)", payload)
                }
            }
            let seen = try store.read { db in try db.scalar("SELECT count(*) FROM items WHERE name LIKE ?", "b\(batch)-%").int }
            XCTAssertEqual(seen, rows, "batch of \(rows) rows seen by a reader")
        }
        store.close()
        let reopened = try Store(path: path, migrations: migrations)
        defer { reopened.close() }
        for (batch, rows) in sizes.enumerated() {
            let intact = try reopened.read { db in
                try db.scalar("SELECT count(*) FROM items WHERE name LIKE ? AND length(payload) = 4096 AND substr(payload, 4096, 1) = substr(payload, 1, 1)",
                              "b\(batch)-%").int
            }
            XCTAssertEqual(intact, rows)
        }
        let last = try reopened.read { db in try db.scalar("SELECT payload FROM items WHERE name = ?", "b3-1499") }
        guard case .blob(let bytes) = last else { return XCTFail("no payload: \(last)") }
        XCTAssertEqual(bytes, [UInt8](repeating: UInt8(truncatingIfNeeded: 3 * 31 + 1499), count: 4096))
        XCTAssertEqual(try reopened.read { db in try db.scalar("PRAGMA integrity_check").string }, "ok")
    }
}
