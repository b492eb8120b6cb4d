// swift-tools-version: 6.1
import PackageDescription

// The targets follow the data flow of DESIGN.md, each depending only on those before it and
// declaring exactly what it imports:
// PresenceModel (the event and its rules) → PresenceStore (PostgreSQL: connection settings,
// migrations, the log's maintenance) → PresenceIngest (tracker, buffer, flusher, importers)
// → PresenceProjector (folds the log into the projections) → PresenceReports (the queries
// of Reports/ and their formats) → the `presence` command on top. Beside them, for the web:
// PresenceHummingbird and PresenceVapor (the request-path middleware; for Vapor also the
// tracker's life with the app's, and queries from a request), so that the core depends on no
// web framework, and PresenceServer (`presence serve`: the HTTP API, dashboard and
// metrics, on Hummingbird).
// For tools, not applications: PresenceEmbedded (a private PostgreSQL server, the embedded
// default of the CLI, the tests, the benchmarks and the examples) and PresenceSimulation
// (synthetic traffic for the demo and the benchmarks).
//
// Each web framework is a package trait, so that an application fetches and builds only the
// one it names (README, "Hummingbird or Vapor: package traits"; .ci/check-traits checks it):
// every target's dependency on a framework is conditional on its trait, and SwiftPM then
// leaves the other framework's packages out of resolution altogether. Both are on by default,
// so that this package builds and tests whole.
let hummingbird = TargetDependencyCondition.when(traits: ["Hummingbird"])
let vapor = TargetDependencyCondition.when(traits: ["Vapor"])

