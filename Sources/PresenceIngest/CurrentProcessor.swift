import CPresenceProcessor

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which shard of ``EventBuffer`` the calling thread writes to: the one of the processor it
/// runs on, so that threads running at the same moment, on different processors, take
/// different locks.
///
/// No package the tracker depends on says which processor a thread runs on (Swift's Glibc
/// module leaves out `sched_getcpu`, a GNU extension), hence the C shim.
enum CurrentProcessor {
    /// The shard of `count` for the calling thread now: its processor's number modulo
    /// `count`, or, where the system cannot say, a hash of the thread's identity.
    static func shard(of count: Int) -> Int {
        if count == 1 { return 0 }
        let processor = presence_current_processor()
        if processor >= 0 { return Int(processor) % count }
        #if canImport(Darwin)
        let thread = UInt64(UInt(bitPattern: pthread_self()))
        #else
        let thread = UInt64(pthread_self())
        #endif
        return Int((thread &* 0x9E37_79B9_7F4A_7C15) >> 33) % count
    }
}
