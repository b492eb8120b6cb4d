import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A program of this package (the `presence` command, an example application) run as a child
/// process, so that a test can signal or kill it as an operating system would.
public final class ChildProcess: @unchecked Sendable {
    /// The program was not found where SwiftPM builds it.
    public struct NotBuilt: Error, CustomStringConvertible {
        var program: String
        var looked: [String]
        public var description: String {
            "the \(program) program is not built (looked at \(looked.joined(separator: ", "))): run swift build --build-tests first\(program == "presence" ? ", or set PRESENCE_BINARY" : "")"
        }
    }

    /// How the process ended.
    public enum Ending: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        public var description: String {
            switch self {
            case .exited(let status): "exited with status \(status)"
            case .signaled(let signal): "killed by signal \(signal)"
            }
        }
    }

    private let process = Process()
    private let ended: AsyncStream<Ending>
    /// Where its standard output and error go.
    public let outputFile: String

    /// The program `name` of this package: for `presence`, `$PRESENCE_BINARY` when set; else
    /// beside the test bundle (SwiftPM puts every product of a build in one folder), else in
    /// the package's `.build/debug`.
    static func program(named name: String, filePath: String = #filePath) throws -> String {
        var candidates: [String] = []
        if name == "presence", let path = ProcessInfo.processInfo.environment["PRESENCE_BINARY"], !path.isEmpty {
            candidates.append(path)
        }
        if let bundle = Bundle.main.executableURL?.deletingLastPathComponent() {
            candidates.append(bundle.appending(path: name).path(percentEncoded: false))
        }
        let package = URL(filePath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(package.appending(path: ".build/debug/\(name)").path(percentEncoded: false))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw NotBuilt(program: name, looked: candidates)
        }
        return found
    }

    /// Starts a program of this package with `arguments`, its output going to `outputFile`,
    /// in `environment` (by default this process's).
    ///
    /// - Parameters:
    ///   - program: The program's name. Default: `presence`.
    ///   - arguments: Its arguments.
    ///   - outputFile: Where its standard output and error go.
    ///   - environment: Its environment; `nil` for this process's.
    public init(program: String = "presence", _ arguments: [String], outputFile: String, environment: [String: String]? = nil) throws {
        self.outputFile = outputFile
        process.executableURL = URL(filePath: try Self.program(named: program))
        process.arguments = arguments
        if let environment { process.environment = environment }
        _ = FileManager.default.createFile(atPath: outputFile, contents: nil)
        let output = try FileHandle(forWritingTo: URL(filePath: outputFile))
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let (ended, ending) = AsyncStream<Ending>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.ended = ended
        process.terminationHandler = { process in
            try? output.close()
            switch process.terminationReason {
            case .exit: ending.yield(.exited(process.terminationStatus))
            case .uncaughtSignal: ending.yield(.signaled(process.terminationStatus))
            @unknown default: ending.yield(.exited(process.terminationStatus))
            }
            ending.finish()
        }
        try process.run()
    }

    /// Whether the process still runs.
    public var isRunning: Bool { process.isRunning }

    /// The process id.
    public var id: Int32 { process.processIdentifier }

    /// Sends the process a signal (`SIGKILL`: no handler, no cleanup, sockets closed by the kernel).
    public func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to end.
    public func ending() async -> Ending {
        for await ending in ended { return ending }
        return .exited(process.terminationStatus)
    }

    /// What the process printed so far.
    public var output: String {
        (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
    }
}
