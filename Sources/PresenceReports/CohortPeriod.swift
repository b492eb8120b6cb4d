/// The periods of the cohort reports (DESIGN.md, "Cohorts and lifecycle"): local days, ISO
/// weeks and months, on DESIGN.md's local time edges.
public enum CohortPeriod: String, Sendable, Hashable, CaseIterable {
    /// A local day (23 or 25 hours across a daylight-saving change).
    case day
    /// An ISO week, starting on Monday.
    case week
    /// A local month, from the first moment the clock shows its first date.
    case month

    /// Its shortest length, so that a range's periods are never undercounted.
    var shortest: Duration {
        switch self {
        case .day: .seconds(82_800)
        case .week: .seconds(601_200)
        case .month: .seconds(28 * 86_400 - 3_600)
        }
    }

    /// `period`: day, week or month, `week` when not given.
    static let parameter = ReportParameter(
        "period",
        .choice(allCases.map(\.rawValue)),
        default: .text(CohortPeriod.week.rawValue),
        help: "The period: day, week (ISO, Monday start) or month, in the zone."
    )
}
