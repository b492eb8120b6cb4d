import Foundation
import NIOCore
import PostgresNIO
import PresenceModel
import PresenceStore

/// One column of a batch as a one-dimensional PostgreSQL array in binary form, so that one
/// `INSERT … SELECT FROM unnest($1, $2, $3, $4)` writes the whole batch with four binds.
///
/// Written by hand because PostgresNIO's array encoding has no NULL elements (an event without
/// a location).
struct ColumnArray: PostgresDynamicTypeEncodable {
    let psqlType: PostgresDataType
    var psqlFormat: PostgresFormat { .binary }
    private let elementType: PostgresDataType
    private let count: Int
    private let hasNull: Bool
    private let elements: ByteBuffer

    /// The events' ids, as `uuid[]`.
    static func ids(of batch: [SeenEvent]) -> ColumnArray {
        ColumnArray(.uuid, .uuidArray, batch, bytesEach: 20) { event, buffer in
            buffer.writeInteger(Int32(16))
            withUnsafeBytes(of: event.id.uuid) { _ = buffer.writeBytes($0) }
            return true
        }
    }

    /// The events' users, as `text[]`.
    static func users(of batch: [SeenEvent]) -> ColumnArray {
        ColumnArray(.text, .textArray, batch, bytesEach: 24) { event, buffer in
            write(event.user, into: &buffer)
            return true
        }
    }

    /// The events' times, as `timestamptz[]`.
    static func times(of batch: [SeenEvent]) -> ColumnArray {
        ColumnArray(.timestamptz, .timestamptzArray, batch, bytesEach: 12) { event, buffer in
            buffer.writeInteger(Int32(8))
            event.at.encode(into: &buffer, context: .default)
            return true
        }
    }

    /// The events' locations, as `text[]`, NULL where an event has none.
    static func locations(of batch: [SeenEvent]) -> ColumnArray {
        ColumnArray(.text, .textArray, batch, bytesEach: 24) { event, buffer in
            guard let location = event.location else {
                buffer.writeInteger(Int32(-1))
                return false
            }
            write(location, into: &buffer)
            return true
        }
    }

    private static func write(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(Int32(text.utf8.count))
        buffer.writeString(text)
    }

    /// Writes each event's element, its length first; `element` returns false for a NULL.
    private init(
        _ elementType: PostgresDataType,
        _ arrayType: PostgresDataType,
        _ batch: [SeenEvent],
        bytesEach: Int,
        element: (SeenEvent, inout ByteBuffer) -> Bool
    ) {
        var elements = ByteBuffer()
        elements.reserveCapacity(batch.count * bytesEach)
        var hasNull = false
        for event in batch {
            let isValue = element(event, &elements)
            hasNull = hasNull || !isValue
        }
        self.psqlType = arrayType
        self.elementType = elementType
        self.count = batch.count
        self.hasNull = hasNull
        self.elements = elements
    }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        // array_recv's layout: dimensions, a has-NULL flag, the element type, then for each
        // dimension its length and lower bound, then the elements.
        buffer.writeInteger(Int32(count == 0 ? 0 : 1))
        buffer.writeInteger(Int32(hasNull ? 1 : 0))
        buffer.writeInteger(elementType.rawValue)
        guard count > 0 else { return }
        buffer.writeInteger(Int32(count))
        buffer.writeInteger(Int32(1))
        buffer.writeImmutableBuffer(elements)
    }
}
