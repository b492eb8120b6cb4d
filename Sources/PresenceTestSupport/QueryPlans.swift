import Foundation
import PresenceStore

/// One step of a plan PostgreSQL ran, with what it really did (EXPLAIN ANALYZE's figures).
public struct PlanNode: Sendable {
    /// The kind of step, for example `Index Scan` or `Seq Scan`.
    public let nodeType: String
    /// The table the step reads, if it reads one.
    public let relationName: String?
    /// The index the step reads through, if any.
    public let indexName: String?
    /// The rows the step returned, over all its loops.
    public let rowsReturned: Double
    /// The rows the step read and then threw away (filters and rechecks), over all its loops.
    public let rowsDiscarded: Double
    /// The steps that feed this one.
    public let children: [PlanNode]

    /// The rows this step read: those it returned and those it discarded.
    public var rowsRead: Double { rowsReturned + rowsDiscarded }

    /// Whether the step reads its table through an index (an index scan, or a bitmap of index
    /// entries), not whole.
    public var readsThroughIndex: Bool { nodeType.contains("Index") || nodeType == "Bitmap Heap Scan" }

    /// This step and every step below it.
    public var allNodes: [PlanNode] { [self] + children.flatMap(\.allNodes) }

    init(json: [String: Any]) {
        nodeType = json["Node Type"] as? String ?? ""
        relationName = json["Relation Name"] as? String
        indexName = json["Index Name"] as? String
        func number(_ key: String) -> Double { (json[key] as? NSNumber)?.doubleValue ?? 0 }
        let loops = json["Actual Loops"] == nil ? 1 : number("Actual Loops")
        rowsReturned = number("Actual Rows") * loops
        rowsDiscarded = (number("Rows Removed by Filter") + number("Rows Removed by Index Recheck")) * loops
        children = (json["Plans"] as? [[String: Any]] ?? []).map(PlanNode.init(json:))
    }
}

/// The plan of one statement that ran, nested ones (inside functions) included.
public struct QueryPlan: Sendable {
    /// The statement's text.
    public let queryText: String
    /// The plan's top step.
    public let root: PlanNode
}

extension TestDatabase {
    /// Runs `sql` through `psql` with PostgreSQL's auto_explain and returns the plan of every
    /// statement it ran, nested ones included, with the rows each step really read.
    ///
    /// EXPLAIN cannot look inside a function; auto_explain can, and at `log_level = notice`
    /// it sends each plan to the client, where `psql` prints it. PostgresNIO keeps notices to
    /// its debug log, so `psql` (which comes with the server programs) reads them here.
    /// Loading auto_explain needs a superuser, as the embedded server's is.
    ///
    /// - Parameters:
    ///   - sql: The statements to run, in one session.
    ///   - settings: The database to run them in.
    /// - Throws: When `psql` is missing or fails; its error output is in the message.
    public static func plans(running sql: String, on settings: ConnectionSettings) throws -> [QueryPlan] {
        let script = """
            LOAD 'auto_explain';
            SET auto_explain.log_min_duration = 0;
            SET auto_explain.log_analyze = on;
            SET auto_explain.log_nested_statements = on;
            SET auto_explain.log_format = json;
            SET auto_explain.log_level = notice;
            SET client_min_messages = notice;
            \(sql)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try psqlPath())
        process.arguments = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=terse", "-v", "SHOW_CONTEXT=never", "-c", script]
        var environment = ProcessInfo.processInfo.environment
        switch settings.endpoint {
        case .tcp(let host, let port):
            environment["PGHOST"] = host
            environment["PGPORT"] = String(port)
            environment["PGSSLMODE"] = settings.sslMode.rawValue
        case .unixSocket(let directory, let port):
            environment["PGHOST"] = directory
            environment["PGPORT"] = String(port)
        }
        environment["PGUSER"] = settings.username
        environment["PGDATABASE"] = settings.database
        environment["PGPASSWORD"] = settings.password
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read both to the end before waiting, so that a full pipe cannot stall psql.
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        _ = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: errorData, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw PlanCaptureError(description: "psql failed (\(process.terminationStatus)): \(text.suffix(2000))")
        }
        return try text.components(separatedBy: "NOTICE:  ").dropFirst().compactMap { notice in
            guard let start = notice.range(of: "plan:\n") else { return nil }
            let json = try JSONSerialization.jsonObject(with: Data(notice[start.upperBound...].utf8))
            guard let object = json as? [String: Any], let plan = object["Plan"] as? [String: Any] else {
                throw PlanCaptureError(description: "auto_explain printed a plan that is not JSON: \(notice.prefix(500))")
            }
            return QueryPlan(queryText: object["Query Text"] as? String ?? "", root: PlanNode(json: plan))
        }
    }

    /// `psql` on `PATH`, else the newest under Debian's `/usr/lib/postgresql/*/bin`.
    private static func psqlPath() throws -> String {
        let fileManager = FileManager.default
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let versions = ((try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap(Int.init).sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
        for folder in path.split(separator: ":").map(String.init) + versions
        where fileManager.isExecutableFile(atPath: folder + "/psql") {
            return folder + "/psql"
        }
        throw PlanCaptureError(description: "psql is not installed: install PostgreSQL's client programs (apt-get install postgresql-client).")
    }
}

/// Reading plans through `psql` failed.
struct PlanCaptureError: Error, CustomStringConvertible {
    let description: String
}
