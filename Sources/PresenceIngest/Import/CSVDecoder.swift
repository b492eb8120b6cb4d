import PresenceModel

/// Reads CSV input (RFC 4180) with a header naming the columns `id`, `user`, `at` and
/// `location` in any order; `user` and `at` are required. Quoted fields may hold commas,
/// quotes (doubled) and line breaks. An empty `id` or `location` counts as absent.
struct CSVDecoder {
    /// The CSV columns this decoder knows.
    static let knownColumns = ["id", "user", "at", "location"]

    private let columns: [String: Int]
    private let width: Int

    /// Reads the header.
    ///
    /// - Throws: ``ImportError`` when the header is not valid or lacks `user` or `at`.
    init(header: [UInt8]) throws {
        guard let names = try? Self.fields(header) else {
            throw ImportError("The CSV header is not valid CSV; it must name the columns id,user,at,location.")
        }
        var columns: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            let column = name.trimmingCharacters(in: .whitespaces).lowercased()
            guard Self.knownColumns.contains(column) else {
                throw ImportError("The CSV header names an unknown column '\(column)'; the columns are id, user, at and location.")
            }
            guard columns[column] == nil else {
                throw ImportError("The CSV header names the column '\(column)' twice.")
            }
            columns[column] = index
        }
        guard columns["user"] != nil, columns["at"] != nil else {
            throw ImportError("The CSV header must name at least the columns user and at.")
        }
        self.columns = columns
        self.width = names.count
    }

    /// Whether a record's text is still inside a quoted field (so the next line belongs to it).
    static func isIncomplete(_ record: [UInt8]) -> Bool {
        record.reduce(0) { $1 == UInt8(ascii: "\"") ? $0 + 1 : $0 } % 2 == 1
    }

    /// The event in a record, or why there is none.
    func decode(_ record: [UInt8]) -> Result<SeenEvent, RejectionReason> {
        let fields: [String]
        do {
            fields = try Self.fields(record)
        } catch {
            return .failure(error)
        }
        guard fields.count == width else {
            return .failure(RejectionReason(.malformed, "the line has \(fields.count) fields, the header has \(width)"))
        }
        func field(_ name: String) -> String? {
            guard let index = columns[name] else { return nil }
            return fields[index].isEmpty && name != "user" ? nil : fields[index]
        }
        return ImportedEvent.make(
            id: field("id"),
            user: field("user"),
            at: field("at").map { .text($0) },
            location: field("location")
        )
    }

    /// Splits a record into its fields.
    private static func fields(_ record: [UInt8]) throws(RejectionReason) -> [String] {
        var fields: [String] = []
        var current: [UInt8] = []
        var index = record.startIndex
        var quoted = false
        var fieldStart = true
        while index < record.endIndex {
            let byte = record[index]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < record.endIndex, record[index + 1] == UInt8(ascii: "\"") {
                        current.append(byte)
                        index += 1
                    } else {
                        quoted = false
                        if index + 1 < record.endIndex, record[index + 1] != UInt8(ascii: ",") {
                            throw RejectionReason(.malformed, "a quoted field is followed by text before the next comma")
                        }
                    }
                } else {
                    current.append(byte)
                }
            } else if byte == UInt8(ascii: ",") {
                fields.append(try text(current))
                current.removeAll(keepingCapacity: true)
                fieldStart = true
                index += 1
                continue
            } else if byte == UInt8(ascii: "\""), fieldStart {
                quoted = true
            } else if byte == UInt8(ascii: "\"") {
                throw RejectionReason(.malformed, "a quote appears inside an unquoted field")
            } else {
                current.append(byte)
            }
            fieldStart = false
            index += 1
        }
        guard !quoted else {
            throw RejectionReason(.malformed, "a quoted field is not closed")
        }
        fields.append(try text(current))
        return fields
    }

    private static func text(_ bytes: [UInt8]) throws(RejectionReason) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RejectionReason(.malformed, "the line is not valid UTF-8")
        }
        return text
    }
}

/// An import that cannot go on at all (as opposed to one bad line, which is rejected).
struct ImportError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
