-- Projector status: how far the projections trail the log. `folded` is how many events the
-- projector has folded in; `waiting` how many events of the log come after its checkpoint
-- (counted up to 1,000,000: past that the answer is "at least"); `lag_seconds` how long ago
-- the oldest of those events happened (0 when none wait); `updated_at` when it last folded.
-- Events of transactions still open are not counted: they are not in the log yet.
SELECT p.events AS folded,
       w.waiting,
       coalesce(extract(epoch FROM now() - w.oldest), 0)::float8 AS lag_seconds,
       p.updated_at
FROM (SELECT * FROM presence_projector LIMIT 1) AS p,  -- one row; LIMIT tells the planner
LATERAL (
    SELECT count(*) AS waiting, min(e.at) AS oldest
    FROM (
        SELECT e.at
        FROM seen_events AS e
        WHERE (e.tx, e.at, e.id) > (p.position_tx, p.position_at, p.position_id)
        LIMIT 1000000
    ) AS e
) AS w;
