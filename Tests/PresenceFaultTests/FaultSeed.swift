import Foundation
import PresenceIngest
import PresenceModel
import PresenceSimulation
import Testing

/// The seed of a fault test: it fixes the generated traffic and the moments the faults strike
/// (as far as the machine's timing lets a seed fix them).
///
/// `PRESENCE_FAULT_SEED` sets it for every fault test (a number, or `random` for a new one on
/// each run); otherwise each test has its own fixed seed. Every failure names the seed, so a
/// failure can be replayed with the same traffic.
struct FaultSeed: Sendable, CustomStringConvertible {
    static let variable = "PRESENCE_FAULT_SEED"

    let value: UInt64

    /// The seed from `PRESENCE_FAULT_SEED`, else `defaultValue`.
    init(default defaultValue: UInt64) {
        switch ProcessInfo.processInfo.environment[Self.variable] {
        case nil, "": value = defaultValue
        case "random": value = UInt64.random(in: 1...(1 << 53))
        case let text?: value = UInt64(text) ?? defaultValue
        }
    }

    var description: String { "replay with \(Self.variable)=\(value)" }

    /// A generator for one purpose of the test, independent of the others.
    func generator(_ purpose: UInt64) -> SplitMix64 {
        SplitMix64(seed: value &* 0x9E37_79B9_7F4A_7C15 ^ purpose)
    }

    /// Seeded traffic ending a minute ago (so no event lies ahead of the clock): sessions of
    /// `users` users over `days` days, with duplicates and late events, in the order sent.
    func traffic(users: Int, days: Int) -> [SeenEvent] {
        var configuration = TrafficSimulator.Configuration(end: Timestamp.now - .seconds(60))
        configuration.users = users
        configuration.days = days
        configuration.seed = value
        return Array(TrafficSimulator(configuration: configuration).events())
    }

    /// Runs a fault test's body, recording any error it throws with the seed that replays it.
    func replaying(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            try await body()
        } catch {
            // PostgresNIO's own description hides the server's message; the reflection shows it.
            Issue.record("\(String(reflecting: error)); \(self)", sourceLocation: sourceLocation)
        }
    }
}
