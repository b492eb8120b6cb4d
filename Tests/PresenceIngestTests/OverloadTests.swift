import Foundation
import PostgresNIO
import PresenceIngest
import PresenceModel
import PresenceTestSupport
import Synchronization
import Testing

/// DESIGN.md, "Library": when the buffer is full the tracker follows its policy and counts
/// every event it drops, so that accepted = stored + duplicates + dropped, exactly.
///
/// Threads (request handlers) offer events for a while at ten times and more the rate at which
/// the flusher can write them: every write to the log is slowed by a trigger that sleeps. With
/// the drop policies no `seen()` call waits for the flusher; with `wait(deadline:)` none waits
/// longer than its deadline; the counters balance in every snapshot and exactly after
/// shutdown; the resident memory stays near what the configured capacity costs.
@Suite("Overload: offering ten times what the flusher writes", .serialized)
struct OverloadTests {
    /// How long each test offers events: `PRESENCE_OVERLOAD_SECONDS`, default 3.
    static let seconds = ProcessInfo.processInfo.environment["PRESENCE_OVERLOAD_SECONDS"].flatMap { Int($0) } ?? 3

    /// What one offering thread saw.
    struct Offering: Sendable {
        var calls = 0
        var outcomes: [SeenOutcome: Int] = [:]
        var longest = Duration.zero
        /// Calls that took over 50 ms (a thread descheduled on a busy machine, or a wait).
        var slow = 0
        /// The shortest call that ended in `.dropped(.waitTimedOut)`.
        var shortestTimedOut: Duration?
        /// The user of the last event this thread offered.
        var lastUser = ""
    }

    /// Makes every write to the log take at least `seconds`: a statement trigger that sleeps.
    static func slowWrites(_ client: PostgresClient, seconds: Double) async throws {
        try await client.query(
            """
            CREATE FUNCTION presence_test_slow_write() RETURNS trigger LANGUAGE plpgsql
            AS $$ BEGIN PERFORM pg_sleep(\(unescaped: String(seconds))); RETURN NULL; END $$
            """,
            logger: TestDatabase.logger
        )
        try await client.query(
            """
            CREATE TRIGGER presence_test_slow_write AFTER INSERT ON seen_events
            FOR EACH STATEMENT EXECUTE FUNCTION presence_test_slow_write()
            """,
            logger: TestDatabase.logger
        )
    }

    static func fastWrites(_ client: PostgresClient) async throws {
        try await client.query("DROP TRIGGER presence_test_slow_write ON seen_events", logger: TestDatabase.logger)
    }

    /// A flag the test sets to stop the offering threads.
    final class Stop: Sendable {
        private let flag = Atomic<Bool>(false)
        var isSet: Bool { flag.load(ordering: .relaxed) }
        func set() { flag.store(true, ordering: .relaxed) }
    }

    /// The offering threads' results, and how many are still running.
    private final class Results: Sendable {
        let state: Mutex<(running: Int, offerings: [Offering])>
        init(_ threads: Int) { state = Mutex((threads, [])) }
    }

