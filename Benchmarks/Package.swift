// swift-tools-version: 6.1
import Foundation
import PackageDescription

// The benchmarks are a package of their own so that package-benchmark and its malloc
// interposer stay out of the library's build and CI. The parent folder is the Presence
// package; a path dependency is named after its folder, whatever that folder is called.
let presence = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "PresenceBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // What several suites measure the same way.
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PresenceIngest", package: presence),
                .product(name: "PresenceStore", package: presence),
                .product(name: "PresenceEmbedded", package: presence),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "BenchmarkSupport"
        ),
        // The cache trick seen() is measured against, for the benchmarks and for valgrind.
        .target(name: "LastSeenStamps", path: "LastSeenStamps"),
        // seen() and the stamps alone, without package-benchmark's malloc interposer, for
        // Benchmarks/instructions to run under callgrind.
        .executableTarget(
            name: "SeenInstructions",
            dependencies: [
                "LastSeenStamps",
                .product(name: "PresenceIngest", package: presence),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "SeenInstructions"
        ),
        .executableTarget(
            name: "IngestBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                "LastSeenStamps",
                .product(name: "PresenceModel", package: presence),
                .product(name: "PresenceStore", package: presence),
                .product(name: "PresenceIngest", package: presence),
                .product(name: "PresenceEmbedded", package: presence),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "IngestBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ProjectorBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                "BenchmarkSupport",
                .product(name: "PresenceModel", package: presence),
                .product(name: "PresenceStore", package: presence),
                .product(name: "PresenceIngest", package: presence),
                .product(name: "PresenceProjector", package: presence),
                .product(name: "PresenceEmbedded", package: presence),
                .product(name: "PresenceSimulation", package: presence),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "ProjectorBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ServerBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                "BenchmarkSupport",
                .product(name: "PresenceModel", package: presence),
                .product(name: "PresenceStore", package: presence),
                .product(name: "PresenceIngest", package: presence),
                .product(name: "PresenceHummingbird", package: presence),
                .product(name: "PresenceServer", package: presence),
                .product(name: "PresenceEmbedded", package: presence),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "ServerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "VaporBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                "BenchmarkSupport",
                .product(name: "PresenceStore", package: presence),
                .product(name: "PresenceVapor", package: presence),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "VaporBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "GrowthBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                "BenchmarkSupport",
                .product(name: "PresenceModel", package: presence),
                .product(name: "PresenceStore", package: presence),
                .product(name: "PresenceIngest", package: presence),
                .product(name: "PresenceProjector", package: presence),
                .product(name: "PresenceReports", package: presence),
                .product(name: "PresenceServer", package: presence),
                .product(name: "PresenceEmbedded", package: presence),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "GrowthBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ReportBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "PresenceModel", package: presence),
                .product(name: "PresenceStore", package: presence),
                .product(name: "PresenceIngest", package: presence),
                .product(name: "PresenceProjector", package: presence),
                .product(name: "PresenceReports", package: presence),
                .product(name: "PresenceEmbedded", package: presence),
                .product(name: "PresenceSimulation", package: presence),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "ReportBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
