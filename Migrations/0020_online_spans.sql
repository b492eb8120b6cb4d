-- Who was online, for as long as Presence runs (issue 15; DESIGN.md, "Concurrent users at t").
-- A user is online over the closed interval [at, at + threshold] after each event, so a
-- user's online time is a set of spans: the runs of their events in which each follows the
-- one before by at most the threshold, each online from its first event to its last event
-- plus the threshold. Runs lie more than a threshold apart, so a user's spans never touch,
-- and the users online at t are the spans that hold t: one row each.
--
-- user_online_spans keeps those runs, folded with every batch as user_sessions is (0008,
-- with the threshold for the gap). The concurrency report and `online --at` read it by the
-- time range they ask about, through a GiST index on each run's events, so they cost the
-- same after years of history, and answer for the days retention has dropped from the log.
-- Changing presence_settings.online_threshold needs `presence project --rebuild`, as
-- changing session_gap does.

CREATE TABLE user_online_spans (
    user_id        text        NOT NULL,
    -- The run's first and last event: the user is online over [first_at, last_at + threshold].
    first_at       timestamptz NOT NULL,
    last_at        timestamptz NOT NULL,
    events         bigint      NOT NULL,
    -- The run's last event in (at, id) order, and where it was: the user's location from
    -- last_at until the span ends.
    last_event_id  uuid        NOT NULL,
    last_location  text,
    PRIMARY KEY (user_id, first_at),
    CHECK (first_at <= last_at)
);
-- The runs whose events reach into a range: a span is online at some moment of [f, t) when
-- its events overlap [f - threshold, t).
CREATE INDEX user_online_spans_events ON user_online_spans USING gist (tstzrange(first_at, last_at, '[]'));
COMMENT ON TABLE user_online_spans IS
    'Presence: per user, the runs of events at most online_threshold apart; online over [first_at, last_at + online_threshold].';

CREATE TRIGGER presence_keep_dropped_days BEFORE TRUNCATE ON user_online_spans
    FOR EACH STATEMENT EXECUTE FUNCTION presence_keep_dropped_days();
SELECT presence_make_twin('user_online_spans');

