import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceTestSupport
import Testing

/// A primary of a test's own and its streaming hot standby, each with a pool: events are
/// written and projected on the primary, and every read is asked of both.
struct ReplicaPair: Sendable {
    /// The primary server.
    let primary: FaultServer
    /// A pool on the primary: writes, the projector, and the reads to compare with.
    let primaryClient: PostgresClient
    /// The standby server.
    let standby: StandbyServer
    /// A pool on the standby, which takes reads only.
    let standbyClient: PostgresClient

    static let logger = TestDatabase.logger

    /// Starts a new primary, migrates it, copies it into a standby and starts that, runs
    /// `body`, then stops both servers and removes their folders, whatever `body` did.
    static func with(_ body: (ReplicaPair) async throws -> Void) async throws {
        try await FaultServer.with { primary, primaryClient in
            try await StandbyServer.with(primary: primary) { standby, standbyClient in
                try await body(
                    ReplicaPair(primary: primary, primaryClient: primaryClient, standby: standby, standbyClient: standbyClient)
                )
            }
        }
    }

    /// Writes events to the primary's log in batches, as an import does.
    func write(_ events: some Collection<SeenEvent>) async throws {
        try await FaultChecks.write(events, primaryClient)
    }

    /// Folds every event of the primary's log into its projections.
    func projectAll() async throws {
        try await TestDatabase.projectAll(primaryClient, count: FaultChecks.logged(primaryClient))
    }

    /// Gives the primary's tables fresh statistics (so that no automatic ANALYZE changes a plan
    /// between two reads), then waits until the standby has replayed everything.
    func settle() async throws {
        try await primaryClient.query("ANALYZE", logger: Self.logger)
        try await StandbyServer.waitUntil(.replayed, primary: primaryClient, standby: standbyClient)
    }

    /// Asks the standby, then the primary, and expects the same printed answer from both. The
    /// standby goes first so that what the process keeps after a first answer (the time zones
    /// PostgreSQL confirmed) is asked of the standby.
    ///
    /// - Returns: The standby's answer, for checks of its own.
    @discardableResult
    func expectSame<Answer: Sendable>(
        _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation,
        read: (PostgresClient) async throws -> Answer,
        printed: (Answer) -> String
    ) async throws -> Answer {
        let onStandby = try await read(standbyClient)
        let onPrimary = try await read(primaryClient)
        #expect(
            printed(onStandby) == printed(onPrimary),
            "\(what): the standby answers otherwise than the primary",
            sourceLocation: sourceLocation
        )
        return onStandby
    }
}
