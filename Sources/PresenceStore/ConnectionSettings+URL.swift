import Foundation

extension ConnectionSettings {
    /// The parameters a URL's query may carry.
    static let urlParameters = ["host", "port", "user", "password", "dbname", "sslmode", "connect_timeout"]

    /// Reads settings from a libpq-style URL.
    ///
    /// Accepted: `postgres://` or `postgresql://`, then optional `user[:password]@`, a host name,
    /// IPv4 address or bracketed IPv6 address with optional `:port`, an optional `/database`, and
    /// the query parameters `host` (a Unix socket folder when it starts with `/`), `port`,
    /// `user`, `password`, `dbname`, `sslmode` and `connect_timeout` (whole seconds from 1 to
    /// 3600; libpq's 0, to wait forever, is not offered). Parts are percent-decoded. As in libpq, the
    /// user defaults to the account running the process, the database to the user, the port to
    /// 5432 and the host to the Unix socket folder `/var/run/postgresql`.
    ///
    /// - Parameter url: The URL, for example `postgres://app:secret@db.internal/presence`.
    /// - Throws: ``StoreError`` with code ``StoreError/Code/invalidDatabaseURL`` whose message
    ///   names the part that is wrong.
    public init(url: String) throws {
        func invalid(_ problem: String) -> StoreError {
            StoreError(.invalidDatabaseURL, "The database URL is invalid: \(problem).")
        }
        func decode(_ text: Substring, _ part: String) throws -> String {
            guard let decoded = String(text).removingPercentEncoding else {
                throw invalid("the \(part) has a malformed percent-encoding")
            }
            return decoded
        }
        func parsePort(_ text: String) throws -> Int {
            guard text.utf8.allSatisfy({ (48...57).contains($0) }), let port = Int(text), (1...65535).contains(port) else {
                throw invalid("the port '\(text)' is not a number from 1 to 65535")
            }
            return port
        }

        guard let schemeEnd = url.range(of: "://") else {
            throw invalid("it must start with postgres:// or postgresql://")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw invalid("the scheme '\(scheme)' is not postgres or postgresql")
        }
        var rest = url[schemeEnd.upperBound...]
        if rest.contains("#") {
            throw invalid("it has a fragment ('#…'), which a database URL cannot have")
        }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }

        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                username = try decode(userInfo[..<colon], "user name")
                password = try decode(userInfo[userInfo.index(after: colon)...], "password")
            } else {
                username = try decode(userInfo, "user name")
            }
        }

        var host: String?
        var port: Int?
        if rest.contains(",") {
            throw invalid("it names several hosts ('\(rest)'); give exactly one")
        }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw invalid("the IPv6 address '\(rest)' lacks its closing ']'")
            }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected '\(after)' after the IPv6 address") }
                port = try parsePort(String(after.dropFirst()))
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = try decode(rest[..<colon], "host")
            port = try parsePort(String(rest[rest.index(after: colon)...]))
        } else if !rest.isEmpty {
            host = try decode(rest, "host")
        }
        if host?.isEmpty == true { host = nil }

        if path.contains("/") {
            throw invalid("the database name '\(path)' contains '/'")
        }
        var database = path.isEmpty ? nil : try decode(path, "database name")
        var sslMode = SSLMode.prefer
        var connectTimeout = Self.defaultConnectTimeout

        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try decode(parts[0], "parameter name")
            let value = parts.count == 2 ? try decode(parts[1], "parameter '\(key)'") : ""
            switch key {
            case "host": host = value.isEmpty ? nil : value
            case "port": port = try parsePort(value)
            case "user": username = value
            case "password": password = value
            case "dbname": database = value
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    let known = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw invalid("sslmode '\(value)' is not one of \(known)")
                }
                sslMode = mode
            case "connect_timeout":
                guard value.utf8.allSatisfy({ (48...57).contains($0) }), let seconds = Int(value), (1...3600).contains(seconds) else {
                    throw invalid("connect_timeout '\(value)' is not a whole number of seconds from 1 to 3600")
                }
                connectTimeout = .seconds(seconds)
            default:
                throw invalid(
                    "the parameter '\(key)' is not supported (supported: \(Self.urlParameters.joined(separator: ", ")))"
                )
            }
        }

        let user = username.flatMap { $0.isEmpty ? nil : $0 } ?? ProcessInfo.processInfo.userName
        let endpoint: Endpoint
        if let host, !host.hasPrefix("/") {
            endpoint = .tcp(host: host, port: port ?? 5432)
        } else {
            endpoint = .unixSocket(directory: host ?? "/var/run/postgresql", port: port ?? 5432)
        }
        self.init(
            endpoint: endpoint,
            username: user,
            password: password,
            database: database.flatMap { $0.isEmpty ? nil : $0 } ?? user,
            sslMode: sslMode,
            connectTimeout: connectTimeout
        )
    }
}
