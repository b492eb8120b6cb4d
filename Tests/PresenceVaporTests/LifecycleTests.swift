import Foundation
import PostgresNIO
import PresenceIngest
import PresenceProjector
import PresenceTestSupport
import PresenceVapor
import Testing
import Vapor
import VaporTesting

/// The tracker starts with the application and writes all it holds when the application
/// shuts down, by `asyncShutdown()` or on SIGTERM.
@Suite("PresenceVapor lifecycle")
struct LifecycleTests {
    @Test("asyncShutdown writes every event still in the buffer")
    func drainOnShutdown() async throws {
        try await TestDatabase.withFresh { client, settings in
            var configuration = Application.Presence.Configuration()
            // Nothing is written before the shutdown: the batch is neither full nor old.
            configuration.tracker.maximumBatchAge = .seconds(3_600)
            let app = try await Application.make(.testing)
            app.logger.logLevel = .warning
            app.middleware = Middlewares()
            try app.presence.use(settings, configuration: configuration)
            app.middleware.use(HeaderAuthenticator())
            app.middleware.use(PresenceMiddleware(tracker: app.presence.tracker, user: HeaderUser.self))
            app.get("page", ":n") { _ in "page" }
            let tracker = app.presence.tracker
            do {
                let tester = try app.testing()
                for page in 0..<300 {
                    try await tester.test(.GET, "/page/\(page)", headers: ["X-User": "user\(page % 7)"]) { #expect($0.status == .ok) }
                }
                #expect(tracker.statistics.buffered == 300)
                #expect(try await loggedEvents(client).isEmpty)
            } catch {
                try await app.asyncShutdown()
                throw error
            }
            try await app.asyncShutdown()
            let statistics = tracker.statistics
            #expect(statistics.stored == 300 && statistics.buffered == 0 && statistics.dropped.values.reduce(0, +) == 0)
            let logged = try await loggedEvents(client)
            #expect(logged.count == 300)
            #expect(
                Dictionary(grouping: logged, by: \.user).mapValues(\.count)
                    == Dictionary(uniqueKeysWithValues: (0..<7).map { ("user\($0)", $0 < 6 ? 43 : 42) })
            )
        }
    }

    @Test("the synchronous shutdown blocks until every buffered event is written")
    func drainOnSynchronousShutdown() async throws {
        try await TestDatabase.withFresh { client, settings in
            let configuration = {
                var configuration = Application.Presence.Configuration()
                configuration.tracker.maximumBatchAge = .seconds(3_600)
                return configuration
            }()
            // An application of Vapor's synchronous API, made, booted and shut down on a thread
            // of its own, as a program that uses app.run() does on its main thread.
            let counts = try await withCheckedThrowingContinuation { (done: CheckedContinuation<(buffered: Int, stored: Int), any Error>) in
                Thread {
                    do {
                        let app = Application(.testing)
                        app.logger.logLevel = .warning
                        try app.presence.use(settings, configuration: configuration)
                        try app.boot()
                        let tracker = app.presence.tracker
                        for page in 0..<50 { tracker.seen(user: "kim", location: "/page/\(page)") }
                        let buffered = tracker.statistics.buffered
                        app.shutdown()
                        done.resume(returning: (buffered, tracker.statistics.stored))
                    } catch {
                        done.resume(throwing: error)
                    }
                }.start()
            }
            #expect(counts.buffered == 50)
            #expect(counts.stored == 50)
            #expect(try await loggedEvents(client).count == 50)
        }
    }

    @Test("an application that never booted still writes what was recorded")
    func drainWithoutBoot() async throws {
        try await TestDatabase.withFresh { client, settings in
            let app = try await Application.make(.testing)
            app.logger.logLevel = .warning
            try app.presence.use(settings)
            await app.presence.tracker.seen(user: "ivan", location: "/job")
            try await app.asyncShutdown()
            #expect(try await loggedEvents(client) == [Logged(user: "ivan", location: "/job")])
        }
    }

