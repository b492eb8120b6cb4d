extension PresenceServer {
    /// How `presence serve` listens and whom it lets in.
    public struct Configuration: Sendable {
        /// The address to bind. Default `127.0.0.1`.
        public var host = "127.0.0.1"
        /// The port. Default 8080.
        public var port = 8080
        /// The bearer token that may write events.
        public var ingestToken: String?
        /// The bearer token that may read: queries, reports, the dashboard and metrics.
        public var readToken: String?
        /// Let every request in without a token; allowed only on a loopback address.
        public var insecureLocal = false
        /// The largest request body accepted, in bytes. Default 8 MiB.
        public var maximumBodyBytes = 8 << 20
        /// The most events one POST may carry. Default 10,000.
        public var maximumEventsPerRequest = 10_000
        /// How long a connection may stay idle (a client that stops sending or reading)
        /// before it is closed. Default 30 seconds.
        public var idleTimeout: Duration = .seconds(30)
        /// How often the dashboard page reloads itself, in whole seconds. Default a minute.
        public var dashboardRefresh: Duration = .seconds(60)
        /// The shortest token accepted, in characters.
        public static let minimumTokenLength = 16

        /// Creates a configuration with the defaults.
        public init() {}
    }
}
