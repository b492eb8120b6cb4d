import Benchmark

/// One figure of the growth benchmark, measured for each history; the raw value is the
/// metric's name (letters and underscores, as the influx output keeps them), and
/// Benchmarks/report.py gives each its label.
enum GrowthFigure: String, CaseIterable, Sendable {
    case events = "growth_events"
    case ingest = "growth_ingest"
    case catchUp = "growth_catch_up"
    case idleWakeUp = "growth_idle_wake_up"
    case freshnessP50 = "growth_freshness_p50"
    case freshnessP99 = "growth_freshness_p99"
    case activityHour = "growth_activity_hour"
    case activityDay = "growth_activity_day"
    case sessions = "growth_sessions"
    case sessionsOtherGap = "growth_sessions_other_gap"
    case activeUsers = "growth_active_users"
    case hourByWeekday = "growth_hour_by_weekday"
    case online = "growth_online"
    case concurrencyHour = "growth_concurrency_hour"
    case concurrencyOtherThreshold = "growth_concurrency_other_threshold"
    case viewers = "growth_viewers"
    case concurrencyPacked = "growth_concurrency_packed"
    case viewersPacked = "growth_viewers_packed"
    case lifecycle = "growth_lifecycle"
    case retention = "growth_retention"
    case lastSeenAsOf = "growth_last_seen_as_of"
    case history = "growth_history"
    case projectorStatus = "growth_projector_status"
    case erase = "growth_erase"
    case httpOnline = "growth_http_online"
    case httpLastSeen = "growth_http_last_seen"
    case httpActiveUsers = "growth_http_active_users"
    case rebuildMilliseconds = "growth_rebuild_milliseconds"
    case rebuildRate = "growth_rebuild_rate"
    case bytesPerEvent = "growth_bytes_per_event"
    case logBytesPerEvent = "growth_log_bytes_per_event"
    case activityBytesPerEvent = "growth_activity_bytes_per_event"
    case sessionsBytesPerEvent = "growth_sessions_bytes_per_event"
    case currentBytesPerEvent = "growth_current_bytes_per_event"
    case onlineSpansBytesPerEvent = "growth_online_spans_bytes_per_event"
    case locationVisitsBytesPerEvent = "growth_location_visits_bytes_per_event"

    /// The metric it is reported as.
    var metric: BenchmarkMetric { .custom(rawValue, useScalingFactor: false) }
}