    @Test("the projector in the application folds the log; a busy one leaves the tracker running")
    func projectorInTheApplication() async throws {
        try await TestDatabase.withFresh { client, settings in
            var configuration = Application.Presence.Configuration()
            configuration.projector = Projector.Configuration()
            let routes: @Sendable (Application) throws -> Void = { app in
                app.middleware.use(HeaderAuthenticator())
                app.middleware.use(PresenceMiddleware(tracker: app.presence.tracker, user: HeaderUser.self))
                app.get("last-seen", ":user") { request in
                    try await request.presence.lastSeen(try request.parameters.require("user")).lastSeen?.rfc3339 ?? "never"
                }
            }
            // Another projector works on the database: this application's stops at once and
            // says so, and its tracker goes on recording and writing.
            try await client.withConnection { other in
                try await other.query("SELECT pg_advisory_lock(hashtextextended('presence_projector', 0))", logger: TestDatabase.logger)
                let lines = LogLines()
                try await withApp { app in
                    app.logger = lines.logger(label: "presence.tests.vapor", level: .error)
                    app.middleware = Middlewares()
                    try app.presence.use(settings, configuration: configuration)
                    try routes(app)
                    let tester = try app.testing()
                    #expect(try await lines.wait { $0.contains("Presence's projector stopped") && $0.contains("Another projector") }, "\(lines.all)")
                    try await tester.test(.GET, "/last-seen/lena", headers: ["X-User": "lena"]) { #expect($0.body.string == "never") }
                }
                try await other.query("SELECT pg_advisory_unlock_all()", logger: TestDatabase.logger)
            }
            #expect(try await loggedEvents(client) == [Logged(user: "lena", location: "/last-seen/:user")])
            #expect(try await TestDatabase.number(client, "SELECT count(*) FROM presence_current") == 0)
            // Alone on the database, the application's projector folds what is in the log.
            try await withPresenceApp(settings, configuration: configuration, routes: routes) { app in
                _ = try app.testing()
                try await eventually("the application's projector to fold lena's event") {
                    try await TestDatabase.number(client, "SELECT count(*) FROM presence_current") == 1
                }
            }
        }
    }

    @Test("configuring twice is refused, and a query before configuring is a clear 500")
    func misconfiguration() async throws {
        let settings = try await TestDatabase.serverSettings()
        try await withApp { app in
            app.logger.logLevel = .critical
            app.get("online") { request in try await request.presence.online().users.count.description }
            try await app.testing().test(.GET, "/online") { response in
                #expect(response.status == .internalServerError)
                #expect(response.body.string.contains("Presence is not configured"))
            }
            try app.presence.use(settings)
            #expect(throws: PresenceVaporError.alreadyConfigured) { try app.presence.use(settings) }
        }
    }

    @Test("on SIGTERM the example application stops serving and writes every event it holds")
    func sigterm() async throws {
        try await TestDatabase.withFresh { client, settings in
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasSuffix("DATABASE_URL") }
            environment["DATABASE_URL"] = try #require(settings.password == nil ? settings.description : nil, "the test database needs no password")
            let output = FileManager.default.temporaryDirectory.appending(path: "presence-vapor-example-\(UUID()).log").path(percentEncoded: false)
            defer { try? FileManager.default.removeItem(atPath: output) }
            let example = try ChildProcess(
                program: "PresenceVaporExample",
                ["serve", "--hostname", "127.0.0.1", "--port", "0"],
                outputFile: output,
                environment: environment
            )
            var port = 0
            try await eventually("the example application to listen") {
                port = Self.port(in: example.output) ?? 0
                return port != 0
            }
            let http = try await Application.make(.testing)
            http.logger.logLevel = .critical
            // The login's redirect carries the session's cookie: read it, do not follow.
            http.http.client.configuration.redirectConfiguration = .disallow
            do {
                // Log in, which the example records, and keep the session's cookie.
                let login = try await http.client.get(URI(string: "http://127.0.0.1:\(port)/login?user=judy"))
                let cookie = try #require(login.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init))
                // Hold the log so that no batch can be written: every event stays in the tracker.
                try await client.withConnection { connection in
                    try await connection.query("BEGIN", logger: TestDatabase.logger)
                    try await connection.query("LOCK TABLE seen_events IN SHARE ROW EXCLUSIVE MODE", logger: TestDatabase.logger)
                    for thread in 0..<20 {
                        let page = try await http.client.get(URI(string: "http://127.0.0.1:\(port)/forum/\(thread)"), headers: ["Cookie": cookie])
                        #expect(page.status == .ok)
                    }
                    example.send(SIGTERM)
                    // The application stopped serving but waits to write what it holds.
                    try await Task.sleep(for: .seconds(1))
                    #expect(example.isRunning, "the example ended before its events could be written: \(example.output)")
                    try await connection.query("COMMIT", logger: TestDatabase.logger)
                }
            } catch {
                example.send(SIGKILL)
                try await http.asyncShutdown()
                throw error
            }
            try await http.asyncShutdown()
            let ending = await example.ending()
            #expect(ending == .exited(0), "\(example.output)")
            let logged = try await loggedEvents(client)
            #expect(logged == [Logged(user: "judy", location: "/login")] + Array(repeating: Logged(user: "judy", location: "/forum/:id"), count: 20))
        }
    }

    /// The port in Vapor's "Server started on http://127.0.0.1:PORT".
    static func port(in output: String) -> Int? {
        guard let line = output.split(separator: "\n").first(where: { $0.contains("Server started on http://") }),
            let colon = line.lastIndex(of: ":")
        else { return nil }
        return Int(line[line.index(after: colon)...].prefix { $0.isNumber })
    }
}
