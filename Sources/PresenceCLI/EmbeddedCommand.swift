import ArgumentParser
import PresenceStore

/// `presence embedded start|stop|status`: manages the private PostgreSQL server.
struct EmbeddedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embedded",
        abstract: "Start, stop or inspect the embedded PostgreSQL server that commands use without a database URL.",
        subcommands: [Start.self, Stop.self, Status.self]
    )

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the embedded server (creating it on first use) and print its database URL."
        )

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let settings = try await global.embeddedServer.start(logger: global.makeLogger())
            print(settings)
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the embedded server cleanly.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let server = global.embeddedServer
            let stopped = try await server.stop(logger: global.makeLogger())
            print(
                stopped
                    ? "stopped the embedded server in \(server.configuration.dataFolder)"
                    : "the embedded server in \(server.configuration.dataFolder) was not running"
            )
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say whether the embedded server runs; exit 0 when it does, 3 when it does not."
        )

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let server = global.embeddedServer
            if try await server.isRunning() {
                print("running: \(server.connectionSettings)")
            } else {
                print("not running (data folder \(server.configuration.dataFolder))")
                throw ExitCode(3)
            }
        }
    }
}
