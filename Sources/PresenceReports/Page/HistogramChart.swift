/// The session-duration histogram, drawn as inline SVG: one bar per bin, its count and share
/// above it, its range below.
struct HistogramChart: Sendable {
    /// The report whose histogram it draws.
    var report: SessionsReport
    /// The bars' colour.
    var color: String
    /// The drawing's size in SVG units; it scales to the page's width.
    var width = 1_000.0
    var height = 240.0

    /// A bin's range in words: `< 1 min`, `1–5 min`, `≥ 2 h`.
    static func label(_ bin: SessionsReport.Bin) -> String {
        func short(_ seconds: Int) -> String {
            seconds >= 3_600 ? "\(seconds / 3_600) h" : "\(seconds / 60) min"
        }
        guard let upper = bin.maxSeconds else { return "≥ \(short(bin.minSeconds))" }
        if bin.minSeconds == 0 { return "< \(short(upper))" }
        let (low, high) = (short(bin.minSeconds), short(upper))
        if low.hasSuffix(" min"), high.hasSuffix(" min") { return "\(bin.minSeconds / 60)–\(high)" }
        if low.hasSuffix(" h"), high.hasSuffix(" h") { return "\(bin.minSeconds / 3_600)–\(high)" }
        return "\(low) – \(high)"
    }

    /// The chart as an `<svg>` element.
    var svg: String {
        let (left, right, top, bottom) = (60.0, 12.0, 30.0, 30.0)
        let plotHeight = height - top - bottom
        let bins = report.histogram
        let scale = ChartScale(largest: Double(bins.map(\.sessions).max() ?? 0))
        let band = (width - left - right) / Double(max(bins.count, 1))
        func y(_ value: Double) -> Double { top + plotHeight * (1 - scale.fraction(value)) }
        var svg = SVGWriter(width: width, height: height, label: "Sessions by duration")
        for tick in scale.ticks {
            svg.line(x1: left, y1: y(tick), x2: width - right, y2: y(tick), stroke: tick == 0 ? "#9ca3af" : "#e5e7eb")
            svg.text(PageText.number(tick), x: left - 8, y: y(tick) + 4, anchor: "end", className: "axis")
        }
        for (index, bin) in bins.enumerated() {
            let x = left + band * Double(index)
            let value = Double(bin.sessions)
            let share = report.count > 0 ? " (" + PageText.percent(value / Double(report.count)) + ")" : ""
            svg.rect(
                x: x + band * 0.12,
                y: y(value),
                width: band * 0.76,
                height: y(0) - y(value),
                fill: color,
                radius: 3,
                title: "\(Self.label(bin)): \(PageText.count(bin.sessions)) sessions\(share)"
            )
            svg.text(PageText.count(bin.sessions) + share, x: x + band / 2, y: y(value) - 6, anchor: "middle", className: "value")
            svg.text(Self.label(bin), x: x + band / 2, y: height - 8, anchor: "middle", className: "axis")
        }
        return svg.finish()
    }
}
