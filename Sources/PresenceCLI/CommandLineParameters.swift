import ArgumentParser
import PresenceReports

/// Reads a report's parameters from the command line and words what is wrong with them as
/// ArgumentParser words its own options' errors: `--from T` or `--from=T`, and positional
/// parameters in order.
enum CommandLineParameters {
    /// The values of `parameters` in `arguments`.
    ///
    /// - Throws: `ValidationError` naming the option, for an unknown option, a second
    ///   positional value, an option without its value, a missing parameter or a bad value.
    static func arguments(_ arguments: [String], for parameters: [ReportParameter]) throws -> ReportArguments {
        var texts: [String: String] = [:]
        var positional = parameters.filter(\.isPositional)[...]
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-"), argument != "-" else {
                guard let parameter = positional.popFirst() else { throw ValidationError("Unexpected argument '\(argument)'") }
                texts[parameter.name] = argument
                continue
            }
            let (name, inline) = split(argument)
            guard let parameter = parameters.first(where: { !$0.isPositional && "--" + $0.name == name }) else {
                throw ValidationError("Unknown option '\(name)'")
            }
            let value = arguments[index...].prefix(parameter.kind.words)
            if let inline {
                texts[parameter.name] = inline
            } else if value.count == parameter.kind.words, value.allSatisfy({ !$0.hasPrefix("-") }) {
                // As ArgumentParser does, a value that starts with a dash is read as an option:
                // `--threshold -5m` lacks its value; `--threshold=-5m` has a bad one. A value
                // of two words (a retention cell) is kept as the two with a space.
                texts[parameter.name] = value.joined(separator: " ")
                index += value.count
            } else {
                throw ValidationError("Missing value for '\(label(parameter))'")
            }
        }
        do {
            return try ReportArguments(texts, for: parameters)
        } catch {
            switch error.kind {
            case .missing: throw ValidationError("Missing expected argument '\(label(error.parameter))'")
            case .invalid(let text):
                var message = "The value '\(text)' is invalid for '\(label(error.parameter))'"
                if case .choice(let words) = error.parameter.kind {
                    let quoted = words.map { "'\($0)'" }
                    message += ". Please provide one of " + quoted.dropLast().joined(separator: ", ") + " or " + (quoted.last ?? "") + "."
                }
                throw ValidationError(message)
            }
        }
    }

    /// The usage line: `presence report activity --from <from> --to <to> [--tz <tz>] …`.
    static func usage(of parameters: [ReportParameter], command: String) -> String {
        let command = (ReportCatalog.range(named: command) == nil ? "presence " : "presence report ") + command
        let words = parameters.map { parameter in
            parameter.defaultValue == .required ? label(parameter) : "[\(label(parameter))]"
        }
        return ([command] + words + ["[<options>]"]).joined(separator: " ")
    }

    /// The parameters with their help and default, as ArgumentParser lists options: a column
    /// of names, and the help wrapped beside it (ArgumentParser would wrap a long line of a
    /// discussion without indenting it).
    static func help(of parameters: [ReportParameter]) -> String {
        let labels = parameters.map(label)
        let width = (labels.map(\.count).max() ?? 0) + 4
        var lines = ["PARAMETERS:"]
        for (parameter, label) in zip(parameters, labels) {
            var line = "  " + label.padding(toLength: width - 2, withPad: " ", startingAt: 0)
            for word in (parameter.help + defaultText(parameter)).split(separator: " ") {
                if line.count + 1 + word.count > 79, line.count > width {
                    lines.append(line)
                    line = String(repeating: " ", count: width)
                }
                line += (line.count > width ? " " : "") + word
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// `--from <from>`, or `<user>` for a positional parameter; `--users <cohort-start> <n>`
    /// for a retention cell.
    static func label(_ parameter: ReportParameter) -> String {
        if parameter.kind == .cell { return "--\(parameter.name) <cohort-start> <n>" }
        return parameter.isPositional ? "<\(parameter.name)>" : "--\(parameter.name) <\(parameter.name)>"
    }

    private static func defaultText(_ parameter: ReportParameter) -> String {
        switch parameter.defaultValue {
        case .required, .absent: ""
        case .text(let text): " (default: \(text))"
        case .now: " (default: now)"
        case .earliest: " (default: the beginning)"
        case .latest: " (default: the end of time)"
        }
    }

    /// `--from=T` as ("--from", "T"); `--from` as ("--from", nil).
    private static func split(_ argument: String) -> (String, String?) {
        guard let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }
}
