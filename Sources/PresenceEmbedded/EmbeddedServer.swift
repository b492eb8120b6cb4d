import Crypto
import Foundation
import Logging
import PostgresNIO
import PresenceStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A private PostgreSQL server for the CLI, the tests and the benchmarks when no database URL
/// is given (DESIGN.md, "Embedded default").
///
/// On first use it creates a cluster in the data folder with the machine's `initdb`; it listens
/// on a Unix socket only (no TCP) and trusts local connections. ``start(logger:)`` reuses a
/// running server and ``stop(logger:)`` shuts it down cleanly. Both hold a lock file, so any
/// number of processes may start it at once: one starts it, the others wait and reuse it.
public struct EmbeddedServer: Sendable {
    /// Where the server keeps its files and what it serves.
    public let configuration: Configuration

    /// The role the embedded server's clients log in as.
    static let superuser = "postgres"

    /// Creates a handle on the embedded server of a data folder; nothing starts yet.
    ///
    /// - Parameter configuration: The data folder and options.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    var clusterFolder: String { configuration.dataFolder + "/postgres" }
    var logFile: String { configuration.dataFolder + "/postgres.log" }
    var lockFile: String { configuration.dataFolder + "/lock" }

    /// The folder that holds the server's socket: `socket/` in the data folder, or a folder
    /// under `/tmp` named after the data folder when that path is too long for a socket
    /// address (107 bytes on Linux).
    public var socketFolder: String {
        let inside = configuration.dataFolder + "/socket"
        guard (inside + "/.s.PGSQL.\(configuration.port)").utf8.count > 100 else { return inside }
        let digest = SHA256.hash(data: Data(configuration.dataFolder.utf8))
        return "/tmp/presence-" + digest.prefix(6).map { String(format: "%02x", $0) }.joined()
    }

    /// The settings that reach the embedded server's database once it runs.
    public var connectionSettings: ConnectionSettings {
        ConnectionSettings(
            endpoint: .unixSocket(directory: socketFolder, port: configuration.port),
            username: Self.superuser,
            database: configuration.database,
            sslMode: .disable
        )
    }

    /// Starts the server unless it already runs, creating the cluster and the database first
    /// when they are missing, and waits until it accepts connections.
    ///
    /// - Parameter logger: Where to log what it does.
    /// - Returns: The settings that reach the database.
    /// - Throws: ``EmbeddedServerError`` with one sentence that says what to do: missing server
    ///   programs, a cluster of another major version, a socket in use by another server, a
    ///   failed program (with its output).
    @discardableResult
    public func start(logger: Logger) async throws -> ConnectionSettings {
        try createFolder(configuration.dataFolder, mode: 0o755)
        return try await FileLock(path: lockFile).withLock(timeout: configuration.timeout) {
            let account = try ServerAccount.current()
            let clusterMajor = try self.clusterMajorVersion()
            let programs = try await ServerPrograms.locate(preferredMajor: clusterMajor)
            if let clusterMajor, clusterMajor != programs.majorVersion {
                throw EmbeddedServerError(
                    .clusterVersionMismatch,
                    "The data folder \(clusterFolder) was made by PostgreSQL \(clusterMajor), but this machine has PostgreSQL \(programs.majorVersion): install version \(clusterMajor)'s server programs, or remove the folder to start afresh."
                )
            }
            if clusterMajor == nil {
                try await self.createCluster(programs: programs, account: account, logger: logger)
            }
            if try await self.isRunning(programs: programs, account: account) {
                logger.debug("embedded PostgreSQL already running", metadata: ["data": "\(configuration.dataFolder)"])
            } else {
                try await self.startServer(programs: programs, account: account, logger: logger)
            }
            try await self.createDatabaseIfMissing(logger: logger)
            return self.connectionSettings
        }
    }

    /// Stops the server cleanly (`pg_ctl stop -m fast`) if it runs.
    ///
    /// - Parameter logger: Where to log what it does.
    /// - Returns: Whether a running server was stopped.
    @discardableResult
    public func stop(logger: Logger) async throws -> Bool {
        try await stop(mode: "fast", logger: logger)
    }

