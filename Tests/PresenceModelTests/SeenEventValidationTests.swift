import Foundation
import PresenceModel
import Testing

@Suite("Seen-event validation")
struct SeenEventValidationTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func reason(user: String = "alice", at: Date? = nil, location: String? = "/a") -> RejectionReason.Code? {
        SeenEvent(user: user, at: at ?? now, location: location).validate(receivedAt: now)?.code
    }

    @Test("a plain event is accepted")
    func accepted() {
        #expect(reason() == nil)
        #expect(reason(location: nil) == nil)
    }

    @Test(
        "hostile but legal strings are accepted",
        arguments: ["tab\there", "new\nline", "back\\slash", "quote'\"", "ünï©ødé 🎉", "'); DROP TABLE seen_events; --"]
    )
    func hostileStrings(text: String) {
        #expect(reason(user: text, location: text) == nil)
    }

    @Test("the user must be 1 to 256 bytes of UTF-8 without NUL")
    func userLimits() {
        #expect(reason(user: "") == .emptyUser)
        #expect(reason(user: String(repeating: "é", count: 128)) == nil)  // 256 bytes
        #expect(reason(user: String(repeating: "é", count: 128) + "x") == .userTooLong)  // 257 bytes
        #expect(reason(user: "a\u{0}b") == .nulInUser)
    }

    @Test("the location may hold up to 2048 bytes without NUL")
    func locationLimits() {
        #expect(reason(location: String(repeating: "€", count: 682) + "xx") == nil)  // 2048 bytes
        #expect(reason(location: String(repeating: "€", count: 683)) == .locationTooLong)  // 2049 bytes
        #expect(reason(location: "/a\u{0}") == .nulInLocation)
        #expect(reason(location: "") == nil)
    }

    @Test("a time more than the allowed skew ahead of the clock is rejected")
    func clockSkew() {
        #expect(reason(at: now.addingTimeInterval(300)) == nil)
        #expect(reason(at: now.addingTimeInterval(300.001)) == .timeInFuture)
        #expect(reason(at: now.addingTimeInterval(-86_400 * 365 * 20)) == nil)
        var rules = SeenEvent.Rules()
        rules.allowedClockSkew = .seconds(0)
        #expect(SeenEvent(user: "a", at: now.addingTimeInterval(1)).validate(receivedAt: now, rules: rules)?.code == .timeInFuture)
    }

    @Test("a time outside the years 0001 to 9999 is rejected")
    func timeRange() {
        #expect(reason(at: Date(timeIntervalSince1970: -62_135_596_801)) == .timeOutOfRange)
        #expect(reason(at: Date(timeIntervalSince1970: -62_135_596_800)) == nil)
        #expect(reason(at: Date(timeIntervalSince1970: .nan)) == .timeOutOfRange)
    }

    @Test("every rejection says what is wrong in words")
    func messages() throws {
        let rejection = try #require(SeenEvent(user: String(repeating: "x", count: 300), at: now).validate(receivedAt: now))
        #expect(rejection.description == "the user is 300 bytes long, more than the limit of 256")
        #expect(rejection.code.description == "user_too_long")
    }
}
