-- Last seen: the latest event of one user at or before a moment, and where (DESIGN.md, "Last
-- seen as of t"). presence_last_seen (Migrations/0015) answers from the projections, reading
-- the log only within the user's session around the moment, and adds the events the projector
-- has not folded yet.
--
-- $1  user      text
-- $2  as_of     timestamptz
SELECT last_seen, location FROM presence_last_seen($1, $2::timestamptz);
