import Testing

/// The fault tests (issue 7). Each starts a PostgreSQL server of its own, breaks something on
/// purpose in the middle of the work, and checks afterwards that every event that was
/// accepted and not counted as dropped is in the log exactly once, and that the projections
/// equal a rebuild from the log. They run one at a time, so that no two fight over the
/// machine's two cores while a server recovers.
@Suite("Faults", .serialized)
struct FaultTests {}
