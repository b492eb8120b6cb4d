import NIOCore
import NIOPosix
import PostgresNIO
import PresenceStore
import PresenceTestSupport
import Testing

/// A server that cannot be reached, or refuses the login, is told within the connect timeout
/// in one sentence that names where and why (issue 12), not after the pool's minute of retries.
@Suite("Reaching the server")
struct ReachabilityTests {
    let logger = TestDatabase.logger

    /// The failure of `checkReachable`, and how long it took.
    func failure(_ settings: ConnectionSettings) async -> (error: StoreError?, seconds: Double) {
        let started = ContinuousClock.now
        let error = await #expect(throws: StoreError.self) { try await settings.checkReachable(logger: logger) }
        return (error, (ContinuousClock.now - started) / .seconds(1))
    }

    @Test("a closed port is refused at once, naming the host and port")
    func refused() async throws {
        let (error, seconds) = await failure(try ConnectionSettings(url: "postgres://postgres@127.0.0.1:1/none"))
        #expect(error?.code == .databaseUnreachable)
        #expect(
            error?.message
                == "PostgreSQL at 127.0.0.1 port 1 refused the connection: no server listens there; check the host, the port and that the server runs."
        )
        // Not after the pool's minute of retries. A loaded machine has stalled the whole test
        // process for 30 seconds at its start, every test's clock running.
        #expect(seconds < 50)
    }

    @Test("a host name that does not resolve is named")
    func unknownHost() async throws {
        let (error, seconds) = await failure(try ConnectionSettings(url: "postgres://postgres@no-such-host.invalid/none?connect_timeout=2"))
        #expect(error?.code == .databaseUnreachable)
        // Without a name server at all the lookup may time out instead; either way it is named.
        let message = error?.message ?? ""
        #expect(message.hasPrefix("PostgreSQL at no-such-host.invalid port 5432 "))
        #expect(
            message.contains("the host name no-such-host.invalid does not resolve") || message.contains("did not answer within 2 seconds"),
            "\(message)"
        )
        #expect(seconds < 50)
    }

    @Test("a server that accepts and never answers times out after connect_timeout")
    func silentServer() async throws {
        // A listener that takes the connection and never says a word.
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { _ in MultiThreadedEventLoopGroup.singleton.any().makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        let (error, seconds) = await failure(
            try ConnectionSettings(url: "postgres://postgres@127.0.0.1:\(port)/none?sslmode=disable&connect_timeout=1")
        )
        try await channel.close()
        #expect(error?.code == .databaseUnreachable)
        #expect(
            error?.message
                == "PostgreSQL at 127.0.0.1 port \(port) did not answer within 1 second (connect_timeout=1); check the host, the port and any firewall."
        )
        #expect(seconds >= 0.9 && seconds < 50)
    }

    @Test("a socket folder without a server says there is no socket file")
    func noSocket() async throws {
        let (error, _) = await failure(try ConnectionSettings(url: "postgres://postgres@/none?host=/tmp/presence-no-such-folder"))
        #expect(error?.code == .databaseUnreachable)
        #expect(
            error?.message
                == "PostgreSQL at the socket /tmp/presence-no-such-folder/.s.PGSQL.5432 has no socket file: no server runs there; check the socket folder, the port and that the server runs."
        )
    }

    @Test("a database that does not exist, and a role that may not log in, are named")
    func loginRejected() async throws {
        try await TestDatabase.withFresh { client, settings in
            let (missing, _) = await failure(settings.with(database: "presence_no_such_database"))
            #expect(missing?.code == .loginRejected)
            #expect(missing?.message == "\(place(settings)) has no database presence_no_such_database.")

            // Roles belong to the whole server: a name of this test's own.
            try await client.query("DROP ROLE IF EXISTS presence_reach_nologin", logger: logger)
            try await client.query("CREATE ROLE presence_reach_nologin NOLOGIN", logger: logger)
            var nologin = settings
            nologin.username = "presence_reach_nologin"
            let (refused, _) = await failure(nologin)
            try await client.query("DROP ROLE presence_reach_nologin", logger: logger)
            #expect(refused?.code == .loginRejected)
            #expect(refused?.message == "\(place(settings)) does not let role presence_reach_nologin log in (it is NOLOGIN).")

            try await settings.checkReachable(logger: logger)
        }
    }

    /// How the messages name the embedded server.
    func place(_ settings: ConnectionSettings) -> String {
        guard case .unixSocket(let directory, let port) = settings.endpoint else { return "" }
        return "PostgreSQL at the socket \(directory)/.s.PGSQL.\(port)"
    }
}
