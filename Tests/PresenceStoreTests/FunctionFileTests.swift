import Logging
import PostgresNIO
import PresenceStore
import PresenceTestSupport
import Testing

/// `Migrations/Functions/`: function files applied again when their text changes, in the
/// transaction of the last migration of the run.
@Suite("Function files")
struct FunctionFileTests {
    let logger = TestDatabase.logger

    /// What `answer()` returns now.
    func answer(_ client: PostgresClient) async throws -> Int {
        try await TestDatabase.number(client, "SELECT answer()")
    }

    func recorded(_ client: PostgresClient) async throws -> [String: String] {
        var recorded: [String: String] = [:]
        let rows = try await client.query("SELECT name, checksum FROM presence_functions", logger: logger)
        for try await (name, checksum) in rows.decode((String, String).self) { recorded[name] = checksum }
        return recorded
    }

    static func answer(_ body: String) -> FunctionFile {
        FunctionFile(name: "answer.sql", sql: "CREATE OR REPLACE FUNCTION answer() RETURNS bigint LANGUAGE sql AS $$ \(body) $$;")
    }

    @Test("every bundled function file is applied and recorded on a fresh database, then none again")
    func bundled() async throws {
        let files = FunctionFile.bundled()
        #expect(files.map(\.name).contains("presence_fold.sql") && files.map(\.name).contains("presence_rebuild.sql"))
        try await TestDatabase.withFresh(migrated: false) { client, _ in
            let first = try await Migrator(client: client).migrate(logger: logger)
            #expect(first.functions.map(\.name) == files.map(\.name).sorted())
            #expect(try await recorded(client) == Dictionary(uniqueKeysWithValues: files.map { ($0.name, $0.checksum) }))
            let second = try await Migrator(client: client).migrate(logger: logger)
            #expect(second.functions.isEmpty && second.applied.isEmpty)
        }
    }

    @Test("a changed file is applied again, alone when no migration is pending; an unchanged one is not")
    func changedAlone() async throws {
        try await TestDatabase.withFresh(migrated: false) { client, _ in
            let one = try Migration(name: "0001_one.sql", sql: "CREATE TABLE one (x int);")
            let stable = FunctionFile(name: "stable.sql", sql: "CREATE OR REPLACE FUNCTION stable() RETURNS int LANGUAGE sql AS $$ SELECT 7 $$;")
            let first = try await Migrator(client: client, migrations: [one], functions: [stable, Self.answer("SELECT 1")]).migrate(logger: logger)
            #expect(first.functions.map(\.name) == ["answer.sql", "stable.sql"])
            #expect(try await answer(client) == 1)
            let second = try await Migrator(client: client, migrations: [one], functions: [stable, Self.answer("SELECT 2")]).migrate(logger: logger)
            #expect(second.applied.isEmpty)
            #expect(second.functions.map(\.name) == ["answer.sql"])
            #expect(try await answer(client) == 2)
            #expect(try await recorded(client)["answer.sql"] == Self.answer("SELECT 2").checksum)
        }
    }

    @Test("a changed file goes in the transaction of the last migration: when that migration fails, the old body stays")
    func withTheLastMigration() async throws {
        try await TestDatabase.withFresh(migrated: false) { client, _ in
            let one = try Migration(name: "0001_one.sql", sql: "CREATE TABLE one (x int); INSERT INTO one VALUES (40);")
            try await Migrator(client: client, migrations: [one], functions: [Self.answer("SELECT 1")]).migrate(logger: logger)
            // The new body reads a column that migration 2 adds; migration 3 fails.
            let two = try Migration(name: "0002_two.sql", sql: "ALTER TABLE one ADD COLUMN y int DEFAULT 2;")
            let bad = try Migration(name: "0003_bad.sql", sql: "SELECT no_such_function();")
            let readsY = Self.answer("SELECT x + y FROM one")
            let error = await #expect(throws: StoreError.self) {
                try await Migrator(client: client, migrations: [one, two, bad], functions: [readsY]).migrate(logger: logger)
            }
            #expect(error?.message.contains("0003_bad.sql with the function files answer.sql") == true)
            #expect(try await answer(client) == 1)
            #expect(try await recorded(client)["answer.sql"] == Self.answer("SELECT 1").checksum)
            // Fixed, the run applies migration 3 and the new body together.
            let good = try Migration(name: "0003_bad.sql", sql: "SELECT 1;")
            let report = try await Migrator(client: client, migrations: [one, two, good], functions: [readsY]).migrate(logger: logger)
            #expect(report.applied.map(\.version) == [3] && report.functions.map(\.name) == ["answer.sql"])
            #expect(try await answer(client) == 42)
        }
    }
}
