import Foundation
import PresenceModel
import PresenceStore

/// The seeded traffic the replica tests write on a primary, and the range, moments and users
/// they ask about on the primary and on its standby.
struct ReplicaScenario: Sendable {
    /// One stored event: the log keeps an event sent twice (same id, same time) once.
    struct Key: Hashable, Sendable {
        var id: UUID
        var microseconds: Int64
    }

    /// A user no event names.
    static let unknownUser = "nobody-ever-seen"

    /// The traffic, in the order sent: duplicates and late events included.
    let events: [SeenEvent]
    /// The start of the UTC day of the earliest event.
    let from: Timestamp
    /// One microsecond after the latest event: the end (excluded) of the reports' range.
    let to: Timestamp
    /// The latest event.
    let latest: SeenEvent
    /// The event in the middle of the traffic's time, for "as of a past moment".
    let middle: SeenEvent
    /// The user with the most events.
    let busiest: String
    /// A moment after every event, asked about as "now" (the same on both servers).
    let now: Timestamp

    /// Seeded traffic of `users` users over `days` days, ending a minute ago.
    init(seed: FaultSeed, users: Int, days: Int) {
        events = seed.traffic(users: users, days: days)
        let byTime = events.sorted { ($0.at, $0.id.uuidString) < ($1.at, $1.id.uuidString) }
        from = EventLog.start(ofDay: EventLog.day(of: byTime.first!.at))
        latest = byTime.last!
        to = latest.at + .microseconds(1)
        middle = byTime[byTime.count / 2]
        busiest = Dictionary(grouping: events, by: \.user).max { ($0.value.count, $1.key) < ($1.value.count, $0.key) }!.key
        now = .now
    }

    /// The users the tests ask about: the latest one, one from the middle, the busiest, and
    /// one never seen.
    var users: [String] { [latest.user, middle.user, busiest, Self.unknownUser] }

    /// The distinct events that `events` stores: what the log holds once they are written.
    static func stored(_ events: some Sequence<SeenEvent>) -> Set<Key> {
        Set(events.map { Key(id: $0.id, microseconds: $0.at.microsecondsSince1970) })
    }
}
