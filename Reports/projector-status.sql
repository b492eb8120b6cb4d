-- Projector status: how far the projections trail the log. `folded` is how many events the
-- projector has folded in; `waiting` how many events of the log come after its checkpoint
-- (counted up to 1,000,000: past that the answer is "at least"); `lag_seconds` how long ago
-- the oldest of those events happened (0 when none wait); `updated_at` when it last folded.
-- Events of transactions still open are not counted: they are not in the log yet.
-- presence_waiting_events (Migrations/0014) reads only the days written since the checkpoint.
SELECT p.events AS folded,
       w.waiting,
       coalesce(extract(epoch FROM now() - w.oldest), 0)::float8 AS lag_seconds,
       p.updated_at
FROM (SELECT * FROM presence_projector LIMIT 1) AS p,  -- one row; LIMIT tells the planner
     presence_waiting_events(1000000) AS w;
