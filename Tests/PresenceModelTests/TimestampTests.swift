import Foundation
import PresenceModel
import Testing

@Suite("Timestamps")
struct TimestampTests {
    @Test("RFC 3339 in and out, to the microsecond, in the years 0001 to 9999")
    func rfc3339() {
        let cases: [(String, Int64, String)] = [
            ("2026-03-29T02:40:00.000001+02:00", 1_774_744_800_000_001, "2026-03-29T00:40:00.000001Z"),
            ("1969-12-31T23:59:59.999999Z", -1, "1969-12-31T23:59:59.999999Z"),
            ("0001-01-01T00:00:00Z", -62_135_596_800_000_000, "0001-01-01T00:00:00Z"),
            ("9999-12-31T23:59:59.999999Z", 253_402_300_799_999_999, "9999-12-31T23:59:59.999999Z"),
        ]
        for (text, microseconds, written) in cases {
            let time = Timestamp(rfc3339: text)
            #expect(time?.microsecondsSince1970 == microseconds, "\(text)")
            #expect(time?.rfc3339 == written)
            #expect(time?.description == written)
            #expect(time?.isInWrittenYears == true)
        }
        #expect(Timestamp(rfc3339: "2026-02-29T00:00:00Z") == nil)
        #expect(Timestamp.earliest.rfc3339 == "0001-01-01T00:00:00Z")
        #expect(!Timestamp.latest.isInWrittenYears)
        #expect(!Timestamp(microsecondsSince1970: Timestamp.earliest.microsecondsSince1970 - 1).isInWrittenYears)
    }

    @Test("a Date rounds to the nearest microsecond; one that is no time becomes the invalid timestamp")
    func dates() {
        #expect(Timestamp(Date(timeIntervalSince1970: 1.0000004)).microsecondsSince1970 == 1_000_000)
        #expect(Timestamp(Date(timeIntervalSince1970: 1.0000006)).microsecondsSince1970 == 1_000_001)
        #expect(Timestamp(Date(timeIntervalSince1970: -0.25)).microsecondsSince1970 == -250_000)
        let now = Timestamp(microsecondsSince1970: 1_796_083_200_123_456)
        #expect(Timestamp(now.date) == now)
        #expect(Timestamp(Date(timeIntervalSince1970: .infinity)) == .invalid)
        #expect(Timestamp(Date(timeIntervalSince1970: .nan)) == .invalid)
        #expect(!Timestamp.invalid.isInWrittenYears)
    }

    @Test("order, and spans added and between, to the microsecond")
    func arithmetic() {
        let start = Timestamp(rfc3339: "2026-10-25T00:59:59.999999Z")!
        let later = start + .microseconds(1)
        #expect(later.rfc3339 == "2026-10-25T01:00:00Z")
        #expect(start < later && !(later < start))
        #expect(later - start == .microseconds(1))
        #expect(start - later == .microseconds(-1))
        #expect(later - .seconds(3_600) == Timestamp(rfc3339: "2026-10-25T00:00:00Z"))
        #expect(start + .nanoseconds(999) == start)
        #expect([later, start].sorted() == [start, later])
    }
}
