import Foundation
import PresenceStore
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The operating-system account that runs the embedded server's programs.
///
/// PostgreSQL refuses to run as root. When this process is root, the programs run as the
/// unprivileged `postgres` account (which Debian's package creates) through `runuser`, and the
/// data folder is handed to that account; otherwise they run as the current user.
struct ServerAccount: Sendable {
    /// The account's name, `postgres` when this process is root.
    let name: String
    /// The account's user and group ids, when the programs must switch to it.
    let switchTo: (uid: uid_t, gid: gid_t)?

    /// The account for this process.
    ///
    /// - Throws: ``EmbeddedServerError`` when the process is root and no `postgres` account exists.
    static func current() throws -> ServerAccount {
        guard geteuid() == 0 else {
            return ServerAccount(name: ProcessInfo.processInfo.userName, switchTo: nil)
        }
        guard let entry = getpwnam("postgres") else {
            throw EmbeddedServerError(
                .noUnprivilegedAccount,
                "PostgreSQL cannot run as root and there is no 'postgres' account to run it as: create one (apt-get install postgresql does), or run as an ordinary user."
            )
        }
        return ServerAccount(name: "postgres", switchTo: (entry.pointee.pw_uid, entry.pointee.pw_gid))
    }

    /// Hands a file or folder to the account, so the server can use it.
    func own(_ path: String) throws {
        guard let (uid, gid) = switchTo else { return }
        guard chown(path, uid, gid) == 0 else {
            throw EmbeddedServerError(
                .dataFolderUnusable,
                "Cannot give \(path) to the '\(name)' account: \(String(cString: strerror(errno)))."
            )
        }
    }

    /// Runs a program as the account and waits for it.
    ///
    /// Foundation's `Process` on Linux learns of a program's end through a descriptor the
    /// program inherits, so it never sees `pg_ctl start` end while the server it leaves behind
    /// holds that descriptor; swift-subprocess waits on the process itself.
    ///
    /// - Parameters:
    ///   - executable: The program's absolute path.
    ///   - arguments: Its arguments.
    ///   - directory: The working directory; it must be readable by the account.
    /// - Returns: The exit status (a signal counts as 128 + its number) and everything the
    ///   program wrote to its standard output and error.
    func run(_ executable: String, _ arguments: [String], in directory: String) async throws -> (status: Int32, output: String) {
        let program = switchTo == nil ? executable : "/usr/sbin/runuser"
        let fullArguments = switchTo == nil ? arguments : ["-u", name, "--", executable] + arguments
        let terminationStatus: TerminationStatus
        let output: String
        do {
            let record = try await Subprocess.run(
                .path(FilePath(program)),
                arguments: Arguments(fullArguments),
                workingDirectory: FilePath(directory),
                output: .string(limit: 1 << 20),
                error: .combinedWithOutput
            )
            terminationStatus = record.terminationStatus
            output = record.standardOutput
        } catch {
            throw EmbeddedServerError(.serverProgramFailed, "Cannot run \(program): \(error).")
        }
        let status: Int32
        switch terminationStatus {
        case .exited(let code): status = code
        case .signaled(let signal): status = 128 + signal
        }
        return (status, output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
