import PresenceModel
import PresenceReports
import Vapor

extension Request {
    /// Presence's answers, from the projections, for a request handler:
    ///
    /// ```swift
    /// app.get("profile", ":user") { req in
    ///     let seen = try await req.presence.lastSeen(req.parameters.get("user")!)
    ///     …
    /// }
    /// ```
    public var presence: Presence { Presence(request: self) }

    /// Presence's queries from a request: the reports that `presence online`, `locations`,
    /// `viewers`, `last-seen` and `history` and the HTTP API of `presence serve` answer with,
    /// through the application's pool and logged with the request's logger.
    public struct Presence: Sendable {
        let request: Request

        /// The users online at a moment, most recent first, for the configured threshold
        /// (``Vapor/Application/Presence/Configuration/onlineThreshold``): anywhere, or only
        /// those at a location ("who is viewing this thread").
        ///
        /// - Parameters:
        ///   - at: The moment. Default: now.
        ///   - location: Only the users whose latest event is at this location; `nil` (the
        ///     default) for all.
        public func online(at: Timestamp = .now, location: LocationMatch? = nil) async throws -> OnlineReport {
            try await answer { runtime in
                try await OnlineReport.run(
                    at: at,
                    threshold: runtime.configuration.onlineThreshold,
                    location: location,
                    client: runtime.client,
                    logger: request.logger
                )
            }
        }

        /// The busiest locations at a moment, with how many online users are at each.
        ///
        /// - Parameters:
        ///   - at: The moment. Default: now.
        ///   - limit: The most locations listed. Default: 20.
        public func locations(at: Timestamp = .now, limit: Int = 20) async throws -> LocationsReport {
            try await answer { runtime in
                try await LocationsReport.run(
                    at: at,
                    threshold: runtime.configuration.onlineThreshold,
                    limit: limit,
                    client: runtime.client,
                    logger: request.logger
                )
            }
        }

        /// Who viewed a location in a range, latest first, with their events there: "who
        /// viewed my profile", cheap enough to ask on every view of it.
        ///
        /// - Parameters:
        ///   - location: The location, exactly.
        ///   - from: The range's start (included).
        ///   - to: The range's end (excluded). Default: now.
        ///   - limit: The most viewers listed, the latest. Default: 100.
        ///   - excluding: A user left out, such as the profile's owner.
        /// - Throws: `Abort(.badRequest)` when `from` is not before `to`, or the location or the
        ///   user cannot be one an event has.
        public func viewers(
            of location: String,
            from: Timestamp,
            to: Timestamp = .now,
            limit: Int = ViewersReport.defaultLimit,
            excluding: String? = nil
        ) async throws -> ViewersReport {
            try await answer { runtime in
                try await ViewersReport.run(
                    location: location,
                    from: from,
                    to: to,
                    limit: limit,
                    excluding: excluding,
                    client: runtime.client,
                    logger: request.logger
                )
            }
        }

        /// When a user was last seen, and where; `lastSeen` is `nil` for a user never seen, and
        /// for a hidden one (DESIGN.md, "Hidden user").
        ///
        /// - Parameters:
        ///   - user: The user.
        ///   - asOf: The moment the answer is for. Default: now.
        public func lastSeen(_ user: String, asOf: Timestamp = .now) async throws -> LastSeenReport {
            try await answer { runtime in
                try await LastSeenReport.run(user: user, asOf: asOf, client: runtime.client, logger: request.logger).shownToOthers
            }
        }

        /// A user's sessions that start in a range, oldest first (DESIGN.md, "Session").
        ///
        /// - Parameters:
        ///   - user: The user.
        ///   - from: The range's start (included).
        ///   - to: The range's end (excluded).
        /// - Throws: `Abort(.notFound)` for a user with no events or a hidden one, `Abort(.badRequest)` when
        ///   `from` is not before `to`.
        public func history(_ user: String, from: Timestamp, to: Timestamp) async throws -> HistoryReport {
            try await answer { runtime in
                let report = try await HistoryReport.run(user: user, from: from, to: to, client: runtime.client, logger: request.logger)
                try report.requireShownToOthers()
                return report
            }
        }

        /// Runs a report with the application's pool; a report's refusal of its input becomes
        /// the `Abort` that Vapor answers with, as `presence serve` answers (404 for an unknown
        /// user, 400 for the rest).
        private func answer<Report>(_ run: (PresenceRuntime) async throws -> Report) async throws -> Report {
            guard let runtime = request.application.presence.runtime else {
                throw Abort(.internalServerError, reason: PresenceVaporError.notConfigured.description)
            }
            do {
                return try await run(runtime)
            } catch let error as ReportError {
                throw Abort(error.code == .unknownUser ? .notFound : .badRequest, reason: error.message)
            }
        }
    }
}
