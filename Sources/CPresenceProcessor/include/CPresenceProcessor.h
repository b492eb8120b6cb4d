// The processor the calling thread runs on, for the tracker's per-processor buffer shards.
//
// Swift's Glibc module does not export sched_getcpu(), a GNU extension; glibc 2.35 and later
// answer it from the thread's rseq area without entering the kernel.
#ifndef C_PRESENCE_PROCESSOR_H
#define C_PRESENCE_PROCESSOR_H

#if defined(__linux__)
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>

/// The processor the calling thread runs on now, or -1 where the system cannot say.
static inline int presence_current_processor(void) {
    return sched_getcpu();
}
#else
/// The processor the calling thread runs on now, or -1 where the system cannot say.
static inline int presence_current_processor(void) {
    return -1;
}
#endif

#endif
