import Foundation
import PostgresNIO
import PresenceIngest
import PresenceModel
import PresenceStore
import PresenceTestSupport
import Testing

@Suite("PresenceTracker")
struct PresenceTrackerTests {
    let base = Timestamp(Date()).microsecondsSince1970 - 3_600_000_000

    @Test("many tasks calling seen() while the flusher runs: every accepted event stored exactly once")
    func concurrency() async throws {
        try await TestDatabase.withFresh { client, _ in
            var configuration = PresenceTracker.Configuration()
            configuration.maximumBatchSize = 500
            configuration.maximumBatchAge = .milliseconds(20)
            configuration.overflowPolicy = .wait(deadline: .seconds(30))
            let statistics = try await withTracker(client: client, configuration: configuration) { tracker, _ in
                await withTaskGroup(of: Void.self) { group in
                    for task in 0..<8 {
                        group.addTask {
                            for index in 0..<2_500 {
                                await tracker.seen(user: "user-\(task)", at: Date(), location: "/page/\(index)")
                                if index.isMultiple(of: 500) { await Task.yield() }
                            }
                        }
                    }
                }
                #expect(tracker.statistics.isBalanced)
            }
            #expect(statistics.accepted == 20_000)
            #expect(statistics.stored == 20_000)
            #expect(statistics.duplicates == 0 && statistics.droppedTotal == 0 && statistics.buffered == 0)
            #expect(statistics.isBalanced)
            let stored = try await storedEvents(client)
            #expect(stored.count == 20_000)
            #expect(Set(stored.map(\.id)).count == 20_000)
        }
    }

    @Test("drop newest: a full buffer refuses new events and counts them")
    func dropNewest() async throws {
        try await TestDatabase.withFresh { client, _ in
            var configuration = PresenceTracker.Configuration()
            configuration.capacity = 10
            configuration.overflowPolicy = .dropNewest
            let statistics = try await withTracker(client: client, configuration: configuration, startFlusher: false) {
                tracker,
                startFlusher in
                let outcomes = (0..<15).map { tracker.seen(user: "u\($0)", at: Date(), location: nil) }
                #expect(outcomes.prefix(10).allSatisfy { $0 == .accepted })
                #expect(outcomes.suffix(5).allSatisfy { $0 == .dropped(.newest) })
                let snapshot = tracker.statistics
                #expect(snapshot.accepted == 15 && snapshot.dropped[.newest] == 5 && snapshot.buffered == 10)
                #expect(snapshot.isBalanced)
                startFlusher()
            }
            #expect(statistics.stored == 10 && statistics.dropped == [.newest: 5] && statistics.isBalanced)
            #expect(try await storedEvents(client).map(\.user).sorted() == (0..<10).map { "u\($0)" }.sorted())
        }
    }

    @Test("a capacity and batch size under 1 are taken as 1: the tracker buffers one event, never traps")
    func capacityUnderOne() async throws {
        try await TestDatabase.withFresh { client, _ in
            var configuration = PresenceTracker.Configuration()
            configuration.capacity = 0
            configuration.maximumBatchSize = -5
            let statistics = try await withTracker(client: client, configuration: configuration, startFlusher: false) {
                tracker,
                startFlusher in
                #expect(tracker.seen(user: "first", at: Date()) == .accepted)
                #expect(tracker.seen(user: "second", at: Date()) == .dropped(.newest))
                startFlusher()
            }
            #expect(statistics.stored == 1 && statistics.dropped == [.newest: 1] && statistics.isBalanced)
            #expect(try await storedEvents(client).map(\.user) == ["first"])
        }
    }

