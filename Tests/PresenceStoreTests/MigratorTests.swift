import Logging
import PostgresNIO
import PresenceStore
import PresenceTestSupport
import Testing

@Suite("Migrations")
struct MigratorTests {
    let logger = TestDatabase.logger

    func recordedVersions(_ client: PostgresClient) async throws -> [Int] {
        var versions: [Int] = []
        let rows = try await client.query("SELECT version FROM presence_migrations ORDER BY version", logger: logger)
        for try await version in rows.decode(Int.self) { versions.append(version) }
        return versions
    }

    func tableExists(_ name: String, _ client: PostgresClient) async throws -> Bool {
        let rows = try await client.query("SELECT to_regclass(\(name)) IS NOT NULL", logger: logger)
        for try await exists in rows.decode(Bool.self) { return exists }
        return false
    }

    @Test("the bundled migrations are numbered, named and carry checksums")
    func bundled() throws {
        let migrations = try Migration.bundled()
        #expect(migrations.first?.name == "0001_event_log.sql")
        #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
        #expect(migrations.allSatisfy { $0.checksum.count == 64 && !$0.sql.isEmpty })
    }

    @Test("migrating twice applies everything once, then nothing")
    func twice() async throws {
        try await TestDatabase.withFresh(migrated: false) { client, _ in
            let first = try await Migrator(client: client).migrate(logger: logger)
            #expect(first.applied.map(\.name) == (try Migration.bundled()).map(\.name))
            let second = try await Migrator(client: client).migrate(logger: logger)
            #expect(second.applied.isEmpty)
            #expect(second.version == first.version)
            #expect(try await recordedVersions(client) == (try Migration.bundled()).map(\.version))
            #expect(try await tableExists("seen_events", client))
        }
    }

    @Test("concurrent migrations apply each file exactly once")
    func concurrent() async throws {
        try await TestDatabase.withFresh(migrated: false) { client, settings in
            let reports = try await withThrowingTaskGroup(of: Migrator.Report.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        // Separate pools, as separate processes would have.
                        try await settings.withClient(logger: logger) { try await Migrator(client: $0).migrate(logger: logger) }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let bundled = try Migration.bundled()
            #expect(reports.flatMap(\.applied).map(\.name).sorted() == bundled.map(\.name))
            #expect(reports.filter { !$0.applied.isEmpty }.count == 1)
            #expect(try await recordedVersions(client) == bundled.map(\.version))
        }
    }

    @Test("a migration changed after it was applied is refused and nothing is applied")
    func changedChecksum() async throws {
        try await TestDatabase.withFresh(migrated: false) { client, _ in
            let one = try Migration(name: "0001_one.sql", sql: "CREATE TABLE one (x int);")
            try await Migrator(client: client, migrations: [one]).migrate(logger: logger)

            let changed = try Migration(name: "0001_one.sql", sql: "CREATE TABLE one (x bigint);")
            let two = try Migration(name: "0002_two.sql", sql: "CREATE TABLE two (x int);")
            let error = await #expect(throws: StoreError.self) {
                try await Migrator(client: client, migrations: [changed, two]).migrate(logger: logger)
            }
            #expect(error?.code == .migrationChanged)
            #expect(error?.message.contains("0001_one.sql was changed after it was applied") == true)
            #expect(try await recordedVersions(client) == [1])
            #expect(try await !tableExists("two", client))
        }
    }

    @Test("a database with a migration this build does not know is refused")
    func unknownMigration() async throws {
        try await TestDatabase.withFresh(migrated: false) { client, _ in
            let one = try Migration(name: "0001_one.sql", sql: "CREATE TABLE one (x int);")
            let two = try Migration(name: "0002_two.sql", sql: "CREATE TABLE two (x int);")
            try await Migrator(client: client, migrations: [one, two]).migrate(logger: logger)
            let error = await #expect(throws: StoreError.self) {
                try await Migrator(client: client, migrations: [one]).migrate(logger: logger)
            }
            #expect(error?.code == .migrationUnknown)
        }
    }

    @Test("a failing migration is rolled back whole, and the ones before it stay")
    func failingMigration() async throws {
        try await TestDatabase.withFresh(migrated: false) { client, _ in
            let one = try Migration(name: "0001_one.sql", sql: "CREATE TABLE one (x int);")
            let bad = try Migration(
                name: "0002_bad.sql",
                sql: "CREATE TABLE half (x int);\nINSERT INTO half VALUES (1);\nSELECT no_such_function();"
            )
            let error = await #expect(throws: StoreError.self) {
                try await Migrator(client: client, migrations: [one, bad]).migrate(logger: logger)
            }
            #expect(error?.code == .migrationFailed)
            #expect(error?.message.contains("0002_bad.sql") == true)
            #expect(error?.message.contains("no_such_function") == true)
            #expect(try await recordedVersions(client) == [1])
            #expect(try await tableExists("one", client))
            #expect(try await !tableExists("half", client))
        }
    }

    @Test("a misnamed or doubly numbered migration is refused before anything runs")
    func badNames() throws {
        #expect(throws: StoreError.self) { try Migration(name: "one.sql", sql: "") }
        #expect(throws: StoreError.self) { try Migration(name: "0001-one.sql", sql: "") }
        #expect(throws: StoreError.self) { try Migration(name: "0001_one.txt", sql: "") }
        let a = try Migration(name: "0001_a.sql", sql: "")
        let b = try Migration(name: "0001_b.sql", sql: "")
        let client = PostgresClient(
            configuration: .init(unixSocketPath: "/nonexistent/.s.PGSQL.5432", username: "x", password: nil, database: nil)
        )
        let error = #expect(throws: StoreError.self) { try Migrator(client: client, migrations: [a, b]) }
        #expect(error?.message.contains("share the number 1") == true)
    }
}
