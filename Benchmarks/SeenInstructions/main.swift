import Dispatch
import LastSeenStamps
import Logging
import PostgresNIO
import PresenceIngest

// Makes CALLS calls of one variant on THREADS threads, for Benchmarks/instructions, which
// runs it under valgrind's callgrind with CALLS and with none and divides the difference
// of the instructions counted by CALLS: a count per call that does not depend on what else
// the machine is doing. Everything but the calls (the users, a warm cache, the buffer's
// slots) is the same in both runs.
//
// Usage: SeenInstructions seen|stamp|sharded-stamp CALLS THREADS

let arguments = CommandLine.arguments
guard arguments.count == 4, let calls = Int(arguments[2]), let threads = Int(arguments[3]), calls >= 0, threads > 0,
    ["seen", "stamp", "sharded-stamp"].contains(arguments[1])
else {
    print("usage: SeenInstructions seen|stamp|sharded-stamp CALLS THREADS")
    exit(2)
}
let users = (0..<100_000).map { "user-\($0)" }
let locations = (0..<500).map { "/forum/\($0)" }
let idleClient = PostgresClient(
    configuration: .init(unixSocketPath: "/nonexistent/.s.PGSQL.5432", username: "none", password: nil, database: nil)
)
var configuration = PresenceTracker.Configuration()
configuration.capacity = 1 << 20
let tracker = PresenceTracker(client: idleClient, configuration: configuration, logger: Logger(label: "instructions"))
let plain = LastSeenStamp()
let sharded = ShardedLastSeenStamp()
for user in users {
    plain.seen(user)
    sharded.seen(user)
}
let variant = arguments[1]
DispatchQueue.concurrentPerform(iterations: threads) { thread in
    for index in 0..<calls / threads {
        let user = users[(index &* 7 &+ thread) % users.count]
        switch variant {
        case "seen": _ = tracker.seen(user: user, location: locations[index % locations.count])
        case "stamp": plain.seen(user)
        default: sharded.seen(user)
        }
    }
}
precondition(variant != "seen" || tracker.statistics.accepted == calls / threads * threads)
