import Foundation

extension UUID {
    /// Makes a version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then random bits, so
    /// that ids made later sort later.
    ///
    /// Foundation has no UUIDv7 yet, hence this small generator.
    ///
    /// - Parameter date: The time whose milliseconds lead the UUID.
    public static func version7(at date: Date = Date()) -> UUID {
        version7(at: Timestamp(date))
    }

    /// Makes a version 7 UUID for a time (times before 1970 count as 1970).
    ///
    /// - Parameter time: The time whose milliseconds lead the UUID.
    public static func version7(at time: Timestamp) -> UUID {
        var generator = SystemRandomNumberGenerator()
        return version7(at: time, using: &generator)
    }

    /// Makes a version 7 UUID whose random bits come from `generator`: a seeded generator
    /// gives reproducible ids.
    ///
    /// - Parameters:
    ///   - time: The time whose milliseconds lead the UUID.
    ///   - generator: The source of the 74 random bits.
    public static func version7(at time: Timestamp, using generator: inout some RandomNumberGenerator) -> UUID {
        let millis = UInt64(max(0, time.microsecondsSince1970 / 1000)) & 0xFFFF_FFFF_FFFF
        let random = generator.next() as UInt64
        let more = generator.next() as UInt64
        let high = (millis << 16) | 0x7000 | (random & 0x0FFF)
        let low = (more & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return UUID(
            uuid: (
                UInt8(truncatingIfNeeded: high >> 56), UInt8(truncatingIfNeeded: high >> 48),
                UInt8(truncatingIfNeeded: high >> 40), UInt8(truncatingIfNeeded: high >> 32),
                UInt8(truncatingIfNeeded: high >> 24), UInt8(truncatingIfNeeded: high >> 16),
                UInt8(truncatingIfNeeded: high >> 8), UInt8(truncatingIfNeeded: high),
                UInt8(truncatingIfNeeded: low >> 56), UInt8(truncatingIfNeeded: low >> 48),
                UInt8(truncatingIfNeeded: low >> 40), UInt8(truncatingIfNeeded: low >> 32),
                UInt8(truncatingIfNeeded: low >> 24), UInt8(truncatingIfNeeded: low >> 16),
                UInt8(truncatingIfNeeded: low >> 8), UInt8(truncatingIfNeeded: low)
            )
        )
    }
}
