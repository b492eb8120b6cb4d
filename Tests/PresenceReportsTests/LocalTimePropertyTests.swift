import Foundation
import PostgresNIO
import PresenceModel
import PresenceReports
import PresenceTestSupport
import Testing

/// DESIGN.md's "Local time edges" in every zone PostgreSQL knows, at its clock changes from
/// 1980 to 2040: the reports' edges and counts against ``LocalEdgeModel``, which computes
/// them in Swift from the zone files PostgreSQL reads.
///
/// Every zone's offsets are first checked against PostgreSQL's `AT TIME ZONE` on both sides
/// of every change, so that model and reports speak of the same clock. The windows around
/// the changes are a seeded sample (`PRESENCE_ZONE_SEED` picks another; with
/// `PRESENCE_ZONE_CHANGES=all` the edges are compared at every change): each zone's ordinary
/// changes and its unusual ones (off the quarter hour, not whole hours, over midnight, more
/// than an hour).
@Suite("Local time edges in every zone PostgreSQL knows, against its zone files")
struct LocalTimePropertyTests {
    let logger = TestDatabase.logger

    /// 1980-01-01 and 2041-01-01, in seconds since 1970.
    static let years: Range<Int64> = 315_532_800..<2_240_611_200

    static let seed = ProcessInfo.processInfo.environment["PRESENCE_ZONE_SEED"].flatMap(UInt64.init) ?? 20_261_201

    /// With `PRESENCE_ZONE_CHANGES=all`, the edges are compared around every change of every
    /// zone (about 178,000 windows, a minute), not a sample.
    static let everyChange = ProcessInfo.processInfo.environment["PRESENCE_ZONE_CHANGES"] == "all"

    /// A zone PostgreSQL knows, its file, and its clock changes from 1980 to 2040.
    struct Zone: Sendable {
        var name: String
        var model: LocalEdgeModel
        var changes: [ZoneFile.Change]

        /// Changes of an unusual kind: off the quarter hour, not whole hours, more than an hour,
        /// or over midnight.
        var unusual: [ZoneFile.Change] {
            changes.filter { change in
                let before = model.offset(at: change.at - 1)
                let step = abs(change.offset - before)
                let moment = change.at * 1_000_000
                // Off the quarter hour: the file's offset had changed already before it.
                let offQuarter = model.zone.offset(at: change.at - 1) == change.offset
                return offQuarter || step % 3_600 != 0 || step > 3_600 || model.localDay(moment - 1) != model.localDay(moment)
                    || model.local(moment) % 86_400_000_000 == 0
            }
        }
    }

    /// Every zone PostgreSQL knows, read from its file.
    func zones(_ client: PostgresClient) async throws -> [Zone] {
        let names = try await client.query("SELECT name FROM pg_timezone_names ORDER BY name", logger: logger)
            .collect().map { try $0.decode(String.self) }
        return try names.map { name in
            let file = try ZoneFile(name: name)
            return Zone(
                name: name,
                model: LocalEdgeModel(zone: file),
                changes: LocalEdgeModel(zone: file).clockChanges(from: Self.years.lowerBound, to: Self.years.upperBound)
            )
        }
    }

    @Test("every zone's offsets agree with PostgreSQL's on both sides of every change, and are whole quarter hours")
    func offsets() async throws {
        try await TestDatabase.withFresh { client, _ in
            let zones = try await zones(client)
            var names: [String] = []
            var moments: [Int64] = []
            var expected: [Int64] = []
            var offQuarter: [String] = []
            for zone in zones {
                let bound = try await TimeZoneCheck.resolve(zone.name, client: client, logger: logger)
                // The file's changes as they are (not at quarter hours): both sides of each,
                // and the middle of each stretch between them.
                let file = zone.model.zone
                let changes = file.clockChanges(from: Self.years.lowerBound, to: Self.years.upperBound)
                let bounds = [Self.years.lowerBound] + changes.map(\.at) + [Self.years.upperBound]
                var points = changes.flatMap { [$0.at - 1, $0.at] }
                points += zip(bounds, bounds.dropFirst()).map { ($0 + $1) / 2 }
                for point in points {
                    names.append(bound)
                    moments.append(point)
                    expected.append(file.offset(at: point))
                }
                if let change = changes.first(where: { $0.offset % 900 != 0 }) {
                    offQuarter.append("\(zone.name) from \(RFC3339.format(change.at * 1_000_000))")
                }
            }
            #expect(zones.count > 1_000 && moments.count > 100_000, "\(zones.count) zones, \(moments.count) moments")
            // The reports rest on every offset being whole quarter hours.
            #expect(offQuarter.isEmpty, "offsets off the quarter hour: \(offQuarter.prefix(10))")
            let rows = try await client.query(
                """
                SELECT p.zone, p.at, p.expected, extract(epoch FROM presence_utc_offset(to_timestamp(p.at), p.zone))::int8
                FROM unnest(\(names)::text[], \(moments)::int8[], \(expected)::int8[]) AS p (zone, at, expected)
                WHERE extract(epoch FROM presence_utc_offset(to_timestamp(p.at), p.zone))::int8 <> p.expected
                """,
                logger: logger
            ).collect()
            let disagreements = try rows.prefix(10).map { row in
                let (zone, at, file, postgres) = try row.decode((String, Int64, Int64, Int64).self)
                return "\(zone) at \(RFC3339.format(at * 1_000_000)): file \(file) s, PostgreSQL \(postgres) s"
            }
            #expect(rows.isEmpty, "\(rows.count) disagreements, among them \(disagreements)")
        }
    }

