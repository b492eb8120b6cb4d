import Foundation
import PresenceModel
import Testing

@Suite("RFC 3339 times")
struct RFC3339Tests {
    @Test(
        "parses to exact microseconds",
        arguments: [
            ("1970-01-01T00:00:00Z", Int64(0)),
            ("2026-03-29T01:10:00.000001Z", 1_774_746_600_000_001),
            ("2026-03-29T00:40:00Z", 1_774_744_800_000_000),
            ("2026-03-29t02:40:00+02:00", 1_774_744_800_000_000),
            ("2026-03-28 19:40:00-05:00", 1_774_744_800_000_000),
            ("2026-03-29T00:40:00.5z", 1_774_744_800_500_000),
            ("2026-03-29T00:40:00.1234565Z", 1_774_744_800_123_457),
            ("2026-03-29T00:40:00.9999996Z", 1_774_744_801_000_000),
            ("1969-12-31T23:59:59.999999Z", -1),
            ("0001-01-01T00:00:00Z", -62_135_596_800_000_000),
            ("9999-12-31T23:59:59.999999Z", 253_402_300_799_999_999),
            ("2024-02-29T12:00:00Z", 1_709_208_000_000_000),
            ("2016-12-31T23:59:60Z", 1_483_228_800_000_000),
        ]
    )
    func parse(text: String, microseconds: Int64) {
        #expect(RFC3339.parse(text) == microseconds)
    }

    @Test(
        "refuses what is not an RFC 3339 time",
        arguments: [
            "", "2026-03-29", "2026-03-29T00:40:00", "2026-03-29T00:40Z", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z", "2026-03-29T24:00:00Z", "2026-03-29T00:60:00Z", "2026-03-29T00:00:61Z",
            "2026-03-29T00:00:00.Z", "2026-03-29T00:00:00+2:00", "2026-03-29T00:00:00+24:00", "2026-03-29T00:00:00Zjunk",
            "26-03-29T00:00:00Z", "２０２６-03-29T00:00:00Z", "1774744800", "2026-03-29T00:00:00 Z",
        ]
    )
    func refuse(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test("formats in UTC with a fraction only when there is one, and round-trips")
    func format() {
        #expect(RFC3339.format(1_774_746_600_000_001) == "2026-03-29T01:10:00.000001Z")
        #expect(RFC3339.format(1_774_744_800_000_000) == "2026-03-29T00:40:00Z")
        #expect(RFC3339.format(-1) == "1969-12-31T23:59:59.999999Z")
        #expect(RFC3339.format(-62_135_596_800_000_000) == "0001-01-01T00:00:00Z")
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: RFC3339.maximumLength)
        for _ in 0..<2000 {
            let value = Int64.random(in: -62_135_596_800_000_000..<253_402_300_800_000_000, using: &generator)
            let text = RFC3339.format(value)
            #expect(RFC3339.parse(text) == value)
            let count = bytes.withUnsafeMutableBytes { RFC3339.write(value, into: $0) }
            #expect(Array(bytes[..<count]) == Array(text.utf8))
        }
    }
}
