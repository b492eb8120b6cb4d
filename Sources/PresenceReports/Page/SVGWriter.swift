import Foundation

/// Builds the text of one `<svg>` element, escaping every text it is given.
struct SVGWriter: Sendable {
    private var body: String

    /// Starts a drawing of the given size that scales to its container's width.
    init(width: Double, height: Double, label: String) {
        body = """
            <svg viewBox="0 0 \(Self.number(width)) \(Self.number(height))" role="img" \
            aria-label="\(PageText.escape(label))" xmlns="http://www.w3.org/2000/svg">
            """
    }

    /// A number as SVG writes it: at most one decimal.
    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String) {
        body += "<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\" stroke=\"\(stroke)\"/>"
    }

    mutating func rect(
        x: Double,
        y: Double,
        width: Double,
        height: Double,
        fill: String,
        radius: Double = 0,
        opacity: Double? = nil,
        title: String? = nil
    ) {
        body +=
            "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" fill=\"\(fill)\""
        if radius > 0 { body += " rx=\"\(Self.number(radius))\"" }
        if let opacity { body += " fill-opacity=\"\(Self.number(opacity))\"" }
        if let title {
            body += "><title>\(PageText.escape(title))</title></rect>"
        } else {
            body += "/>"
        }
    }

    mutating func text(_ text: String, x: Double, y: Double, anchor: String, className: String) {
        body +=
            "<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" text-anchor=\"\(anchor)\" class=\"\(className)\">\(PageText.escape(text))</text>"
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double) {
        body +=
            "<polyline points=\"\(Self.points(points))\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width))\" stroke-linejoin=\"round\"/>"
    }

    mutating func dot(x: Double, y: Double, fill: String) {
        body += "<circle cx=\"\(Self.number(x))\" cy=\"\(Self.number(y))\" r=\"3\" fill=\"\(fill)\"/>"
    }

    /// A ring around a point, to single it out.
    mutating func ring(x: Double, y: Double, stroke: String) {
        body += "<circle cx=\"\(Self.number(x))\" cy=\"\(Self.number(y))\" r=\"5\" fill=\"#ffffff\" stroke=\"\(stroke)\" stroke-width=\"2\"/>"
    }

    mutating func area(_ points: [(Double, Double)], fill: String) {
        body += "<polygon points=\"\(Self.points(points))\" fill=\"\(fill)\" fill-opacity=\"0.12\"/>"
    }

    /// An invisible band that shows `title` as a tooltip when the pointer rests on it.
    mutating func hoverBand(x: Double, y: Double, width: Double, height: Double, title: String) {
        body +=
            "<rect class=\"hover\" x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\"><title>\(PageText.escape(title))</title></rect>"
    }

    /// A legend along the top: a coloured square and a name for each entry, from `x` on;
    /// returns where the next entry would go.
    @discardableResult
    mutating func legend(_ entries: [(name: String, color: String)], x: Double) -> Double {
        var x = x
        for entry in entries {
            rect(x: x, y: 6, width: 12, height: 12, fill: entry.color, radius: 2)
            text(entry.name, x: x + 17, y: 16, anchor: "start", className: "legend")
            x += 30 + Double(entry.name.count) * 7.5
        }
        return x
    }

    /// Raw SVG that the caller built from escaped parts.
    mutating func append(raw: String) {
        body += raw
    }

    /// The finished `<svg>` element.
    func finish() -> String {
        body + "</svg>"
    }

    private static func points(_ points: [(Double, Double)]) -> String {
        points.map { "\(number($0.0)),\(number($0.1))" }.joined(separator: " ")
    }
}
