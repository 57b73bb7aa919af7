-- Covering indexes for the provision and compliance reports (bench/RESULTS.md, «Учебный фонд
-- региона»): a district's report reads every curriculum line and every batch of its schools. With
-- every column it reads in the index, neither database visits the table, the lines come in the
-- report's order without a sort, and PostgreSQL's first (custom) plans stop scanning the whole
-- region's tables in parallel. Each replaces the narrower index it starts with.
CREATE INDEX curriculum_report ON curriculum (school_year, school_id, grade, subject, id, item_id, share, aid);
DROP INDEX curriculum_year;
CREATE INDEX fund_batches_held ON fund_batches (school_id, item_id, copies, written_off);
DROP INDEX fund_batches_school_item;
