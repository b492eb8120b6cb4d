/// The retention triangle as a heat map, drawn as inline SVG: a row per cohort, labelled with
/// its start and size, and a cell per period after it with the share of the cohort active
/// in it, darker for more; the cells of the period that has not ended are paler, and each
/// cell's tooltip gives its users and share.
struct RetentionChart: Sendable {
    /// The report it draws.
    var report: RetentionReport
    /// Each cohort's label: its local date.
    var cohortNames: [String]
    /// The drawing's width in SVG units; it scales to the page's width.
    var width = 1_000.0

    /// The chart as an `<svg>` element.
    var svg: String {
        let columns = max(1, report.cohorts.map(\.retained.count).max() ?? 1)
        let (left, top, rowHeight, gap) = (170.0, 24.0, 24.0, 2.0)
        let cellWidth = (width - left - 8) / Double(columns)
        let legendTop = top + rowHeight * Double(report.cohorts.count) + 16
        var svg = SVGWriter(width: width, height: legendTop + 34, label: "Retention of cohorts by \(report.period.rawValue)")
        let stride = max(1, Int((28 / cellWidth).rounded(.up)))
        for number in Swift.stride(from: 0, to: columns, by: stride) {
            svg.text("\(number)", x: left + cellWidth * (Double(number) + 0.5), y: top - 8, anchor: "middle", className: "axis")
        }
        for (row, cohort) in report.cohorts.enumerated() {
            let y = top + rowHeight * Double(row)
            let name = row < cohortNames.count ? cohortNames[row] : cohort.start.rfc3339
            svg.text("\(name) · \(PageText.count(cohort.size))", x: left - 8, y: y + rowHeight / 2 + 4, anchor: "end", className: "axis")
            for (number, users) in cohort.retained.enumerated() {
                let share = cohort.size > 0 ? Double(users) / Double(cohort.size) : 0
                let ended = number < cohort.complete
                let x = left + cellWidth * Double(number)
                svg.rect(
                    x: x + gap / 2,
                    y: y + gap / 2,
                    width: cellWidth - gap,
                    height: rowHeight - gap,
                    fill: HeatMapChart.color(share),
                    radius: 3,
                    opacity: ended ? nil : 0.4,
                    title: "\(name), \(report.period.rawValue) \(number): \(PageText.count(users)) of \(PageText.count(cohort.size)) users, "
                        + PageText.percent(cohort.size > 0 ? share : nil) + (ended ? "" : " (not ended)")
                )
                if cellWidth >= 34, cohort.size > 0 {
                    svg.text(
                        "\(Int((share * 100).rounded()))%",
                        x: x + cellWidth / 2,
                        y: y + rowHeight / 2 + 4,
                        anchor: "middle",
                        className: share > 0.5 && ended ? "cell dark" : "cell"
                    )
                }
            }
        }
        HeatMapChart.drawScale(into: &svg, x: left, y: legendTop, low: "0%", high: "100% of the cohort")
        svg.text(
            "paler: the period has not ended",
            x: left + HeatMapChart.scaleWidth + 24,
            y: legendTop + 9,
            anchor: "start",
            className: "axis"
        )
        return svg.finish()
    }
}
