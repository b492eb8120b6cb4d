import Foundation

/// A chart's value axis: from 0 to a round maximum in 3 to 6 round steps.
struct ChartScale: Sendable, Hashable {
    /// The top of the axis.
    let maximum: Double
    /// The values that get a grid line and a label, 0 first.
    let ticks: [Double]

    /// An axis that holds `largest`.
    ///
    /// - Parameters:
    ///   - largest: The largest value to show.
    ///   - wholeSteps: Whether steps must be whole numbers (for counts).
    init(largest: Double, wholeSteps: Bool = true) {
        let rough = max(largest, wholeSteps ? 1 : 0.0001) / 5
        let magnitude = pow(10, floor(log10(rough)))
        var step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        if wholeSteps { step = max(1, step.rounded(.up)) }
        let steps = max(1, Int((max(largest, 0) / step).rounded(.up)))
        maximum = Double(steps) * step
        ticks = (0...steps).map { Double($0) * step }
    }

    /// Where `value` lies from 0 (the axis's bottom) to 1 (its top).
    func fraction(_ value: Double) -> Double {
        min(max(value / maximum, 0), 1)
    }
}
