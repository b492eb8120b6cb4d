-- Who viewed what (issue 15; DESIGN.md, "Presence at a location"): the viewers of a location
-- over [from, to) are the distinct users with an event at it in the range, each with their
-- events there and their latest time there. The log has no index by location, and scanning
-- a range's days for one location costs what the range holds, not what the answer holds.
--
-- location_visits keeps, per location, UTC quarter hour and user, the events and the latest
-- time: the projector adds each batch's counts (a key probe per row), and the viewers of a
-- location read its quarter hours of the range from the primary key alone, so a profile page
-- can ask on every view, and the answer outlives retention. A range whose ends lie inside a
-- quarter hour takes those partial quarters from the log: the users the projection has at
-- the location in the edge quarter, each through the log's (user_id, at) index over the part
-- of the quarter in the range (presence_viewers below).

CREATE TABLE location_visits (
    location  text        NOT NULL,
    quarter   timestamptz NOT NULL,
    user_id   text        NOT NULL,
    events    bigint      NOT NULL,
    last_at   timestamptz NOT NULL,
    -- The key holds the counts too, so that viewers read only the key's pages (an index-only
    -- scan): a location's rows lie one to a page in the table, written as their quarter
    -- hours came, and at 10M events reading them from the table took 7 of a profile's 9 ms.
    PRIMARY KEY (location, quarter, user_id) INCLUDE (events, last_at)
);
COMMENT ON TABLE location_visits IS
    'Presence: per location, UTC quarter hour and user, the events there and the latest time.';

CREATE TRIGGER presence_keep_dropped_days BEFORE TRUNCATE ON location_visits
    FOR EACH STATEMENT EXECUTE FUNCTION presence_keep_dropped_days();
SELECT presence_make_twin('location_visits');

-- Adds the events of presence_batch that have a location to location_visits, in key order,
-- so that consecutive rows go to the same pages of the key (about a quarter cheaper than in
-- the order a hash yields them).
CREATE FUNCTION presence_fold_visits() RETURNS void
LANGUAGE plpgsql
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
BEGIN
    INSERT INTO location_visits AS v (location, quarter, user_id, events, last_at)
    SELECT location, presence_quarter(at), user_id, count(*), max(at)
    FROM presence_batch
    WHERE location IS NOT NULL
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (location, quarter, user_id) DO UPDATE
    SET events = v.events + excluded.events, last_at = greatest(v.last_at, excluded.last_at);
END
$$;

-- The viewers of a location over [range_from, range_to): per user with an event at it in
-- the range, their events there and their latest time there, in no order. The whole quarter
-- hours of the range come from location_visits; the parts of quarter hours at either end
-- from the log, for the users location_visits has at the location in those quarters, each
-- through the user's (user_id, at) index. The ends' times are variables, which the plans
-- take as values, so that only the days they fall on are planned; once retention has
-- dropped such a day, its partial quarter hour has no events left to count.
CREATE FUNCTION presence_viewers(viewed text, range_from timestamptz, range_to timestamptz)
RETURNS TABLE (user_id text, events bigint, last_seen timestamptz)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    -- The first and last whole quarter hour of the range: [whole_from, whole_to).
    whole_from  timestamptz := presence_quarter(range_from)
                               + CASE WHEN presence_quarter(range_from) = range_from THEN interval '0' ELSE interval '15 minutes' END;
    whole_to    timestamptz := greatest(presence_quarter(range_to), whole_from);
    -- The partial quarters: [range_from, head_to) and [tail_from, range_to).
    head_to     timestamptz := least(whole_from, range_to);
    tail_from   timestamptz := greatest(whole_to, range_from);
BEGIN
    IF range_from >= range_to THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT visits.user_id, sum(visits.events)::int8, max(visits.last_at)
    FROM (
        SELECT v.user_id, v.events, v.last_at
        FROM location_visits AS v
        WHERE v.location = viewed AND v.quarter >= whole_from AND v.quarter < whole_to
        UNION ALL
        SELECT edge.user_id, count(*), max(e.at)
        FROM (
            SELECT DISTINCT v.user_id
            FROM location_visits AS v
            WHERE v.location = viewed AND v.quarter = presence_quarter(range_from) AND range_from < head_to
        ) AS edge
        JOIN seen_events AS e ON e.user_id = edge.user_id
        WHERE e.at >= range_from AND e.at < head_to AND e.location = viewed
        GROUP BY edge.user_id
        UNION ALL
        SELECT edge.user_id, count(*), max(e.at)
        FROM (
            SELECT DISTINCT v.user_id
            FROM location_visits AS v
            WHERE v.location = viewed AND v.quarter = presence_quarter(tail_from) AND tail_from < range_to
        ) AS edge
        JOIN seen_events AS e ON e.user_id = edge.user_id
        WHERE e.at >= tail_from AND e.at < range_to AND e.location = viewed
        GROUP BY edge.user_id
    ) AS visits
    GROUP BY visits.user_id;
END
$$;

-- The visits of the events the projector has folded so far (those up to its checkpoint), so
-- that a database migrated with history has the projection at once. The days retention
-- dropped before this migration have none: their events are gone.
DO $$
DECLARE
    checkpoint presence_projector%ROWTYPE;
BEGIN
    SELECT * INTO checkpoint FROM presence_projector FOR UPDATE;
    INSERT INTO location_visits (location, quarter, user_id, events, last_at)
    SELECT location, presence_quarter(at), user_id, count(*), max(at)
    FROM seen_events
    WHERE location IS NOT NULL
      AND (tx, at, id) <= (checkpoint.position_tx, checkpoint.position_at, checkpoint.position_id)
    GROUP BY 1, 2, 3;
END
$$;

SELECT * FROM presence_grant_roles();
