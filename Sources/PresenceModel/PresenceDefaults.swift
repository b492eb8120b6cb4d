/// The defaults of DESIGN.md's definitions, named once for every part and front end.
public enum PresenceDefaults {
    /// How recent a last seen counts as online: 5 minutes (DESIGN.md, "Online").
    public static let onlineThreshold: Duration = .seconds(300)
    /// How long a user may go unseen within one session: 30 minutes (DESIGN.md, "Session").
    public static let sessionGap: Duration = .seconds(1_800)
    /// How far an event's time may lie ahead of the clock that receives it: 5 minutes.
    public static let allowedClockSkew: Duration = .seconds(300)
}
