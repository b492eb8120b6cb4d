import ArgumentParser

/// `--from`, `--to` and `--tz`: the range every report of a range takes, and the zone of its
/// local hours, days and weeks.
struct RangeOptions: ParsableArguments {
    @Option(help: "The start of the range, RFC 3339; a report of local hours, days or weeks starts with the one that holds it.")
    var from: TimeArgument

    @Option(help: "The end of the range (excluded), RFC 3339.")
    var to: TimeArgument

    @Option(help: "The IANA time zone of local hours, days and weeks (checked by every report).")
    var tz = "UTC"
}
