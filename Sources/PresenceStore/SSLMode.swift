import NIOSSL
import PostgresNIO

/// The TLS policy of a connection, spelled as libpq's `sslmode`.
public enum SSLMode: String, Sendable, Hashable, CaseIterable {
    /// Never use TLS.
    case disable
    /// Use TLS when the server offers it (PostgresNIO treats this as `prefer`).
    case allow
    /// Use TLS when the server offers it, without checking its certificate. The default.
    case prefer
    /// Always use TLS; do not check the certificate (libpq's meaning of `require`).
    case require
    /// Always use TLS and check that a trusted authority signed the certificate.
    case verifyCA = "verify-ca"
    /// Always use TLS, check the certificate and that it names the host.
    case verifyFull = "verify-full"

    /// PostgresNIO's TLS setting for one connection in this mode.
    func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
        switch self {
        case .disable: .disable
        case .allow, .prefer: .prefer(try NIOSSLContext(configuration: tlsConfiguration()))
        case .require, .verifyCA, .verifyFull: .require(try NIOSSLContext(configuration: tlsConfiguration()))
        }
    }

    /// PostgresNIO's TLS setting for this mode.
    func postgresTLS() -> PostgresClient.Configuration.TLS {
        switch self {
        case .disable: .disable
        case .allow, .prefer: .prefer(tlsConfiguration())
        case .require, .verifyCA, .verifyFull: .require(tlsConfiguration())
        }
    }

    /// The certificate checks of this mode.
    private func tlsConfiguration() -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch self {
        case .disable, .allow, .prefer, .require:
            tls.certificateVerification = .none
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tls.certificateVerification = .fullVerification
        }
        return tls
    }
}