    /// Stops the server as a crash or a power cut would (`pg_ctl stop -m immediate`): every
    /// session ends at once, nothing is checkpointed, and the next ``start(logger:)`` recovers
    /// the cluster from its write-ahead log. For fault tests; applications use ``stop(logger:)``.
    ///
    /// - Parameter logger: Where to log what it does.
    /// - Returns: Whether a running server was stopped.
    @discardableResult
    package func stopImmediately(logger: Logger) async throws -> Bool {
        try await stop(mode: "immediate", logger: logger)
    }

    /// Runs `pg_ctl` with `arguments` (its action first) on the cluster, as the server's
    /// account, waiting at most the configured timeout and quietly.
    private func pgCtl(
        _ arguments: [String],
        programs: ServerPrograms,
        account: ServerAccount
    ) async throws -> (status: Int32, output: String) {
        let timeout = String(configuration.timeout.components.seconds)
        return try await account.run(programs.pgCtl, arguments + ["-D", clusterFolder, "-w", "-t", timeout, "-s"], in: configuration.dataFolder)
    }

    /// Stops the server with one of `pg_ctl`'s shutdown modes, if it runs.
    private func stop(mode: String, logger: Logger) async throws -> Bool {
        guard FileManager.default.fileExists(atPath: clusterFolder + "/PG_VERSION") else { return false }
        return try await FileLock(path: lockFile).withLock(timeout: configuration.timeout) {
            let account = try ServerAccount.current()
            let programs = try await ServerPrograms.locate(preferredMajor: try self.clusterMajorVersion())
            guard try await self.isRunning(programs: programs, account: account) else { return false }
            let result = try await self.pgCtl(["stop", "-m", mode], programs: programs, account: account)
            guard result.status == 0 else {
                throw EmbeddedServerError(.serverProgramFailed, "pg_ctl could not stop the embedded server: \(result.output)")
            }
            logger.info("embedded PostgreSQL stopped", metadata: ["data": "\(configuration.dataFolder)", "mode": "\(mode)"])
            return true
        }
    }

    /// Whether the server of this data folder is running.
    public func isRunning() async throws -> Bool {
        guard let major = try clusterMajorVersion() else { return false }
        return try await isRunning(programs: ServerPrograms.locate(preferredMajor: major), account: ServerAccount.current())
    }

    // MARK: - Steps

