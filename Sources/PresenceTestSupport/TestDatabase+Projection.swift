import PostgresNIO
import PresenceProjector

extension TestDatabase {
    /// Folds the log until the projections hold `count` events, or 90 seconds pass.
    ///
    /// The read horizon is the whole server's: a writing transaction of a test running beside
    /// this one (creating or dropping its database, say) holds it back, for seconds on a busy
    /// machine, so one catch-up may fold less than is there.
    ///
    /// - Parameters:
    ///   - client: The test database's pool.
    ///   - count: How many events the projections must hold in the end.
    ///   - batchSize: The projector's batch size.
    public static func projectAll(_ client: PostgresClient, count: Int, batchSize: Int = 20_000) async throws {
        var configuration = Projector.Configuration()
        configuration.batchSize = batchSize
        let projector = Projector(client: client, configuration: configuration, logger: logger)
        let deadline = ContinuousClock.now + .seconds(90)
        while true {
            try await projector.catchUp()
            let rows = try await client.query("SELECT events FROM presence_projector", logger: logger).collect()
            if try rows.first?.decode(Int.self) ?? 0 >= count || ContinuousClock.now > deadline { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
