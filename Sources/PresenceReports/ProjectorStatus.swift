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
    /// Seconds since the oldest waiting event happened; 0 when none waits.
    public var lagSeconds: Double
    /// When the projector last folded, in microseconds since 1970; `nil` when never.
    public var updatedAt: Int64?

    /// Reads the status.
    ///
    /// - Parameters:
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    public static func read(client: PostgresClient, logger: Logger) async throws -> ProjectorStatus {
        let rows = try await ReportQuery.projectorStatus.rows([], client: client, logger: logger)
        guard let row = rows.first else { return ProjectorStatus(folded: 0, waiting: 0, lagSeconds: 0, updatedAt: nil) }
        let (folded, waiting, lag, updated) = try row.decode((Int, Int, Double, Date?).self)
        return ProjectorStatus(folded: folded, waiting: waiting, lagSeconds: lag, updatedAt: updated?.microseconds)
    }

    /// The status as JSON: `{"folded":…,"waiting":…,"lag_seconds":…,"updated_at":… or null}`.
    public var json: String {
        JSONText.object([
            ("folded", "\(folded)"), ("waiting", "\(waiting)"), ("lag_seconds", JSONText.number(lagSeconds)),
            ("updated_at", JSONText.time(updatedAt)),
        ])
    }
}
