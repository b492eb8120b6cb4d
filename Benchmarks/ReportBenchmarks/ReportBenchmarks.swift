import Benchmark
import Foundation
import Logging
import PostgresNIO
import PresenceStore
import Synchronization

// The reports over 30 days, answered from the projections by the library, each beside the same
// report computed straight from the raw log in the same run, for a log of 1,000,000 and one of
// 10,000,000 events. Before a raw-log figure counts, its answer must equal the projections'.

let logger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    return logger
}()

let benchmarks: @Sendable () -> Void = {
    let projected = Benchmark.Configuration(
        metrics: [.wallClock],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 10
    )
    let raw = Benchmark.Configuration(
        metrics: [.wallClock],
        timeUnits: .milliseconds,
        warmupIterations: 0,
        maxDuration: .seconds(20),
        maxIterations: 3
    )

    for dataset in ReportDataset.all {
        for report in ReportCase.allCases {
            Benchmark(
                "\(report.rawValue) x\(dataset.events), projections",
                configuration: projected,
                closure: { benchmark, fixture in
                    benchmark.startMeasurement()
                    let answer = try await report.projected(gapSeconds: fixture.gapSeconds, client: fixture.client, logger: logger)
                    benchmark.stopMeasurement()
                    precondition(!answer.rows.isEmpty)
                },
                setup: { try await Fixture.open(dataset) },
                teardown: { await Fixture.close() }
            )
            Benchmark(
                "\(report.rawValue) x\(dataset.events), raw log",
                configuration: raw,
                closure: { benchmark, fixture in
                    benchmark.startMeasurement()
                    let answer = try await report.raw(gapSeconds: fixture.gapSeconds, client: fixture.client, logger: logger)
                    benchmark.stopMeasurement()
                    let expected = try await fixture.expected(report)
                    ReportCase.requireEqual(answer, expected, "\(report.rawValue) x\(dataset.events)")
                },
                setup: { try await Fixture.open(dataset) },
                teardown: { await Fixture.close() }
            )
        }
    }
}

/// A prepared dataset and a running pool on its database, for the one benchmark that this
/// process runs (package-benchmark runs each benchmark in a process of its own).
final class Fixture: Sendable {
    let client: PostgresClient
    /// The projector's session gap (`presence_settings.session_gap`).
    let gapSeconds: Int64
    private let running: Task<Void, Never>
    private let answers = Mutex<[ReportCase: ReportCase.Answer]>([:])

    private static let current = Mutex<Fixture?>(nil)

    private init(client: PostgresClient, running: Task<Void, Never>, gapSeconds: Int64) {
        self.client = client
        self.running = running
        self.gapSeconds = gapSeconds
    }

    static func open(_ dataset: ReportDataset) async throws -> Fixture {
        let settings = try await dataset.prepare(logger: logger)
        let client = settings.makeClient(logger: logger)
        let running = Task { await client.run() }
        let rows = try await client.query(
            "SELECT extract(epoch FROM session_gap)::int8 FROM presence_settings",
            logger: logger
        ).collect()
        let fixture = Fixture(client: client, running: running, gapSeconds: try rows[0].decode(Int64.self))
        current.withLock { $0 = fixture }
        return fixture
    }

    static func close() async {
        guard let fixture = current.withLock({ $0.take() }) else { return }
        fixture.running.cancel()
        await fixture.running.value
    }

    /// The projections' answer to a report, asked once.
    func expected(_ report: ReportCase) async throws -> ReportCase.Answer {
        if let answer = answers.withLock({ $0[report] }) { return answer }
        let answer = try await report.projected(gapSeconds: gapSeconds, client: client, logger: logger)
        answers.withLock { $0[report] = answer }
        return answer
    }
}
