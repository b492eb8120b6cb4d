import Foundation
import Logging
import PresenceStore

extension EmbeddedServer {
    /// Makes this data folder's cluster a streaming hot standby of another embedded server:
    /// a copy of the running primary (`pg_basebackup -R`, the write-ahead log streamed
    /// beside it) that, once started with ``start(logger:)``, follows the primary over its
    /// Unix socket and answers read-only queries. For tests of reads on a replica.
    ///
    /// The copy is made in a scratch folder and renamed into place only when it is whole, as
    /// ``start(logger:)`` does with `initdb`; ``start(logger:)`` then writes the standby's own
    /// socket folder into its settings and finds the primary's databases already there.
    ///
    /// - Parameters:
    ///   - primary: The embedded server to copy; it must be running.
    ///   - logger: Where to log what it does.
    /// - Throws: ``EmbeddedServerError`` when this data folder already holds a cluster, or
    ///   `pg_basebackup` fails (with its output).
    package func createStandby(of primary: EmbeddedServer, logger: Logger) async throws {
        try createFolder(configuration.dataFolder, mode: 0o755)
        try await FileLock(path: lockFile).withLock(timeout: configuration.timeout) {
            guard try self.clusterMajorVersion() == nil else {
                throw EmbeddedServerError(
                    .dataFolderUnusable,
                    "\(clusterFolder) already holds a cluster: a standby is copied into an empty data folder."
                )
            }
            let account = try ServerAccount.current()
            let programs = try await ServerPrograms.locate(preferredMajor: try primary.clusterMajorVersion())
            let scratch = configuration.dataFolder + "/postgres.basebackup"
            try? FileManager.default.removeItem(atPath: scratch)
            try self.createFolder(scratch, mode: 0o700)
            try account.own(scratch)
            let started = ContinuousClock.now
            // -c fast: checkpoint at once rather than spread over minutes; -X stream: the log
            // written meanwhile travels beside the copy, so the copy is consistent by itself.
            let result = try await account.run(
                programs.pgBasebackup,
                [
                    "-D", scratch, "-R", "-X", "stream", "-c", "fast", "--no-password",
                    "-h", primary.socketFolder, "-p", String(primary.configuration.port), "-U", Self.superuser,
                ],
                in: configuration.dataFolder
            )
            guard result.status == 0 else {
                try? FileManager.default.removeItem(atPath: scratch)
                throw EmbeddedServerError(
                    .serverProgramFailed,
                    "pg_basebackup could not copy the server of \(primary.configuration.dataFolder): \(result.output.lastLines(5))"
                )
            }
            try? FileManager.default.removeItem(atPath: clusterFolder)  // empty, as checked above
            try FileManager.default.moveItem(atPath: scratch, toPath: clusterFolder)
            logger.info(
                "embedded PostgreSQL standby created",
                metadata: [
                    "data": "\(configuration.dataFolder)", "primary": "\(primary.configuration.dataFolder)",
                    "seconds": "\(ContinuousClock.now - started)",
                ]
            )
        }
    }
}
