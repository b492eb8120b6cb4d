import PostgresNIO
import PresenceProjector

extension TestDatabase {
    /// Folds the log until the projections hold `count` events; fails after two minutes.
    ///
    /// The read horizon is the whole server's: a writing transaction of a test running beside
    /// this one holds it back, so one catch-up may fold less than is there. Creating a database
    /// holds it for a moment; dropping one holds it until the checkpoint that DROP DATABASE
    /// forces is done, which on a busy disk has taken 40 seconds and more.
    ///
    /// - Parameters:
    ///   - client: The test database's pool.
    ///   - count: How many events the projections must hold in the end.
    ///   - batchSize: The projector's batch size.
    /// - Throws: When the projections still hold fewer than `count` events after two minutes.
    public static func projectAll(_ client: PostgresClient, count: Int, batchSize: Int = 20_000) async throws {
        var configuration = Projector.Configuration()
        configuration.batchSize = batchSize
        let projector = Projector(client: client, configuration: configuration, logger: logger)
        let deadline = ContinuousClock.now + .seconds(120)
        while true {
            try await projector.catchUp()
            let rows = try await client.query("SELECT events FROM presence_projector", logger: logger).collect()
            let folded = try rows.first?.decode(Int.self) ?? 0
            if folded >= count { return }
            if ContinuousClock.now > deadline { throw ProjectionWaitError(folded: folded, count: count) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// The projections did not reach the events a test wrote in time.
struct ProjectionWaitError: Error, CustomStringConvertible {
    let folded: Int
    let count: Int

    var description: String {
        "The projections hold \(folded) of \(count) events after two minutes: a long transaction elsewhere on the server (DROP DATABASE waiting for a checkpoint, say) held the read horizon back."
    }
}
