import Foundation
import Logging
import PresenceEmbedded
import PresenceStore

/// Runs `body` with a PostgreSQL server of its own, in a folder of its own, for a test that
/// breaks or copies a server: `prepare` makes the cluster when the default `initdb` will not
/// do (a standby, say). The server is stopped and the folder removed afterwards, when `body`
/// throws too.
///
/// - Parameters:
///   - folder: A folder under `/tmp` that no other test uses.
///   - prepare: Called with the server before it starts.
///   - body: Called with the server and the settings that reach it.
/// - Returns: What `body` returns.
public func withPrivateServer<Result: Sendable>(
    in folder: String,
    prepare: (EmbeddedServer) async throws -> Void = { _ in },
    _ body: (EmbeddedServer, ConnectionSettings) async throws -> Result
) async throws -> Result {
    let logger = TestDatabase.logger
    let server = EmbeddedServer(configuration: .init(dataFolder: folder))
    do {
        try await prepare(server)
        let result = try await body(server, try await server.start(logger: logger))
        try await server.stop(logger: logger)
        try? FileManager.default.removeItem(atPath: folder)
        return result
    } catch {
        _ = try? await server.stop(logger: logger)
        try? FileManager.default.removeItem(atPath: folder)
        throw error
    }
}
