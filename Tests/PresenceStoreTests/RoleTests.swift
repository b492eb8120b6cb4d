import Foundation
import Logging
import PostgresNIO
import PresenceStore
import PresenceTestSupport
import Testing

/// The roles of least privilege of Migrations/0006, logged in to as their members are.
@Suite("Roles of least privilege")
struct RoleTests {
    let logger = TestDatabase.logger

    /// Runs `query` and returns its SQLSTATE when it fails, `nil` when it succeeds.
    func failure(_ client: PostgresClient, _ query: PostgresQuery) async -> String? {
        do {
            _ = try await client.query(query, logger: logger).collect()
            return nil
        } catch {
            return (error as? PSQLError)?.serverInfo?[.sqlState] ?? "\(error)"
        }
    }

    func strings(_ client: PostgresClient, _ query: PostgresQuery) async throws -> [String] {
        var result: [String] = []
        for try await value in try await client.query(query, logger: logger).decode(String.self) { result.append(value) }
        return result
    }

    static let insufficientPrivilege = "42501"

    @Test("migrating makes the four roles, which cannot log in, and grants them again at every run")
    func rolesExist() async throws {
        try await TestDatabase.withFresh { client, _ in
            let roles = try await strings(
                client,
                """
                SELECT rolname || ':' || rolcanlogin || ':' || rolsuper FROM pg_roles
                WHERE rolname IN ('presence_ingest', 'presence_projector', 'presence_reader', 'presence_privacy') ORDER BY rolname
                """
            )
            #expect(
                roles == [
                    "presence_ingest:false:false", "presence_privacy:false:false", "presence_projector:false:false", "presence_reader:false:false",
                ]
            )
            let report = try await Migrator(client: client).migrate(logger: logger)
            #expect(report.applied.isEmpty)
            #expect(report.missingRoles.isEmpty)
            #expect(
                try await strings(client, "SELECT role_name || ':' || status FROM presence_grant_roles()")
                    == ["presence_ingest:granted", "presence_projector:granted", "presence_reader:granted", "presence_privacy:granted"]
            )
        }
    }

    @Test("the ingest role appends events, and cannot read, change, delete or truncate them")
    func ingestAppendsOnly() async throws {
        try await TestDatabase.withFresh { owner, settings in
            let old = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01: in the default partition
            try await owner.query("INSERT INTO seen_events (id, user_id, at) VALUES (\(UUID()), 'alice', \(old))", logger: logger)
            let today = try await strings(owner, "SELECT 'seen_events_' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD')")[0]

            try await TestDatabase.withLogin(as: .ingest, settings: settings) { ingest, _ in
                try await ingest.query(
                    "INSERT INTO seen_events (id, user_id, at, location) VALUES (\(UUID()), 'bob', now(), '/b')",
                    logger: logger
                )
                let denied: [PostgresQuery] = [
                    "SELECT count(*) FROM seen_events",
                    "SELECT count(*) FROM seen_events_default",
                    "SELECT count(*) FROM \(unescaped: today)",
                    "SELECT user_id FROM seen_events WHERE at = now()",
                    "UPDATE seen_events SET user_id = 'mallory'",
                    "DELETE FROM seen_events",
                    "DELETE FROM seen_events_default",
                    "TRUNCATE seen_events",
                    "TRUNCATE seen_events_default",
                    "DROP TABLE seen_events_default",
                    "ALTER TABLE seen_events DETACH PARTITION \(unescaped: today)",
                    // tx orders the projector's reading: a writer may not choose it.
                    "INSERT INTO seen_events (id, user_id, at, tx) VALUES (\(UUID()), 'carol', now(), '1')",
                    "INSERT INTO seen_events (id, user_id, at) VALUES (\(UUID()), 'carol', now()) RETURNING user_id",
                    "CREATE TABLE seen_events_copy (x int)",
                    "SELECT count(*) FROM presence_current",
                    "UPDATE presence_projector SET events = 0",
                    "SELECT presence_project(10)",
                    "SELECT * FROM presence_drop_old_partitions('1 day')",
                    "SELECT presence_restamp_log()",
                ]
                for query in denied {
                    #expect(await failure(ingest, query) == Self.insufficientPrivilege, "\(query.sql)")
                }
            }
            #expect(try await TestDatabase.number(owner, "SELECT count(*)::int8 FROM seen_events") == 2)
            #expect(try await TestDatabase.number(owner, "SELECT count(*)::int8 FROM presence_projector WHERE events = 0") == 1)
        }
    }

    @Test("the reader reads the projections, views and log, and cannot write any table, nor fold, drop or grant")
    func readerWritesNothing() async throws {
        try await TestDatabase.withFresh { owner, settings in
            try await owner.query("INSERT INTO seen_events (id, user_id, at) VALUES (\(UUID()), 'alice', now())", logger: logger)
            try await owner.query("SELECT presence_project(10)", logger: logger)
            let tables = try await strings(
                owner,
                """
                SELECT c.oid::regclass::text FROM pg_class AS c
                WHERE c.relnamespace IN (current_schema()::regnamespace, 'presence_next'::regnamespace)
                  AND c.relkind IN ('r', 'p')
                ORDER BY 1
                """
            )
            #expect(tables.contains("seen_events_default") && tables.contains("presence_migrations"))
            #expect(tables.contains("presence_next.user_sessions") && tables.contains("presence_next.presence_projector"))
            let readable = [
                "seen_events", "presence_current", "user_sessions", "user_activity", "user_activity_days", "presence_settings",
                "presence_projector", "presence_dropped_partitions", "online_users", "online_count",
            ]
            let before = try await strings(owner, "SELECT concat_ws('|', user_id, event_count) FROM presence_current")

            try await TestDatabase.withLogin(as: .reader, settings: settings) { reader, _ in
                for relation in readable {
                    #expect(await failure(reader, "SELECT count(*) FROM \(unescaped: relation)") == nil, "\(relation)")
                }
                for table in tables {
                    let column = try await strings(
                        owner,
                        "SELECT attname::text FROM pg_attribute WHERE attrelid = \(table)::regclass AND attnum = 1"
                    )[0]
                    let writes: [PostgresQuery] = [
                        "INSERT INTO \(unescaped: table) DEFAULT VALUES",
                        "UPDATE \(unescaped: table) SET \(unescaped: column) = \(unescaped: column)",
                        "DELETE FROM \(unescaped: table)",
                        "TRUNCATE \(unescaped: table)",
                    ]
                    for query in writes {
                        #expect(await failure(reader, query) == Self.insufficientPrivilege, "\(query.sql)")
                    }
                }
                let denied: [PostgresQuery] = [
                    "CREATE TABLE reader_notes (x int)",
                    "SELECT presence_project(10)",
                    "SELECT presence_rebuild()",
                    "SELECT presence_ensure_partitions('2001-01-01', '2001-01-01')",
                    "SELECT * FROM presence_drop_old_partitions('1 day', true)",
                    "SELECT presence_restamp_log()",
                    "SELECT * FROM presence_grant_roles()",
                    "SELECT presence_maintain_partitions(30)",
                    "SELECT presence_compact_activity('1 day')",
                    "SELECT presence_start_rebuild()",
                    "SELECT presence_analyze_twins()",
                    "SELECT presence_swap_projections()",
                ]
                for query in denied {
                    #expect(await failure(reader, query) == Self.insufficientPrivilege, "\(query.sql)")
                }
            }
            #expect(try await strings(owner, "SELECT concat_ws('|', user_id, event_count) FROM presence_current") == before)
            #expect(try await TestDatabase.number(owner, "SELECT count(*)::int8 FROM seen_events") == 1)
        }
    }

    @Test("the projector role folds, and cannot write the log or drop its partitions")
    func projectorFoldsOnly() async throws {
        try await TestDatabase.withFresh { owner, settings in
            try await owner.query("INSERT INTO seen_events (id, user_id, at) VALUES (\(UUID()), 'alice', now())", logger: logger)
            try await TestDatabase.withLogin(as: .projector, settings: settings) { projector, _ in
                try await TestDatabase.projectAll(projector, count: 1)
                let denied: [PostgresQuery] = [
                    "INSERT INTO seen_events (id, user_id, at) VALUES (\(UUID()), 'mallory', now())",
                    "UPDATE seen_events SET user_id = 'mallory'",
                    "DELETE FROM seen_events",
                    "TRUNCATE seen_events",
                    "UPDATE presence_settings SET session_gap = '1 hour'",
                    "SELECT presence_ensure_partitions('2001-01-01', '2001-01-01')",
                    "SELECT * FROM presence_drop_old_partitions('1 day')",
                    "SELECT presence_restamp_log()",
                ]
                for query in denied {
                    #expect(await failure(projector, query) == Self.insufficientPrivilege, "\(query.sql)")
                }
            }
            #expect(try await TestDatabase.number(owner, "SELECT events FROM presence_projector") == 1)
            #expect(try await strings(owner, "SELECT user_id FROM presence_current") == ["alice"])
        }
    }

    @Test("a writer or a reader in the wrong role is told so in one sentence before it starts")
    func privilegeChecks() async throws {
        try await TestDatabase.withFresh { owner, settings in
            try await EventLog.requireWritable(owner, logger: logger)
            try await EventLog.requireReadable(owner, logger: logger)
            try await TestDatabase.withLogin(as: .ingest, settings: settings) { ingest, login in
                try await EventLog.requireWritable(ingest, logger: logger)
                let error = await #expect(throws: StoreError.self) { try await EventLog.requireReadable(ingest, logger: logger) }
                #expect(error?.code == .permissionDenied)
                #expect(
                    error?.message
                        == "The role \(login.username) may not read the log and the projections (SELECT on them): connect as a member of presence_reader, or as the log's owner."
                )
            }
            try await TestDatabase.withLogin(as: .reader, settings: settings) { reader, login in
                try await EventLog.requireReadable(reader, logger: logger)
                let error = await #expect(throws: StoreError.self) { try await EventLog.requireWritable(reader, logger: logger) }
                #expect(
                    error?.message
                        == "The role \(login.username) may not write events (INSERT on seen_events, EXECUTE on presence_ensure_partitions): connect as a member of presence_ingest, or as the log's owner."
                )
            }
        }
    }

    @Test("an owner without CREATEROLE migrates its database and grants the roles that exist")
    func ownerWithoutCreateRole() async throws {
        let admin = try await TestDatabase.serverSettings()
        let name = "presence_owner_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let password = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        _ = try await admin.withClient(logger: logger) { client in
            try await client.query("CREATE ROLE \(unescaped: name) LOGIN PASSWORD '\(unescaped: password)'", logger: logger)
        }
        do {
            try await TestDatabase.withFresh(migrated: false) { client, settings in
                // The roles exist on the server (as another database's migration made them).
                try await client.query(
                    """
                    DO $$ DECLARE r text; BEGIN
                        FOREACH r IN ARRAY ARRAY['presence_ingest', 'presence_projector', 'presence_reader'] LOOP
                            BEGIN EXECUTE format('CREATE ROLE %I NOLOGIN', r);
                            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
                        END LOOP;
                    END $$
                    """,
                    logger: logger
                )
                try await client.query("ALTER DATABASE \(unescaped: settings.database) OWNER TO \(unescaped: name)", logger: logger)
                var ownerSettings = settings
                ownerSettings.username = name
                ownerSettings.password = password
                let report = try await ownerSettings.withClient(logger: logger) { owner in
                    try await Migrator(client: owner).migrate(logger: logger)
                }
                #expect(report.applied.count == (try Migration.bundled()).count)
                #expect(report.missingRoles.isEmpty)
                #expect(try await strings(client, "SELECT tableowner::text FROM pg_tables WHERE tablename = 'seen_events'") == [name])
                try await TestDatabase.withLogin(as: .ingest, settings: settings) { ingest, _ in
                    #expect(await failure(ingest, "INSERT INTO seen_events (id, user_id, at) VALUES (\(UUID()), 'a', now())") == nil)
                    #expect(await failure(ingest, "SELECT presence_ensure_partitions('2001-01-01', '2001-01-01')") == nil)
                    #expect(await failure(ingest, "SELECT count(*) FROM seen_events") == Self.insufficientPrivilege)
                }
                // The partition the ingest role asked for belongs to the log's owner.
                #expect(try await strings(client, "SELECT tableowner::text FROM pg_tables WHERE tablename = 'seen_events_20010101'") == [name])
            }
        } catch {
            _ = try? await admin.withClient(logger: logger) { try await $0.query("DROP ROLE IF EXISTS \(unescaped: name)", logger: logger) }
            throw error
        }
        _ = try await admin.withClient(logger: logger) { try await $0.query("DROP ROLE IF EXISTS \(unescaped: name)", logger: logger) }
    }
}
