import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import PresenceModel
import PresenceReports
import PresenceServer
import PresenceStore
import PresenceTestSupport
import Testing

/// The read endpoints answer exactly what the library's reports (and so the CLI) answer.
@Suite("GET /v1/… queries and reports, /metrics and /health")
struct QueryEndpointTests {
    let logger = TestDatabase.logger
    func at(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

    /// DESIGN.md's worked example, posted and projected.
    func withExample(_ body: @escaping @Sendable (PostgresClient, any TestClientProtocol) async throws -> Void) async throws {
        try await withServer { database, client in
            let events = """
                [{"user":"alice","at":"2026-03-29T00:10:00Z","location":"/a"},
                 {"user":"alice","at":"2026-03-29T00:40:00Z","location":"/b"},
                 {"user":"alice","at":"2026-03-29T01:10:00.000001Z","location":"/c"},
                 {"id":"0191a3b0-0000-7000-8000-00000000000b","user":"bob","at":"2026-03-29T00:40:00Z","location":"/a"},
                 {"id":"0191a3b0-0000-7000-8000-00000000000b","user":"bob","at":"2026-03-29T00:40:00Z","location":"/a"}]
                """
            let posted = try await client.execute(
                uri: "/v1/events",
                method: .post,
                headers: TestTokens.ingestHeaders + [.contentType: "application/json"],
                body: .text(events)
            )
            #expect(posted.text.hasPrefix(#"{"stored":4,"duplicates":1,"rejected":0"#))
            try await TestDatabase.projectAll(database, count: 4)
            try await body(database, client)
        }
    }

    func get(_ client: any TestClientProtocol, _ uri: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: TestTokens.readHeaders)
    }

