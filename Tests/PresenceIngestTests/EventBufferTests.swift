import Foundation
import PresenceModel
import Testing

@testable import PresenceIngest

/// The ring buffer alone, without a database: wraparound, each overflow rule and the
/// accounting identity. They run in milliseconds.
@Suite("Event buffer")
struct EventBufferTests {
    static func entry(_ user: String) -> EventBuffer.Entry {
        EventBuffer.Entry(id: nil, user: user, at: Timestamp(microsecondsSince1970: 0), location: nil)
    }

    static func users(_ batch: [EventBuffer.Entry]?) -> [String] {
        batch?.map(\.user) ?? []
    }

    @Test("entries come out in order across the ring's end, in batches of at most the batch size")
    func wraparound() {
        let buffer = EventBuffer(capacity: 4, batchSize: 3)
        for user in ["a", "b", "c", "d"] { _ = buffer.offer(Self.entry(user), dropOldestWhenFull: false, waitWhenFull: false) }
        #expect(Self.users(buffer.takeBatch(maximumAge: .seconds(60), force: false)) == ["a", "b", "c"])
        buffer.complete(3, stored: 3, duplicates: 0, duration: .zero)
        // Three more wrap around the end of the four slots.
        for user in ["e", "f", "g"] { _ = buffer.offer(Self.entry(user), dropOldestWhenFull: false, waitWhenFull: false) }
        #expect(Self.users(buffer.takeBatch(maximumAge: .seconds(60), force: false)) == ["d", "e", "f"])
        // One left: not due (no full batch, young), unless forced.
        #expect(buffer.takeBatch(maximumAge: .seconds(60), force: false) == nil)
        #expect(Self.users(buffer.takeBatch(maximumAge: .seconds(60), force: true)) == ["g"])
        #expect(buffer.statistics.buffered == 4 && buffer.statistics.stored == 3)
    }

    @Test("a full buffer: drop newest refuses the new entry, drop oldest replaces the oldest, wait counts nothing")
    func overflowRules() {
        let buffer = EventBuffer(capacity: 2, batchSize: 2)
        for user in ["a", "b"] { _ = buffer.offer(Self.entry(user), dropOldestWhenFull: false, waitWhenFull: false) }
        guard case .dropped(.newest) = buffer.offer(Self.entry("c"), dropOldestWhenFull: false, waitWhenFull: false) else {
            Issue.record("drop newest did not drop")
            return
        }
        guard case .appended = buffer.offer(Self.entry("d"), dropOldestWhenFull: true, waitWhenFull: false) else {
            Issue.record("drop oldest did not append")
            return
        }
        guard case .full = buffer.offer(Self.entry("e"), dropOldestWhenFull: false, waitWhenFull: true) else {
            Issue.record("wait did not answer full")
            return
        }
        let statistics = buffer.statistics
        // a, b, c and d were accepted; c was dropped as the newest, a as the oldest; e not at all.
        #expect(statistics.accepted == 4 && statistics.dropped == [.newest: 1, .oldest: 1] && statistics.buffered == 2)
        #expect(Self.users(buffer.takeBatch(maximumAge: .seconds(60), force: true)) == ["b", "d"])
    }

    @Test("accepted = stored + duplicates + dropped + buffered after every step of a seeded run", arguments: 1...8)
    func accountingIdentity(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let buffer = EventBuffer(capacity: Int.random(in: 1...16, using: &random), batchSize: Int.random(in: 1...8, using: &random))
        var inFlight: [Int] = []
        for step in 0..<2_000 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5:
                _ = buffer.offer(
                    Self.entry("u\(step)"),
                    dropOldestWhenFull: Bool.random(using: &random),
                    waitWhenFull: Bool.random(using: &random)
                )
            case 5:
                buffer.countDropped(.waitTimedOut)
            case 6, 7:
                if let batch = buffer.takeBatch(maximumAge: .zero, force: Bool.random(using: &random)) { inFlight.append(batch.count) }
            case 8:
                if let size = inFlight.popLast() {
                    let stored = Int.random(in: 0...size, using: &random)
                    buffer.complete(size, stored: stored, duplicates: size - stored, duration: .zero)
                }
            default:
                if let size = inFlight.popLast() { buffer.dropInFlight(size) }
            }
            let statistics = buffer.statistics
            let dropped = statistics.dropped.values.reduce(0, +)
            #expect(statistics.accepted == statistics.stored + statistics.duplicates + dropped + statistics.buffered, "step \(step)")
            if statistics.accepted != statistics.stored + statistics.duplicates + dropped + statistics.buffered { return }
        }
        _ = buffer.dropAll()
        for size in inFlight { buffer.dropInFlight(size) }
        let statistics = buffer.statistics
        #expect(statistics.buffered == 0)
        #expect(statistics.accepted == statistics.stored + statistics.duplicates + statistics.dropped.values.reduce(0, +))
    }
}
