import PresenceModel

/// Which locations a report of presence at a location asks about (DESIGN.md, "Presence at a
/// location").
public enum LocationMatch: Sendable, Hashable {
    /// This location exactly.
    case exact(String)
    /// Every location that starts with this text, `/forum/` for `/forum/1` and `/forum/2/posts`.
    /// The text is matched as it is: `%` and `_` are characters, not patterns.
    case prefix(String)

    /// The query's binds: the text, and whether it is a prefix; NULL and false for any
    /// location.
    static func binds(_ match: LocationMatch?) -> [String?] {
        switch match {
        case nil: [nil, "false"]
        case .exact(let text): [text, "false"]
        case .prefix(let text): [text, "true"]
        }
    }

    /// The report parameters that say it: `--location L`, and `--match prefix` for a prefix.
    static let parameters = [
        ReportParameter("location", .text, default: .absent, help: "Only the users whose latest event is at this location."),
        ReportParameter(
            "match",
            .choice(["exact", "prefix"]),
            default: .text("exact"),
            help: "How --location matches: exactly, or as the start of the location (/forum/ for /forum/1)."
        ),
    ]

    /// The match the arguments of ``parameters`` ask for, or `nil` for any location.
    ///
    /// - Throws: ``ReportError`` with code ``ErrorCode/invalidLocation`` for a text that no
    ///   event's location can be or start with (over 2048 bytes, or with a NUL, which
    ///   PostgreSQL's text cannot hold).
    static func from(_ arguments: ReportArguments) throws(ReportError) -> LocationMatch? {
        guard let location = arguments.optionalText("location") else { return nil }
        try requireValid(location)
        return try arguments.text("match") == "prefix" ? .prefix(location) : .exact(location)
    }

    /// Refuses a text that no event's location can be or start with.
    ///
    /// - Throws: ``ReportError`` with code ``ErrorCode/invalidLocation`` for over 2048 bytes of
    ///   UTF-8, or a NUL, which PostgreSQL's text cannot hold.
    static func requireValid(_ location: String) throws(ReportError) {
        guard !location.utf8.contains(0), location.utf8.count <= SeenEvent.Rules.maximumLocationBytes else {
            throw ReportError(
                .invalidLocation,
                "The location \(JSONText.string(String(location.prefix(64)))) cannot be one: a location has at most \(SeenEvent.Rules.maximumLocationBytes) bytes of UTF-8 and no NUL."
            )
        }
    }
}
