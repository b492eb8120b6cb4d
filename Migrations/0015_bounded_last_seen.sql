-- Last seen as of a past moment reads only what it needs (DESIGN.md, "Growing old well"), and
-- agrees with the log while the projector lags. Reports/last-seen.sql answered from
-- presence_current when its last event was not after the moment, else from the log through
-- the user's (user_id, at) index on every partition up to the moment: 1 ms with a month of
-- days, 30 ms with a year (Benchmarks/GrowthBenchmarks), nearly all of it planning. And it
-- took presence_current's answer even when the log held a later event, at or before the
-- moment, that the projector had not folded yet.
--
-- Now the folded events answer through the projections: presence_current when its last event
-- is not after the moment; else the user's latest session that began by then, in which the
-- answer lies (its end, or the latest event between its start and the moment), read from the
-- log with those bounds as constants, so only their days are planned. The events not folded
-- yet are read from the days written since the checkpoint (presence_written_days, 0013). The
-- later of the two answers.
--
-- When retention has dropped the raw events of that session's days, the time still comes
-- from the projection but the location is unknown (null); for a moment inside such a session
-- the answer is the session's start, the latest event known to lie at or before the moment.

-- The user's latest event at or before as_of, and where (no row when there is none).
CREATE FUNCTION presence_last_seen(user_name text, as_of timestamptz, OUT last_seen timestamptz, OUT location text)
RETURNS SETOF record
LANGUAGE plpgsql STABLE AS $$
DECLARE
    checkpoint  presence_projector%ROWTYPE;
    session     record;
    days        text;
    unfolded    record;
BEGIN
    SELECT c.last_seen, c.last_location INTO last_seen, location
    FROM presence_current AS c WHERE c.user_id = user_name AND c.last_seen <= as_of;
    IF NOT FOUND THEN
        SELECT s.session_start, s.session_end INTO session
        FROM user_sessions AS s
        WHERE s.user_id = user_name AND s.session_start <= as_of
        ORDER BY s.session_start DESC
        LIMIT 1;
        IF FOUND THEN
            last_seen := least(session.session_end, as_of);
            EXECUTE 'SELECT at, location FROM seen_events WHERE user_id = $1 AND at >= $2 AND at <= $3 '
                    'ORDER BY at DESC, id DESC LIMIT 1'
                INTO last_seen, location
                USING user_name, session.session_start, last_seen;
            IF last_seen IS NULL THEN
                -- The session's raw events were dropped by retention.
                last_seen := CASE WHEN session.session_end <= as_of THEN session.session_end ELSE session.session_start END;
                location := NULL;
            END IF;
        END IF;
    END IF;

    SELECT * INTO checkpoint FROM presence_projector;
    days := presence_written_days_since(checkpoint.position_tx);
    IF days IS DISTINCT FROM 'false' THEN
        EXECUTE format(
            'SELECT at, location FROM seen_events WHERE user_id = $1 AND at <= $2 AND (tx, at, id) > ($3, $4, $5) AND (%s) '
            'ORDER BY at DESC, id DESC LIMIT 1', coalesce(days, 'true'))
            INTO unfolded
            USING user_name, as_of, checkpoint.position_tx, checkpoint.position_at, checkpoint.position_id;
        IF unfolded.at IS NOT NULL AND (last_seen IS NULL OR unfolded.at > last_seen) THEN
            last_seen := unfolded.at;
            location := unfolded.location;
        END IF;
    END IF;

    IF last_seen IS NOT NULL THEN
        RETURN NEXT;
    END IF;
END
$$;

COMMENT ON FUNCTION presence_last_seen(text, timestamptz) IS
    'The user''s latest event at or before as_of and its location, from the projections and the events not folded yet.';
