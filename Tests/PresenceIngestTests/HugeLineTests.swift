import Foundation
import PostgresNIO
import PresenceIngest
import PresenceModel
import PresenceTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One line of hundreds of megabytes, streamed through a pipe as `presence ingest -` reads
/// standard input: it is rejected as too long without being held, memory stays bounded, and
/// the lines after it are read and stored.
@Suite("A line of hundreds of megabytes", .serialized)
struct HugeLineTests {
    /// The huge line's size: `PRESENCE_HUGE_LINE_MB` MiB, default 300.
    static let megabytes = ProcessInfo.processInfo.environment["PRESENCE_HUGE_LINE_MB"].flatMap { Int($0) } ?? 300
    /// How much the resident memory may grow while it is read: far below the line's size.
    static let allowedGrowth = 64 << 20

    /// Writes `before`, a line of `megabytes` MiB made of `head`, `x`s and `tail`, then `after`,
    /// into a pipe from a thread of its own, a MiB at a time, and closes it.
    /// - Returns: A box that holds, once the pipe is closed, how many bytes were written.
    static func stream(before: String, head: String, tail: String, after: String, into pipe: Pipe) -> Written {
        let handle = pipe.fileHandleForWriting
        let written = Written()
        Thread {
            let chunk = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
            var count = 0
            do {
                try handle.write(contentsOf: Data((before + head).utf8))
                count += (before + head).utf8.count
                for _ in 0..<megabytes {
                    try handle.write(contentsOf: chunk)
                    count += chunk.count
                }
                try handle.write(contentsOf: Data((tail + after).utf8))
                count += (tail + after).utf8.count
            } catch {}
            written.bytes.withLock { $0 = count }  // before the reader can see the end
            try? handle.close()
        }.start()
        return written
    }

    final class Written: Sendable {
        let bytes = Mutex(0)
    }

    @Test(
        "a line of hundreds of MB is rejected with bounded memory, and the lines after it are stored",
        .enabled(if: ResidentMemory.isAvailable),
        arguments: EventImporter.Format.allCases
    )
    func hugeLine(_ format: EventImporter.Format) async throws {
        signal(SIGPIPE, SIG_IGN)  // Should the import stop early, the writer gets an error, not a signal.
        let after = 1_000
        let (header, before, head, tail) =
            format == .csv
            ? ("user,at,location\n", "before,1774744800,/\n", "huge,1774744800,", "\n")
            : ("", #"{"user":"before","at":1774744800}"# + "\n", #"{"user":"huge","at":1774744800,"location":""#, "\"}\n")
        let lines = (0..<after).map {
            format == .csv ? "after-\($0),\(1_774_744_800 + $0),/p" : #"{"user":"after-\#($0)","at":\#(1_774_744_800 + $0),"location":"/p"}"#
        }.joined(separator: "\n")
        try await TestDatabase.withFresh { client, _ in
            let pipe = Pipe()
            var written: Written?
            var rejections: [EventImporter.Rejection] = []
            let clock = ContinuousClock()
            let started = clock.now
            let (statistics, residentBefore, peak) = try await ResidentMemory.peak {
                try await withTracker(client: client) { tracker, _ in
                    written = Self.stream(before: header + before, head: head, tail: tail, after: lines, into: pipe)
                    _ = try await EventImporter(format: format).run(input: pipe.fileHandleForReading, into: tracker) {
                        rejections.append($0)
                    }
                }
            }
            try? pipe.fileHandleForReading.close()
            let elapsed = clock.now - started
            let growth = peak - residentBefore
            print(
                "huge line (\(format.rawValue)): \(Self.megabytes) MiB line read in \(elapsed); resident \(ResidentMemory.mebibytes(residentBefore)) before, peak \(ResidentMemory.mebibytes(peak)) (+\(ResidentMemory.mebibytes(growth)))"
            )
            let hugeLine = format == .csv ? 3 : 2
            let expectedBytes = (header + before + head + tail + lines).utf8.count + (Self.megabytes << 20)
            #expect(written?.bytes.withLock { $0 } == expectedBytes, "the whole input went through the pipe")
            #expect(rejections.map(\.line) == [hugeLine])
            #expect(rejections.first?.reason.description == "the line is longer than 1048576 bytes")
            #expect(statistics.stored == 1 + after && statistics.isBalanced)
            #expect(Set(try await storedEvents(client).map(\.user)).isSuperset(of: ["before", "after-0", "after-\(after - 1)"]))
            #expect(growth < Self.allowedGrowth, "memory grew by \(ResidentMemory.mebibytes(growth)) reading a \(Self.megabytes) MiB line")
        }
    }
}