    /// The major version in the cluster's `PG_VERSION`, or `nil` when there is no cluster yet.
    func clusterMajorVersion() throws -> Int? {
        let versionFile = clusterFolder + "/PG_VERSION"
        guard let text = try? String(contentsOfFile: versionFile, encoding: .utf8) else {
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: clusterFolder)) ?? []
            guard contents.isEmpty else {
                throw EmbeddedServerError(
                    .dataFolderUnusable,
                    "\(clusterFolder) exists but holds no PostgreSQL cluster (no PG_VERSION): move it away so that Presence can create one."
                )
            }
            return nil
        }
        guard let major = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw EmbeddedServerError(.dataFolderUnusable, "\(versionFile) does not hold a version number: remove \(clusterFolder) to start afresh.")
        }
        return major
    }

    private func createCluster(programs: ServerPrograms, account: ServerAccount, logger: Logger) async throws {
        // initdb works in a scratch folder that is renamed into place only when it succeeded,
        // so a failed or interrupted initdb never leaves a half-made cluster behind.
        let scratch = configuration.dataFolder + "/postgres.initdb"
        try? FileManager.default.removeItem(atPath: scratch)
        try createFolder(scratch, mode: 0o700)
        try account.own(scratch)
        let started = ContinuousClock.now
        let result = try await account.run(
            programs.initdb,
            ["-D", scratch, "-U", Self.superuser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-instructions"],
            in: configuration.dataFolder
        )
        guard result.status == 0 else {
            try? FileManager.default.removeItem(atPath: scratch)
            var message = "initdb could not create the embedded cluster in \(configuration.dataFolder): \(result.output.lastLines(5))"
            if account.switchTo != nil {
                message +=
                    " (as root, every folder above the data folder must be searchable by the '\(account.name)' account; set \(Configuration.dataFolderVariable) to a folder such as /var/tmp/presence)"
            }
            throw EmbeddedServerError(.serverProgramFailed, message)
        }
        let include = "\n# Presence writes its own settings at every start of the embedded server.\ninclude_if_exists = 'presence.conf'\n"
        let handle = try FileHandle(forWritingTo: URL(filePath: scratch + "/postgresql.conf"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(include.utf8))
        try handle.close()
        try? FileManager.default.removeItem(atPath: clusterFolder)
        try FileManager.default.moveItem(atPath: scratch, toPath: clusterFolder)
        logger.info(
            "embedded PostgreSQL cluster created",
            metadata: ["data": "\(configuration.dataFolder)", "seconds": "\(ContinuousClock.now - started)"]
        )
    }

    private func isRunning(programs: ServerPrograms, account: ServerAccount) async throws -> Bool {
        let result = try await account.run(programs.pgCtl, ["status", "-D", clusterFolder], in: configuration.dataFolder)
        switch result.status {
        case 0: return true
        case 3: return false
        default:
            throw EmbeddedServerError(.serverProgramFailed, "pg_ctl could not read the state of \(clusterFolder): \(result.output)")
        }
    }

    private func startServer(programs: ServerPrograms, account: ServerAccount, logger: Logger) async throws {
        let socket = socketFolder
        try createFolder(socket, mode: 0o755)
        try account.own(socket)
        try checkSocketIsFree(socket)
        try writeServerSettings(socket: socket, account: account)
        if !FileManager.default.fileExists(atPath: logFile) {
            _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        }
        try account.own(logFile)

        let result = try await pgCtl(["start", "-l", logFile], programs: programs, account: account)
        guard result.status == 0 else {
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8))?.lastLines(5) ?? ""
            if log.contains("already exists") || log.contains("could not bind") {
                throw EmbeddedServerError(
                    .socketInUse,
                    "Another server already uses the socket folder \(socket) on port \(configuration.port): stop it, or choose another data folder with \(Configuration.dataFolderVariable)."
                )
            }
            throw EmbeddedServerError(.serverProgramFailed, "pg_ctl could not start the embedded server: \(result.output) \(log)")
        }
        logger.info("embedded PostgreSQL started", metadata: ["data": "\(configuration.dataFolder)", "socket": "\(socket)"])
    }

    /// Fails when a live process other than this cluster's server holds the socket's lock file.
    private func checkSocketIsFree(_ socket: String) throws {
        let lock = socket + "/.s.PGSQL.\(configuration.port).lock"
        guard let text = try? String(contentsOfFile: lock, encoding: .utf8),
            let pidText = text.split(separator: "\n").first, let pid = pid_t(pidText.trimmingCharacters(in: .whitespaces)),
            pid > 0
        else { return }
        if kill(pid, 0) == 0 || errno == EPERM {
            throw EmbeddedServerError(
                .socketInUse,
                "Another PostgreSQL server (process \(pid)) already uses the socket folder \(socket) on port \(configuration.port): stop it, or choose another data folder with \(Configuration.dataFolderVariable)."
            )
        }
    }

    private func writeServerSettings(socket: String, account: ServerAccount) throws {
        func quoted(_ value: String) -> String { "'" + value.replacingOccurrences(of: "'", with: "''") + "'" }
        let settings = """
            # Written by Presence at every start of the embedded server; edits here are overwritten.
            listen_addresses = ''
            unix_socket_directories = \(quoted(socket))
            port = \(configuration.port)
            max_connections = 200

            """
        let path = clusterFolder + "/presence.conf"
        try Data(settings.utf8).write(to: URL(filePath: path), options: .atomic)
        try account.own(path)
    }

    private func createDatabaseIfMissing(logger: Logger) async throws {
        let name = configuration.database
        try await connectionSettings.with(database: "postgres").withClient(logger: logger) { client in
            try await client.createDatabase(named: name, ifMissing: true, logger: logger)
        }
    }

    func createFolder(_ path: String, mode: Int) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: mode]
            )
        } catch {
            throw EmbeddedServerError(.dataFolderUnusable, "Cannot create the folder \(path): \(error.localizedDescription).")
        }
    }
}
