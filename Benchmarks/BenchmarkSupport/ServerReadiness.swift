import AsyncHTTPClient

/// Waits until `presence serve` on 127.0.0.1 at `port` answers `GET /health` with 200,
/// for at most 10 seconds.
///
/// - Throws: ``ServerNotServing`` when it never does.
public func waitUntilServing(_ http: HTTPClient, port: Int) async throws {
    for _ in 0..<200 {
        if let response = try? await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/health"), timeout: .seconds(1)),
            response.status == .ok
        {
            return
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw ServerNotServing(port: port)
}

/// `presence serve` did not start serving in time.
public struct ServerNotServing: Error, CustomStringConvertible {
    /// The port it should have served on.
    public let port: Int

    public var description: String { "presence serve did not start on port \(port)" }
}
