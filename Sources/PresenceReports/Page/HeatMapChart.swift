/// The hour-of-day by weekday heat map, drawn as inline SVG: one row per weekday (Monday
/// first), one cell per local hour, darker for more events; each cell's tooltip gives its
/// events and users.
struct HeatMapChart: Sendable {
    /// The report it draws.
    var report: HourByWeekdayReport
    /// The drawing's width in SVG units; it scales to the page's width.
    var width = 1_000.0

    /// Light to dark blue: the scale's stops from no events to the most.
    static let stops: [(Double, Double, Double)] = [
        (247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107),
    ]

    /// The colour for a share of the most events, 0 to 1.
    static func color(_ fraction: Double) -> String {
        let position = min(max(fraction, 0), 1) * Double(stops.count - 1)
        let index = min(Int(position), stops.count - 2)
        let (low, high) = (stops[index], stops[index + 1])
        let weight = position - Double(index)
        func channel(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * weight).rounded()) }
        let rgb = [channel(low.0, high.0), channel(low.1, high.1), channel(low.2, high.2)]
        return "#" + rgb.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static let weekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// The chart as an `<svg>` element.
    var svg: String {
        let (left, top, cellHeight, gap) = (48.0, 22.0, 28.0, 2.0)
        let cellWidth = (width - left - 8) / 24
        let legendTop = top + 7 * cellHeight + 18
        let height = legendTop + 34
        let most = Double(report.rows.map(\.events).max() ?? 0)
        var svg = SVGWriter(width: width, height: height, label: "Events by hour of day and weekday")
        for hour in stride(from: 0, to: 24, by: 3) {
            svg.text(
                "\(hour < 10 ? "0" : "")\(hour):00",
                x: left + cellWidth * Double(hour) + 2,
                y: top - 8,
                anchor: "start",
                className: "axis"
            )
        }
        for (row, name) in Self.weekdayNames.enumerated() {
            svg.text(name, x: left - 8, y: top + cellHeight * Double(row) + cellHeight / 2 + 4, anchor: "end", className: "axis")
        }
        for slot in report.rows where (1...7).contains(slot.weekday) && (0..<24).contains(slot.hour) {
            let title =
                "\(Self.weekdayNames[slot.weekday - 1]) \(slot.hour):00–\(slot.hour + 1):00: "
                + "\(PageText.count(slot.events)) events, \(PageText.count(slot.users)) users"
            svg.rect(
                x: left + cellWidth * Double(slot.hour) + gap / 2,
                y: top + cellHeight * Double(slot.weekday - 1) + gap / 2,
                width: cellWidth - gap,
                height: cellHeight - gap,
                fill: Self.color(most > 0 ? Double(slot.events) / most : 0),
                radius: 3,
                title: title
            )
        }
        Self.drawScale(into: &svg, x: left, y: legendTop, low: "0", high: "\(PageText.number(most)) events")
        return svg.finish()
    }

    /// The width of ``drawScale(into:x:y:low:high:)``'s colour bar.
    static let scaleWidth = 200.0

    /// Draws the colour scale under a heat map: a bar from light to dark with `low` under its
    /// left end and `high` under its right end.
    static func drawScale(into svg: inout SVGWriter, x: Double, y: Double, low: String, high: String) {
        for step in 0..<20 {
            svg.rect(
                x: x + scaleWidth * Double(step) / 20,
                y: y,
                width: scaleWidth / 20 + 0.5,
                height: 10,
                fill: color(Double(step) / 19)
            )
        }
        svg.text(low, x: x, y: y + 26, anchor: "start", className: "axis")
        svg.text(high, x: x + scaleWidth, y: y + 26, anchor: "end", className: "axis")
    }
}
