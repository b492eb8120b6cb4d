import Crypto
import Foundation

/// One numbered SQL file of `Migrations/`, shipped inside the library.
///
/// Files are named `NNNN_what_it_does.sql` and applied in the order of their numbers, each in
/// its own transaction. The checksum (SHA-256 of the text) is recorded when a file is applied,
/// so a file changed after the fact is noticed instead of silently differing between databases.
public struct Migration: Sendable, Hashable {
    /// The number the file name starts with.
    public let version: Int
    /// The file name, for example `0001_event_log.sql`.
    public let name: String
    /// The SQL text.
    public let sql: String
    /// The SHA-256 of the SQL text, in lowercase hexadecimal.
    public let checksum: String

    /// Creates a migration from a file name and its text.
    ///
    /// - Throws: ``StoreError`` when the name does not start with a number and `_` or does not
    ///   end in `.sql`.
    public init(name: String, sql: String) throws {
        let digits = name.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let version = Int(digits), name.dropFirst(digits.count).hasPrefix("_"),
            name.hasSuffix(".sql")
        else {
            throw StoreError(
                .migrationFailed,
                "The migration file name '\(name)' does not have the form NNNN_what_it_does.sql; rename it."
            )
        }
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = Self.checksum(of: sql)
    }

    /// The migrations of `Migrations/` that this build of Presence carries, in order.
    ///
    /// - Throws: ``StoreError`` when a file name is malformed or two files share a number.
    public static func bundled() throws -> [Migration] {
        try ordered(EmbeddedMigrations.files.map { try Migration(name: $0.name, sql: $0.sql) })
    }

    /// The SHA-256 of a file's text, in hex: what the database records of each file applied.
    static func checksum(of sql: String) -> String {
        SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Sorts migrations by version and checks that no two share one.
    static func ordered(_ migrations: [Migration]) throws -> [Migration] {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw StoreError(
                .migrationFailed,
                "The migrations \(previous.name) and \(next.name) share the number \(next.version); renumber one."
            )
        }
        return sorted
    }
}