-- Folds the events of presence_batch into user_online_spans without reading the log, as
-- presence_fold_sessions (0008) folds sessions: the batch's events of each user are cut into
-- runs; a stored run joins one when it lies within one threshold of it (a key range from the
-- run's start, and a key probe for the one before); they are put together as intervals and
-- cut into islands wherever the next starts more than a threshold after everything before
-- it has ended. Each island keeps the location of its last event in (at, id) order.
CREATE FUNCTION presence_fold_online() RETURNS void
LANGUAGE plpgsql
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
DECLARE
    threshold interval := (SELECT online_threshold FROM presence_settings);
BEGIN
    WITH runs AS (
        SELECT user_id, min(at) AS first_at, max(at) AS last_at
        FROM (
            SELECT user_id, at,
                   count(*) FILTER (WHERE starts) OVER (
                       PARTITION BY user_id ORDER BY at ROWS UNBOUNDED PRECEDING) AS run
            FROM (
                SELECT user_id, at,
                       coalesce(at - lag(at) OVER (PARTITION BY user_id ORDER BY at) > threshold, true) AS starts
                FROM presence_batch
            ) AS marked
        ) AS numbered
        GROUP BY user_id, run
    ),
    touched AS (
        SELECT DISTINCT near.user_id, near.first_at
        FROM runs AS r
        CROSS JOIN LATERAL (
            SELECT s.user_id, s.first_at
            FROM user_online_spans AS s
            WHERE s.user_id = r.user_id
              AND s.first_at >= r.first_at - threshold AND s.first_at <= r.last_at + threshold
            UNION ALL
            SELECT before.user_id, before.first_at
            FROM (
                SELECT s.user_id, s.first_at, s.last_at
                FROM user_online_spans AS s
                WHERE s.user_id = r.user_id AND s.first_at < r.first_at - threshold
                ORDER BY s.first_at DESC
                LIMIT 1
            ) AS before
            WHERE before.last_at >= r.first_at - threshold
        ) AS near
    ),
    nearby AS (
        DELETE FROM user_online_spans AS s
        USING touched AS t
        WHERE s.user_id = t.user_id AND s.first_at = t.first_at
        RETURNING s.user_id, s.first_at, s.last_at, s.events, s.last_event_id, s.last_location
    ),
    intervals AS (
        SELECT user_id, first_at, last_at, events, last_event_id, last_location FROM nearby
        UNION ALL
        SELECT user_id, at, at, 1, id, location FROM presence_batch
    ),
    marked AS (
        SELECT *,
               coalesce(first_at > max(last_at) OVER (
                   PARTITION BY user_id ORDER BY first_at, last_at
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) + threshold, true) AS starts
        FROM intervals
    ),
    numbered AS (
        SELECT *,
               count(*) FILTER (WHERE starts) OVER (
                   PARTITION BY user_id ORDER BY first_at, last_at ROWS UNBOUNDED PRECEDING) AS span
        FROM marked
    )
    INSERT INTO user_online_spans (user_id, first_at, last_at, events, last_event_id, last_location)
    SELECT user_id, min(first_at), max(last_at), sum(events),
           (array_agg(last_event_id ORDER BY last_at DESC, last_event_id DESC))[1],
           (array_agg(last_location ORDER BY last_at DESC, last_event_id DESC))[1]
    FROM numbered
    GROUP BY user_id, span;
END
$$;

-- The online spans (as in user_online_spans, with any threshold) that reach into
-- [range_from, range_to), cut from the log for a threshold other than the projector's: the
-- runs of the events in [range_from - threshold, range_to). Every user online at a moment t
-- of the range has an event in [t - threshold, t], so these runs cover exactly the online
-- time in the range; a run that began before the window starts at its first event in it.
-- Only those days of the log are planned and read: the window's start is a variable, which
-- the plan takes as a value, where an expression of the arguments would plan every day.
CREATE FUNCTION presence_log_online_spans(range_from timestamptz, range_to timestamptz, threshold interval)
RETURNS TABLE (user_id text, first_at timestamptz, last_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    since timestamptz := range_from - threshold;
BEGIN
    RETURN QUERY
    SELECT numbered.user_id, min(numbered.at), max(numbered.at)
    FROM (
        SELECT marked.user_id, marked.at,
               count(*) FILTER (WHERE marked.starts) OVER (
                   PARTITION BY marked.user_id ORDER BY marked.at ROWS UNBOUNDED PRECEDING) AS span
        FROM (
            SELECT e.user_id, e.at,
                   coalesce(e.at - lag(e.at) OVER (PARTITION BY e.user_id ORDER BY e.at) > threshold, true) AS starts
            FROM seen_events AS e
            WHERE e.at >= since AND e.at < range_to
        ) AS marked
    ) AS numbered
    GROUP BY numbered.user_id, numbered.span;
END
$$;

-- The spans of the events the projector has folded so far (those up to its checkpoint), in
-- one pass over them, so that a database migrated with history has the projection at once.
-- The days retention dropped before this migration have no spans: their events are gone.
DO $$
DECLARE
    checkpoint presence_projector%ROWTYPE;
    threshold  interval := (SELECT online_threshold FROM presence_settings);
BEGIN
    SELECT * INTO checkpoint FROM presence_projector FOR UPDATE;
    INSERT INTO user_online_spans (user_id, first_at, last_at, events, last_event_id, last_location)
    SELECT user_id, min(at), max(at), count(*),
           (array_agg(id ORDER BY at DESC, id DESC))[1],
           (array_agg(location ORDER BY at DESC, id DESC))[1]
    FROM (
        SELECT user_id, at, id, location,
               count(*) FILTER (WHERE starts) OVER (PARTITION BY user_id ORDER BY at, id ROWS UNBOUNDED PRECEDING) AS span
        FROM (
            SELECT user_id, at, id, location,
                   coalesce(at - lag(at) OVER (PARTITION BY user_id ORDER BY at, id) > threshold, true) AS starts
            FROM seen_events
            WHERE (tx, at, id) <= (checkpoint.position_tx, checkpoint.position_at, checkpoint.position_id)
        ) AS marked
    ) AS numbered
    GROUP BY user_id, span;
END
$$;

SELECT * FROM presence_grant_roles();
