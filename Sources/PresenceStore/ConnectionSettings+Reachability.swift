import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

extension ConnectionSettings {
    /// Connects once and closes again, so that a command fails within ``connectTimeout``, in
    /// one sentence that names the server and the cause, where PostgresNIO's pool would retry
    /// for a minute and then report only that its circuit breaker tripped.
    ///
    /// - Parameter logger: Where PostgresNIO logs the attempt.
    /// - Throws: ``StoreError`` with code ``StoreError/Code/databaseUnreachable`` (refused,
    ///   timed out, host name unknown, TLS failed) or ``StoreError/Code/loginRejected`` (the
    ///   password, the role, the database or `pg_hba.conf`), naming the host and port or socket.
    public func checkReachable(logger: Logger) async throws {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: try connectionConfiguration(),
                id: 0,
                logger: logger
            )
        } catch {
            throw connectFailure(error)
        }
        try? await connection.close()
    }

    /// PostgresNIO's configuration of one connection with these settings.
    private func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration = try endpointConfiguration(
            unixSocket: { .init(unixSocketPath: $0, username: username, password: password, database: database) },
            tcp: { .init(host: $0, port: $1, username: username, password: password, database: database, tls: try sslMode.connectionTLS()) }
        )
        configuration.options.connectTimeout = .seconds(connectTimeout.components.seconds)
        return configuration
    }

    /// The server as a person names it: "PostgreSQL at HOST port PORT", or at its socket.
    var place: String {
        switch endpoint {
        case .tcp(let host, let port): "PostgreSQL at \(host.contains(":") ? "[\(host)]" : host) port \(port)"
        case .unixSocket(let directory, let port): "PostgreSQL at the socket \(directory)/.s.PGSQL.\(port)"
        }
    }

    /// One sentence for a failed connection attempt.
    func connectFailure(_ error: any Error) -> StoreError {
        func unreachable(_ cause: String) -> StoreError { StoreError(.databaseUnreachable, "\(place) \(cause).") }
        func rejected(_ cause: String) -> StoreError { StoreError(.loginRejected, "\(place) \(cause).") }
        guard let psqlError = error as? PSQLError else {
            return unreachable("could not be reached: \(error)")
        }
        switch psqlError.code {
        case .sslUnsupported:
            return unreachable(
                "does not offer TLS, and sslmode=\(sslMode.rawValue) requires it; use sslmode=prefer or disable, or turn ssl on at the server"
            )
        case .authMechanismRequiresPassword:
            return rejected("asks role \(username) for a password, and the database URL gives none")
        case .server:
            let message = psqlError.serverInfo?[.message] ?? "no message"
            switch psqlError.serverInfo?[.sqlState] {
            case "28P01":
                return rejected("rejected the password of role \(username)")
            case "3D000":
                return rejected("has no database \(database)")
            case "28000" where message.contains("not permitted to log in"):
                return rejected("does not let role \(username) log in (it is NOLOGIN)")
            case "28000" where message.contains("pg_hba.conf"):
                return rejected("refuses role \(username) for database \(database) by its pg_hba.conf: \(message)")
            case "28000":
                return rejected("refuses role \(username): \(message)")
            default:
                return unreachable("refused the connection: \(message)")
            }
        case .connectionError:
            return unreachable(Self.transportCause(psqlError.underlying, timeout: connectTimeout))
        default:
            return unreachable("could not be reached (\(psqlError.code))")
        }
    }

    /// Why the connection itself failed, from the error SwiftNIO gave.
    static func transportCause(_ underlying: (any Error)?, timeout: Duration) -> String {
        switch underlying {
        case let error as ChannelError where error.isConnectTimeout:
            let seconds = timeout.components.seconds
            return
                "did not answer within \(seconds) second\(seconds == 1 ? "" : "s") (connect_timeout=\(seconds)); check the host, the port and any firewall"
        case let error as NIOConnectionError:
            if error.connectionErrors.isEmpty, let lookup = error.dnsAError ?? error.dnsAAAAError {
                let reason = (lookup as? SocketAddressError.UnknownHost)?.errorDescription ?? "\(lookup)"
                return "cannot be found: the host name \(error.host) does not resolve (\(reason)); check the host"
            }
            return transportCause(error.connectionErrors.first?.error, timeout: timeout)
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            return "refused the connection: no server listens there; check the host, the port and that the server runs"
        case let error as IOError where error.errnoCode == ENOENT:
            return "has no socket file: no server runs there; check the socket folder, the port and that the server runs"
        case let error as IOError:
            return "could not be reached: \(error)"
        case let error as NIOSSLError:
            return "failed the TLS handshake (\(error)); check sslmode and the server's certificate"
        case let error?:
            return "could not be reached: \(error)"
        case nil:
            return "could not be reached, for no reason PostgresNIO gave"
        }
    }
}

extension ChannelError {
    /// Whether this is SwiftNIO's connect timeout.
    fileprivate var isConnectTimeout: Bool {
        if case .connectTimeout = self { return true }
        return false
    }
}
