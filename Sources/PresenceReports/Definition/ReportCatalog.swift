/// The reports every front end offers.
public enum ReportCatalog {
    /// The reports of a range, in the order help texts list them: `presence report NAME` and
    /// `GET /v1/reports/NAME`.
    public static let ranges: [any ReportDefinition.Type] = [
        ActivityReport.self, SessionsReport.self, ActiveUsersReport.self, HourByWeekdayReport.self, ConcurrencyReport.self,
        RetentionReport.self, LifecycleReport.self,
    ]

    /// The report of a range named `name`, if there is one.
    public static func range(named name: String) -> (any ReportDefinition.Type)? {
        ranges.first { $0.name == name }
    }
}
