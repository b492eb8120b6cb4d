import Benchmark
import Foundation
import Logging

// Growing old well (DESIGN.md): the same new events and the same ranges against a year of
// history (10 million events of 1,000,000 users) and against its last 45 days, in the same run.
// Each history's figures are custom metrics of one benchmark; Benchmarks/report.py prints them
// side by side with their long/short ratio.

let logger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    return logger
}()

let benchmarks: @Sendable () -> Void = {
    for dataset in [GrowthDataset.short, GrowthDataset.long] {
        Benchmark(
            "growth, \(dataset.name) history",
            configuration: .init(
                metrics: GrowthFigure.allCases.map(\.metric),
                warmupIterations: 0,
                maxDuration: .seconds(3_600),
                maxIterations: 1
            )
        ) { benchmark in
            _ = try await dataset.prepare(logger: logger)
            let figures = try await dataset.withCopy(logger: logger) { client, _ in
                try await GrowthRun(dataset: dataset, client: client, logger: logger).measure()
            }
            for (figure, value) in figures {
                benchmark.measurement(figure.metric, value)
            }
        }
    }
}
