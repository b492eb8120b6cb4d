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

    @Test("rings: a full ring passes an entry on, the buffer is full only when all are, drop oldest drops its ring's oldest")
    func rings() {
        // Five slots in two rings, of three and two.
        let buffer = EventBuffer(capacity: 5, batchSize: 5, shards: 2)
        for user in ["a", "b", "c", "d", "e"] {
            guard case .appended = buffer.offer(Self.entry(user), shard: 0, dropOldestWhenFull: false, waitWhenFull: false) else {
                Issue.record("\(user) was not appended though the buffer had room")
                return
            }
        }
        guard case .dropped(.newest) = buffer.offer(Self.entry("f"), shard: 0, dropOldestWhenFull: false, waitWhenFull: false) else {
            Issue.record("drop newest did not drop when every ring was full")
            return
        }
        // Ring 1 holds d and e; g takes d's place.
        guard case .appended = buffer.offer(Self.entry("g"), shard: 1, dropOldestWhenFull: true, waitWhenFull: false) else {
            Issue.record("drop oldest did not append")
            return
        }
        guard case .full = buffer.offer(Self.entry("h"), shard: 1, dropOldestWhenFull: false, waitWhenFull: true) else {
            Issue.record("wait did not answer full")
            return
        }
        let statistics = buffer.statistics
        #expect(statistics.accepted == 7 && statistics.dropped == [.newest: 1, .oldest: 1] && statistics.buffered == 5)
        // Forced, a batch takes from both rings.
        #expect(Set(Self.users(buffer.takeBatch(maximumAge: .seconds(60), force: true))) == ["a", "b", "c", "e", "g"])
        #expect(buffer.isEmpty && buffer.statistics.buffered == 5)
        buffer.complete(5, stored: 5, duplicates: 0, duration: .zero)
        #expect(buffer.statistics.isBalanced && buffer.statistics.stored == 5)
    }

    @Test("a full batch across the rings is due at once; a part of one only when old enough")
    func dueAcrossRings() {
        let buffer = EventBuffer(capacity: 40, batchSize: 6, shards: 4)
        for index in 0..<5 { _ = buffer.offer(Self.entry("u\(index)"), shard: index % 4, dropOldestWhenFull: false, waitWhenFull: false) }
        #expect(buffer.takeBatch(maximumAge: .seconds(60), force: false) == nil)
        _ = buffer.offer(Self.entry("u5"), shard: 3, dropOldestWhenFull: false, waitWhenFull: false)
        #expect(Self.users(buffer.takeBatch(maximumAge: .seconds(60), force: false)).sorted() == ["u0", "u1", "u2", "u3", "u4", "u5"])
        _ = buffer.offer(Self.entry("u6"), shard: 2, dropOldestWhenFull: false, waitWhenFull: false)
        #expect(Self.users(buffer.takeBatch(maximumAge: .zero, force: false)) == ["u6"])
    }

    @Test("accepted = stored + duplicates + dropped + buffered after every step of a seeded run", arguments: 1...8)
    func accountingIdentity(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let buffer = EventBuffer(
            capacity: Int.random(in: 1...16, using: &random),
            batchSize: Int.random(in: 1...8, using: &random),
            shards: Int.random(in: 1...4, using: &random)
        )
        var inFlight: [Int] = []
        for step in 0..<2_000 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5:
                _ = buffer.offer(
                    Self.entry("u\(step)"),
                    shard: Int.random(in: 0..<4, using: &random) % buffer.shardCount,
                    dropOldestWhenFull: Bool.random(using: &random),
                    waitWhenFull: Bool.random(using: &random)
                )
            case 5:
                buffer.countTimedOut()
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
