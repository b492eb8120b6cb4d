import Logging
import PostgresNIO
import PresenceModel
import PresenceStore
import PresenceTestSupport
import Testing

@Suite("Timestamps to and from PostgreSQL")
struct TimestampBindingTests {
    @Test("a bind and a row keep every microsecond, from year 0001 to 9999, and arrays too")
    func roundTrip() async throws {
        let times = [
            Timestamp.earliest, Timestamp(microsecondsSince1970: -1), Timestamp(microsecondsSince1970: 0),
            Timestamp(rfc3339: "2000-01-01T00:00:00Z")!, Timestamp(rfc3339: "1999-12-31T23:59:59.999999Z")!,
            Timestamp(rfc3339: "2026-03-29T01:10:00.000001Z")!, Timestamp(rfc3339: "9999-12-31T23:59:59.999999Z")!,
        ]
        try await TestDatabase.withFresh { client, _ in
            for time in times {
                // PostgreSQL's own text of the bound value, read independently of the codec.
                let rows = try await client.query(
                    "SELECT \(time), to_char(\(time) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')",
                    logger: TestDatabase.logger
                ).collect()
                let (read, text) = try #require(rows.first).decode((Timestamp, String).self)
                #expect(read == time)
                let written = String(time.rfc3339.dropLast())  // without its Z
                #expect(text == (written.count == 19 ? written + ".000000" : written))
            }
            let rows = try await client.query("SELECT \(times)::timestamptz[]", logger: TestDatabase.logger).collect()
            #expect(try #require(rows.first).decode([Timestamp].self) == times)
        }
    }
}
