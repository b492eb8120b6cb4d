// Everything is in include/CPresenceProcessor.h; SwiftPM needs one source file per C target.