    /// A window of one unit around a moment, its ends now and then exactly on an edge.
    struct Window: Sendable {
        var zone: Int
        var unit: LocalEdgeModel.Unit
        var from: Int64
        var to: Int64
    }

    static func window(around moment: Int64, zone: Int, model: LocalEdgeModel, unit: LocalEdgeModel.Unit, random: inout SplitMix64) -> Window {
        var from = moment - Int64.random(in: 0..<2 * unit.microseconds, using: &random)
        var to = moment + Int64.random(in: 1..<2 * unit.microseconds, using: &random)
        if Int.random(in: 0..<4, using: &random) == 0, let edge = model.bucketEdges(unit, from: from, to: to).first {
            from = edge
        }
        if Int.random(in: 0..<4, using: &random) == 0, let edge = model.bucketEdges(unit, from: from, to: to).last, edge > from {
            to = edge
        }
        return Window(zone: zone, unit: unit, from: from, to: to)
    }

    /// The sampled moments of a zone: two of its changes, two of its unusual ones, and one
    /// moment anywhere (the only one of a zone without changes).
    static func sample(_ zone: Zone, random: inout SplitMix64) -> [Int64] {
        var moments = [Int64.random(in: years, using: &random) * 1_000_000]
        if everyChange { return moments + zone.changes.map { $0.at * 1_000_000 } }
        for pool in [zone.changes, zone.changes, zone.unusual, zone.unusual] where !pool.isEmpty {
            moments.append(pool[Int.random(in: 0..<pool.count, using: &random)].at * 1_000_000)
        }
        return moments
    }

    @Test("presence_local_edges gives the model's hours, days, weeks and months around a sample of every zone's changes")
    func edges() async throws {
        try await TestDatabase.withFresh { client, _ in
            let zones = try await zones(client)
            var random = SplitMix64(seed: Self.seed)
            var windows: [Window] = []
            for (index, zone) in zones.enumerated() {
                for moment in Self.sample(zone, random: &random) {
                    for unit in LocalEdgeModel.Unit.allCases {
                        windows.append(Self.window(around: moment, zone: index, model: zone.model, unit: unit, random: &random))
                    }
                }
            }
            var bound: [String] = []
            for zone in zones { bound.append(try await TimeZoneCheck.resolve(zone.name, client: client, logger: logger)) }
            var mismatches: [String] = []
            var compared = 0
            for start in stride(from: 0, to: windows.count, by: 2_000) {
                let batch = windows[start..<min(start + 2_000, windows.count)]
                let rows = try await client.query(
                    """
                    SELECT ARRAY(SELECT (extract(epoch FROM e) * 1000000)::int8
                                 FROM unnest(presence_local_edges(
                                     timestamptz 'epoch' + w.f * interval '1 microsecond',
                                     timestamptz 'epoch' + w.t * interval '1 microsecond', w.u, w.z)) AS e)
                    FROM unnest(\(batch.map { bound[$0.zone] })::text[], \(batch.map(\.from))::int8[],
                                \(batch.map(\.to))::int8[], \(batch.map(\.unit.rawValue))::text[]) WITH ORDINALITY AS w (z, f, t, u, i)
                    ORDER BY w.i
                    """,
                    logger: logger
                ).collect()
                for (window, row) in zip(batch, rows) {
                    let actual = try row.decode([Int64].self)
                    let expected = zones[window.zone].model.bucketEdges(window.unit, from: window.from, to: window.to)
                    compared += 1
                    if actual != expected {
                        mismatches.append(
                            "\(zones[window.zone].name) \(window.unit) [\(RFC3339.format(window.from)), \(RFC3339.format(window.to))): "
                                + "PostgreSQL \(actual.map(RFC3339.format)), model \(expected.map(RFC3339.format))"
                        )
                    }
                }
            }
            #expect(compared == windows.count && compared > 10_000, "\(compared) of \(windows.count) windows compared")
            #expect(mismatches.isEmpty, "\(mismatches.count) windows differ (seed \(Self.seed)), among them \(mismatches.prefix(5))")
        }
    }

