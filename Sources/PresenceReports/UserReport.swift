/// A report about one user, who may have asked not to be shown (DESIGN.md, "Hidden user"):
/// the operator's command line answers and says so.
public protocol UserReport: Report {
    /// The user.
    var user: String { get }
    /// Whether the user is hidden.
    var hidden: Bool { get }
}

extension LastSeenReport: UserReport {}
extension HistoryReport: UserReport {}
