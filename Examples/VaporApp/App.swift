import Foundation
import PresenceEmbedded
import PresenceModel
import PresenceProjector
import PresenceReports
import PresenceStore
import PresenceVapor
import Vapor

/// The Vapor twin of `Examples/HummingbirdApp`: a small site that shows who is online and when
/// people were last seen. "Logging in" puts a name into Vapor's session (a stand-in for real
/// authentication); Presence's lines are `app.presence.use` and the middleware. The application
/// runs the projector too, so the pages are current without another process.
///
/// Run it with `swift run PresenceVaporExample` (it uses the embedded server, or DATABASE_URL),
/// then open http://127.0.0.1:8082/login?user=alice in one browser and ?user=bob in another.
/// `serve --port N` picks another port; SIGTERM or Ctrl-C stops it after the tracker has
/// written what it holds.
@main
enum App {
    static func main() async throws {
        var environment = try Environment.detect()
        try LoggingSystem.bootstrap(from: &environment)
        let app = try await Application.make(environment)
        do {
            try await configure(app)
            try await app.execute()
        } catch {
            app.logger.report(error: error)
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    static func configure(_ app: Application) async throws {
        let settings: ConnectionSettings
        if let url = Environment.get("DATABASE_URL") {
            settings = try ConnectionSettings(url: url)
        } else {
            settings = try await EmbeddedServer().start(logger: app.logger)
        }
        try await settings.withClient(logger: app.logger) { client in _ = try await Migrator(client: client).migrate(logger: app.logger) }
        // The tracker, and the projector that keeps "online" and "last seen" current, run with
        // the application and stop with it.
        var presence = Application.Presence.Configuration()
        presence.projector = Projector.Configuration()
        presence.projector?.waitForOtherProjector = true
        try app.presence.use(settings, configuration: presence)
        app.http.server.configuration.port = 8082

        let site = app.grouped(
            app.sessions.middleware,
            UserSessionAuthenticator(),
            // Presence's one line: every request of a logged-in user is a seen-event, located at
            // its route pattern. It only appends to the tracker's buffer.
            PresenceMiddleware(tracker: app.presence.tracker, user: SiteUser.self)
        )
        site.get("login") { request -> Response in
            let user = request.query[String.self, at: "user"] ?? ""
            guard !user.isEmpty, user.count <= 32, user.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw Abort(.badRequest, reason: "Log in with ?user=NAME (letters and digits).")
            }
            request.auth.login(SiteUser(name: user))
            return request.redirect(to: "/")
        }
        site.get("logout") { request -> Response in
            request.auth.logout(SiteUser.self)
            request.session.destroy()
            return request.redirect(to: "/")
        }
        site.get("forum", ":id") { request in try await page(request, title: "Thread \(request.parameters.get("id") ?? "")") }
        site.get { request in try await page(request, title: "Home") }
    }

    /// A page that says who is online now and when each of a few people was last seen.
    static func page(_ request: Request, title: String) async throws -> Response {
        let now = Timestamp.now
        let online = try await request.presence.online(at: now)
        var people: [String] = []
        for name in ["alice", "bob", "carol"] {
            let seen = try await request.presence.lastSeen(name, asOf: now)
            let ago = seen.lastSeen.map { $0.date.formatted(.relative(presentation: .named, unitsStyle: .wide)) }
            people.append("<li>\(name): \(ago ?? "never seen")</li>")
        }
        let me = request.auth.get(SiteUser.self)?.name
        let html = """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>\(title)</title></head>
            <body style="font-family:system-ui,sans-serif;max-width:40em;margin:2em auto">
            <p>\(me.map { "Logged in as <b>\($0)</b> · <a href=\"/logout\">log out</a>" } ?? "<a href=\"/login?user=alice\">Log in as alice</a>")</p>
            <h1>\(escape(title))</h1>
            <p><a href="/">Home</a> · <a href="/forum/1">Thread 1</a> · <a href="/forum/2">Thread 2</a></p>
            <h2>Online now (\(online.users.count))</h2>
            <ul>\(online.users.map { "<li>\(escape($0.user)) at \(escape($0.location ?? "?"))</li>" }.joined())</ul>
            <h2>Last seen</h2>
            <ul>\(people.joined())</ul>
            </body></html>
            """
        return Response(status: .ok, headers: ["Content-Type": "text/html; charset=utf-8"], body: .init(string: html))
    }

    /// Text made safe to put between HTML tags or in an attribute.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// The logged-in user: a name kept in the session.
struct SiteUser: PresenceAuthenticatable, SessionAuthenticatable {
    let name: String
    var sessionID: String { name }
    var presenceUser: String { name }
}

/// Logs the session's user in for each request.
struct UserSessionAuthenticator: AsyncSessionAuthenticator {
    typealias User = SiteUser

    func authenticate(sessionID: String, for request: Request) async throws {
        request.auth.login(SiteUser(name: sessionID))
    }
}
