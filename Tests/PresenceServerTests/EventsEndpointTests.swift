import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import PresenceIngest
import PresenceServer
import PresenceTestSupport
import Prometheus
import ServiceLifecycle
import Testing

/// `POST /v1/events`.
@Suite("POST /v1/events")
struct EventsEndpointTests {
    static let json: HTTPFields = TestTokens.ingestHeaders + [.contentType: "application/json"]
    static let lines: HTTPFields = TestTokens.ingestHeaders + [.contentType: "application/x-ndjson"]

    @Test("a JSON array: good events stored once, the duplicate counted, bad ones rejected by index")
    func array() async throws {
        try await withServer { database, client in
            let body = """
                [{"id":"0191a3b0-0000-7000-8000-000000000001","user":"alice","at":"2026-03-29T10:00:00Z","location":"/a"},
                 {"user":"","at":"2026-03-29T10:00:00Z"},
                 {"id":"0191a3b0-0000-7000-8000-000000000001","user":"alice","at":"2026-03-29T10:00:00Z","location":"/a"},
                 {"user":"bob","at":1774778400},
                 {"user":"carol"},
                 7,
                 {"user":"dave","at":"3026-01-01T00:00:00Z"}]
                """
            let response = try await client.execute(uri: "/v1/events", method: .post, headers: Self.json, body: .text(body))
            #expect(response.status == .ok)
            let future = try #require(try rejectionReason(response, index: 6))
            #expect(future.hasPrefix("the time lies ") && future.hasSuffix(" s ahead of the clock, more than the allowed skew of 300 s"))
            #expect(
                response.text == """
                    {"stored":2,"duplicates":1,"rejected":4,"rejections":[\
                    {"index":1,"code":"empty_user","reason":"the user is empty"},\
                    {"index":4,"code":"malformed","reason":"the field 'at' is missing"},\
                    {"index":5,"code":"malformed","reason":"the event is not a JSON object"},\
                    {"index":6,"code":"time_in_future","reason":"\(future)"}]}

                    """
            )
            #expect(try await TestDatabase.eventCount(database) == 2)

            // The same body again stores nothing: alice by her id, bob by the id derived from
            // his event's content.
            let again = try await client.execute(uri: "/v1/events", method: .post, headers: Self.json, body: .text(body))
            #expect(again.text.hasPrefix(#"{"stored":0,"duplicates":3,"rejected":4"#))
            #expect(try await TestDatabase.eventCount(database) == 2)
        }
    }

    func rejectionReason(_ response: TestResponse, index: Int) throws -> String? {
        let object = try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any]
        let rejections = object?["rejections"] as? [[String: Any]]
        return rejections?.first { $0["index"] as? Int == index }?["reason"] as? String
    }

    @Test("JSON Lines: blank lines skipped, a bad line rejected by its index, the rest stored")
    func jsonLines() async throws {
        try await withServer { database, client in
            let body = "{\"user\":\"alice\",\"at\":\"2026-03-29T10:00:00Z\"}\r\n\n{not json}\n{\"user\":\"bob\",\"at\":\"2026-03-29T10:01:00Z\"}"
            let response = try await client.execute(uri: "/v1/events", method: .post, headers: Self.lines, body: .text(body))
            #expect(response.status == .ok)
            #expect(
                response.text
                    == #"{"stored":2,"duplicates":0,"rejected":1,"rejections":[{"index":2,"code":"malformed","reason":"the line is not valid JSON"}]}"#
                    + "\n"
            )
            #expect(try await TestDatabase.eventCount(database) == 2)
        }
    }

    @Test("malformed JSON and a wrong content type are 400; too large a body or too many events 413")
    func badBodies() async throws {
        var configuration = testConfiguration()
        configuration.maximumBodyBytes = 1_000
        configuration.maximumEventsPerRequest = 2
        try await withServer(configuration: configuration) { database, client in
            let malformed = try await client.execute(uri: "/v1/events", method: .post, headers: Self.json, body: .text("[{\"user\":"))
            #expect(malformed.status == .badRequest)
            #expect(malformed.text.hasPrefix(#"{"error":"The body is not a JSON array of events"#))
            let object = try await client.execute(uri: "/v1/events", method: .post, headers: Self.json, body: .text("{}"))
            #expect(object.status == .badRequest)

            let text = try await client.execute(
                uri: "/v1/events",
                method: .post,
                headers: TestTokens.ingestHeaders + [.contentType: "text/plain"],
                body: .text("[]")
            )
            #expect(text.status == .badRequest)
            #expect(text.text.contains("is not accepted: send a JSON array as application/json"))
            let none = try await client.execute(uri: "/v1/events", method: .post, headers: TestTokens.ingestHeaders, body: .text("[]"))
            #expect(none.status == .badRequest)

            let big = try await client.execute(
                uri: "/v1/events",
                method: .post,
                headers: Self.json,
                body: .text("[" + String(repeating: " ", count: 2_000) + "]")
            )
            #expect(big.status == .contentTooLarge)
            #expect(big.text.hasPrefix(#"{"error":"#))
            let event = #"{"user":"u","at":"2026-03-29T10:00:00Z"}"#
            let many = try await client.execute(
                uri: "/v1/events",
                method: .post,
                headers: Self.json,
                body: .text("[\(event),\(event),\(event)]")
            )
            #expect(many.status == .contentTooLarge)
            #expect(many.text.contains("at most 2 events and this one has 3"))
            #expect(try await TestDatabase.eventCount(database) == 0)
        }
    }

    @Test("user text that looks like SQL is stored as text")
    func sqlLookingText() async throws {
        try await withServer { database, client in
            let user = "x'); DROP TABLE seen_events; --"
            let body = #"[{"user":"x'); DROP TABLE seen_events; --","at":"2026-03-29T10:00:00Z","location":"\\\"; DELETE FROM presence_current"}]"#
            let response = try await client.execute(uri: "/v1/events", method: .post, headers: Self.json, body: .text(body))
            #expect(response.text.hasPrefix(#"{"stored":1,"#))
            let rows = try await database.query("SELECT user_id, location FROM seen_events", logger: TestDatabase.logger).collect()
            let (stored, location) = try #require(rows.first).decode((String, String?).self)
            #expect(stored == user)
            #expect(location == "\\\"; DELETE FROM presence_current")
        }
    }

    @Test("?buffered=true answers 202 at once; a graceful shutdown writes the buffered events")
    func bufferedDrainsOnShutdown() async throws {
        try await TestDatabase.withFresh { database, _ in
            var trackerConfiguration = PresenceTracker.Configuration()
            trackerConfiguration.maximumBatchAge = .seconds(3_600)  // only the shutdown flushes
            let tracker = PresenceTracker(client: database, configuration: trackerConfiguration, logger: TestDatabase.logger)
            let server = try PresenceServer(
                configuration: testConfiguration(),
                client: database,
                tracker: tracker,
                registry: PrometheusCollectorRegistry(),
                logger: TestDatabase.logger
            )
            let application = server.makeApplication(services: [tracker])
            try await application.test(.live) { client in
                let body = #"[{"user":"alice","at":"2026-03-29T10:00:00Z"},{"user":"bob","at":"2026-03-29T10:00:01Z"},{"user":""}]"#
                let response = try await client.execute(
                    uri: "/v1/events?buffered=true",
                    method: .post,
                    headers: Self.json,
                    body: .text(body)
                )
                #expect(response.status == .accepted)
                #expect(response.text.hasPrefix(#"{"accepted":2,"rejected":1,"#))
                #expect(try await TestDatabase.eventCount(database) == 0)
            }
            #expect(try await TestDatabase.eventCount(database) == 2)
            #expect(tracker.statistics.stored == 2)
        }
    }
}
