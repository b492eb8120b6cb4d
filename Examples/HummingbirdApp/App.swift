import Foundation
import Hummingbird
import Logging
import PostgresNIO
import PresenceEmbedded
import PresenceHummingbird
import PresenceIngest
import PresenceModel
import PresenceProjector
import PresenceReports
import PresenceStore
import ServiceLifecycle

/// A small site that shows who is online and when people were last seen: the README's
/// integration example. "Logging in" only sets a cookie with a name (a stand-in for real
/// authentication); the one Presence line is the middleware.
///
/// Run it with `swift run PresenceExampleApp` (it uses the embedded server, or DATABASE_URL),
/// then open http://127.0.0.1:8081/login?user=alice in one browser and ?user=bob in another.
@main
struct App {
    static func main() async throws {
        let logger = {
            var logger = Logger(label: "example")
            logger.logLevel = .info
            return logger
        }()
        let settings: ConnectionSettings
        if let url = ProcessInfo.processInfo.environment["DATABASE_URL"] {
            settings = try ConnectionSettings(url: url)
        } else {
            settings = try await EmbeddedServer().start(logger: logger)
        }
        try await settings.withClient(logger: logger) { @Sendable client in _ = try await Migrator(client: client).migrate(logger: logger) }

        let client = settings.makeClient(logger: Logger(label: "example.postgres"))
        let tracker = PresenceTracker(client: client, logger: logger)
        var projection = Projector.Configuration()
        projection.waitForOtherProjector = true
        let router = Router()
        // Presence's one line: every request of a logged-in user is a seen-event, located at
        // its route pattern. It only appends to the tracker's buffer.
        router.add(middleware: PresenceMiddleware(tracker: tracker) { request, _ in request.cookies["user"]?.value })
        Site(client: client, logger: logger).addRoutes(to: router)

        let application = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 8081)),
            // The projector keeps "online" and "last seen" current without another process; it
            // stands by while another one works on the database.
            services: [client, tracker, Projector(client: client, configuration: projection, logger: logger)],
            logger: logger
        )
        try await application.runService()
    }
}

/// The site's pages.
struct Site: Sendable {
    let client: PostgresClient
    let logger: Logger

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/login") { request, _ -> Response in
            let user = request.uri.queryParameters.get("user") ?? ""
            guard !user.isEmpty, user.count <= 32, user.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: "Log in with ?user=NAME (letters and digits).\n")))
            }
            var response = Response.redirect(to: "/")
            response.setCookie(Cookie(name: "user", value: user, path: "/"))
            return response
        }
        router.get("/logout") { _, _ -> Response in
            var response = Response.redirect(to: "/")
            response.setCookie(Cookie(name: "user", value: "", maxAge: 0, path: "/"))
            return response
        }
        router.get("/forum/{id}") { request, context in try await page(request, title: "Thread \(context.parameters.get("id") ?? "")") }
        router.get("/") { request, _ in try await page(request, title: "Home") }
    }

    /// A page that says who is online now and when each of a few people was last seen.
    func page(_ request: Request, title: String) async throws -> Response {
        let now = Timestamp.now
        let online = try await OnlineReport.run(
            at: now,
            threshold: PresenceDefaults.onlineThreshold,
            client: client,
            logger: logger
        )
        var people: [String] = []
        for name in ["alice", "bob", "carol"] {
            let seen = try await LastSeenReport.run(user: name, asOf: now, client: client, logger: logger)
            let ago = seen.lastSeen.map { $0.date.formatted(.relative(presentation: .named, unitsStyle: .wide)) }
            people.append("<li>\(name): \(ago ?? "never seen")</li>")
        }
        let me = request.cookies["user"]?.value
        let html = """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>\(title)</title></head>
            <body style="font-family:system-ui,sans-serif;max-width:40em;margin:2em auto">
            <p>\(me.map { "Logged in as <b>\($0)</b> · <a href=\"/logout\">log out</a>" } ?? "<a href=\"/login?user=alice\">Log in as alice</a>")</p>
            <h1>\(title)</h1>
            <p><a href="/">Home</a> · <a href="/forum/1">Thread 1</a> · <a href="/forum/2">Thread 2</a></p>
            <h2>Online now (\(online.users.count))</h2>
            <ul>\(online.users.map { "<li>\(Self.escape($0.user)) at \(Self.escape($0.location ?? "?"))</li>" }.joined())</ul>
            <h2>Last seen</h2>
            <ul>\(people.joined())</ul>
            </body></html>
            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