    @Test("online, last-seen and history give DESIGN.md's shapes and the worked example's answers")
    func queries() async throws {
        try await withExample { database, client in
            let online = try await get(client, "/v1/online?at=2026-03-29T00:45:00Z&threshold=5m")
            #expect(online.status == .ok)
            #expect(
                online.text
                    == #"{"at":"2026-03-29T00:45:00Z","threshold_seconds":300,"users":[{"user":"alice","last_seen":"2026-03-29T00:40:00Z","location":"/b"},{"user":"bob","last_seen":"2026-03-29T00:40:00Z","location":"/a"}]}"#
                    + "\n"
            )
            let atB = try await get(client, "/v1/online?at=2026-03-29T00:45:00Z&location=/b")
            #expect(atB.text.contains(#""users":[{"user":"alice","last_seen":"2026-03-29T00:40:00Z","location":"/b"}]"#), "\(atB.text)")
            let prefix = try await get(client, "/v1/online?at=2026-03-29T00:45:00Z&location=%2F&match=prefix")
            #expect(prefix.text == online.text)
            let locations = try await get(client, "/v1/locations?at=2026-03-29T00:45:00Z&limit=1")
            #expect(locations.text == #"{"at":"2026-03-29T00:45:00Z","threshold_seconds":300,"locations":[{"location":"/a","users":1}]}"# + "\n")
            // Who viewed /a that day (a slash in the path's location is %2F): bob last.
            let viewers = try await get(client, "/v1/locations/%2Fa/viewers?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z")
            #expect(
                viewers.text
                    == #"{"location":"/a","from":"2026-03-29T00:00:00Z","to":"2026-03-30T00:00:00Z","viewers":[{"user":"bob","events":1,"last_seen":"2026-03-29T00:40:00Z"},{"user":"alice","events":1,"last_seen":"2026-03-29T00:10:00Z"}]}"#
                    + "\n"
            )
            let excluded = try await get(client, "/v1/locations/%2Fa/viewers?from=2026-03-29T00:00:00Z&exclude=bob&limit=5")
            #expect(excluded.text.contains(#""viewers":[{"user":"alice","events":1,"last_seen":"2026-03-29T00:10:00Z"}]}"#), "\(excluded.text)")
            let concurrency = try await get(client, "/v1/reports/concurrency?from=2026-03-29T00:00:00Z&to=2026-03-29T02:00:00Z")
            #expect(
                concurrency.text.hasPrefix(
                    #"{"bucket":"hour","tz":"UTC","threshold_seconds":300,"rows":[{"start":"2026-03-29T00:00:00Z","peak":2,"peak_at":"2026-03-29T00:40:00Z","#
                ),
                "\(concurrency.text)"
            )
            // Berlin's days: alice and bob are new on 2026-03-29 (23 hours), gone the day after.
            let lifecycle = try await get(
                client,
                "/v1/reports/lifecycle?from=2026-03-28T00:00:00Z&to=2026-03-30T00:00:00Z&period=day&tz=Europe/Berlin"
            )
            #expect(
                lifecycle.text
                    == #"{"period":"day","tz":"Europe/Berlin","rows":[{"start":"2026-03-27T23:00:00Z","new":0,"returning":0,"resurrecting":0,"dormant":0},"#
                    + #"{"start":"2026-03-28T23:00:00Z","new":2,"returning":0,"resurrecting":0,"dormant":0},"#
                    + #"{"start":"2026-03-29T22:00:00Z","new":0,"returning":0,"resurrecting":0,"dormant":-2}]}"# + "\n"
            )
            // The same days as cohorts, to the end of the 30th: both came on the 29th, none back.
            let cohorts = "/v1/reports/retention?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z&period=day&tz=Europe/Berlin"
            let retention = try await get(client, cohorts + "&as_of=2026-03-30T21:59:59Z")
            #expect(
                retention.text
                    == #"{"period":"day","tz":"Europe/Berlin","as_of":"2026-03-30T21:59:59Z","cohorts":["#
                    + #"{"start":"2026-03-28T23:00:00Z","size":2,"retained":[2,0],"complete":1},"#
                    + #"{"start":"2026-03-29T22:00:00Z","size":0,"retained":[0],"complete":0}]}"# + "\n"
            )
            let cell = try await get(client, cohorts + "&as_of=2026-03-30T21:59:59Z&users=2026-03-28T23:00:00Z,0")
            #expect(cell.text.hasSuffix(#""start":"2026-03-28T23:00:00Z","end":"2026-03-29T22:00:00Z","users":["alice","bob"]}"# + "\n"))
            let outside = try await get(client, cohorts + "&as_of=2026-03-30T21:59:59Z&users=2026-03-28T23:00:00Z,2")
            #expect(outside.status == .badRequest && outside.text.contains("is not in the triangle"), "\(outside.text)")
            let nobody = try await get(client, "/v1/online?at=2026-03-29T00:45:00.000001Z")
            #expect(nobody.text.contains(#""users":[]"#))

            let alice = try await get(client, "/v1/users/alice/last-seen?as_of=2026-03-29T01:00:00Z")
            #expect(alice.text == #"{"user":"alice","as_of":"2026-03-29T01:00:00Z","last_seen":"2026-03-29T00:40:00Z","location":"/b"}"# + "\n")
            let carol = try await get(client, "/v1/users/carol/last-seen?as_of=2026-03-29T01:00:00Z")
            #expect(carol.status == .ok)
            #expect(carol.text.contains(#""last_seen":null,"location":null"#))

            let history = try await get(client, "/v1/users/alice/history")
            let expected = try await HistoryReport.run(
                user: "alice",
                from: .earliest,
                to: .latest,
                client: database,
                logger: logger
            )
            #expect(history.text == expected.json + "\n")
            let unknown = try await get(client, "/v1/users/carol/history")
            #expect(unknown.status == .notFound)
            #expect(unknown.text.hasPrefix(#"{"error":"No events of the user \"carol\""#))
        }
    }

    @Test("a user id with special characters is percent-decoded from the path")
    func encodedUser() async throws {
        try await withServer { database, client in
            let posted = try await client.execute(
                uri: "/v1/events",
                method: .post,
                headers: TestTokens.ingestHeaders + [.contentType: "application/json"],
                body: .text(#"[{"user":"a b/ü?","at":"2026-03-29T00:10:00Z"}]"#)
            )
            #expect(posted.text.hasPrefix(#"{"stored":1"#))
            let response = try await get(client, "/v1/users/a%20b%2F%C3%BC%3F/last-seen?as_of=2026-03-29T01:00:00Z")
            #expect(response.text.hasPrefix(#"{"user":"a b/ü?","as_of":"2026-03-29T01:00:00Z","last_seen":"2026-03-29T00:10:00Z""#))
        }
    }

    @Test("a hidden user is left out of online and viewers; their last seen is null and their history 404, as for a user never seen")
    func hiddenUser() async throws {
        try await withExample { database, client in
            try await Privacy.hide("alice", client: database, logger: TestDatabase.logger)
            let online = try await get(client, "/v1/online?at=2026-03-29T00:45:00Z")
            #expect(online.text.contains(#""users":[{"user":"bob""#) && !online.text.contains("alice"))
            let viewers = try await get(client, "/v1/locations/%2Fa/viewers?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z")
            #expect(!viewers.text.contains("alice"))
            let lastSeen = try await get(client, "/v1/users/alice/last-seen?as_of=2026-03-29T01:00:00Z")
            #expect(lastSeen.status == .ok)
            #expect(lastSeen.text == #"{"user":"alice","as_of":"2026-03-29T01:00:00Z","last_seen":null,"location":null}"# + "\n")
            let history = try await get(client, "/v1/users/alice/history?from=2026-03-29T00:00:00Z")
            let never = try await get(client, "/v1/users/carol/history?from=2026-03-29T00:00:00Z")
            #expect(history.status == .notFound && history.text == never.text.replacingOccurrences(of: "carol", with: "alice"))
        }
    }

    @Test("every report answers as the library does")
    func reports() async throws {
        try await withExample { database, client in
            let range = "from=2026-03-29T00:00:00Z&to=2026-03-29T02:00:00Z"
            let from = at("2026-03-29T00:00:00Z")
            let to = at("2026-03-29T02:00:00Z")
            let activity = try await get(client, "/v1/reports/activity?\(range)&bucket=day&tz=Europe/Berlin")
            let expectedActivity = try await ActivityReport.run(
                from: from,
                to: to,
                bucket: .day,
                timeZone: "Europe/Berlin",
                client: database,
                logger: logger
            )
            #expect(activity.text == expectedActivity.json + "\n")
            #expect(activity.text.contains(#""rows":[{"start":"2026-03-28T23:00:00Z","events":4,"users":2}]"#))

            let sessions = try await get(client, "/v1/reports/sessions?\(range)&gap=30m")
            #expect(
                sessions.text.hasPrefix(
                    #"{"gap_seconds":1800,"from":"2026-03-29T00:00:00Z","to":"2026-03-29T02:00:00Z","count":3,"mean_seconds":600,"p50_seconds":0,"p90_seconds":1440,"p99_seconds":1764,"#
                )
            )

            let active = try await get(client, "/v1/reports/active-users?\(range)&tz=UTC")
            let expectedActive = try await ActiveUsersReport.run(from: from, to: to, timeZone: "UTC", client: database, logger: logger)
            #expect(active.text == expectedActive.json + "\n")

            let rhythm = try await get(client, "/v1/reports/hour-by-weekday?\(range)")
            #expect(rhythm.status == .ok)
            #expect(rhythm.text.contains(#"{"weekday":7,"hour":0,"events":3,"users":2}"#))
        }
    }

    @Test("bad parameters are 400 with one sentence; an unknown report is 400")
    func badParameters() async throws {
        try await withServer { _, client in
            let cases: [(String, String)] = [
                ("/v1/reports/nope?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z", "There is no report \\\"nope\\\""),
                ("/v1/reports/activity?to=2026-03-30T00:00:00Z", "The parameter from is missing"),
                ("/v1/reports/activity?from=yesterday&to=2026-03-30T00:00:00Z", "The parameter from=\\\"yesterday\\\" is not an RFC 3339 time"),
                // In the API's own words: its parameters, not the command line's flags.
                ("/v1/reports/activity?from=2026-03-30T00:00:00Z&to=2026-03-29T00:00:00Z", "The range is empty: from must be before to."),
                (
                    "/v1/reports/activity?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z&tz=Mars/Olympus",
                    "The time zone \\\"Mars/Olympus\\\" is unknown"
                ),
                ("/v1/reports/activity?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z&bucket=month", "bucket=\\\"month\\\" is unknown"),
                ("/v1/reports/lifecycle?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z&period=year", "period=\\\"year\\\" is unknown"),
                ("/v1/reports/retention?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z&users=2026-03-29T00:00:00Z", "is no cell"),
                ("/v1/reports/retention?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z&users=2026-03-29T00:00:00Z,-1", "is no cell"),
                ("/v1/reports/retention?from=2016-03-29T00:00:00Z&to=2026-03-30T00:00:00Z&period=day", "more than the 100000 a report lists"),
                ("/v1/reports/sessions?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z&gap=0m", "is not a duration"),
                ("/v1/online?threshold=-5m", "is not a duration"),
                ("/v1/online?at=2026-13-01T00:00:00Z", "is not an RFC 3339 time"),
                ("/v1/online?location=/a&match=suffix", "match=\\\"suffix\\\" is unknown: use exact or prefix."),
                ("/v1/online?location=%00", "cannot be one: a location has at most 2048 bytes of UTF-8 and no NUL."),
                ("/v1/online?location=" + String(repeating: "x", count: 2049), "cannot be one"),
                ("/v1/locations?limit=0", "limit=\\\"0\\\" is not a whole number from 1 to 100000."),
                ("/v1/locations?limit=many", "is not a whole number"),
                ("/v1/locations/%2Fa/viewers", "The parameter from is missing"),
                ("/v1/locations/%2Fa/viewers?from=2026-03-29T00:00:00Z&exclude=%00", "cannot be one: a user has at most 256 bytes"),
                ("/v1/locations/%00/viewers?from=2026-03-29T00:00:00Z", "cannot be one: a location has at most 2048 bytes"),
                // Out of range: outside the years 0001 to 9999 (in UTC), or more buckets than a report lists.
                ("/v1/online?at=0000-12-31T23:59:59Z", "at=\\\"0000-12-31T23:59:59Z\\\" lies outside the years 0001 to 9999 in UTC."),
                ("/v1/users/alice/last-seen?as_of=9999-12-31T23:59:59-00:01", "lies outside the years 0001 to 9999"),
                ("/v1/users/alice/history?from=0001-01-01T00:00:00%2B00:01", "lies outside the years 0001 to 9999"),
                ("/v1/reports/activity?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z", "The range holds 87649416 hours"),
                ("/v1/reports/active-users?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z", "The range holds 3652059 days"),
                ("/dashboard?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z", "The range holds 521723 weeks"),
                ("/v1/reports/sessions?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z&gap=99999999999999999999s", "is not a duration"),
                // Time zones no one has: a NUL, bytes that are not UTF-8, SQL.
                ("/v1/reports/activity?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z&tz=UTC%00", "is unknown"),
                ("/v1/reports/hour-by-weekday?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z&tz=%FF%FE", "is unknown"),
                ("/v1/reports/sessions?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z&tz=UTC'%3B%20DROP%20TABLE%20seen_events%3B--", "is unknown"),
            ]
            for (uri, message) in cases {
                let response = try await get(client, uri)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(response.text.hasPrefix(#"{"error":""#) && response.text.contains(message), "\(uri): \(response.text)")
            }
        }
    }

    @Test("/metrics shows the projector's status in Prometheus text; /health says the database answers")
    func metricsAndHealth() async throws {
        try await withExample { _, client in
            let metrics = try await get(client, "/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(metrics.text.contains("# TYPE presence_projector_folded_events gauge\npresence_projector_folded_events 4.0\n"))
            #expect(metrics.text.contains("presence_projector_waiting_events 0.0\n"))
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(
                health.text.hasPrefix(#"{"status":"ok","database":"reachable","projector":{"folded":4,"waiting":0,"lag_seconds":0,"updated_at":""#)
            )
        }
    }
}
