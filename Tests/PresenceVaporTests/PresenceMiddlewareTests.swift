import PostgresNIO
import PresenceIngest
import PresenceTestSupport
import Testing
import Vapor
import VaporTesting

@testable import PresenceVapor

/// The middleware records one event per authenticated request in the tracker's buffer, which
/// the application's shutdown writes to the log.
@Suite("PresenceVapor middleware")
struct PresenceMiddlewareTests {
    @Test("registered globally: one event per authenticated request, at its route pattern")
    func global() async throws {
        try await TestDatabase.withFresh { client, settings in
            try await withPresenceApp(settings) { app in
                app.middleware.use(HeaderAuthenticator())
                app.middleware.use(PresenceMiddleware(tracker: app.presence.tracker, user: HeaderUser.self))
                app.get("forum", ":id") { _ in "thread" }
                app.get("files", "**") { _ in "file" }
                app.get { _ in "home" }
            } _: { app in
                let tester = try app.testing()
                let alice: HTTPHeaders = ["X-User": "alice"]
                try await tester.test(.GET, "/forum/42", headers: alice) { #expect($0.status == .ok) }
                try await tester.test(.GET, "/forum/7?page=2", headers: alice) { #expect($0.status == .ok) }
                try await tester.test(.GET, "/", headers: alice) { #expect($0.status == .ok) }
                try await tester.test(.GET, "/files/a/b", headers: ["X-User": "bob"]) { #expect($0.status == .ok) }
                try await tester.test(.GET, "/forum/42") { #expect($0.status == .ok) }
                try await tester.test(.GET, "/nowhere", headers: alice) { #expect($0.status == .notFound) }
                // Five authenticated requests, the unmatched one too; the anonymous one left nothing.
                #expect(app.presence.tracker.statistics.accepted == 5)
            }
            let expected: Set<Logged> = [
                Logged(user: "alice", location: "/forum/:id"), Logged(user: "alice", location: "/forum/:id"),
                Logged(user: "alice", location: "/"), Logged(user: "bob", location: "/files/**"),
                Logged(user: "alice", location: nil),
            ]
            let logged = try await loggedEvents(client)
            #expect(logged.count == 5)
            #expect(Set(logged) == expected)
        }
    }

    @Test("on a route group, with its authenticator after it: the user is asked for after the chain")
    func group() async throws {
        try await TestDatabase.withFresh { client, settings in
            try await withPresenceApp(settings) { app in
                let forum = app.grouped("forum").grouped(
                    PresenceMiddleware(tracker: app.presence.tracker, user: HeaderUser.self),
                    HeaderAuthenticator()
                )
                forum.get(":id", "posts", ":post") { _ in "post" }
                forum.get(":id") { _ -> String in throw Abort(.forbidden) }
                app.get("outside") { _ in "not recorded" }
            } _: { app in
                let tester = try app.testing()
                let carol: HTTPHeaders = ["X-User": "carol"]
                try await tester.test(.GET, "/forum/1/posts/9", headers: carol) { #expect($0.status == .ok) }
                // A request that ends in an error was still made by its user.
                try await tester.test(.GET, "/forum/1", headers: carol) { #expect($0.status == .forbidden) }
                try await tester.test(.GET, "/outside", headers: carol) { #expect($0.status == .ok) }
            }
            #expect(
                try await loggedEvents(client) == [
                    Logged(user: "carol", location: "/forum/:id/posts/:post"), Logged(user: "carol", location: "/forum/:id"),
                ]
            )
        }
    }

    @Test("the concrete path without the query, no location, or a user from a closure")
    func locationsAndClosure() async throws {
        try await TestDatabase.withFresh { client, settings in
            try await withPresenceApp(settings) { app in
                let tracker = app.presence.tracker
                app.grouped(PresenceMiddleware(tracker: tracker, location: .path) { $0.headers.first(name: "X-Path-User") })
                    .get("path", ":id") { _ in "path" }
                app.grouped(PresenceMiddleware(tracker: tracker, location: .none) { $0.headers.first(name: "X-Path-User") })
                    .get("none", ":id") { _ in "none" }
            } _: { app in
                let tester = try app.testing()
                try await tester.test(.GET, "/path/42?page=2", headers: ["X-Path-User": "dave"]) { #expect($0.status == .ok) }
                try await tester.test(.GET, "/none/42", headers: ["X-Path-User": "erin"]) { #expect($0.status == .ok) }
                try await tester.test(.GET, "/none/43") { #expect($0.status == .ok) }
            }
            #expect(try await loggedEvents(client) == [Logged(user: "dave", location: "/path/42"), Logged(user: "erin", location: nil)])
        }
    }

    @Test("a request that logs its user out is not recorded; one that logs in is")
    func logInAndOut() async throws {
        try await TestDatabase.withFresh { client, settings in
            try await withPresenceApp(settings) { app in
                let site = app.grouped(HeaderAuthenticator(), PresenceMiddleware(tracker: app.presence.tracker, user: HeaderUser.self))
                site.get("logout") { request in
                    request.auth.logout(HeaderUser.self)
                    return "bye"
                }
                site.get("login", ":name") { request in
                    request.auth.login(HeaderUser(name: try request.parameters.require("name")))
                    return "hello"
                }
            } _: { app in
                let tester = try app.testing()
                try await tester.test(.GET, "/logout", headers: ["X-User": "frank"]) { #expect($0.status == .ok) }
                try await tester.test(.GET, "/login/grace") { #expect($0.status == .ok) }
            }
            #expect(try await loggedEvents(client) == [Logged(user: "grace", location: "/login/:name")])
        }
    }

    @Test("under the wait policy, a request waits for room in a task and is recorded")
    func waitPolicy() async throws {
        try await TestDatabase.withFresh { client, settings in
            var configuration = Application.Presence.Configuration()
            configuration.tracker.overflowPolicy = .wait(deadline: .seconds(30))
            configuration.tracker.capacity = 2
            configuration.tracker.maximumBatchSize = 1
            try await withPresenceApp(settings, configuration: configuration) { app in
                app.middleware.use(HeaderAuthenticator())
                app.middleware.use(PresenceMiddleware(tracker: app.presence.tracker, user: HeaderUser.self))
                app.get("page", ":n") { _ in "page" }
            } _: { app in
                let tester = try app.testing()
                for page in 0..<20 {
                    try await tester.test(.GET, "/page/\(page)", headers: ["X-User": "heidi"]) { #expect($0.status == .ok) }
                }
            }
            #expect(try await loggedEvents(client) == Array(repeating: Logged(user: "heidi", location: "/page/:n"), count: 20))
        }
    }

    @Test("a route's pattern as Vapor writes it, without empty components")
    func pattern() {
        #expect(PresenceMiddleware.pattern(of: []) == "/")
        #expect(PresenceMiddleware.pattern(of: [""]) == "/")
        #expect(PresenceMiddleware.pattern(of: ["forum", ":id", "*", "**"]) == "/forum/:id/*/**")
        #expect(PresenceMiddleware.pattern(of: ["a", "", "b"]) == "/a/b")
    }
}