    /// Events around a moment: at it and a microsecond either side, at local hours and days
    /// starting near it and a microsecond before, anywhere in the two days around it, and
    /// one in the month before (for WAU and MAU).
    static func events(around moment: Int64, model: LocalEdgeModel, random: inout SplitMix64) -> [SeenEvent] {
        let day: Int64 = 86_400_000_000
        var times = [moment, moment - 1, moment + 1]
        for unit in [LocalEdgeModel.Unit.hour, .day] {
            let edges = model.bucketEdges(unit, from: moment - 3 * unit.microseconds, to: moment + 3 * unit.microseconds)
            for _ in 0..<2 {
                let edge = edges[Int.random(in: 0..<edges.count, using: &random)]
                times += [edge, edge - 1]
            }
        }
        times += (0..<4).map { _ in moment + Int64.random(in: -2 * day..<2 * day, using: &random) }
        times.append(moment - Int64.random(in: 3 * day..<29 * day, using: &random))
        return times.map { SeenEvent(user: "u\(Int.random(in: 0..<6, using: &random))", at: Timestamp(microsecondsSince1970: $0), location: nil) }
    }

    @Test("activity, active users, hour by weekday, lifecycle and retention count events around a sample of changes as the model does")
    func counts() async throws {
        let zones = try await TestDatabase.withFresh { client, _ in try await self.zones(client) }
        var random = SplitMix64(seed: Self.seed &+ 1)
        // Two thirds of the moments at unusual changes, the rest at any change or moment.
        let withUnusual = zones.filter { !$0.unusual.isEmpty }
        var samples: [(zone: Zone, moment: Int64)] = []
        for index in 0..<120 {
            let pool = index < 80 ? withUnusual : zones
            let zone = pool[Int.random(in: 0..<pool.count, using: &random)]
            let moments = index < 80 ? zone.unusual.map { $0.at * 1_000_000 } : Self.sample(zone, random: &random)
            samples.append((zone, moments[Int.random(in: 0..<moments.count, using: &random)]))
        }
        let events = samples.flatMap { Self.events(around: $0.moment, model: $0.zone.model, random: &random) }

        func users(_ from: Int64, _ to: Int64) -> Set<String> {
            Set(events.filter { $0.at.microsecondsSince1970 >= from && $0.at.microsecondsSince1970 < to }.map(\.user))
        }
        func count(_ from: Int64, _ to: Int64) -> Int {
            events.filter { $0.at.microsecondsSince1970 >= from && $0.at.microsecondsSince1970 < to }.count
        }
        func date(_ day: Int64) -> String {
            let (year, month, day) = PosixRule.civil(days: day)
            return String(format: "%04d-%02d-%02d", year, month, day)
        }

        try await ReportFixture.withProjected(events) { client in
            var mismatches: [String] = []
            for sample in samples {
                let model = sample.zone.model
                let name = sample.zone.name
                for unit in LocalEdgeModel.Unit.allCases where unit != .month {
                    let window = Self.window(around: sample.moment, zone: 0, model: model, unit: unit, random: &random)
                    let activity = try await ActivityReport.run(
                        from: Timestamp(microsecondsSince1970: window.from),
                        to: Timestamp(microsecondsSince1970: window.to),
                        bucket: ActivityReport.Bucket(rawValue: unit.rawValue)!,
                        timeZone: name,
                        client: client,
                        logger: logger
                    )
                    let edges = model.bucketEdges(unit, from: window.from, to: window.to)
                    let expected = zip(edges, edges.dropFirst()).map { [$0, $1, Int64(count($0, $1)), Int64(users($0, $1).count)] }
                    if activity.rows.map({ [$0.start.microsecondsSince1970, $0.end.microsecondsSince1970, Int64($0.events), Int64($0.users)] })
                        != expected
                    {
                        mismatches.append("activity \(name) \(unit) from \(RFC3339.format(window.from)) to \(RFC3339.format(window.to))")
                    }
                }

                let days = Self.window(around: sample.moment, zone: 0, model: model, unit: .day, random: &random)
                let activeUsers = try await ActiveUsersReport.run(
                    from: Timestamp(microsecondsSince1970: days.from),
                    to: Timestamp(microsecondsSince1970: days.to),
                    timeZone: name,
                    client: client,
                    logger: logger
                )
                // Every local day from a month before, by its date.
                let allDays = model.edges(.day, from: days.from - 40 * 86_400_000_000, to: days.to + 3 * 86_400_000_000)
                func firstStart(from date: Int64) -> Int64 { allDays.first { model.localDay($0) >= date }! }
                let dayEdges = model.bucketEdges(.day, from: days.from, to: days.to)
                let expectedDays = zip(dayEdges, dayEdges.dropFirst()).map { start, end -> String in
                    let day = model.localDay(start)
                    let dau = users(start, end).count
                    let wau = users(firstStart(from: day - 6), end).count
                    let mau = users(firstStart(from: day - 29), end).count
                    return "\(date(day)) \(dau) \(wau) \(mau) \(mau == 0 ? "-" : "\(Double(dau) / Double(mau))")"
                }
                let actualDays = activeUsers.rows.map { "\($0.day) \($0.dau) \($0.wau) \($0.mau) \($0.stickiness.map { "\($0)" } ?? "-")" }
                if actualDays != expectedDays {
                    mismatches.append(
                        "active users \(name) from \(RFC3339.format(days.from)) to \(RFC3339.format(days.to)): \(actualDays) against \(expectedDays)"
                    )
                }

                let hours = Self.window(around: sample.moment, zone: 0, model: model, unit: .hour, random: &random)
                let rhythm = try await HourByWeekdayReport.run(
                    from: Timestamp(microsecondsSince1970: hours.from),
                    to: Timestamp(microsecondsSince1970: hours.to),
                    timeZone: name,
                    client: client,
                    logger: logger
                )
                let hourEdges = model.bucketEdges(.hour, from: hours.from, to: hours.to)
                var slots: [[Int]: (events: Int, users: Set<String>)] = [:]
                for event in events where event.at.microsecondsSince1970 >= hourEdges.first! && event.at.microsecondsSince1970 < hourEdges.last! {
                    let local = model.local(event.at.microsecondsSince1970)
                    let weekday = Int(((model.localDay(event.at.microsecondsSince1970) + 3) % 7 + 7) % 7) + 1
                    let hour = Int((local - model.localDay(event.at.microsecondsSince1970) * 86_400_000_000) / 3_600_000_000)
                    slots[[weekday, hour], default: (0, [])].events += 1
                    slots[[weekday, hour], default: (0, [])].users.insert(event.user)
                }
                let expectedRhythm = (1...7).flatMap { weekday in
                    (0..<24).map { hour in [weekday, hour, slots[[weekday, hour]]?.events ?? 0, slots[[weekday, hour]]?.users.count ?? 0] }
                }
                if rhythm.rows.map({ [$0.weekday, $0.hour, $0.events, $0.users] }) != expectedRhythm {
                    mismatches.append("hour by weekday \(name) from \(RFC3339.format(hours.from)) to \(RFC3339.format(hours.to))")
                }

                for unit in [LocalEdgeModel.Unit.day, .week, .month] {
                    let window = Self.window(around: sample.moment, zone: 0, model: model, unit: unit, random: &random)
                    let lifecycle = try await LifecycleReport.run(
                        from: Timestamp(microsecondsSince1970: window.from),
                        to: Timestamp(microsecondsSince1970: window.to),
                        period: CohortPeriod(rawValue: unit.rawValue)!,
                        timeZone: name,
                        client: client,
                        logger: logger
                    )
                    // The periods from the one before the first.
                    let first = model.bucketEdges(unit, from: window.from, to: window.to).first!
                    let starts = model.bucketEdges(unit, from: first - 1, to: window.to)
                    let actual = lifecycle.rows.map { "\($0.start.rfc3339) \($0.new) \($0.returning) \($0.resurrecting) \($0.dormant)" }
                    if actual != LifecycleTests.expected(Set(events), starts: starts) {
                        mismatches.append("lifecycle \(name) \(unit) from \(RFC3339.format(window.from)) to \(RFC3339.format(window.to))")
                    }
                    // The cohorts of the same window, to half its length after its end.
                    let asOf = window.to + (window.to - window.from) / 2
                    let retention = try await RetentionReport.run(
                        from: Timestamp(microsecondsSince1970: window.from),
                        to: Timestamp(microsecondsSince1970: window.to),
                        period: CohortPeriod(rawValue: unit.rawValue)!,
                        timeZone: name,
                        asOf: Timestamp(microsecondsSince1970: asOf),
                        client: client,
                        logger: logger
                    )
                    let cohorts = retention.cohorts.map {
                        "\($0.start.rfc3339) \($0.size) \($0.retained.map(String.init).joined(separator: ",")) \($0.complete)"
                    }
                    let edges = model.bucketEdges(unit, from: first - 1, to: asOf + 1)
                    let expected = CohortRetentionTests.expected(
                        Set(events),
                        starts: edges,
                        to: Timestamp(microsecondsSince1970: window.to),
                        asOf: Timestamp(microsecondsSince1970: asOf)
                    )
                    if cohorts != expected {
                        mismatches.append("retention \(name) \(unit) from \(RFC3339.format(window.from)) to \(RFC3339.format(window.to))")
                    }
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.count) reports differ (seed \(Self.seed)), among them \(mismatches.prefix(5))")
        }
    }
}
