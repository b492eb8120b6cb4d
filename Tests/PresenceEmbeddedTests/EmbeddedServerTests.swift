import Foundation
import Logging
import PostgresNIO
import PresenceStore
import PresenceTestSupport
import Testing

@testable import PresenceEmbedded

/// These tests start their own servers in temporary data folders, never the shared one.
@Suite("Embedded server")
struct EmbeddedServerTests {
    let logger = TestDatabase.logger

    /// Runs `body` with a server handle on a new temporary data folder, then stops the server
    /// and removes the folder.
    func withTemporaryServer(_ body: (EmbeddedServer) async throws -> Void) async throws {
        let folder = "/tmp/presence-test-" + UUID().uuidString.prefix(8).lowercased()
        let server = EmbeddedServer(configuration: .init(dataFolder: folder))
        do {
            try await body(server)
        } catch {
            _ = try? await server.stop(logger: logger)
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
        try await server.stop(logger: logger)
        try FileManager.default.removeItem(atPath: folder)
    }

    func answer(_ settings: ConnectionSettings) async throws -> String {
        try await settings.withClient(logger: logger) { client in
            let rows = try await client.query("SELECT current_database() || ' ' || current_setting('listen_addresses')", logger: logger)
            for try await text in rows.decode(String.self) { return text }
            return ""
        }
    }

    @Test("start creates the cluster, reuse finds it running, stop stops it")
    func lifecycle() async throws {
        try await withTemporaryServer { server in
            #expect(try await !server.isRunning())
            let settings = try await server.start(logger: logger)
            #expect(try await server.isRunning())
            #expect(try await answer(settings) == "presence ")  // no TCP listener
            #expect(FileManager.default.fileExists(atPath: server.configuration.dataFolder + "/postgres/PG_VERSION"))

            let again = try await server.start(logger: logger)
            #expect(again == settings)
            #expect(try await answer(again) == "presence ")

            #expect(try await server.stop(logger: logger))
            #expect(try await !server.isRunning())
            #expect(try await !server.stop(logger: logger))

            // A stopped cluster starts again with its data.
            try await server.start(logger: logger)
            #expect(try await answer(settings) == "presence ")
        }
    }

    @Test("several starts at once start one server and all of them get it")
    func concurrentStart() async throws {
        try await withTemporaryServer { server in
            let results = try await withThrowingTaskGroup(of: ConnectionSettings.self) { group in
                for _ in 0..<4 {
                    // Each start opens its own lock descriptor, as another process would.
                    group.addTask { try await EmbeddedServer(configuration: server.configuration).start(logger: logger) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(results).count == 1)
            #expect(try await answer(results[0]) == "presence ")
            let log = try String(contentsOfFile: server.configuration.dataFolder + "/postgres.log", encoding: .utf8)
            #expect(log.components(separatedBy: "database system is ready to accept connections").count - 1 == 1)
        }
    }

    @Test("a data folder made by another major version is refused with what to do")
    func versionMismatch() async throws {
        try await withTemporaryServer { server in
            let cluster = server.configuration.dataFolder + "/postgres"
            try FileManager.default.createDirectory(atPath: cluster, withIntermediateDirectories: true)
            try "9\n".write(toFile: cluster + "/PG_VERSION", atomically: true, encoding: .utf8)
            let error = await #expect(throws: EmbeddedServerError.self) { try await server.start(logger: logger) }
            #expect(error?.code == .clusterVersionMismatch)
            #expect(error?.message.contains("was made by PostgreSQL 9") == true)
            #expect(error?.message.contains("install version 9's server programs, or remove the folder") == true)
            try FileManager.default.removeItem(atPath: cluster)
        }
    }

    @Test("a folder that is not a cluster is refused, not overwritten")
    func notACluster() async throws {
        try await withTemporaryServer { server in
            let cluster = server.configuration.dataFolder + "/postgres"
            try FileManager.default.createDirectory(atPath: cluster, withIntermediateDirectories: true)
            try "keep me".write(toFile: cluster + "/notes.txt", atomically: true, encoding: .utf8)
            let error = await #expect(throws: EmbeddedServerError.self) { try await server.start(logger: logger) }
            #expect(error?.code == .dataFolderUnusable)
            #expect(FileManager.default.fileExists(atPath: cluster + "/notes.txt"))
            try FileManager.default.removeItem(atPath: cluster)
        }
    }

    @Test("a socket folder held by another live server is refused with what to do")
    func socketInUse() async throws {
        try await withTemporaryServer { server in
            let socket = server.socketFolder
            try FileManager.default.createDirectory(atPath: socket, withIntermediateDirectories: true)
            // A live process (this one) claims the socket, as another postmaster would.
            try "\(getpid())\n/elsewhere\n".write(toFile: socket + "/.s.PGSQL.5432.lock", atomically: true, encoding: .utf8)
            let error = await #expect(throws: EmbeddedServerError.self) { try await server.start(logger: logger) }
            #expect(error?.code == .socketInUse)
            #expect(error?.message.contains("already uses the socket folder \(socket)") == true)
            try FileManager.default.removeItem(atPath: socket + "/.s.PGSQL.5432.lock")
        }
    }

    @Test("missing server programs are named with the package to install")
    func programsMissing() async throws {
        let error = await #expect(throws: EmbeddedServerError.self) {
            try await ServerPrograms.locate(preferredMajor: nil, searchPath: "/nonexistent", root: "/nonexistent")
        }
        #expect(error?.code == .serverProgramsMissing)
        #expect(error?.message.contains("apt-get install postgresql") == true)
    }

    @Test("a data folder too deep for a socket address gets its socket under /tmp")
    func longDataFolder() {
        let deep = "/tmp/" + String(repeating: "deep/", count: 30)
        let server = EmbeddedServer(configuration: .init(dataFolder: deep))
        #expect(server.socketFolder.hasPrefix("/tmp/presence-"))
        #expect(EmbeddedServer(configuration: .init(dataFolder: "/tmp/x")).socketFolder == "/tmp/x/socket")
    }
}
