import PresenceModel

/// The values of a report's parameters, read and checked, with the defaults of those not
/// given: what ``ReportDefinition/run(_:client:logger:)`` takes from any front end.
public struct ReportArguments: Sendable, Hashable {
    /// Why texts are no values of a report's parameters, for a front end to word in its own
    /// language (`--from` on the command line, `from=` in a query string).
    public struct Problem: Error, Sendable, Hashable {
        /// What is wrong.
        public enum Kind: Sendable, Hashable {
            /// A required parameter was not given.
            case missing
            /// The text is not a value of the parameter's kind.
            case invalid(String)
        }

        /// The parameter.
        public var parameter: ReportParameter
        /// What is wrong with it.
        public var kind: Kind

        /// Says what is wrong with a parameter.
        public init(parameter: ReportParameter, kind: Kind) {
            self.parameter = parameter
            self.kind = kind
        }
    }

    private let values: [String: ReportValue]

    /// Reads the texts that a front end received, by parameter name, and fills in defaults.
    ///
    /// - Parameters:
    ///   - texts: The texts given, by ``ReportParameter/name``; names of no parameter are
    ///     ignored (the front end refuses them in its own way).
    ///   - parameters: The report's parameters.
    ///   - now: The moment that the default ``ReportParameter/Default/now`` stands for.
    /// - Throws: ``Problem`` for the first parameter, in order, that is missing or whose text
    ///   is no value.
    public init(_ texts: [String: String], for parameters: [ReportParameter], now: Timestamp = .now) throws(Problem) {
        var values: [String: ReportValue] = [:]
        for parameter in parameters {
            if let text = texts[parameter.name] {
                guard let value = parameter.value(of: text) else { throw Problem(parameter: parameter, kind: .invalid(text)) }
                values[parameter.name] = value
                continue
            }
            switch parameter.defaultValue {
            case .required: throw Problem(parameter: parameter, kind: .missing)
            case .absent: continue
            case .text(let text):
                guard let value = parameter.value(of: text) else { throw Problem(parameter: parameter, kind: .invalid(text)) }
                values[parameter.name] = value
            case .now: values[parameter.name] = .time(now)
            case .earliest: values[parameter.name] = .time(.earliest)
            case .latest: values[parameter.name] = .time(.latest)
            }
        }
        self.values = values
    }

    /// The time parameter `name`.
    public func time(_ name: String) throws(ReportError) -> Timestamp {
        guard case .time(let time) = values[name] else { throw Self.noParameter(name, "time") }
        return time
    }

    /// The duration parameter `name`.
    public func duration(_ name: String) throws(ReportError) -> Duration {
        guard case .duration(let duration) = values[name] else { throw Self.noParameter(name, "duration") }
        return duration
    }

    /// The text, choice or zone parameter `name`.
    public func text(_ name: String) throws(ReportError) -> String {
        guard case .text(let text) = values[name] else { throw Self.noParameter(name, "text") }
        return text
    }

    /// The text parameter `name`, or `nil` when it was not given and has no default.
    public func optionalText(_ name: String) -> String? {
        guard case .text(let text) = values[name] else { return nil }
        return text
    }

    /// The count parameter `name`.
    public func count(_ name: String) throws(ReportError) -> Int {
        guard case .count(let count) = values[name] else { throw Self.noParameter(name, "count") }
        return count
    }

    /// The cell parameter `name`, or `nil` when it was not given and has no default.
    public func optionalCell(_ name: String) -> (cohort: Timestamp, number: Int)? {
        guard case .cell(let cohort, let number) = values[name] else { return nil }
        return (cohort, number)
    }

    /// A report that asks for a parameter it does not declare: a mistake in this build.
    private static func noParameter(_ name: String, _ kind: String) -> ReportError {
        ReportError(.unknownParameter, "This build of Presence asks for a \(kind) parameter \(name) that its report does not declare.")
    }
}
