import ArgumentParser
import PresenceProjector
import PresenceStore
import ServiceLifecycle

/// `presence project [--follow] [--rebuild]`: brings the projections up to date.
struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Bring the projections up to date with the event log.",
        discussion: """
            Without options, folds every event not yet folded, packs the activity of the days \
            older than 35 days into one row per user and day, and exits. --follow keeps doing \
            both as events arrive, until SIGINT or SIGTERM. --rebuild recomputes every projection from \
            the whole log (needed after changing presence_settings.session_gap) beside the ones \
            readers read, and swaps them in when done; stopped, it goes on where it was the \
            next time. Once retention has dropped raw events it refuses, since the projections \
            are their only record, unless --forget-dropped-days says to rebuild from the days \
            still in the log.
            """
    )

    @Flag(help: "Keep following the log as events arrive.")
    var follow = false

    @Flag(help: "Recompute every projection from the whole log.")
    var rebuild = false

    @Flag(help: "With --rebuild: go ahead although retention dropped raw events, whose days the projections then lose.")
    var forgetDroppedDays = false

    @Flag(help: "Wait while another projector works on the database, instead of failing.")
    var wait = false

    @Option(help: "The most events folded in one transaction.")
    var batchSize = Projector.Configuration().batchSize

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive.") }
        guard rebuild || !forgetDroppedDays else { throw ValidationError("--forget-dropped-days goes with --rebuild.") }
    }

    func run() async throws {
        var configuration = Projector.Configuration()
        configuration.batchSize = batchSize
        configuration.waitForOtherProjector = wait || follow

        if follow {
            let logger = global.makeLogger()
            let settings = try await global.connectionSettings(for: .projector, logger: logger)
            let client = settings.makeClient(logger: logger)
            let projector = Projector(client: client, configuration: configuration, logger: logger)
            let group = ServiceGroup(
                configuration: .init(
                    services: [
                        .init(service: client), .init(service: ReachabilityMonitor(settings: settings, logger: logger)),
                        .init(service: projector, successTerminationBehavior: .gracefullyShutdownGroup),
                    ],
                    gracefulShutdownSignals: [.sigint, .sigterm],
                    logger: logger.forServiceGroup
                )
            )
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await EventLog.requireMigrated(client, logger: logger)
                if rebuild { try await rebuildShowingProgress(projector) }
                print("following the event log; stop with Ctrl-C")
                try await tasks.waitForAll()
            }
            return
        }

        try await global.withMigratedClient(as: .projector) { client, logger in
            let projector = Projector(client: client, configuration: configuration, logger: logger)
            if rebuild {
                try await rebuildShowingProgress(projector)
            } else {
                print("folded \(try await projector.catchUp()) events; the projections are up to date")
                let packed = try await projector.compactActivity()
                if packed > 0 { print("packed the activity, online spans and location visits of \(packed) old days") }
            }
        }
    }

    /// Rebuilds, showing the progress on standard error, and says how many events the
    /// projections hold.
    private func rebuildShowingProgress(_ projector: Projector) async throws {
        let printer = RebuildProgressPrinter()
        let events = try await projector.rebuild(forgettingDroppedDays: forgetDroppedDays, progress: printer.show)
        printer.finish()
        print("rebuilt the projections from \(events) events")
    }
}
