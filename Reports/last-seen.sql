-- Last seen: the latest event of one user at or before a moment, and where (DESIGN.md, "Last
-- seen as of t"). presence_last_seen (Migrations/0015) answers from the projections, reading
-- the log only within the user's session around the moment, and adds the events the projector
-- has not folded yet.
--
-- One row: last_seen and location are null for a user never seen by then; hidden says that
-- the user asked not to be shown (DESIGN.md, "Hidden user"), whom a page for others answers
-- as a user never seen.
--
-- $1  user      text
-- $2  as_of     timestamptz
SELECT seen.last_seen, seen.location,
       EXISTS (SELECT 1 FROM presence_hidden_users WHERE user_id = $1) AS hidden
FROM (VALUES (true)) AS one
LEFT JOIN presence_last_seen($1, $2::timestamptz) AS seen ON true;
