-- Viewers (DESIGN.md, "Presence at a location"): the distinct users with an event at a
-- location in [from, to), each with their events there and their latest time there, latest
-- first: "who viewed my profile". Answered by presence_viewers() (Migrations 0021 and 0022)
-- from the location visits projection, through its keys (location, quarter hour, user, and
-- location and day for the packed days); only the parts of quarter hours at either end of
-- the range read the log, for the users seen at the location in them, each through the
-- user's index. Hidden users (presence_hidden_users, Migration 0025) are left out.
--
-- $1  location  text
-- $2  from      timestamptz
-- $3  to        timestamptz
-- $4  limit     integer: the most viewers listed
-- $5  exclude   text: a user left out (the profile's owner), or NULL
SELECT user_id, events, last_seen
FROM presence_viewers($1::text, $2::timestamptz, $3::timestamptz) AS v
WHERE ($5::text IS NULL OR user_id <> $5::text)
  AND NOT EXISTS (SELECT 1 FROM presence_hidden_users AS h WHERE h.user_id = v.user_id)
ORDER BY last_seen DESC, user_id
LIMIT $4::integer;
