-- A user's events by time, for "last seen as of t" on any past moment (Reports/last-seen.sql)
-- and for a user's history read straight from the log.
CREATE INDEX seen_events_user_at ON seen_events (user_id, at DESC);
