import Foundation

/// Reads a file or standard input line by line in fixed-size chunks, so memory stays bounded
/// whatever the input's size, and a line longer than the limit is skipped (and reported)
/// instead of being held in memory.
///
/// Foundation reads whole files or unbounded lines; NIO's file system is more than a command
/// needs; hence this small reader.
struct LineReader {
    /// One line, without its line break (`\n` or `\r\n`).
    struct Line {
        /// Its number, from 1.
        var number: Int
        /// Its bytes; empty when ``isTooLong``.
        var bytes: [UInt8]
        /// Whether the line was longer than the limit and skipped.
        var isTooLong: Bool
        /// Whether its line break was `\r\n` (a CSV field that spans lines keeps it).
        var endedWithCarriageReturn = false
    }

    /// The longest line kept, in bytes. Default 1 MiB.
    let maximumLength: Int
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    /// Where the search for the next line break goes on: the bytes before it hold none.
    private var scanned = 0
    private var lineNumber = 0
    private var atEnd = false
    private static let chunkSize = 1 << 16

    /// Reads from `handle`, which it does not close.
    init(handle: FileHandle, maximumLength: Int = 1 << 20) {
        self.handle = handle
        self.maximumLength = maximumLength
    }

    /// The next line, or `nil` at the end of the input.
    mutating func next() throws -> Line? {
        var skipping = false
        while true {
            if let newline = nextLineBreak() {
                lineNumber += 1
                var end = newline
                if end > position, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let tooLong = skipping || end - position > maximumLength
                let line = tooLong ? [] : Array(buffer[position..<end])
                position = newline + 1
                return Line(number: lineNumber, bytes: line, isTooLong: tooLong, endedWithCarriageReturn: end < newline)
            }
            scanned = buffer.count
            // One byte more than the limit may be the \r of a \r\n whose \n is in the next chunk.
            if buffer.count - position > maximumLength + 1 {
                skipping = true  // Drop what we hold of this line; keep looking for its end.
                position = buffer.count
            }
            if atEnd {
                guard position < buffer.count || skipping else { return nil }
                lineNumber += 1
                var end = buffer.count
                if end > position, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }  // A last line's \r, as above.
                let tooLong = skipping || end - position > maximumLength
                let line = tooLong ? [] : Array(buffer[position..<end])
                position = buffer.count
                return Line(number: lineNumber, bytes: line, isTooLong: tooLong)
            }
            if position > 0 {
                buffer.removeSubrange(0..<position)
                scanned -= position
                position = 0
            }
            let chunk = try handle.read(upToCount: Self.chunkSize) ?? Data()
            if chunk.isEmpty {
                atEnd = true
            } else {
                chunk.withUnsafeBytes { buffer.append(contentsOf: $0) }  // one copy, not a byte at a time
            }
        }
    }

    /// The index of the next `\n` in the buffer, searching each byte once however many chunks
    /// a long line takes (a line skipped as too long streams through at memchr's speed).
    private func nextLineBreak() -> Int? {
        let start = max(position, scanned)
        guard start < buffer.count else { return nil }
        return buffer.withUnsafeBytes { bytes in
            memchr(bytes.baseAddress! + start, 0x0A, bytes.count - start).map { bytes.baseAddress!.distance(to: $0) }
        }
    }
}
