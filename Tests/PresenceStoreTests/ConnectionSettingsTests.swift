import PresenceStore
import Testing

@Suite("Database URLs")
struct ConnectionSettingsTests {
    @Test(
        "good URLs",
        arguments: [
            (
                "postgres://app:secret@db.example.com:6543/presence?sslmode=require",
                ConnectionSettings(
                    endpoint: .tcp(host: "db.example.com", port: 6543),
                    username: "app",
                    password: "secret",
                    database: "presence",
                    sslMode: .require
                )
            ),
            (
                "postgresql://app@localhost/analytics",
                ConnectionSettings(endpoint: .tcp(host: "localhost", port: 5432), username: "app", database: "analytics")
            ),
            (
                "postgres://app:p%40ss%3Aw%2Frd@10.0.0.5/db",
                ConnectionSettings(
                    endpoint: .tcp(host: "10.0.0.5", port: 5432),
                    username: "app",
                    password: "p@ss:w/rd",
                    database: "db"
                )
            ),
            (
                "postgres://app@[::1]:5433/db?sslmode=verify-full",
                ConnectionSettings(
                    endpoint: .tcp(host: "::1", port: 5433),
                    username: "app",
                    database: "db",
                    sslMode: .verifyFull
                )
            ),
            (
                "postgres:///presence?host=/var/run/postgresql&user=postgres",
                ConnectionSettings(
                    endpoint: .unixSocket(directory: "/var/run/postgresql", port: 5432),
                    username: "postgres",
                    database: "presence"
                )
            ),
            (
                "postgres://postgres@%2Ftmp%2Fsock:5444/x",
                ConnectionSettings(endpoint: .unixSocket(directory: "/tmp/sock", port: 5444), username: "postgres", database: "x")
            ),
            (
                "POSTGRES://u@h/d?port=7000&dbname=other&password=pw&sslmode=disable",
                ConnectionSettings(
                    endpoint: .tcp(host: "h", port: 7000),
                    username: "u",
                    password: "pw",
                    database: "other",
                    sslMode: .disable
                )
            ),
            (
                "postgres://u@h",
                ConnectionSettings(endpoint: .tcp(host: "h", port: 5432), username: "u", database: "u")
            ),
            (
                "postgres://u@h/d?connect_timeout=12",
                ConnectionSettings(endpoint: .tcp(host: "h", port: 5432), username: "u", database: "d", connectTimeout: .seconds(12))
            ),
        ]
    )
    func good(url: String, expected: ConnectionSettings) throws {
        #expect(try ConnectionSettings(url: url) == expected)
    }

    @Test(
        "bad URLs name the bad part",
        arguments: [
            ("mysql://u@h/d", "the scheme 'mysql' is not postgres or postgresql"),
            ("localhost:5432/presence", "it must start with postgres:// or postgresql://"),
            ("postgres://u@h:99999/d", "the port '99999' is not a number from 1 to 65535"),
            ("postgres://u@h:abc/d", "the port 'abc' is not a number from 1 to 65535"),
            ("postgres://u@h:+5/d", "the port '+5' is not a number from 1 to 65535"),
            ("postgres://u@h/d?sslmode=always", "sslmode 'always' is not one of disable, allow, prefer, require, verify-ca, verify-full"),
            ("postgres://u@h/d?timeout=5", "the parameter 'timeout' is not supported"),
            ("postgres://u:%zz@h/d", "the password has a malformed percent-encoding"),
            ("postgres://u@h1,h2/d", "it names several hosts"),
            ("postgres://u@[::1/d", "lacks its closing ']'"),
            ("postgres://u@h/d/e", "the database name 'd/e' contains '/'"),
            ("postgres://u@h/d#frag", "it has a fragment"),
            ("postgres://u@h/d?connect_timeout=0", "connect_timeout '0' is not a whole number of seconds from 1 to 3600"),
            ("postgres://u@h/d?connect_timeout=2.5", "connect_timeout '2.5' is not a whole number of seconds from 1 to 3600"),
            ("postgres://u@h/d?connect_timeout=3601", "connect_timeout '3601' is not a whole number of seconds from 1 to 3600"),
        ]
    )
    func bad(url: String, problem: String) {
        let error = #expect(throws: StoreError.self) { try ConnectionSettings(url: url) }
        #expect(error?.code == .invalidDatabaseURL)
        #expect(error?.message.hasPrefix("The database URL is invalid: ") == true)
        #expect(error?.message.contains(problem) == true, "\(error?.message ?? "no error")")
    }

    @Test("the description hides the password")
    func description() throws {
        let settings = try ConnectionSettings(url: "postgres://app:secret@db:5432/presence")
        #expect(settings.description == "postgres://app:***@db:5432/presence")
        #expect(!settings.description.contains("secret"))
    }

    @Test("a connect timeout other than the default of 5 seconds survives the description")
    func connectTimeoutRoundTrip() throws {
        #expect(try ConnectionSettings(url: "postgres://u@h/d").connectTimeout == .seconds(5))
        let settings = try ConnectionSettings(url: "postgres://u@h/d?connect_timeout=7")
        #expect(settings.description == "postgres://u@h:5432/d?connect_timeout=7")
        #expect(try ConnectionSettings(url: settings.description) == settings)
    }
}
