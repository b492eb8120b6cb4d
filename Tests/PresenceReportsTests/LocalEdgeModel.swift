/// DESIGN.md's "Local time edges", computed in Swift from a zone's file (``ZoneFile``), apart
/// from the SQL: the expectation of the local-time property test.
///
/// Times are microseconds since 1970, as the reports give them. Presence counts time in UTC
/// quarter hours, and every zone's offset is whole quarter hours, but a few zones changed
/// their clocks a minute past a quarter hour (Newfoundland and Labrador at 00:01 local until
/// 2011, Gaza and Hebron in 2010 and 2011, Casey in 2020): the model, as the reports, reads
/// the clock at the start of each quarter hour, so such a change takes effect at the next
/// quarter hour (README, "Reports").
struct LocalEdgeModel: Sendable {
    enum Unit: String, Sendable, CaseIterable {
        case hour, day, week, month

        /// Its usual length in microseconds.
        var microseconds: Int64 {
            switch self {
            case .hour: 3_600_000_000
            case .day: 86_400_000_000
            case .week: 604_800_000_000
            case .month: 2_592_000_000_000
            }
        }
    }

    let zone: ZoneFile

    /// The offset in seconds at a moment in seconds: the zone's at the start of its quarter hour.
    func offset(at second: Int64) -> Int64 {
        zone.offset(at: PosixRule.floorDivide(second, 900) * 900)
    }

    /// The moments in (from, to), in seconds, where the offset read at quarter hours changes.
    func clockChanges(from: Int64, to: Int64) -> [ZoneFile.Change] {
        zone.clockChanges(from: from - 900, to: to).map { change in
            ZoneFile.Change(at: PosixRule.floorDivide(change.at + 899, 900) * 900, offset: change.offset)
        }.filter { $0.at > from && $0.at < to }
    }

    /// The local wall-clock time of a moment, as microseconds since 1970 in local time.
    func local(_ moment: Int64) -> Int64 {
        moment + offset(at: PosixRule.floorDivide(moment, 1_000_000)) * 1_000_000
    }

    /// The local date of a moment, as days since 1970-01-01.
    func localDay(_ moment: Int64) -> Int64 {
        PosixRule.floorDivide(local(moment), 86_400_000_000)
    }

    /// Every edge of the unit in [from, to): for hours, each moment the local clock shows a
    /// whole hour and each clock change; for days (weeks, months), the first moment the local
    /// clock shows each date (each Monday's week, each month's dates).
    func edges(_ unit: Unit, from: Int64, to: Int64) -> [Int64] {
        let fromSecond = PosixRule.floorDivide(from, 1_000_000)
        let toSecond = PosixRule.floorDivide(to, 1_000_000)
        let changes = clockChanges(from: fromSecond, to: toSecond)
        // Stretches of one offset: [start, end) in seconds.
        let starts = [fromSecond] + changes.map(\.at)
        let ends = changes.map(\.at) + [toSecond]
        var edges: [Int64] = []
        // For days and weeks: the latest date (week) the clock has shown.
        var shown: Int64?
        for (start, end) in zip(starts, ends) {
            let offset = offset(at: start)
            let isChange = start != fromSecond
            switch unit {
            case .hour:
                if isChange { edges.append(start) }
                var hour = start + Self.modulo(-(start + offset), 3_600)
                while hour < end {
                    edges.append(hour)
                    hour += 3_600
                }
            case .day, .week, .month:
                let key = { (localSecond: Int64) -> Int64 in
                    let day = PosixRule.floorDivide(localSecond, 86_400)
                    switch unit {
                    case .week: return PosixRule.floorDivide(day + 3, 7)  // Weeks counted from Monday 1969-12-29.
                    case .month:
                        let (year, month, _) = PosixRule.civil(days: day)
                        return Int64(year) * 12 + Int64(month)
                    default: return day
                    }
                }
                let startKey = key(start + offset)
                if let latest = shown, isChange, startKey > latest { edges.append(start) }
                shown = max(shown ?? startKey, startKey)
                // Each local midnight (Monday's) after the stretch's start.
                var midnight = (PosixRule.floorDivide(start + offset, 86_400) + 1) * 86_400
                while midnight < end + offset {
                    let isMonday = Self.modulo(midnight / 86_400 + 3, 7) == 0
                    if unit != .week || isMonday, let latest = shown, key(midnight) > latest {
                        edges.append(midnight - offset)
                        shown = key(midnight)
                    }
                    midnight += 86_400
                }
                shown = max(shown ?? startKey, key(end - 1 + offset))
            }
        }
        return Array(Set(edges)).sorted().map { $0 * 1_000_000 }.filter { $0 >= from && $0 < to }
    }

    /// The edges `presence_local_edges(from, to, unit, zone)` gives: from the start of the
    /// bucket that holds `from` to the end of the bucket that holds the moment before `to`.
    func bucketEdges(_ unit: Unit, from: Int64, to: Int64) -> [Int64] {
        // Far enough out that the bucket holding each end starts and ends inside.
        let margin = 2 * unit.microseconds + 3 * 86_400_000_000
        let all = edges(unit, from: from - margin, to: to + margin)
        guard let first = all.last(where: { $0 <= from }), let last = all.first(where: { $0 >= to }) else { return [] }
        return all.filter { $0 >= first && $0 <= last }
    }

    private static func modulo(_ value: Int64, _ divisor: Int64) -> Int64 {
        ((value % divisor) + divisor) % divisor
    }
}
