import PresenceModel

/// The HTML page of a ``ReportSet``: one self-contained file (no script, no external style,
/// font or image) with the charts drawn as inline SVG, for `presence report all` and the demo.
public struct ReportPage: Sendable {
    /// The reports it shows.
    public var reports: ReportSet
    /// Whether the footer links the CSV and JSON files that `report all` writes beside it.
    public var linksToFiles: Bool
    /// When set, the page reloads itself this long after it is shown, in whole seconds (a
    /// live dashboard).
    public var refresh: Duration?

    /// How many online users the page lists; it counts them all.
    static let onlineListLength = 25
    /// How many of the busiest locations the page lists.
    static let locationListLength = 10

    static let colors = (
        events: "#4e79a7", users: "#f28e2b", dau: "#4e79a7", wau: "#59a14f", mau: "#e15759", sticky: "#b07aa1",
        peak: "#e15759", average: "#76b7b2", mark: "#1f2933"
    )

    /// Creates the page of a set of reports.
    public init(reports: ReportSet, linksToFiles: Bool) {
        self.reports = reports
        self.linksToFiles = linksToFiles
    }

    private var clock: LocalClock { reports.clock }

    /// The page's HTML text.
    public var html: String {
        let configuration = reports.configuration
        let range = "\(clock.minute(configuration.from)) – \(clock.minute(configuration.to))"
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            \(refresh.map { "<meta http-equiv=\"refresh\" content=\"\($0.wholeSeconds)\">" } ?? "")
            <title>Presence report · \(PageText.escape(range))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <main>
            <header>
            <h1>Presence report</h1>
            <p>\(PageText.escape(range)) · times in \(PageText.escape(configuration.timeZone))</p>
            </header>
            \(cards)
            \(activitySection)
            \(concurrencySection)
            \(rhythmSection)
            \(sessionsSection)
            \(activeUsersSection)
            \(retentionSection)
            \(lifecycleSection)
            \(onlineSection)
            \(locationsSection)
            \(footer)
            </main>
            </body>
            </html>

            """
    }

    private static let style = """
        :root{color-scheme:light}
        *{box-sizing:border-box}
        body{margin:0;background:#f4f5f7;color:#1f2933;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
        main{max-width:1080px;margin:0 auto;padding:28px 20px 40px}
        header h1{margin:0;font-size:26px;letter-spacing:-.01em}
        header p{margin:4px 0 20px;color:#52606d}
        h2{margin:0;font-size:17px}
        .note{margin:2px 0 12px;color:#7b8794;font-size:13px}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;margin-bottom:16px}
        .card,.panel{background:#fff;border-radius:10px;box-shadow:0 1px 2px rgba(15,23,42,.06),0 1px 6px rgba(15,23,42,.05)}
        .card{padding:14px 16px}
        .card .label{color:#7b8794;font-size:12px;text-transform:uppercase;letter-spacing:.05em}
        .card .value{font-size:22px;font-weight:600;margin-top:2px;white-space:nowrap;font-variant-numeric:tabular-nums}
        .card .detail{color:#7b8794;font-size:12px}
        .panel{padding:18px 20px;margin-bottom:16px;overflow-x:auto}
        svg{display:block;width:100%;min-width:640px;height:auto}
        svg text{font-family:inherit;fill:#52606d}
        svg .axis{font-size:12px}
        svg .legend{font-size:13px;fill:#1f2933}
        svg .value{font-size:13px;fill:#1f2933;font-weight:600}
        svg .cell{font-size:11px;fill:#1f2933}
        svg .cell.dark{fill:#ffffff}
        svg .hover{fill:transparent}
        svg .hover:hover{fill:rgba(15,23,42,.06)}
        .stats{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0 0 10px}
        .stats div{font-variant-numeric:tabular-nums}
        .stats span{color:#7b8794;font-size:12px;display:block;text-transform:uppercase;letter-spacing:.05em}
        table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
        th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eef0f3}
        th{color:#7b8794;font-weight:500;font-size:12px;text-transform:uppercase;letter-spacing:.05em}
        td.user{font-weight:500;overflow-wrap:anywhere}
        td.location{color:#52606d;overflow-wrap:anywhere}
        td.bar{width:45%}
        td.bar span{display:block;height:10px;border-radius:2px;background:#4e79a7}
        .empty{color:#7b8794;margin:8px 0}
        footer{color:#7b8794;font-size:13px;margin-top:8px}
        footer a{color:#4e79a7}
        """

    private func card(_ label: String, _ value: String, _ detail: String) -> String {
        """
        <div class="card"><div class="label">\(PageText.escape(label))</div>\
        <div class="value">\(PageText.escape(value))</div><div class="detail">\(PageText.escape(detail))</div></div>
        """
    }

    private var cards: String {
        let activity = reports.activity.rows
        let peak = activity.max { $0.users < $1.users }
        let days = reports.activeUsers.rows
        let averageDAU = days.isEmpty ? nil : Double(days.map(\.dau).reduce(0, +)) / Double(days.count)
        let sessions = reports.sessions
        let online = reports.online
        let peakOnline = reports.dailyConcurrency.rows.filter { $0.peakAt != nil }.max { ($0.peak, $1.start) < ($1.peak, $0.start) }
        return """
            <section class="cards">
            \(card("Events", PageText.count(activity.map(\.events).reduce(0, +)), "in \(activity.count) \(bucketName)s"))
            \(card("Peak active users", PageText.count(peak?.users ?? 0), peak.map { "per \(bucketName), \(bucketLabel($0.start))" } ?? "no \(bucketName)s"))
            \(card("Average DAU", averageDAU.map { PageText.count(Int($0.rounded())) } ?? "–", days.last.map { "MAU \(PageText.count($0.mau)) on \(LocalClock.dayLabel(isoDate: $0.day)?.short ?? $0.day)" } ?? ""))
            \(card("Sessions", PageText.count(sessions.count), "gap \(PageText.duration(sessions.gap))"))
            \(card("Median session", PageText.duration(seconds: sessions.p50Seconds), "mean \(PageText.duration(seconds: sessions.meanSeconds))"))
            \(card("Peak online", PageText.count(peakOnline?.peak ?? 0), peakOnline?.peakAt.map { "at once, \(clock.minute($0))" } ?? "no one online"))
            \(card("Online", PageText.count(online.users.count + online.hiddenUsers), "at \(clock.time(online.at)), seen within \(PageText.duration(online.threshold))"))
            </section>
            """
    }

    private var bucketName: String {
        switch reports.activity.bucket {
        case .hour: "hour"
        case .day: "day"
        case .week: "week"
        }
    }

    private func bucketLabel(_ start: Timestamp) -> String {
        switch reports.activity.bucket {
        case .hour: clock.minute(start)
        case .day: clock.date(start)
        case .week: "week of " + clock.date(start)
        }
    }

    /// The labels under a time axis: local days for hours, thinned to at most about 16.
    private var activityTicks: [TimeSeriesChart.Tick] {
        let rows = reports.activity.rows
        let candidates: [TimeSeriesChart.Tick] = rows.indices.compactMap { index in
            let start = rows[index].start
            switch reports.activity.bucket {
            case .hour:
                // The first hour of each local day, which need not start at midnight.
                let newDay = index == 0 || clock.dayNumber(start) != clock.dayNumber(rows[index - 1].start)
                return newDay ? .init(index: index, label: clock.day(start)) : nil
            case .day, .week: return .init(index: index, label: String(clock.day(start).dropFirst(4)))
            }
        }
        let stride = max(1, (candidates.count + 15) / 16)
        return candidates.enumerated().filter { $0.offset % stride == 0 }.map(\.element)
    }

    private var activitySection: String {
        let rows = reports.activity.rows
        let names = rows.map { bucketLabel($0.start) }
        let events = TimeSeriesChart(
            series: [.init(name: "Events", color: Self.colors.events, style: .bars, values: rows.map { Double($0.events) })],
            pointNames: names,
            ticks: activityTicks,
            height: 220
        )
        let users = TimeSeriesChart(
            series: [.init(name: "Active users", color: Self.colors.users, style: .area, values: rows.map { Double($0.users) })],
            pointNames: names,
            ticks: activityTicks,
            height: 200
        )
        return """
            <section class="panel">
            <h2>Events and active users over time</h2>
            <p class="note">Per local \(bucketName); active users are the distinct users with an event in the \(bucketName).</p>
            \(events.svg)
            \(users.svg)
            </section>
            """
    }

    private var concurrencySection: String {
        let rows = reports.concurrency.rows
        // Each day's peak, on the bucket that holds its moment (for weeks, the highest of it).
        var marked: [Int: ConcurrencyReport.Row] = [:]
        for day in reports.dailyConcurrency.rows {
            guard let moment = day.peakAt, let index = rows.firstIndex(where: { $0.start <= moment && moment < $0.end }) else { continue }
            if marked[index].map({ $0.peak < day.peak }) ?? true { marked[index] = day }
        }
        let names = rows.indices.map { index in
            bucketLabel(rows[index].start)
                + (marked[index].flatMap { day in day.peakAt.map { "\nthe day's peak: \(day.peak) at \(clock.time($0))" } } ?? "")
        }
        let chart = TimeSeriesChart(
            series: [
                .init(name: "Peak", color: Self.colors.peak, style: .line, values: rows.map { Double($0.peak) }),
                .init(name: "Average", color: Self.colors.average, style: .area, values: rows.map(\.average)),
            ],
            pointNames: names,
            ticks: activityTicks,
            marks: .init(
                name: "Each day's peak",
                color: Self.colors.mark,
                points: marked.sorted { $0.key < $1.key }.map { (index: $0.key, value: Double($0.value.peak)) }
            ),
            height: 240
        )
        return """
            <section class="panel">
            <h2>Concurrent users</h2>
            <p class="note">Users online at once (seen within \(PageText.duration(reports.concurrency.threshold))), per local \
            \(bucketName): the most at any moment (peak) and the average over the \(bucketName); ringed, each local day's peak.</p>
            \(chart.svg)
            </section>
            """
    }

    private var rhythmSection: String {
        """
        <section class="panel">
        <h2>Weekly rhythm</h2>
        <p class="note">Events by local hour of day and weekday over the whole range; darker is busier.</p>
        \(HeatMapChart(report: reports.hourByWeekday).svg)
        </section>
        """
    }

    private var sessionsSection: String {
        let sessions = reports.sessions
        func stat(_ label: String, _ value: String) -> String {
            "<div><span>\(PageText.escape(label))</span>\(PageText.escape(value))</div>"
        }
        return """
            <section class="panel">
            <h2>Session durations</h2>
            <p class="note">Sessions that start in the range; a session ends when a user is not seen for \
            \(PageText.duration(sessions.gap)).</p>
            <div class="stats">\(stat("sessions", PageText.count(sessions.count)))\
            \(stat("mean", PageText.duration(seconds: sessions.meanSeconds)))\
            \(stat("median", PageText.duration(seconds: sessions.p50Seconds)))\
            \(stat("90th percentile", PageText.duration(seconds: sessions.p90Seconds)))\
            \(stat("99th percentile", PageText.duration(seconds: sessions.p99Seconds)))</div>
            \(HistogramChart(report: sessions, color: Self.colors.events).svg)
            </section>
            """
    }

    private var activeUsersSection: String {
        let rows = reports.activeUsers.rows
        let labels = rows.map { LocalClock.dayLabel(isoDate: $0.day) ?? ($0.day, $0.day) }
        let stride = max(1, (rows.count + 15) / 16)
        let ticks = labels.indices.filter { $0 % stride == 0 }.map { TimeSeriesChart.Tick(index: $0, label: labels[$0].short) }
        let counts = TimeSeriesChart(
            series: [
                .init(name: "MAU", color: Self.colors.mau, style: .line, values: rows.map { Double($0.mau) }, lineWidth: 5),
                .init(name: "WAU", color: Self.colors.wau, style: .line, values: rows.map { Double($0.wau) }, lineWidth: 2.5),
                .init(name: "DAU", color: Self.colors.dau, style: .area, values: rows.map { Double($0.dau) }),
            ],
            pointNames: labels.map(\.long),
            ticks: ticks,
            height: 240
        )
        let stickiness = TimeSeriesChart(
            series: [.init(name: "Stickiness (DAU / MAU)", color: Self.colors.sticky, style: .area, values: rows.map(\.stickiness))],
            pointNames: labels.map(\.long),
            ticks: ticks,
            format: PageText.percent,
            wholeSteps: false,
            height: 170
        )
        return """
            <section class="panel">
            <h2>Daily, weekly and monthly active users</h2>
            <p class="note">For each local day: distinct users that day (DAU), in the 7 days (WAU) and the 30 days (MAU) \
            ending with it; stickiness is DAU / MAU.</p>
            \(counts.svg)
            \(stickiness.svg)
            </section>
            """
    }

    /// `day`, `ISO week` or `month`: the cohort period in a sentence.
    private var periodName: String {
        switch reports.retention.period {
        case .day: "day"
        case .week: "ISO week"
        case .month: "month"
        }
    }

    private var retentionSection: String {
        let retention = reports.retention
        let chart = RetentionChart(report: retention, cohortNames: retention.cohorts.map { clock.day($0.start) })
        let body =
            retention.cohorts.isEmpty
            ? "<p class=\"empty\">No cohort of the range has begun.</p>"
            : chart.svg
        return """
            <section class="panel">
            <h2>Retention of cohorts</h2>
            <p class="note">Each row is a cohort: the users whose first event ever lies in one local \(periodName), \
            with its size; each cell, the share of them with an event in the \(periodName) that many after it (0 is the \
            cohort's own), up to \(PageText.escape(clock.minute(retention.asOf))).</p>
            \(body)
            </section>
            """
    }

    private var lifecycleSection: String {
        let lifecycle = reports.lifecycle
        let chart = LifecycleChart(report: lifecycle, periodNames: lifecycle.rows.map { clock.day($0.start) })
        return """
            <section class="panel">
            <h2>Lifecycle</h2>
            <p class="note">Per local \(periodName), the users active in it: new (first event ever), returning (active in the \
            \(periodName) before), resurrecting (back after a longer absence); below zero, the dormant ones, active in the \
            \(periodName) before but not in this one.</p>
            \(chart.svg)
            </section>
            """
    }

    private var onlineSection: String {
        let online = reports.online
        let listed = online.users.prefix(Self.onlineListLength)
        let rows = listed.map { user in
            let seen = user.lastSeen.map { "\(clock.time($0)) (\(PageText.duration(online.at - $0)) ago)" } ?? "unknown"
            return """
                <tr><td class="user">\(PageText.escape(user.user))</td><td>\(PageText.escape(seen))</td>\
                <td class="location">\(PageText.escape(user.location ?? "–"))</td></tr>
                """
        }
        let more = online.users.count > listed.count ? "<p class=\"note\">and \(PageText.count(online.users.count - listed.count)) more</p>" : ""
        let table =
            online.users.isEmpty
            ? (online.hiddenUsers == 0 ? "<p class=\"empty\">Nobody was seen in those \(PageText.duration(online.threshold)).</p>" : "")
            : "<table><thead><tr><th>user</th><th>last seen</th><th>location</th></tr></thead><tbody>\(rows.joined())</tbody></table>\(more)"
        let everyone = online.users.count + online.hiddenUsers
        let hidden =
            online.hiddenUsers == 0
            ? "" : " \(PageText.count(online.hiddenUsers)) of them asked not to be shown and \(online.hiddenUsers == 1 ? "is" : "are") not listed."
        return """
            <section class="panel">
            <h2>Online: \(PageText.count(everyone)) \(everyone == 1 ? "user" : "users")</h2>
            <p class="note">Seen within \(PageText.duration(online.threshold)) before \
            \(PageText.escape(clock.minute(online.at))), most recent first.\(hidden)</p>
            \(table)
            </section>
            """
    }

    /// The busiest locations at the online list's moment, each with a bar as long as its
    /// share of the busiest.
    private var locationsSection: String {
        let locations = reports.locations
        let busiest = max(1, locations.locations.first?.users ?? 1)
        let rows = locations.locations.map { location in
            let width = (Double(location.users) / Double(busiest) * 100).rounded()
            return """
                <tr><td class="location">\(PageText.escape(location.location))</td><td>\(PageText.count(location.users))</td>\
                <td class="bar"><span style="width:\(Int(width))%"></span></td></tr>
                """
        }
        let table =
            locations.locations.isEmpty
            ? "<p class=\"empty\">No user online was seen at a location.</p>"
            : "<table><thead><tr><th>location</th><th>users</th><th></th></tr></thead><tbody>\(rows.joined())</tbody></table>"
        return """
            <section class="panel">
            <h2>Busiest locations</h2>
            <p class="note">Where the users online at \(PageText.escape(clock.minute(locations.at))) were last seen, \
            busiest first (at most \(Self.locationListLength)).</p>
            \(table)
            </section>
            """
    }

    private var footer: String {
        var text =
            "Made by Presence at \(PageText.escape(clock.minute(reports.configuration.generatedAt))) (\(PageText.escape(reports.configuration.timeZone)))."
        if linksToFiles {
            let links = reports.files.map { file in
                "\(file.name) <a href=\"\(file.name).csv\">CSV</a> <a href=\"\(file.name).json\">JSON</a>"
            }
            text += " The data: " + links.joined(separator: " · ") + "."
        }
        return "<footer>\(text)</footer>"
    }
}
