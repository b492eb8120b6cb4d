/// The lifecycle as stacked bars, drawn as inline SVG: per period, the new, returning and
/// resurrecting users stacked above the zero line and the dormant ones below it, as charts of
/// growth accounting show them; each period's tooltip gives all four.
struct LifecycleChart: Sendable {
    /// The report it draws.
    var report: LifecycleReport
    /// Each period's label: its local date.
    var periodNames: [String]
    /// The drawing's size in SVG units; it scales to the page's width.
    var width = 1_000.0
    var height = 280.0

    static let parts: [(name: String, color: String)] = [
        ("New", "#59a14f"), ("Returning", "#4e79a7"), ("Resurrecting", "#f28e2b"), ("Dormant", "#e15759"),
    ]

    /// The chart as an `<svg>` element.
    var svg: String {
        let rows = report.rows
        let (left, right, top, bottom) = (60.0, 12.0, 28.0, 28.0)
        let plotHeight = height - top - bottom
        let up = Double(rows.map { $0.new + $0.returning + $0.resurrecting }.max() ?? 0)
        let down = Double(rows.map { -$0.dormant }.max() ?? 0)
        // One scale for both sides, so that lengths above and below the zero line compare.
        let scale = ChartScale(largest: max(up, down, 1))
        let above = up > 0 || down == 0 ? scale.maximum : 0
        let below = down > 0 ? scale.maximum : 0
        let unit = plotHeight / (above + below)
        let zero = top + above * unit
        let band = (width - left - right) / Double(max(rows.count, 1))
        let gap = band > 4 ? band * 0.2 : 0

        var svg = SVGWriter(width: width, height: height, label: "Lifecycle of users by \(report.period.rawValue)")
        for tick in scale.ticks {
            for sign in [1.0, -1.0] where sign > 0 ? above > 0 || tick == 0 : below > 0 && tick > 0 {
                let y = zero - sign * tick * unit
                svg.line(x1: left, y1: y, x2: width - right, y2: y, stroke: tick == 0 ? "#9ca3af" : "#e5e7eb")
                svg.text(PageText.number(sign * tick), x: left - 8, y: y + 4, anchor: "end", className: "axis")
            }
        }
        let stride = max(1, (rows.count + 11) / 12)
        for (index, row) in rows.enumerated() {
            let x = left + band * Double(index)
            var y = zero
            for (value, part) in zip([row.new, row.returning, row.resurrecting], Self.parts) where value > 0 {
                let length = Double(value) * unit
                y -= length
                svg.rect(x: x + gap / 2, y: y, width: max(band - gap, 0.6), height: length, fill: part.color)
            }
            if row.dormant < 0 {
                svg.rect(x: x + gap / 2, y: zero, width: max(band - gap, 0.6), height: Double(-row.dormant) * unit, fill: Self.parts[3].color)
            }
            let name = index < periodNames.count ? periodNames[index] : row.start.rfc3339
            if index % stride == 0 {
                svg.text(name, x: x + band / 2, y: height - 8, anchor: "middle", className: "axis")
            }
            let values = [row.new, row.returning, row.resurrecting, row.dormant]
            svg.hoverBand(
                x: x,
                y: top,
                width: band,
                height: plotHeight,
                title: ([name] + zip(Self.parts, values).map { "\($0.name): \(PageText.count($1))" }).joined(separator: "\n")
            )
        }
        svg.legend(Self.parts, x: left)
        return svg.finish()
    }
}
