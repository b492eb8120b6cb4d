import Foundation
import PresenceModel

/// Makes realistic synthetic traffic, the same for the same configuration on every run.
///
/// Users differ in how active they are (a few use the site many times a day, most now and
/// then); sessions start more often in the day and evening than at night and less on
/// weekends; within a session, events follow each other after gaps of seconds to minutes, on
/// the pages of a small forum-like site. Some events arrive late (out of time order) and some
/// twice (the same id and time: a retry). Events come out one simulated day at a time, so any
/// number of days streams in bounded memory.
public struct TrafficSimulator: Sendable {
    /// What to simulate.
    public struct Configuration: Sendable, Hashable {
        /// How many users. Default 2,000.
        public var users = 2_000
        /// How many days, ending at ``end``. Default 3.
        public var days = 3
        /// The end of the simulated time; no event lies after it.
        public var end: Timestamp
        /// The seed: the same seed and configuration give the same events. Default 1.
        public var seed: UInt64 = 1
        /// The share of events sent twice. Default 1%.
        public var duplicateRate = 0.01
        /// The share of events that arrive after later ones. Default 2%.
        public var lateRate = 0.02
        /// How many sessions a user of median activity starts per day. Default 1.5.
        public var sessionsPerDay = 1.5

        /// Creates a configuration ending at `end`.
        ///
        /// - Parameter end: The end of the simulated time.
        public init(end: Timestamp) {
            self.end = end
        }
    }

    /// What to simulate.
    public let configuration: Configuration

    /// Creates a simulator.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The user names, `user-00001` and so on.
    public static func userName(_ index: Int) -> String {
        let digits = String(index + 1)
        return "user-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }

    /// Relative chance of a session starting in each UTC hour of the day.
    static let hourWeights: [Double] = [
        0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.4, 0.8, 1.2, 1.5, 1.6, 1.5,
        1.4, 1.5, 1.5, 1.4, 1.3, 1.3, 1.5, 1.8, 2.0, 1.8, 1.2, 0.6,
    ]
    static let pages = ["/", "/forum", "/forum/{id}", "/forum/{id}", "/forum/{id}", "/search", "/profile/{id}", "/messages", "/settings"]

    /// All events, day by day, each day's events in the order they are sent.
    public func events() -> some Sequence<SeenEvent> {
        (0..<configuration.days).lazy.flatMap { dayEvents($0) }
    }

    /// The events whose sessions start on one simulated day (0 is the first), in the order
    /// they are sent: by time, with the late ones moved to the end and duplicates right after
    /// their original.
    func dayEvents(_ day: Int) -> [SeenEvent] {
        let dayLength: Int64 = 86_400_000_000
        let end = configuration.end.microsecondsSince1970
        let start = end - Int64(configuration.days - day) * dayLength
        let weekday = ((start / dayLength) % 7 + 7 + 3) % 7  // 0 = Monday (1970-01-01 was a Thursday)
        let weekendFactor = weekday >= 5 ? 0.7 : 1.0
        var events: [SeenEvent] = []
        for user in 0..<configuration.users {
            var random = SplitMix64(seed: configuration.seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(user) << 24 ^ UInt64(day))
            var activityRandom = SplitMix64(seed: configuration.seed &+ UInt64(user) &* 0xD1B5_4A32_D192_ED03)
            let activity = Self.activity(&activityRandom)
            let name = Self.userName(user)
            let sessions = Self.poisson(configuration.sessionsPerDay * activity * weekendFactor, &random)
            for _ in 0..<sessions {
                var at = start + Self.startOffset(&random)
                let count = 1 + Self.geometric(0.15, &random)
                for _ in 0..<count {
                    guard at <= end else { break }
                    let page = Self.pages[Int(random.next() % UInt64(Self.pages.count))]
                    let location = page.replacingOccurrences(of: "{id}", with: String(random.next() % 500 + 1))
                    let time = Timestamp(microsecondsSince1970: at)
                    events.append(SeenEvent(id: UUID.version7(at: time, using: &random), user: name, at: time, location: location))
                    // Gaps of seconds to minutes, never longer than 20 minutes within a session.
                    let gap = min(-log(Self.unit(&random)) * 75, 1_200) + 1
                    at += Int64(gap * 1_000_000) + Int64(random.next() % 1_000_000)
                }
            }
        }
        events.sort { $0.at < $1.at }

        var random = SplitMix64(seed: configuration.seed ^ 0xA5A5_A5A5 ^ UInt64(day))
        var sent: [SeenEvent] = []
        var late: [SeenEvent] = []
        sent.reserveCapacity(events.count + events.count / 50)
        for event in events {
            if Self.unit(&random) < configuration.lateRate {
                late.append(event)
            } else {
                sent.append(event)
            }
            if Self.unit(&random) < configuration.duplicateRate {
                sent.append(event)
            }
        }
        return sent + late
    }

    /// A user's activity: log-normal, so most users are occasional and a few very active.
    static func activity(_ random: inout SplitMix64) -> Double {
        let normal = sqrt(-2 * log(unit(&random))) * cos(2 * Double.pi * unit(&random))
        return min(max(exp(normal * 0.9 - 0.3), 0.05), 8)
    }

    /// When in the day a session starts, following ``hourWeights``.
    static func startOffset(_ random: inout SplitMix64) -> Int64 {
        let total = hourWeights.reduce(0, +)
        var pick = unit(&random) * total
        var hour = 0
        while hour < 23, pick >= hourWeights[hour] {
            pick -= hourWeights[hour]
            hour += 1
        }
        return Int64(hour) * 3_600_000_000 + Int64(random.next() % 3_600_000_000)
    }

    static func poisson(_ mean: Double, _ random: inout SplitMix64) -> Int {
        let limit = exp(-mean)
        var product = unit(&random)
        var count = 0
        while product > limit {
            product *= unit(&random)
            count += 1
        }
        return count
    }

    static func geometric(_ stop: Double, _ random: inout SplitMix64) -> Int {
        var count = 0
        while unit(&random) >= stop, count < 200 { count += 1 }
        return count
    }

    /// A uniform number in (0, 1].
    static func unit(_ random: inout SplitMix64) -> Double {
        Double(random.next() >> 11 + 1) / Double(1 << 53)
    }
}
