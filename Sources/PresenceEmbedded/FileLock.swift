import PresenceStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock on a file (`flock`), held for the length of a closure.
///
/// It serializes processes (and tasks of one process, since each opens its own descriptor)
/// that start or stop the same embedded server. The kernel releases it when the process dies,
/// so a crash never leaves it stuck. Foundation and NIO offer no file lock, hence this wrapper.
struct FileLock {
    /// The file that carries the lock; created when missing.
    let path: String

    /// Runs `body` while holding the lock, waiting up to `timeout` for it.
    ///
    /// - Throws: ``EmbeddedServerError`` when the file cannot be opened or the lock stays taken for
    ///   longer than `timeout`; whatever `body` throws.
    func withLock<Result>(timeout: Duration, _ body: () async throws -> Result) async throws -> Result {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw EmbeddedServerError(
                .dataFolderUnusable,
                "Cannot open the lock file \(path): \(String(cString: strerror(errno))); check that the data folder is writable."
            )
        }
        defer { close(descriptor) }
        let deadline = ContinuousClock.now + timeout
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw EmbeddedServerError(.dataFolderUnusable, "Cannot lock \(path): \(String(cString: strerror(errno))).")
            }
            guard ContinuousClock.now < deadline else {
                throw EmbeddedServerError(
                    .dataFolderUnusable,
                    "Another process has held \(path) for over \(timeout); wait for it to finish or stop it."
                )
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await body()
    }
}
