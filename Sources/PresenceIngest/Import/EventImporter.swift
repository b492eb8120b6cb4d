import Foundation
import PresenceModel

/// Streams events from JSON Lines or CSV input into a ``PresenceTracker``.
///
/// Each line is decoded and validated on its own: a bad line is reported with its number and
/// reason and the lines around it go on. Memory does not grow with the input: lines are read
/// in chunks, and the tracker's buffer makes the reader wait while the database catches up.
public struct EventImporter: Sendable {
    /// The input's format.
    public enum Format: String, Sendable, CaseIterable {
        /// One JSON object per line: `{"id":…, "user":…, "at":…, "location":…}`.
        case jsonLines = "json"
        /// CSV with a header naming the columns `id,user,at,location`.
        case csv
    }

    /// A line that was not imported.
    public struct Rejection: Sendable, Hashable {
        /// The line's number, from 1 (for CSV, the first line of the record).
        public var line: Int
        /// Why it was not imported.
        public var reason: RejectionReason
    }

    /// The input's format.
    public var format: Format
    /// The longest line (CSV: record) accepted, in bytes. Default 1 MiB.
    public var maximumLineLength = 1 << 20

    /// Creates an importer.
    ///
    /// - Parameter format: The input's format.
    public init(format: Format) {
        self.format = format
    }

    /// Reads `input` to its end and records every valid event with `tracker`.
    ///
    /// - Parameters:
    ///   - input: The file or standard input; it is not closed.
    ///   - tracker: The tracker whose flusher writes the events.
    ///   - rejected: Called for every line that is not imported, in order.
    /// - Returns: How many lines were rejected.
    /// - Throws: When the input cannot be read, or a CSV header is invalid (one sentence).
    public func run(
        input: FileHandle,
        into tracker: PresenceTracker,
        rejected: (Rejection) -> Void
    ) async throws -> Int {
        var reader = LineReader(handle: input, maximumLength: maximumLineLength)
        var rejections = 0
        func reject(_ line: Int, _ reason: RejectionReason) {
            rejections += 1
            rejected(Rejection(line: line, reason: reason))
        }
        let tooLong = RejectionReason(.malformed, "the line is longer than \(maximumLineLength) bytes")

        switch format {
        case .jsonLines:
            let decoder = JSONLinesDecoder()
            while let line = try reader.next() {
                if line.isTooLong {
                    reject(line.number, tooLong)
                    continue
                }
                if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                switch decoder.decode(Self.withoutByteOrderMark(line)) {
                case .success(let event):
                    if case .rejected(let reason) = try await tracker.record(event) { reject(line.number, reason) }
                case .failure(let reason):
                    reject(line.number, reason)
                }
            }
        case .csv:
            guard let header = try reader.next() else { return 0 }
            guard !header.isTooLong else { throw ImportError("The CSV header is longer than \(maximumLineLength) bytes.") }
            let decoder = try CSVDecoder(header: Self.withoutByteOrderMark(header))
            while let line = try reader.next() {
                let first = line.number
                var record = line.bytes
                var oversized = line.isTooLong
                // A quoted field may hold line breaks: the record goes on over the next lines.
                var open = CSVDecoder.isIncomplete(record)
                var lineBreak: [UInt8] = line.endedWithCarriageReturn ? [0x0D, 0x0A] : [0x0A]
                while open, let next = try reader.next() {
                    open = open != CSVDecoder.isIncomplete(next.bytes)
                    oversized =
                        oversized || next.isTooLong || record.count + lineBreak.count + next.bytes.count > maximumLineLength
                    if oversized {
                        record.removeAll()  // Keep reading to the record's end, but not its bytes.
                    } else {
                        record.append(contentsOf: lineBreak)  // Inside quotes, the line break is data: kept as sent.
                        record.append(contentsOf: next.bytes)
                    }
                    lineBreak = next.endedWithCarriageReturn ? [0x0D, 0x0A] : [0x0A]
                }
                if oversized {
                    reject(first, tooLong)
                    continue
                }
                if record.isEmpty { continue }
                switch decoder.decode(record) {
                case .success(let event):
                    if case .rejected(let reason) = try await tracker.record(event) { reject(first, reason) }
                case .failure(let reason):
                    reject(first, reason)
                }
            }
        }
        return rejections
    }

    /// The line without a leading UTF-8 byte order mark, which some editors write.
    private static func withoutByteOrderMark(_ line: LineReader.Line) -> [UInt8] {
        guard line.number == 1, line.bytes.starts(with: [0xEF, 0xBB, 0xBF]) else { return line.bytes }
        return Array(line.bytes.dropFirst(3))
    }
}
