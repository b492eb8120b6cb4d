import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceProjector
import PresenceStore
import PresenceTestSupport
import Testing

@testable import PresenceIngest

/// The projector logged in as a member of `presence_projector` (Migrations/0006), and the log
/// written as a member of `presence_ingest`.
@Suite("Folding as the projector role")
struct ProjectorRoleTests {
    let logger = TestDatabase.logger

    @Test("events written as the ingest role and folded as the projector role give the defined projections; a rebuild too")
    func foldAndRebuild() async throws {
        let events = ProjectorTests.events(seed: 42)
        try await TestDatabase.withFresh { owner, settings in
            try await TestDatabase.withLogin(as: .ingest, settings: settings) { ingest, _ in
                var writer = EventLogWriter(client: ingest, logger: logger)
                for chunk in stride(from: 0, to: events.count, by: 17) {
                    _ = try await writer.write(Array(events[chunk..<min(chunk + 17, events.count)]))
                }
            }
            try await TestDatabase.withLogin(as: .projector, settings: settings) { projector, _ in
                try await TestDatabase.projectAll(projector, count: events.count, batchSize: 13)
                #expect(try await ProjectionSnapshot.read(owner) == ProjectionSnapshot.expected(from: Set(events)))
                #expect(try await Projector(client: projector, logger: logger).rebuild() == events.count)
            }
            #expect(try await ProjectionSnapshot.read(owner) == ProjectionSnapshot.expected(from: Set(events)))
        }
    }
}
