-- The days written by the transactions from after_tx on, as a condition on `at` for a
-- statement that reads the log (presence_day_ranges); 'false' when there are none, and null
-- when the list is not complete from after_tx on (read every partition then). As SECURITY
-- DEFINER, for every role that folds; it only reads (0013). Edit this file in place: the
-- Migrator applies it again when its text changes.
CREATE OR REPLACE FUNCTION presence_written_days_since(after_tx xid8) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN after_tx < (SELECT from_tx FROM presence_written_days_complete) THEN NULL
                ELSE presence_day_ranges(ARRAY(SELECT w.day FROM presence_written_days AS w WHERE w.tx >= after_tx)) END
$$;

DO $$
BEGIN
    EXECUTE format(
        'ALTER FUNCTION presence_written_days_since(xid8) SECURITY DEFINER SET search_path = %I, pg_temp',
        current_schema());
END
$$;
