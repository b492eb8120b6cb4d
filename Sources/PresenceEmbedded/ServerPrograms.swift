import Foundation
import PresenceStore
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The PostgreSQL server programs the embedded server uses: `initdb`, `pg_ctl`, and their
/// major version.
struct ServerPrograms: Sendable {
    /// The folder that holds the programs.
    let directory: String
    /// The major version they belong to, for example 15.
    let majorVersion: Int

    var initdb: String { directory + "/initdb" }
    var pgCtl: String { directory + "/pg_ctl" }
    /// Copies a running cluster, for a standby (`pg_basebackup`, in the same folder).
    var pgBasebackup: String { directory + "/pg_basebackup" }

    /// Where Debian and Ubuntu install each major version's server programs.
    static let debianRoot = "/usr/lib/postgresql"

    /// Finds the programs: a cluster's own major version under `/usr/lib/postgresql` first (when
    /// `preferredMajor` is given and installed), then `PATH`, then the newest version under
    /// `/usr/lib/postgresql`.
    ///
    /// - Parameters:
    ///   - preferredMajor: The major version of an existing cluster, if there is one.
    ///   - searchPath: The folders to search, as in `PATH`; by default the process's `PATH`.
    ///   - root: The folder of Debian's per-version installations.
    /// - Throws: ``EmbeddedServerError`` with code ``ErrorCode/serverProgramsMissing`` when no folder
    ///   has both programs.
    static func locate(
        preferredMajor: Int?,
        searchPath: String = ProcessInfo.processInfo.environment["PATH"] ?? "",
        root: String = debianRoot
    ) async throws -> ServerPrograms {
        let fileManager = FileManager.default
        let installed = ((try? fileManager.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init)
            .sorted(by: >)
        var candidates: [String] = []
        if let preferredMajor, installed.contains(preferredMajor) {
            candidates.append("\(root)/\(preferredMajor)/bin")
        }
        candidates += searchPath.split(separator: ":").map(String.init)
        candidates += installed.map { "\(root)/\($0)/bin" }

        for directory in candidates {
            let initdb = directory + "/initdb"
            let pgCtl = directory + "/pg_ctl"
            guard fileManager.isExecutableFile(atPath: initdb), fileManager.isExecutableFile(atPath: pgCtl) else {
                continue
            }
            if let major = await Self.majorVersion(of: pgCtl) {
                return ServerPrograms(directory: directory, majorVersion: major)
            }
        }
        throw EmbeddedServerError(
            .serverProgramsMissing,
            "PostgreSQL's server programs (initdb, pg_ctl) are not installed: install them (on Debian or Ubuntu: apt-get install postgresql), or set DATABASE_URL to a server you have."
        )
    }

    /// The major version `pg_ctl --version` reports, for example 15 for
    /// "pg_ctl (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)".
    private static func majorVersion(of pgCtl: String) async -> Int? {
        guard let result = try? await Subprocess.run(.path(FilePath(pgCtl)), arguments: ["--version"], output: .string(limit: 4096)),
            let range = result.standardOutput.range(of: "(PostgreSQL) ")
        else { return nil }
        return Int(result.standardOutput[range.upperBound...].prefix { $0.isNumber })
    }
}
