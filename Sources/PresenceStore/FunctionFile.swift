/// A function's definition in `Migrations/Functions/`: one `CREATE OR REPLACE FUNCTION` (with
/// its `COMMENT`, and the `ALTER` that makes it run as its owner when it does), applied again
/// whenever its text changes.
///
/// Migrations are never edited once applied, so a function that a numbered migration defines
/// could only change by copying its whole body into a new migration. A function defined here
/// changes in place; the ``Migrator`` records each file's checksum in `presence_functions`
/// and applies a changed file in the transaction of the last migration it applies (or in a
/// transaction of its own), so that a table and the function that reads it change together.
public struct FunctionFile: Sendable, Hashable {
    /// The file's name, `presence_fold.sql`.
    public let name: String
    /// The file's SQL text.
    public let sql: String
    /// The SHA-256 of ``sql``, in hex.
    public let checksum: String

    /// Describes a function file.
    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
        self.checksum = Migration.checksum(of: sql)
    }

    /// The files of `Migrations/Functions/` compiled into this build, by name.
    public static func bundled() -> [FunctionFile] {
        EmbeddedFunctions.files.map { FunctionFile(name: $0.name, sql: $0.sql) }
    }
}
