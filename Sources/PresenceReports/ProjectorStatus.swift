import Foundation
import Logging
import PostgresNIO
import PresenceModel

/// How far the projections trail the log: for health checks, metrics and dashboards.
public struct ProjectorStatus: Sendable, Hashable {
    /// The most events ``waiting`` counts; past it the answer means "at least".
    public static let waitingCap = 1_000_000

    /// Events the projector has folded in.
    public var folded: Int
    /// Committed events after the projector's checkpoint, up to ``waitingCap``.
    public var waiting: Int
    /// How long ago the oldest waiting event happened; zero when none waits.
    public var lag: Duration
    /// When the projector last folded; `nil` when never.
    public var updatedAt: Timestamp?

    /// Reads the status.
    ///
    /// - Parameters:
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    public static func read(client: PostgresClient, logger: Logger) async throws -> ProjectorStatus {
        let rows = try await ReportQuery.projectorStatus.rows([], client: client, logger: logger)
        guard let row = rows.first else { return ProjectorStatus(folded: 0, waiting: 0, lag: .zero, updatedAt: nil) }
        let (folded, waiting, lag, updated) = try row.decode((Int, Int, Double, Timestamp?).self)
        return ProjectorStatus(folded: folded, waiting: waiting, lag: .microseconds(Int64((lag * 1_000_000).rounded())), updatedAt: updated)
    }

    /// The status as JSON: `{"folded":…,"waiting":…,"lag_seconds":…,"updated_at":… or null}`.
    public var json: String {
        JSONText.object([
            ("folded", "\(folded)"), ("waiting", "\(waiting)"), ("lag_seconds", JSONText.seconds(lag)),
            ("updated_at", JSONText.time(updatedAt)),
        ])
    }
}