    /// Calls `seen()` from `threads` threads of their own (not Swift concurrency's pool, which
    /// the flusher needs) until `stop` is set; each event has strings of its own, as a
    /// request's would. With `invalidEvery`, every so many calls of a thread have an empty
    /// user, which is rejected.
    static func offer(_ tracker: PresenceTracker, threads: Int, until stop: Stop, invalidEvery: Int = .max) async -> [Offering] {
        let query = String(repeating: "q", count: queryBytes)
        let results = Results(threads)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            for thread in 0..<threads {
                Thread {
                    var offering = Offering()
                    let clock = ContinuousClock()
                    while !stop.isSet {
                        let user = (offering.calls + 1) % invalidEvery == 0 ? "" : "customer-\(thread)-\(offering.calls)@example.com"
                        let location = "/search/\(offering.calls)?q=\(query)"
                        let start = clock.now
                        let outcome = tracker.seen(user: user, location: location)
                        let took = clock.now - start
                        offering.calls += 1
                        offering.outcomes[outcome, default: 0] += 1
                        offering.longest = max(offering.longest, took)
                        if took > .milliseconds(50) { offering.slow += 1 }
                        if outcome == .dropped(.waitTimedOut) {
                            offering.shortestTimedOut = min(offering.shortestTimedOut ?? took, took)
                        }
                        offering.lastUser = user
                    }
                    let last = results.state.withLock { state in
                        state.offerings.append(offering)
                        state.running -= 1
                        return state.running == 0
                    }
                    if last { done.resume() }
                }.start()
            }
        }
        return results.state.withLock { $0.offerings }
    }

    /// What an overload run measured.
    struct Run {
        var offerings: [Offering]
        var elapsed: Duration
        /// Events written while the threads offered.
        var storedWhileOffering: Int
        var snapshots = 0
        var final: PresenceTracker.Statistics
        var residentBefore = 0
        var residentPeak = 0

        var offered: Int { offerings.map(\.calls).reduce(0, +) }
        var longest: Duration { offerings.map(\.longest).max() ?? .zero }
        var seconds: Double { Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18 }
        var offeredPerSecond: Double { Double(offered) / seconds }
        var writtenPerSecond: Double { Double(storedWhileOffering) / seconds }
        func count(_ outcome: SeenOutcome) -> Int { offerings.compactMap { $0.outcomes[outcome] }.reduce(0, +) }

        var summary: String {
            "offered \(offered) in \(elapsed) (\(Int(offeredPerSecond))/s) while \(storedWhileOffering) were written (\(Int(writtenPerSecond))/s, \(String(format: "%.0f", offeredPerSecond / max(writtenPerSecond, 1)))x); longest seen() \(longest), \(offerings.map(\.slow).reduce(0, +)) calls over 50 ms; \(snapshots) balanced snapshots; final \(final)"
        }
    }

    /// Offers events from `threads` threads for ``seconds`` against a flusher slowed to batches
    /// of `batchSize` per `writeDelay` seconds, watching the counters and the resident memory;
    /// then lets the flusher write at full speed and shuts the tracker down gracefully.
    static func overload(
        _ client: PostgresClient,
        configuration: PresenceTracker.Configuration,
        threads: Int,
        writeDelay: Double,
        measuresMemory: Bool = false
    ) async throws -> Run {
        try await slowWrites(client, seconds: writeDelay)
        var run: Run?
        let final = try await withTracker(client: client, configuration: configuration) { tracker, _ in
            let stop = Stop()
            let clock = ContinuousClock()
            let storedBefore = tracker.statistics.stored
            let (result, before, peak) = await ResidentMemory.peak {
                let started = clock.now
                async let offerings = offer(tracker, threads: threads, until: stop)
                var snapshots = 0
                // For ``seconds``, and longer (up to six times) on a machine too slow to offer
                // enough events in that time for the memory bound to mean anything.
                while clock.now - started < .seconds(seconds)
                    || (measuresMemory && !offeredEnough(tracker.statistics.accepted, capacity: configuration.capacity)
                        && clock.now - started < .seconds(6 * seconds))
                {
                    try? await Task.sleep(for: .milliseconds(50))
                    let snapshot = tracker.statistics
                    #expect(snapshot.isBalanced, "\(snapshot)")
                    #expect(snapshot.buffered <= configuration.capacity + configuration.maximumBatchSize)
                    snapshots += 1
                }
                stop.set()
                let offered = await offerings
                return (offered, clock.now - started, tracker.statistics.stored - storedBefore, snapshots)
            }
            run = Run(
                offerings: result.0,
                elapsed: result.1,
                storedWhileOffering: result.2,
                snapshots: result.3,
                final: tracker.statistics,
                residentBefore: before,
                residentPeak: peak
            )
            try await fastWrites(client)
        }
        var measured = try #require(run)
        measured.final = final
        return measured
    }

    /// Checks what holds under every policy: the offered rate was ten times the written one,
    /// the flusher kept writing, and after shutdown the counters balance exactly and the log
    /// holds what they say was stored.
    static func checkRun(_ run: Run, client: PostgresClient) async throws {
        #expect(run.storedWhileOffering > 0, "the flusher kept writing")
        #expect(run.offeredPerSecond >= 10 * run.writtenPerSecond, "\(run.summary)")
        let final = run.final
        #expect(final.accepted == run.offered, "every event was valid, so every one counts as accepted")
        #expect(final.buffered == 0)
        #expect(final.accepted == final.stored + final.duplicates + final.droppedTotal)
        #expect(final.duplicates == 0 && final.dropped[.shutdown] == nil)
        #expect(try await storedEvents(client).count == final.stored)
    }

    /// The length of the query in each event's location: long enough that every event
    /// costs over half a kilobyte, so that holding the dropped ones would show.
    static let queryBytes = 480

    /// About what one buffered event costs: its two strings (the user about 30 bytes, the
    /// location about 500), their heap headers and its slot in the ring.
    static let bytesPerBufferedEvent = 30 + 500 + 2 * 32 + 80

    /// Whether enough events were offered that an unbounded buffer would have grown well past
    /// the memory bound.
    static func offeredEnough(_ offered: Int, capacity: Int) -> Bool {
        (offered - capacity) * bytesPerBufferedEvent > 2 * memoryBound(capacity: capacity)
    }

    /// How much the resident memory may grow: a few times what the capacity's events cost,
    /// and room for the tests that run beside this one in the same process.
    static func memoryBound(capacity: Int) -> Int {
        3 * capacity * bytesPerBufferedEvent + (48 << 20)
    }

    /// Checks that the resident memory grew by no more than a few times what the configured
    /// capacity costs, while far more events were offered than an unbounded buffer could hold in it.
    static func checkMemory(_ run: Run, capacity: Int, policy: String) {
        guard ResidentMemory.isAvailable else { return }
        let growth = run.residentPeak - run.residentBefore
        let capacityCost = capacity * bytesPerBufferedEvent
        let bound = memoryBound(capacity: capacity)
        // What the dropped events would have cost, had the buffer kept them.
        let unbounded = (run.offered - capacity) * bytesPerBufferedEvent
        print(
            "overload \(policy), capacity \(capacity): resident \(ResidentMemory.mebibytes(run.residentBefore)) before, peak \(ResidentMemory.mebibytes(run.residentPeak)) during (+\(ResidentMemory.mebibytes(growth))); the capacity costs about \(ResidentMemory.mebibytes(capacityCost)); an unbounded buffer would have needed about \(ResidentMemory.mebibytes(unbounded)) more"
        )
        #expect(growth < bound, "resident memory grew by \(ResidentMemory.mebibytes(growth)), more than \(ResidentMemory.mebibytes(bound))")
        #expect(unbounded > bound, "too few events were offered for the memory bound to mean anything: \(run.summary)")
    }

    @Test("drop newest: the callers never wait, the newest events are dropped and counted, memory stays bounded")
    func dropNewest() async throws {
        try await TestDatabase.withFresh { client, _ in
            var configuration = PresenceTracker.Configuration()
            configuration.capacity = 16_384
            configuration.overflowPolicy = .dropNewest
            configuration.maximumBatchSize = 500
            let run = try await Self.overload(client, configuration: configuration, threads: 2, writeDelay: 0.2, measuresMemory: true)
            print("overload drop newest: \(run.summary)")
            try await Self.checkRun(run, client: client)
            #expect(run.longest < .seconds(1), "a seen() call took \(run.longest)")
            #expect(run.count(.dropped(.newest)) == run.final.dropped[.newest] ?? 0)
            #expect(run.count(.dropped(.newest)) > run.offered / 2)
            #expect(run.count(.accepted) + run.count(.dropped(.newest)) == run.offered)
            Self.checkMemory(run, capacity: configuration.capacity, policy: "drop newest")
        }
    }

    @Test("drop oldest: the callers never wait, the oldest events are dropped and counted, memory stays bounded")
    func dropOldest() async throws {
        try await TestDatabase.withFresh { client, _ in
            var configuration = PresenceTracker.Configuration()
            configuration.capacity = 16_384
            configuration.overflowPolicy = .dropOldest
            configuration.maximumBatchSize = 500
            let run = try await Self.overload(client, configuration: configuration, threads: 2, writeDelay: 0.2, measuresMemory: true)
            print("overload drop oldest: \(run.summary)")
            try await Self.checkRun(run, client: client)
            #expect(run.longest < .seconds(1), "a seen() call took \(run.longest)")
            #expect(run.count(.accepted) == run.offered, "under drop oldest every offered event enters the buffer")
            #expect(run.final.dropped[.oldest] ?? 0 > run.offered / 2)
            // The newest events survive: each thread's last one is in the log.
            let users = Set(try await storedEvents(client).map(\.user))
            #expect(run.offerings.allSatisfy { users.contains($0.lastUser) })
            Self.checkMemory(run, capacity: configuration.capacity, policy: "drop oldest")
        }
    }

    @Test("wait with a deadline: no caller waits longer than the deadline; those who time out are counted")
    func waitWithDeadline() async throws {
        try await TestDatabase.withFresh { client, _ in
            let deadline = Duration.milliseconds(10)
            var configuration = PresenceTracker.Configuration()
            configuration.capacity = 500
            configuration.overflowPolicy = .wait(deadline: deadline)
            configuration.maximumBatchSize = 25
            let run = try await Self.overload(client, configuration: configuration, threads: 8, writeDelay: 0.5)
            print("overload wait(deadline: \(deadline)): \(run.summary)")
            try await Self.checkRun(run, client: client)
            let timedOut = run.count(.dropped(.waitTimedOut))
            #expect(timedOut == run.final.dropped[.waitTimedOut] ?? 0)
            #expect(timedOut > 0 && run.count(.accepted) + timedOut == run.offered)
            // At most the deadline, plus a generous allowance for a busy machine's scheduling.
            #expect(run.longest < deadline + .milliseconds(500), "a seen() call took \(run.longest)")
            let shortest = run.offerings.compactMap(\.shortestTimedOut).min()
            #expect(shortest.map { $0 >= deadline } == true, "a caller gave up before the deadline: \(String(describing: shortest))")
        }
    }
}
