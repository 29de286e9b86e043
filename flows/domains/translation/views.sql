-- The translation domain's views (registered in flows/domains/__init__.py: views="views.sql"),
-- read after schemas/views.sql's, over its checked_candidates and raw_tasks.

-- Translation (domain `translation`, MuSL): every model-written test driver with its validation
-- on the serial source alone (`against = 'source'`): `accepted` when the verifier kept it,
-- otherwise `reason` is the verifier's (degenerate input, sanitizer finding, does not compile...).
CREATE VIEW translation_tests AS
    SELECT
        task_id, candidate_id, round, parent_id, text AS driver, status, passed AS accepted,
        list_filter(outcomes, lambda o: o.status = 'rejected')[1].detail AS reason,
        verdict_id, run_id
    FROM checked_candidates
    WHERE role = 'tester' AND verifier = 'translation' AND against = 'source';

-- Every translation (round 0 and repairs, `parent_id` the failing one it was shown) with its
-- co-verification against the task's trusted drivers plus the model drivers validated up to its
-- round (`against = 'suite'`). `decided` is false where no driver survived validation.
CREATE VIEW translation_attempts AS
    SELECT
        task_id, candidate_id, round, parent_id, text AS translation, status, passed,
        status NOT IN ('unsupported', 'not_verified') AS decided,
        tests_passed, tests_total, verdict_id, run_id
    FROM checked_candidates
    WHERE role = 'translator' AND verifier = 'translation' AND against = 'suite';

-- Round over round, per run: `pass_at_1` is the mean over the tasks tried that round of passing
-- over decided translations (later rounds try only unsolved tasks); `solved_rate` is the share of
-- the run's tasks with a verified translation by that round; `acceptance_rate` is the tester's.
CREATE VIEW translation_rounds AS
    WITH per_task AS (
        SELECT
            run_id, round, task_id, count(*) AS translations,
            count(*) FILTER (WHERE decided) AS decided,
            count(*) FILTER (WHERE passed) AS passed
        FROM translation_attempts
        GROUP BY run_id, round, task_id
    ),
    tr AS (
        SELECT
            run_id, round, count(*) AS tasks_tried, sum(translations)::BIGINT AS translations,
            sum(passed)::BIGINT AS passed,
            avg(passed / decided) FILTER (WHERE decided > 0) AS pass_at_1
        FROM per_task
        GROUP BY run_id, round
    ),
    te AS (
        SELECT run_id, round, count(*) AS tests, count(*) FILTER (WHERE accepted) AS accepted
        FROM translation_tests
        GROUP BY run_id, round
    ),
    r AS (
        SELECT
            coalesce(tr.run_id, te.run_id) AS run_id,
            coalesce(tr.round, te.round) AS round,
            coalesce(tr.tasks_tried, 0) AS tasks_tried,
            coalesce(tr.translations, 0) AS translations,
            coalesce(tr.passed, 0) AS passed,
            tr.pass_at_1,
            coalesce(te.tests, 0) AS tests,
            coalesce(te.accepted, 0) AS tests_accepted,
            te.accepted / nullif(te.tests, 0) AS acceptance_rate
        FROM tr
        FULL OUTER JOIN te ON te.run_id = tr.run_id AND te.round = tr.round
    )
    SELECT
        r.*,
        (SELECT count(DISTINCT a.task_id) FROM translation_attempts a
         WHERE a.run_id = r.run_id AND a.passed AND a.round <= r.round) AS tasks_solved,
        (SELECT count(DISTINCT a.task_id) FROM translation_attempts a
         WHERE a.run_id = r.run_id AND a.passed AND a.round <= r.round)
            / nullif((SELECT count(DISTINCT t.id) FROM raw_tasks t WHERE t.run_id = r.run_id), 0)
            AS solved_rate
    FROM r;