    @Test("drop oldest: a full buffer loses its oldest events")
    func dropOldest() async throws {
        try await TestDatabase.withFresh { client, _ in
            var configuration = PresenceTracker.Configuration()
            configuration.capacity = 10
            configuration.overflowPolicy = .dropOldest
            // One ring: with one per processor, the oldest dropped is the oldest of the ring of
            // the processor the thread runs on at that moment (EventBufferTests.rings).
            configuration.bufferShards = 1
            let statistics = try await withTracker(client: client, configuration: configuration, startFlusher: false) {
                tracker,
                startFlusher in
                for index in 0..<15 { #expect(tracker.seen(user: "u\(index)", at: Date()) == .accepted) }
                #expect(tracker.statistics.dropped[.oldest] == 5)
                startFlusher()
            }
            #expect(statistics.accepted == 15 && statistics.stored == 10 && statistics.dropped == [.oldest: 5])
            #expect(Set(try await storedEvents(client).map(\.user)) == Set((5..<15).map { "u\($0)" }))
        }
    }

    @Test("wait: a full buffer holds the caller up to the deadline, then drops the event")
    func waitWithDeadline() async throws {
        try await TestDatabase.withFresh { client, _ in
            var configuration = PresenceTracker.Configuration()
            configuration.capacity = 5
            configuration.overflowPolicy = .wait(deadline: .milliseconds(100))
            let statistics = try await withTracker(client: client, configuration: configuration, startFlusher: false) {
                tracker,
                startFlusher in
                for index in 0..<5 { #expect(await tracker.seen(user: "u\(index)") == .accepted) }
                let clock = ContinuousClock()
                var outcome: SeenOutcome?
                let waited = clock.measure { outcome = tracker.seen(user: "late") }
                #expect(outcome == .dropped(.waitTimedOut))
                #expect(waited >= .milliseconds(100) && waited < .seconds(5))
                startFlusher()
                // Once the flusher makes room, a waiting caller gets in.
                let admitted = await Task.detached { tracker.seen(user: "admitted") }.value
                #expect(admitted == .accepted)
            }
            #expect(statistics.accepted == 7 && statistics.stored == 6 && statistics.dropped == [.waitTimedOut: 1])
        }
    }

    @Test("graceful shutdown writes everything still buffered")
    func shutdownDrains() async throws {
        try await TestDatabase.withFresh { client, _ in
            var configuration = PresenceTracker.Configuration()
            configuration.maximumBatchSize = 100_000
            configuration.maximumBatchAge = .seconds(3600)
            let statistics = try await withTracker(client: client, configuration: configuration) { tracker, _ in
                for index in 0..<3_000 { tracker.seen(user: "u\(index % 7)", at: Date(), location: "/\(index)") }
                #expect(tracker.statistics.stored == 0)
            }
            #expect(statistics.stored == 3_000 && statistics.buffered == 0 && statistics.isBalanced)
            #expect(try await storedEvents(client).count == 3_000)
        }
    }

    @Test("the same events sent again are counted as duplicates and stored once")
    func duplicates() async throws {
        try await TestDatabase.withFresh { client, _ in
            let events = (0..<50).map {
                SeenEvent(user: "u\($0 % 5)", at: Timestamp(microsecondsSince1970: base + Int64($0) * 1_000_000), location: "/")
            }
            let first = try await withTracker(client: client) { tracker, _ in
                for event in events { try await tracker.record(event) }
            }
            #expect(first.stored == 50 && first.duplicates == 0)
            // Again, mixed with new events and with a duplicate inside the same batch.
            let fresh = SeenEvent(user: "new", at: Timestamp(microsecondsSince1970: base), location: nil)
            let second = try await withTracker(client: client) { tracker, _ in
                for event in events + [fresh, fresh] { try await tracker.record(event) }
            }
            #expect(second.accepted == 52 && second.stored == 1 && second.duplicates == 51 && second.isBalanced)
            #expect(try await storedEvents(client).count == 51)
        }
    }

    @Test("hostile strings round-trip byte for byte")
    func hostileStrings() async throws {
        let strings = [
            "tab\there", "new\nline", "carriage\rreturn", "back\\slash", "\\N", "\\\\N", "quote'\"double",
            "'); DROP TABLE seen_events; --", "ünï©ødé ✓ 🎉 👩‍👩‍👧", "\u{7F}\u{1}\u{1F}", " leading and trailing ",
            String(repeating: "é", count: 128), String(repeating: "🎉", count: 64),
        ]
        try await TestDatabase.withFresh { client, _ in
            let events = strings.enumerated().map { index, text in
                SeenEvent(user: text, at: Timestamp(microsecondsSince1970: base + Int64(index)), location: text)
            }
            let statistics = try await withTracker(client: client) { tracker, _ in
                for event in events {
                    let outcome = try await tracker.record(event)
                    #expect(outcome == .accepted)
                }
            }
            #expect(statistics.stored == strings.count)
            let stored = try await storedEvents(client)
            #expect(stored == events.sorted { $0.at < $1.at })
            #expect(stored.map { Array($0.user.utf8) } == strings.map { Array($0.utf8) })
        }
    }

    @Test("invalid events are rejected by reason and never stored")
    func rejections() async throws {
        try await TestDatabase.withFresh { client, _ in
            let statistics = try await withTracker(client: client) { tracker, _ in
                #expect(tracker.seen(user: "") == .rejected(RejectionReason(.emptyUser, "the user is empty")))
                if case .rejected(let reason) = tracker.seen(user: String(repeating: "x", count: 257)) {
                    #expect(reason.code == .userTooLong)
                } else {
                    Issue.record("an over-long user was accepted")
                }
                if case .rejected(let reason) = tracker.seen(user: "a", at: Date().addingTimeInterval(3600)) {
                    #expect(reason.code == .timeInFuture)
                } else {
                    Issue.record("a far-future event was accepted")
                }
                tracker.seen(user: "good")
            }
            #expect(statistics.rejected == [.emptyUser: 1, .userTooLong: 1, .timeInFuture: 1])
            #expect(statistics.accepted == 1 && statistics.stored == 1)
        }
    }

    @Test("events of past days get their partitions; nothing lands in the default partition")
    func partitionsForPastDays() async throws {
        try await TestDatabase.withFresh { client, _ in
            let day: Int64 = 86_400_000_000
            _ = try await withTracker(client: client) { tracker, _ in
                for offset in [-400, -40, -3, 0] {
                    try await tracker.record(SeenEvent(user: "u", at: Timestamp(microsecondsSince1970: base + Int64(offset) * day)))
                }
            }
            let rows = try await client.query("SELECT count(*)::int8 FROM seen_events_default", logger: TestDatabase.logger)
            for try await count in rows.decode(Int.self) { #expect(count == 0) }
            #expect(try await storedEvents(client).count == 4)
        }
    }
}
