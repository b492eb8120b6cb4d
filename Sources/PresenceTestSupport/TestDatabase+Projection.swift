import PostgresNIO
import PresenceModel
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

    /// Writes `arrivals[part]` in chunks of 1 to `chunk` events, as the property tests have
    /// events arrive, and folds each chunk before the next: in batches of 1 to `batch` events
    /// when given, else in the projector's default batches. The sizes come from `random`, a
    /// chunk's before its batch's. The arrivals before `part` must be written already.
    ///
    /// - Parameters:
    ///   - arrivals: The events in the order they arrive, duplicates included.
    ///   - part: The arrivals to write now; all of them when not given.
    ///   - chunk: The most events written at once.
    ///   - batch: The most events folded in one batch; `nil` for the projector's default.
    ///   - random: The generator the sizes are drawn from.
    ///   - client: The test database's pool.
    public static func storeAndProject(
        _ arrivals: [SeenEvent],
        _ part: Range<Int>? = nil,
        chunk: Int,
        batch: Int? = nil,
        random: inout SplitMix64,
        _ client: PostgresClient
    ) async throws {
        let part = part ?? arrivals.indices
        var index = part.lowerBound
        while index < part.upperBound {
            let end = min(index + 1 + Int(random.next() % UInt64(chunk)), part.upperBound)
            try await store(Array(arrivals[index..<end]), client)
            index = end
            let batchSize = batch.map { 1 + Int(random.next() % UInt64($0)) } ?? 20_000
            try await projectAll(client, count: Set(arrivals[..<end]).count, batchSize: batchSize)
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
