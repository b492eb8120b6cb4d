import Foundation
import PostgresNIO
import PresenceEmbedded
import PresenceIngest
import PresenceModel
import PresenceStore
import PresenceTestSupport
import Testing

@Suite("Tracker across a database restart")
struct RestartTests {
    let logger = TestDatabase.logger

    @Test("events seen while PostgreSQL is down are kept, retried, and stored once when it is back")
    func survivesRestart() async throws {
        let folder = "/tmp/presence-restart-" + UUID().uuidString.prefix(8).lowercased()
        let server = EmbeddedServer(configuration: .init(dataFolder: folder))
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let settings = try await server.start(logger: logger)
            try await settings.withClient(logger: logger) { client in
                try await Migrator(client: client).migrate(logger: logger)
                var configuration = PresenceTracker.Configuration()
                configuration.maximumBatchAge = .milliseconds(20)
                configuration.initialRetryDelay = .milliseconds(50)
                configuration.maximumRetryDelay = .milliseconds(200)
                let statistics = try await withTracker(client: client, configuration: configuration) { tracker, _ in
                    for index in 0..<500 { await tracker.seen(user: "before-\(index % 10)", location: "/\(index)") }
                    try await eventually("the first 500 stored", timeout: .seconds(60)) { tracker.statistics.stored == 500 }
                    #expect(tracker.statistics.stored == 500)

                    try await server.stop(logger: logger)
                    for index in 0..<500 { await tracker.seen(user: "during-\(index % 10)", location: "/\(index)") }
                    try await Task.sleep(for: .milliseconds(500))
                    let down = tracker.statistics
                    #expect(down.stored == 500 && down.buffered == 500 && down.isBalanced)

                    try await server.start(logger: logger)
                    try await eventually("all 1,000 stored", timeout: .seconds(60)) { tracker.statistics.stored == 1_000 }
                }
                #expect(statistics.accepted == 1_000 && statistics.stored == 1_000)
                #expect(statistics.duplicates == 0 && statistics.droppedTotal == 0 && statistics.isBalanced)
                let stored = try await storedEvents(client)
                #expect(stored.count == 1_000 && Set(stored.map(\.id)).count == 1_000)
            }
        } catch {
            _ = try? await server.stop(logger: logger)
            throw error
        }
        try await server.stop(logger: logger)
    }
}
