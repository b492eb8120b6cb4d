import Foundation
import PostgresNIO

/// Where and how to reach a PostgreSQL server: parsed from a `postgres://` URL, or made by
/// `EmbeddedServer` (in `PresenceEmbedded`) for the private server it starts.
///
/// The URL follows libpq's form: `postgres://user:password@host:port/database?sslmode=require`,
/// and `postgres:///database?host=/run/postgresql` for a Unix socket folder.
public struct ConnectionSettings: Sendable, Hashable, CustomStringConvertible {
    /// How the client reaches the server.
    public enum Endpoint: Sendable, Hashable {
        /// A TCP connection to a host name or IP address and port.
        case tcp(host: String, port: Int)
        /// A Unix domain socket: the folder that holds it and the port that names it
        /// (`FOLDER/.s.PGSQL.PORT`).
        case unixSocket(directory: String, port: Int)
    }

    /// How the server is reached.
    public var endpoint: Endpoint
    /// The role to log in as.
    public var username: String
    /// The password, if the server asks for one.
    public var password: String?
    /// The database to open.
    public var database: String
    /// Whether to use TLS, and how strictly to check the server. Ignored for Unix sockets.
    public var sslMode: SSLMode
    /// How long to wait for a connection, from the name lookup to the end of the login
    /// (libpq's `connect_timeout`). Default ``defaultConnectTimeout``.
    public var connectTimeout: Duration

    /// The connect timeout when the URL gives none: 5 seconds.
    public static let defaultConnectTimeout: Duration = .seconds(5)

    /// Creates settings from their parts.
    ///
    /// - Parameters:
    ///   - endpoint: How the server is reached.
    ///   - username: The role to log in as.
    ///   - password: The password, if any.
    ///   - database: The database to open.
    ///   - sslMode: The TLS policy; `prefer` by default, as in libpq.
    ///   - connectTimeout: How long to wait for a connection; 5 seconds by default.
    public init(
        endpoint: Endpoint,
        username: String,
        password: String? = nil,
        database: String,
        sslMode: SSLMode = .prefer,
        connectTimeout: Duration = ConnectionSettings.defaultConnectTimeout
    ) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.sslMode = sslMode
        self.connectTimeout = connectTimeout
    }

    /// The same server, another database on it.
    ///
    /// - Parameter database: The database to open instead.
    public func with(database: String) -> ConnectionSettings {
        var copy = self
        copy.database = database
        return copy
    }

    /// The settings as a URL, with the password hidden, for messages and logs.
    public var description: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = username
        if password != nil { components.password = "***" }
        components.path = "/" + database
        switch endpoint {
        case .tcp(let host, let port):
            components.host = host.contains(":") ? "[\(host)]" : host
            components.port = port
        case .unixSocket(let directory, let port):
            components.queryItems = [URLQueryItem(name: "host", value: directory)]
            if port != 5432 { components.queryItems?.append(URLQueryItem(name: "port", value: String(port))) }
        }
        if connectTimeout != Self.defaultConnectTimeout {
            let seconds = URLQueryItem(name: "connect_timeout", value: String(connectTimeout.components.seconds))
            components.queryItems = (components.queryItems ?? []) + [seconds]
        }
        return components.string ?? "postgres:///\(database)"
    }

    /// The configuration of PostgresNIO's connection pool for these settings.
    public func clientConfiguration() -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration = endpointConfiguration(
            unixSocket: { .init(unixSocketPath: $0, username: username, password: password, database: database) },
            tcp: { .init(host: $0, port: $1, username: username, password: password, database: database, tls: sslMode.postgresTLS()) }
        )
        configuration.options.connectTimeout = .seconds(connectTimeout.components.seconds)
        return configuration
    }

    /// One of PostgresNIO's configurations for the endpoint: its pool's and its single
    /// connection's take the same fields through types of their own.
    func endpointConfiguration<Configuration>(
        unixSocket: (_ path: String) -> Configuration,
        tcp: (_ host: String, _ port: Int) throws -> Configuration
    ) rethrows -> Configuration {
        switch endpoint {
        case .unixSocket(let directory, let port): unixSocket("\(directory)/.s.PGSQL.\(port)")
        case .tcp(let host, let port): try tcp(host, port)
        }
    }
}
