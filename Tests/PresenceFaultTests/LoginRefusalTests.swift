import Foundation
import Logging
import PostgresNIO
import PresenceEmbedded
import PresenceStore
import PresenceTestSupport
import Testing

/// Logins that a real server refuses over TCP, each told in one sentence that names the server
/// and the cause (issue 12): a server of this suite's own listens on 127.0.0.1, lets one role
/// in with a password (scram-sha-256, its `pg_hba.conf`), and has no TLS.
@Suite("Logins the server refuses")
struct LoginRefusalTests {
    static let logger = TestDatabase.logger
    static let role = "presence_login_probe"
    static let password = "right-horse-battery"

    /// Starts the server, runs `body` with its TCP address, then stops it and removes its folder.
    static func withLoginServer(_ body: (_ host: String, _ port: Int) async throws -> Void) async throws {
        let folder = "/tmp/presence-login-" + UUID().uuidString.prefix(8).lowercased()
        var configuration = EmbeddedServer.Configuration(dataFolder: folder)
        // A port of its own: the machine may run another server on 5432.
        configuration.port = Int.random(in: 20_000...60_000)
        let server = EmbeddedServer(configuration: configuration)
        do {
            let settings = try await server.start(logger: logger)
            try await settings.withClient(logger: logger) { client in
                try await client.query("ALTER SYSTEM SET listen_addresses = '127.0.0.1'", logger: logger)
                try await client.query("ALTER SYSTEM SET ssl = off", logger: logger)
                try await client.query(
                    "CREATE ROLE \(unescaped: role) LOGIN PASSWORD \(unescaped: "'" + password + "'")",
                    logger: logger
                )
                // The server writes its own pg_hba.conf: over TCP only that role, with a password.
                let hba = try await client.query("SHOW hba_file", logger: logger).collect().first!.decode(String.self)
                try await client.query(
                    """
                    COPY (SELECT unnest(ARRAY['local all all trust',
                                              'host all \(unescaped: role) 127.0.0.1/32 scram-sha-256']))
                    TO \(unescaped: "'" + hba + "'")
                    """,
                    logger: logger
                )
            }
            _ = try await server.stop(logger: logger)
            _ = try await server.start(logger: logger)
            try await body("127.0.0.1", configuration.port)
            _ = try await server.stop(logger: logger)
            try? FileManager.default.removeItem(atPath: folder)
        } catch {
            _ = try? await server.stop(logger: logger)
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
    }

    /// The failure of a probe of `url`.
    static func failure(_ url: String) async throws -> StoreError? {
        let settings = try ConnectionSettings(url: url)
        return await #expect(throws: StoreError.self) { try await settings.checkReachable(logger: logger) }
    }

    @Test("a wrong password, no password, a role pg_hba.conf does not let in, and sslmode=require without TLS")
    func refusals() async throws {
        try await Self.withLoginServer { host, port in
            let place = "PostgreSQL at \(host) port \(port)"
            let base = "postgres://\(Self.role)"
            let server = "@\(host):\(port)/postgres"

            try await ConnectionSettings(url: "\(base):\(Self.password)\(server)?sslmode=disable").checkReachable(logger: Self.logger)

            let wrong = try await Self.failure("\(base):wrong\(server)?sslmode=disable")
            #expect(wrong?.code == .loginRejected)
            #expect(wrong?.message == "\(place) rejected the password of role \(Self.role).")

            let none = try await Self.failure("\(base)\(server)?sslmode=disable")
            #expect(none?.code == .loginRejected)
            #expect(none?.message == "\(place) asks role \(Self.role) for a password, and the database URL gives none.")

            let stranger = try await Self.failure("postgres://postgres:x\(server)?sslmode=disable")
            #expect(stranger?.code == .loginRejected)
            #expect(
                stranger?.message.hasPrefix(
                    "\(place) refuses role postgres for database postgres by its pg_hba.conf: no pg_hba.conf entry for host \"127.0.0.1\""
                ) == true,
                "\(stranger?.message ?? "")"
            )

            let tls = try await Self.failure("\(base):\(Self.password)\(server)?sslmode=require")
            #expect(tls?.code == .databaseUnreachable)
            #expect(
                tls?.message
                    == "\(place) does not offer TLS, and sslmode=require requires it; use sslmode=prefer or disable, or turn ssl on at the server."
            )
        }
    }
}
