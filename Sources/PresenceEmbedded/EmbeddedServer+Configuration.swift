import Foundation

extension EmbeddedServer {
    /// Where the embedded server keeps its files and what it serves.
    public struct Configuration: Sendable, Hashable {
        /// The environment variable that names the data folder when no configuration does.
        public static let dataFolderVariable = "PRESENCE_DATA_DIR"

        /// The data folder, as an absolute path: it holds the cluster (`postgres/`), the socket
        /// folder (`socket/`), the server log (`postgres.log`) and the lock file (`lock`).
        public var dataFolder: String
        /// The database the embedded server serves; created on first start. Default `presence`.
        public var database: String = "presence"
        /// The port number, which here only names the socket file (`.s.PGSQL.5432`).
        public var port: Int = 5432
        /// How long to wait for the server to accept connections, or for another process that
        /// is starting or stopping it. Default 60 seconds.
        public var timeout: Duration = .seconds(60)

        /// Creates a configuration.
        ///
        /// - Parameter dataFolder: The data folder; a relative path is taken from the current
        ///   directory. Default: `$PRESENCE_DATA_DIR`, else `.presence`.
        public init(dataFolder: String? = nil) {
            let folder = dataFolder ?? ProcessInfo.processInfo.environment[Self.dataFolderVariable] ?? ".presence"
            let url = URL(filePath: folder, relativeTo: URL.currentDirectory())
            self.dataFolder = url.standardizedFileURL.path(percentEncoded: false)
            if self.dataFolder.count > 1, self.dataFolder.hasSuffix("/") {
                self.dataFolder.removeLast()
            }
        }
    }
}
