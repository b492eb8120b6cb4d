/// A chart of values over time, drawn as inline SVG: bars, lines, or lines over a light area.
/// Every point has a tooltip (an SVG `title`) with all series' values.
///
/// Written by hand: the page must be self-contained (no script, no network), and none of the
/// packages this project builds on draws charts; SVG text is all it takes.
struct TimeSeriesChart: Sendable {
    /// How a series is drawn.
    enum Style: Sendable {
        case bars
        case line
        /// A line with the area under it lightly filled.
        case area
    }

    /// One series of values, one per point; `nil` leaves a hole.
    struct Series: Sendable {
        var name: String
        var color: String
        var style: Style
        var values: [Double?]
        /// A line's width: a wider line drawn first still shows under a narrower one with
        /// the same values.
        var lineWidth = 2.0
    }

    /// Points singled out over the series, each drawn as a ring at its value with the value
    /// written above it (the day's peak on the concurrency chart).
    struct Marks: Sendable {
        /// What they are, for the legend.
        var name: String
        var color: String
        /// The point and the value of each.
        var points: [(index: Int, value: Double)]
    }

    /// A label under the axis, at the left edge of a point's band.
    struct Tick: Sendable {
        var index: Int
        var label: String
    }

    /// The series, all of the same length.
    var series: [Series]
    /// What each point is, for its tooltip: `Mon 23 Nov 14:00`.
    var pointNames: [String]
    /// The labels under the axis, each with a faint vertical line.
    var ticks: [Tick]
    /// The points singled out, if any.
    var marks: Marks?
    /// How the axis and tooltips write a value.
    var format: @Sendable (Double) -> String = PageText.number
    /// Whether the axis steps are whole numbers.
    var wholeSteps = true
    /// The drawing's size in SVG units; it scales to the page's width.
    var width = 1_000.0
    var height = 240.0

    /// The chart as an `<svg>` element.
    var svg: String {
        let count = series.first?.values.count ?? 0
        let (left, right, top, bottom) = (60.0, 12.0, 28.0, 28.0)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let largest = series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0
        let scale = ChartScale(largest: largest, wholeSteps: wholeSteps)
        let band = plotWidth / Double(max(count, 1))
        func x(_ index: Int) -> Double { left + band * Double(index) }
        func y(_ value: Double) -> Double { top + plotHeight * (1 - scale.fraction(value)) }

        var svg = SVGWriter(width: width, height: height, label: series.map(\.name).joined(separator: " and "))
        for tick in scale.ticks {
            svg.line(x1: left, y1: y(tick), x2: width - right, y2: y(tick), stroke: tick == 0 ? "#9ca3af" : "#e5e7eb")
            svg.text(format(tick), x: left - 8, y: y(tick) + 4, anchor: "end", className: "axis")
        }
        // Labels are about 7 units a character: one that would overlap the one before it is
        // left out, and one that would run past the right edge ends at it instead.
        var labelsEnd = -Double.infinity
        for tick in ticks where tick.index < count {
            svg.line(x1: x(tick.index), y1: top, x2: x(tick.index), y2: top + plotHeight + 6, stroke: "#eef0f3")
            let labelWidth = Double(tick.label.count) * 7
            let start = min(x(tick.index) + 3, width - 2 - labelWidth)
            guard start >= labelsEnd + 8 else { continue }
            svg.text(tick.label, x: start, y: height - 8, anchor: "start", className: "axis")
            labelsEnd = start + labelWidth
        }
        for item in series {
            switch item.style {
            case .bars:
                let gap = band > 4 ? band * 0.15 : 0
                for (index, value) in item.values.enumerated() {
                    guard let value, value > 0 else { continue }
                    svg.rect(
                        x: x(index) + gap / 2,
                        y: y(value),
                        width: max(band - gap, 0.6),
                        height: y(0) - y(value),
                        fill: item.color
                    )
                }
            case .line, .area:
                for run in item.values.enumerated().split(whereSeparator: { $0.element == nil }) {
                    let points = run.map { (x($0.offset) + band / 2, y($0.element ?? 0)) }
                    if item.style == .area, let first = points.first, let last = points.last {
                        svg.area(points + [(last.0, y(0)), (first.0, y(0))], fill: item.color)
                    }
                    svg.polyline(points, stroke: item.color, width: item.lineWidth)
                    if count <= 62 {
                        for point in points { svg.dot(x: point.0, y: point.1, fill: item.color) }
                    }
                }
            }
        }
        if let marks {
            for mark in marks.points where mark.index < count {
                let center = (x(mark.index) + band / 2, y(mark.value))
                svg.ring(x: center.0, y: center.1, stroke: marks.color)
                svg.text(format(mark.value), x: center.0, y: center.1 - 9, anchor: "middle", className: "value")
            }
        }
        let legendX = svg.legend(series.map { ($0.name, $0.color) }, x: left)
        if let marks {
            svg.ring(x: legendX + 6, y: 12, stroke: marks.color)
            svg.text(marks.name, x: legendX + 17, y: 16, anchor: "start", className: "legend")
        }
        for index in 0..<count {
            let lines = [pointNames[index]] + series.map { "\($0.name): \($0.values[index].map(format) ?? "–")" }
            svg.hoverBand(x: x(index), y: top, width: band, height: plotHeight, title: lines.joined(separator: "\n"))
        }
        return svg.finish()
    }
}