let package = Package(
    name: "Presence",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "PresenceModel", targets: ["PresenceModel"]),
        .library(name: "PresenceStore", targets: ["PresenceStore"]),
        .library(name: "PresenceIngest", targets: ["PresenceIngest"]),
        .library(name: "PresenceProjector", targets: ["PresenceProjector"]),
        .library(name: "PresenceReports", targets: ["PresenceReports"]),
        .library(name: "PresenceHummingbird", targets: ["PresenceHummingbird"]),
        .library(name: "PresenceVapor", targets: ["PresenceVapor"]),
        .library(name: "PresenceServer", targets: ["PresenceServer"]),
        .library(name: "PresenceEmbedded", targets: ["PresenceEmbedded"]),
        .library(name: "PresenceSimulation", targets: ["PresenceSimulation"]),
        .executable(name: "presence", targets: ["PresenceCLI"]),
    ],
    traits: [
        .trait(
            name: "Hummingbird",
            description: "PresenceHummingbird, and PresenceServer and the presence command, which serve HTTP with Hummingbird."
        ),
        .trait(name: "Vapor", description: "PresenceVapor: the middleware, lifecycle and queries for Vapor 4 applications."),
        .default(enabledTraits: ["Hummingbird", "Vapor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .target(name: "PresenceModel"),
        .target(name: "CPresenceProcessor"),
        .target(
            name: "PresenceStore",
            dependencies: [
                "PresenceModel",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            plugins: ["EmbedSQL"]
        ),
        .target(
            name: "PresenceIngest",
            dependencies: [
                "PresenceModel",
                "PresenceStore",
                "CPresenceProcessor",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "PresenceProjector",
            dependencies: [
                "PresenceModel",
                "PresenceStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "PresenceReports",
            dependencies: [
                "PresenceModel",
                "PresenceStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["EmbedSQL"]
        ),
        .target(
            name: "PresenceHummingbird",
            dependencies: [
                "PresenceIngest",
                .product(name: "Hummingbird", package: "hummingbird", condition: hummingbird),
            ]
        ),
        .target(
            name: "PresenceVapor",
            dependencies: [
                "PresenceModel",
                "PresenceStore",
                "PresenceIngest",
                "PresenceProjector",
                "PresenceReports",
                .product(name: "Vapor", package: "vapor", condition: vapor),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "PresenceServer",
            dependencies: [
                "PresenceModel",
                "PresenceStore",
                "PresenceIngest",
                "PresenceReports",
                .product(name: "Hummingbird", package: "hummingbird", condition: hummingbird),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "PresenceEmbedded",
            dependencies: [
                "PresenceModel",
                "PresenceStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(name: "PresenceSimulation", dependencies: ["PresenceModel"]),
        .executableTarget(
            name: "PresenceCLI",
            dependencies: [
                "PresenceModel",
                "PresenceStore",
                "PresenceIngest",
                "PresenceProjector",
                "PresenceReports",
                "PresenceServer",
                "PresenceEmbedded",
                "PresenceSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "PresenceExampleApp",
            dependencies: [
                "PresenceModel",
                "PresenceStore",
                "PresenceIngest",
                "PresenceProjector",
                "PresenceReports",
                "PresenceHummingbird",
                "PresenceEmbedded",
                .product(name: "Hummingbird", package: "hummingbird", condition: hummingbird),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/HummingbirdApp"
        ),
        .executableTarget(
            name: "PresenceVaporExample",
            dependencies: [
                "PresenceModel",
                "PresenceStore",
                "PresenceProjector",
                "PresenceReports",
                "PresenceVapor",
                "PresenceEmbedded",
                .product(name: "Vapor", package: "vapor", condition: vapor),
            ],
            path: "Examples/VaporApp"
        ),
        .target(
            name: "PresenceTestSupport",
            dependencies: [
                "PresenceModel",
                "PresenceStore",
                "PresenceIngest",
                "PresenceProjector",
                "PresenceEmbedded",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "PresenceModelTests", dependencies: ["PresenceModel"]),
        .testTarget(
            name: "PresenceStoreTests",
            dependencies: [
                "PresenceModel",
                "PresenceStore",
                "PresenceTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PresenceEmbeddedTests",
            dependencies: [
                "PresenceStore",
                "PresenceEmbedded",
                "PresenceTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PresenceIngestTests",
            dependencies: [
                "PresenceModel",
                "PresenceStore",
                "PresenceIngest",
                "PresenceEmbedded",
                "PresenceTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "PresenceProjectorTests",
            dependencies: [
                "PresenceModel",
                "PresenceStore",
                "PresenceIngest",
                "PresenceProjector",
                "PresenceTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "PresenceReportsTests",
            dependencies: [
                "PresenceModel",
                "PresenceStore",
                "PresenceIngest",
                "PresenceProjector",
                "PresenceReports",
                "PresenceTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PresenceServerTests",
            dependencies: [
                "PresenceModel",
                "PresenceIngest",
                "PresenceReports",
                "PresenceStore",
                "PresenceHummingbird",
                "PresenceServer",
                "PresenceTestSupport",
                .product(name: "Hummingbird", package: "hummingbird", condition: hummingbird),
                .product(name: "HummingbirdTesting", package: "hummingbird", condition: hummingbird),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "PresenceVaporTests",
            dependencies: [
                "PresenceModel",
                "PresenceIngest",
                "PresenceProjector",
                "PresenceReports",
                "PresenceVapor",
                "PresenceTestSupport",
                .product(name: "Vapor", package: "vapor", condition: vapor),
                .product(name: "VaporTesting", package: "vapor", condition: vapor),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "PresenceCLITests",
            dependencies: [
                "PresenceModel",
                "PresenceStore",
                "PresenceCLI",
                "PresenceTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // Slower: each test starts a server of its own and breaks it on purpose (issue 7), or
        // a primary and a hot standby beside it (issue 11).
        .testTarget(
            name: "PresenceFaultTests",
            dependencies: [
                "PresenceModel",
                "PresenceStore",
                "PresenceIngest",
                "PresenceProjector",
                "PresenceReports",
                "PresenceServer",
                "PresenceEmbedded",
                "PresenceSimulation",
                "PresenceTestSupport",
                .product(name: "Hummingbird", package: "hummingbird", condition: hummingbird),
                .product(name: "HummingbirdTesting", package: "hummingbird", condition: hummingbird),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(name: "EmbedSQLTool", path: "Plugins/EmbedSQLTool"),
        .plugin(
            name: "EmbedSQL",
            capability: .buildTool(),
            dependencies: ["EmbedSQLTool"],
            path: "Plugins/EmbedSQL"
        ),
    ]
)
