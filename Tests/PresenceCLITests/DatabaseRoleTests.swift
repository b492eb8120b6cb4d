import Testing

@testable import PresenceCLI

/// README, "Roles": which URL each command and each part of `presence serve` connects with.
@Suite("A database URL per role")
struct DatabaseRoleTests {
    static let environment = [
        "DATABASE_URL": "postgres://owner@db/presence",
        "PRESENCE_INGEST_DATABASE_URL": "postgres://ingest@db/presence",
        "PRESENCE_PROJECTOR_DATABASE_URL": "postgres://projector@db/presence",
        "PRESENCE_READ_DATABASE_URL": "postgres://reader@db/presence",
    ]

    @Test("each role's own variable, else DATABASE_URL; migrate and retention always DATABASE_URL")
    func environmentOnly() {
        #expect(DatabaseRole.owner.url(flag: nil, sharedFlag: nil, environment: Self.environment) == "postgres://owner@db/presence")
        #expect(DatabaseRole.ingest.url(flag: nil, sharedFlag: nil, environment: Self.environment) == "postgres://ingest@db/presence")
        #expect(DatabaseRole.projector.url(flag: nil, sharedFlag: nil, environment: Self.environment) == "postgres://projector@db/presence")
        #expect(DatabaseRole.read.url(flag: nil, sharedFlag: nil, environment: Self.environment) == "postgres://reader@db/presence")
        let shared = ["DATABASE_URL": "postgres://owner@db/presence", "PRESENCE_READ_DATABASE_URL": ""]
        for role in DatabaseRole.allCases {
            #expect(role.url(flag: nil, sharedFlag: nil, environment: shared) == "postgres://owner@db/presence")
            #expect(role.url(flag: nil, sharedFlag: nil, environment: [:]) == nil)  // the embedded server
        }
    }

    @Test("options before the environment, a role's own before the shared one")
    func precedence() {
        for role in DatabaseRole.allCases {
            #expect(role.url(flag: "postgres://own@x/p", sharedFlag: "postgres://shared@x/p", environment: Self.environment) == "postgres://own@x/p")
            #expect(role.url(flag: nil, sharedFlag: "postgres://shared@x/p", environment: Self.environment) == "postgres://shared@x/p")
        }
    }

    @Test("presence serve hides users through their own URL, else the shared one, else nowhere when the others have URLs")
    func servePrivacyURL() throws {
        func choice(_ arguments: [String], _ environment: [String: String]) throws -> ServeCommand.PrivacyURL {
            let serve = try #require(try Presence.parseAsRoot(["serve", "--insecure-local"] + arguments) as? ServeCommand)
            return serve.privacyURL(environment: environment)
        }
        let own = "postgres://privacy@db/presence"
        #expect(try choice([], [:]) == .shared(nil))
        #expect(try choice([], ["DATABASE_URL": "postgres://owner@db/presence"]) == .shared("postgres://owner@db/presence"))
        #expect(try choice(["--database-url", "postgres://owner@db/presence"], [:]) == .shared("postgres://owner@db/presence"))
        #expect(try choice(["--privacy-database-url", own], Self.environment) == .own(own))
        #expect(try choice([], ["PRESENCE_PRIVACY_DATABASE_URL": own, "DATABASE_URL": "postgres://owner@db/presence"]) == .own(own))
        #expect(try choice(["--database-url", "postgres://x@db/p"], ["PRESENCE_PRIVACY_DATABASE_URL": own]) == .shared("postgres://x@db/p"))
        #expect(try choice([], ["PRESENCE_INGEST_DATABASE_URL": "postgres://ingest@db/presence"]) == .none)
        #expect(try choice(["--read-database-url", "postgres://reader@db/presence"], [:]) == .none)
        #expect(try choice([], Self.environment) == .shared("postgres://owner@db/presence"))
    }

    @Test("presence serve takes --ingest-database-url, --read-database-url, --privacy-database-url and --projector-database-url")
    func serveOptions() throws {
        let command = try Presence.parseAsRoot([
            "serve", "--insecure-local", "--ingest-database-url", "postgres://web@db/p", "--read-database-url", "postgres://dash@db/p",
            "--projector-database-url", "postgres://fold@db/p", "--database-url", "postgres://owner@db/p",
            "--privacy-database-url", "postgres://forget@db/p",
        ])
        let serve = try #require(command as? ServeCommand)
        #expect(serve.ingestDatabaseURL == "postgres://web@db/p")
        #expect(serve.readDatabaseURL == "postgres://dash@db/p")
        #expect(serve.projectorDatabaseURL == "postgres://fold@db/p")
        #expect(serve.privacyDatabaseURL == "postgres://forget@db/p")
        #expect(serve.global.databaseURL == "postgres://owner@db/p")
    }
}
