-- Keep user_activity's rows of a time together as the table grows (DESIGN.md, "Growing old
-- well"). A batch updates the rows of the quarter hours it adds to (events, previous_quarter);
-- with full pages each update wrote the new row version wherever the free space map pointed,
-- often a page of an old day that vacuum had freed, so the rows of one week ended up spread
-- over the whole table. With a year of history the active-users report read 2.2 times as
-- many pages as with 45 days for the same week (Benchmarks/GrowthBenchmarks). Room on each
-- page lets those updates stay on their page (HOT: neither updated column is indexed).
-- Pages written from now on keep the room; the twins a rebuild fills too.
ALTER TABLE user_activity SET (fillfactor = 85);
ALTER TABLE presence_next.user_activity SET (fillfactor = 85);
