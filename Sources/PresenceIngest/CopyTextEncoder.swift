import Foundation
import NIOCore
import PresenceModel

/// Writes events as rows of PostgreSQL's COPY text format: `id`, `user_id`, `at`, `location`,
/// tab-separated, one row per line, `\N` for a missing location.
///
/// In text format a backslash starts an escape and tab, newline and carriage return end a
/// field or row, so those four are escaped in every text value; every other byte, any UTF-8,
/// passes through and round-trips exactly.
enum CopyTextEncoder {
    /// The columns the rows fill, in order.
    static let columns = ["id", "user_id", "at", "location"]

    /// Appends one row per event.
    static func encode(_ events: [SeenEvent], into buffer: inout ByteBuffer) {
        for event in events {
            appendUUID(event.id, to: &buffer)
            buffer.writeInteger(UInt8(ascii: "\t"))
            appendEscaped(event.user, to: &buffer)
            buffer.writeInteger(UInt8(ascii: "\t"))
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: RFC3339.maximumLength) {
                RFC3339.write(event.microseconds, into: $0)
            }
            buffer.writeInteger(UInt8(ascii: "\t"))
            if let location = event.location {
                appendEscaped(location, to: &buffer)
            } else {
                buffer.writeStaticString("\\N")
            }
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
    }

    static func appendEscaped(_ text: String, to buffer: inout ByteBuffer) {
        let needsEscape = { (byte: UInt8) in
            byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
        }
        // Most values need no escape: write them in one piece.
        if !(text.utf8.withContiguousStorageIfAvailable { $0.contains(where: needsEscape) } ?? true) {
            buffer.writeString(text)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func appendUUID(_ id: UUID, to buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 36) { output in
            withUnsafeBytes(of: id.uuid) { bytes in
                var index = 0
                for (position, byte) in bytes.enumerated() {
                    if position == 4 || position == 6 || position == 8 || position == 10 {
                        output[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    output[index] = hexDigits[Int(byte >> 4)]
                    output[index + 1] = hexDigits[Int(byte & 0x0F)]
                    index += 2
                }
            }
            return 36
        }
    }
}
