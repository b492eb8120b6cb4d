import Hummingbird
import PostgresNIO
import PresenceReports
import Prometheus

/// `GET /metrics`: every swift-metrics metric of the process in Prometheus's text format
/// (the tracker's counters, the HTTP ingest's, the projector's), with the projector's status
/// read from the database at each scrape.
struct MetricsEndpoint: Sendable {
    let client: PostgresClient
    let registry: PrometheusCollectorRegistry
    private let folded: Gauge
    private let waiting: Gauge
    private let lag: Gauge

    init(client: PostgresClient, registry: PrometheusCollectorRegistry) {
        self.client = client
        self.registry = registry
        folded = registry.makeGauge(name: "presence_projector_folded_events", help: "Events the projector has folded into the projections.")
        waiting = registry.makeGauge(name: "presence_projector_waiting_events", help: "Committed events not folded yet (counted up to 1,000,000).")
        lag = registry.makeGauge(
            name: "presence_projector_lag_seconds",
            help: "Seconds since the oldest event not folded yet happened; 0 when none waits."
        )
    }

    func get(_ request: Request, context: some RequestContext) async throws -> Response {
        let status = try await ProjectorStatus.read(client: client, logger: context.logger)
        folded.set(Double(status.folded))
        waiting.set(Double(status.waiting))
        lag.set(Double(status.lag.wholeMicroseconds) / 1_000_000)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer))
        )
    }
}
