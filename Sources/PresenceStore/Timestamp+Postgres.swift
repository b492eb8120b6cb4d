import NIOCore
import PostgresNIO
import PresenceModel

/// A ``Timestamp`` as a bind and in a row: PostgreSQL's binary `timestamptz`, whole
/// microseconds since 2000-01-01T00:00:00Z, so that no microsecond is lost on the way (a
/// `Date` goes through a `Double`).
extension Timestamp: PostgresNonThrowingEncodable, PostgresDecodable, PostgresArrayEncodable, PostgresArrayDecodable {
    /// 2000-01-01T00:00:00Z, PostgreSQL's epoch, in microseconds since 1970.
    static let postgresEpoch: Int64 = 946_684_800_000_000

    public static var psqlType: PostgresDataType { .timestamptz }

    public static var psqlFormat: PostgresFormat { .binary }

    public static var psqlArrayType: PostgresDataType { .timestamptzArray }

    public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeInteger(microsecondsSince1970 - Self.postgresEpoch)
    }

    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer,
        type: PostgresDataType,
        format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard type == .timestamptz || type == .timestamp else { throw PostgresDecodingError.Code.typeMismatch }
        guard format == .binary, buffer.readableBytes == 8, let microseconds = buffer.readInteger(as: Int64.self) else {
            throw PostgresDecodingError.Code.failure
        }
        self.init(microsecondsSince1970: microseconds + Self.postgresEpoch)
    }
}
