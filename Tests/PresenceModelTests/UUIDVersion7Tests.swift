import Foundation
import PresenceModel
import Testing

@Suite("UUIDv7")
struct UUIDVersion7Tests {
    @Test("carries version 7, the RFC variant and the time in milliseconds")
    func layout() {
        let date = Date(timeIntervalSince1970: 1_790_000_000.123)
        let id = UUID.version7(at: date)
        let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
        #expect(bytes[6] >> 4 == 7)
        #expect(bytes[8] >> 6 == 0b10)
        let millis = bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(millis == 1_790_000_000_123)
    }

    @Test("ids made at later milliseconds sort later, and ids are unique")
    func ordering() {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let ids = (0..<1000).map { UUID.version7(at: start.addingTimeInterval(Double($0) / 1000)) }
        let texts = ids.map { $0.uuidString.lowercased() }
        #expect(zip(texts, texts.dropFirst()).allSatisfy { $0 < $1 })
        #expect(Set(ids).count == ids.count)
    }

    @Test("an event without an id gets a UUIDv7 of its time")
    func eventDefault() {
        let event = SeenEvent(user: "alice", at: Date(timeIntervalSince1970: 1_790_000_000))
        #expect(event.id.uuidString.dropFirst(14).first == "7")
    }
}
