-- The SQL face of the dataset: DuckDB views over <root>/commits/*/<table>.parquet.
--
-- `assay.schemas.query.reading` replaces each {table} token below with the table's source: its
-- declared empty shape (a typed empty SELECT built from schemas/tables.py) unioned BY NAME with
-- every Parquet file of that table in the reader's snapshot, named one by one. So a view has the
-- declared columns and types even with no commits, and files written under an older schema
-- version still read (missing columns are NULL).

-- raw_*: every committed row, repeats included (the same content committed by two runs).
CREATE VIEW raw_tasks AS SELECT * FROM {tasks};
CREATE VIEW raw_candidates AS SELECT * FROM {candidates};
CREATE VIEW raw_verdicts AS SELECT * FROM {verdicts};
CREATE VIEW raw_samples AS SELECT * FROM {samples};
CREATE VIEW raw_runs AS SELECT * FROM {runs};
CREATE VIEW raw_curation AS SELECT * FROM {curation};

-- Ids are content hashes, so one id is one piece of content: keep its first commit. (A verdict's
-- id holds its verifier, tier, verifier version and a hash of the verifier's options and limits,
-- so a re-check under anything else is a new verdict, kept beside the old in verdict_history.)
-- task_id leads each partition: the id fixes it anyway, and a query for one task then reads
-- only that task's rows.
CREATE VIEW tasks AS
    SELECT * FROM raw_tasks QUALIFY row_number() OVER (PARTITION BY id ORDER BY committed_at) = 1;
CREATE VIEW candidates AS
    SELECT * FROM raw_candidates
    QUALIFY row_number() OVER (PARTITION BY task_id, id ORDER BY committed_at) = 1;
CREATE VIEW verdict_history AS
    SELECT * FROM raw_verdicts
    QUALIFY row_number() OVER (PARTITION BY task_id, id ORDER BY committed_at) = 1;
CREATE VIEW samples AS
    SELECT * FROM raw_samples
    QUALIFY row_number() OVER (PARTITION BY task_id, id ORDER BY committed_at) = 1;

-- The verdict that counts: one per candidate, per what it was checked against and per verifier,
-- chosen from verdict_history by this rule (README, "Which verdict counts"):
--   1. only the newest verifier version's verdicts (a fixed verifier re-judges everything);
--   2. a decided verdict over an undecided one (unsupported, not_verified, error);
--   3. never a pass over a decided failure committed after it (fail-closed: a later formal
--      counterexample, or a later check under other limits, overrules an earlier pass);
--   4. then the strongest tier (tests < cosim < simulation < formal < kernel, `records.TIERS`);
--   5. then the newest commit (a check rerun under new limits replaces the old one).
-- Most candidates have one verdict per check, and it is the one that counts: rows are counted
-- per (task, hash of candidate, against, verifier) with a hash aggregate, and only groups of more
-- than one row (a hash collision only sends a group the long way) go through the ranking
-- windows, so the view costs about a scan and a join, and a filter on task_id reaches the files.
CREATE VIEW verdicts AS
    WITH keyed AS NOT MATERIALIZED (
        SELECT *, hash(candidate_id, against, verifier) AS _g FROM raw_verdicts
    ),
    sized AS NOT MATERIALIZED (
        SELECT keyed.*, n._n
        FROM keyed JOIN (SELECT task_id, _g, count(*) AS _n FROM keyed GROUP BY ALL) n
            USING (task_id, _g)
    ),
    newest AS (
        SELECT
            *,
            status NOT IN ('unsupported', 'not_verified', 'error') AS _decided,
            list_position(['', 'tests', 'cosim', 'simulation', 'formal', 'kernel'], tier) AS _rank
        FROM sized
        WHERE _n > 1
        QUALIFY row_number() OVER (PARTITION BY task_id, id ORDER BY committed_at) = 1
            AND coalesce(verifier_version, 0) = max(coalesce(verifier_version, 0))
                OVER (PARTITION BY task_id, candidate_id, against, verifier)
    ),
    marked AS (
        SELECT
            *,
            coalesce(status = 'pass' AND committed_at < max(committed_at)
                FILTER (WHERE _decided AND status <> 'pass')
                OVER (PARTITION BY task_id, candidate_id, against, verifier), false) AS _overruled
        FROM newest
    )
    SELECT * EXCLUDE (_g, _n) FROM sized WHERE _n = 1
    UNION ALL BY NAME
    SELECT * EXCLUDE (_g, _n, _decided, _rank, _overruled)
    FROM marked
    QUALIFY row_number() OVER (
        PARTITION BY task_id, candidate_id, against, verifier
        ORDER BY _decided DESC, _overruled ASC, _rank DESC NULLS LAST, committed_at DESC, id
    ) = 1;

-- One row per run: its latest reported state (a run is committed when it starts and again when
-- it ends), with what it actually committed, counted from the tables by run_id.
CREATE VIEW runs AS
    WITH latest AS (
        SELECT * FROM raw_runs
        QUALIFY row_number() OVER (
            PARTITION BY id ORDER BY committed_at DESC, (state = 'running') ASC
        ) = 1
    )
    SELECT
        r.id, r.name, r.state, r.started_at, r.ended_at,
        (SELECT count(DISTINCT t.id) FROM raw_tasks t WHERE t.run_id = r.id) AS tasks,
        (SELECT count(DISTINCT c.id) FROM raw_candidates c WHERE c.run_id = r.id) AS candidates,
        (SELECT count(DISTINCT v.id) FROM raw_verdicts v WHERE v.run_id = r.id) AS verdicts,
        (SELECT count(DISTINCT s.id) FROM raw_samples s WHERE s.run_id = r.id) AS samples,
        r.counts, r.versions, r.config, r.run_id, r.committed_at
    FROM latest r;

-- The N×M pass matrix of each task, one row per (solution, test): every verdict on a solution
-- (any candidate that is not a tester) unnested into its per-test outcomes. A test is named by
-- its outcome name; test_index is its position in the verdict's outcome list, and `against` says
-- which pool or test suite the solution ran against. A task's matrix as a grid:
--   PIVOT (SELECT solution_id, test, passed FROM matrix WHERE task_id = '...')
--   ON test USING bool_and(passed) GROUP BY solution_id;
-- Tests validated on the trusted reference are the verdicts with against = 'reference'.
CREATE VIEW matrix AS
    SELECT
        task_id, solution_id, role, round, against, verifier, test_index,
        outcome.name AS test,
        outcome.status AS status,
        outcome.status = 'pass' AS passed,
        verdict_id, run_id
    FROM (
        -- Unnested in the select list (a lateral join is far slower), and in two branches so
        -- that a filter on task_id reaches the verdicts where they carry it (all a run writes).
        SELECT
            v.task_id, v.candidate_id AS solution_id, c.role, c.round, v.against, v.verifier,
            generate_subscripts(v.outcomes, 1) - 1 AS test_index, unnest(v.outcomes) AS outcome,
            v.id AS verdict_id, v.run_id
        FROM verdicts v
        LEFT JOIN candidates c ON c.id = v.candidate_id AND c.task_id = v.task_id
        WHERE v.task_id <> '' AND c.role IS DISTINCT FROM 'tester'
        UNION ALL
        SELECT
            c.task_id, v.candidate_id, c.role, c.round, v.against, v.verifier,
            generate_subscripts(v.outcomes, 1) - 1, unnest(v.outcomes), v.id, v.run_id
        FROM verdicts v
        LEFT JOIN candidates c ON c.id = v.candidate_id
        WHERE coalesce(v.task_id, '') = '' AND c.role IS DISTINCT FROM 'tester'
    );

-- Every verdict with the candidate it judged, in the columns the per-domain views below select
-- from (`passed`: the verdict is a pass; each view says which of its checks count as decided).
CREATE VIEW checked_candidates AS
    SELECT
        coalesce(nullif(v.task_id, ''), c.task_id) AS task_id,
        c.id AS candidate_id,
        c.role,
        c.round,
        c.parent_id,
        c.text,
        v.against,
        v.verifier,
        v.tier,
        v.status,
        v.status = 'pass' AS passed,
        v.outcomes,
        v.evidence,
        v.tests_passed,
        v.tests_total,
        v.duration_s,
        v.id AS verdict_id,
        v.run_id
    FROM verdicts v
    JOIN candidates c ON c.id = v.candidate_id;

-- Verdicts that decide whether a solution solves its task: checked against the task's own trusted
-- checks (verilog: `against = 'reference'`, the golden RTL; code: the task's test pool). Testers,
-- round-trip designs and other translator candidates are left out. `decided` is false where the
-- check could not reach a verdict (the toolchain does not support the design, or no GPU).
CREATE VIEW solution_verdicts AS
    SELECT
        task_id, candidate_id, role, round, text, against, verifier, tier, status, passed,
        status NOT IN ('unsupported', 'not_verified') AS decided,
        tests_passed, tests_total, verdict_id, run_id
    FROM checked_candidates
    WHERE role IN ('solver', 'repairer') AND (against = 'reference' OR against LIKE 'pool:%');

-- Per-problem pass rate: passing solutions over solutions whose check decided, per task.
CREATE VIEW pass_rates AS
    WITH per_candidate AS (
        -- solution_verdicts' rows, read the short way: a candidate's role and task are part of
        -- its id, so any one of its rows tells them (no dedup of candidates needed).
        SELECT
            task_id,
            candidate_id,
            bool_or(status NOT IN ('unsupported', 'not_verified')) AS decided,
            bool_or(status = 'pass') AS passed
        FROM (
            SELECT v.task_id, v.candidate_id, v.status
            FROM verdicts v
            SEMI JOIN raw_candidates c
                ON c.id = v.candidate_id AND c.role IN ('solver', 'repairer')
            WHERE v.task_id <> '' AND (v.against = 'reference' OR v.against LIKE 'pool:%')
            UNION ALL
            SELECT c.task_id, v.candidate_id, v.status
            FROM verdicts v
            JOIN raw_candidates c ON c.id = v.candidate_id AND c.role IN ('solver', 'repairer')
            WHERE coalesce(v.task_id, '') = ''
              AND (v.against = 'reference' OR v.against LIKE 'pool:%')
        )
        GROUP BY task_id, candidate_id
    ),
    per_task AS (
        SELECT
            task_id,
            count(*) FILTER (WHERE decided) AS candidates,
            count(*) FILTER (WHERE passed) AS passed
        FROM per_candidate
        GROUP BY task_id
    ),
    names AS (  -- a task's name and domain are part of its id: any of its rows will do
        SELECT id, any_value(name) AS name, any_value(domain) AS domain FROM raw_tasks GROUP BY id
    )
    SELECT
        p.task_id,
        t.name,
        t.domain,
        p.candidates,
        p.passed,
        p.passed / nullif(p.candidates, 0) AS pass_rate
    FROM per_task p
    LEFT JOIN names t ON t.id = p.task_id;

-- Preference pairs (DPO-style): for the same task and the same checks, a passing solution
-- (`chosen`) and a failing one (`rejected`), every such combination once. Undecided checks
-- never make a rejected side.
CREATE VIEW preference_pairs AS
    SELECT
        p.candidate_id || ':' || r.candidate_id AS id,
        p.task_id,
        t.prompt,
        p.text AS chosen,
        r.text AS rejected,
        p.candidate_id AS chosen_id,
        r.candidate_id AS rejected_id,
        r.status AS rejected_status,
        r.tests_passed AS rejected_tests_passed,
        r.tests_total AS rejected_tests_total,
        p.verdict_id AS chosen_verdict_id,
        r.verdict_id AS rejected_verdict_id,
        p.against,
        p.verifier
    FROM solution_verdicts p
    JOIN solution_verdicts r
      ON r.task_id = p.task_id AND r.against = p.against AND r.candidate_id <> p.candidate_id
    LEFT JOIN tasks t ON t.id = p.task_id
    WHERE p.passed AND r.decided AND NOT r.passed;

-- The newest curation pass's decisions, one row per sample (`assay curate`, and the end of every
-- run). A pass is one commit, so it is there whole or not at all.
CREATE VIEW curation AS
    SELECT * FROM raw_curation
    WHERE pass_id = (
        SELECT pass_id FROM raw_curation ORDER BY committed_at DESC, pass_id LIMIT 1
    )
    QUALIFY row_number() OVER (PARTITION BY sample_id ORDER BY committed_at) = 1;

-- Difficulty from sampled pass rates (KodCode, AceCoder): per task, the solutions (solver,
-- repairer, prover, translator candidates) whose check decided, and those that passed, by the
-- verdicts that count. `easy` at a pass rate at or above the easy threshold, `hard` below the
-- hard one, `medium` between, `unsolved` when nothing passed. The thresholds are the newest
-- curation pass's (`curate.difficulty`, recorded in its `pass_config`), so the view labels as
-- curation does; before any pass, the defaults (2/3 and 1/3: `schemas/records.py`,
-- DIFFICULTY_EASY and DIFFICULTY_HARD, substituted for the {difficulty_*} tokens at connect).
CREATE VIEW difficulty AS
    WITH per_candidate AS (
        SELECT
            c.task_id,
            c.id AS candidate_id,
            bool_or(v.status NOT IN ('unsupported', 'not_verified')) AS decided,
            bool_or(v.status = 'pass') AS passed
        FROM verdicts v
        JOIN (SELECT DISTINCT id, task_id, role FROM raw_candidates) c ON c.id = v.candidate_id
        WHERE c.role IN ('solver', 'repairer', 'prover', 'translator')
        GROUP BY c.task_id, c.id
    ),
    per_task AS (
        SELECT
            p.task_id,
            any_value(t.domain) AS domain,
            count(*) FILTER (WHERE p.decided) AS attempts,
            count(*) FILTER (WHERE p.passed) AS passes
        FROM per_candidate p
        LEFT JOIN (SELECT id, any_value(domain) AS domain FROM raw_tasks GROUP BY id) t
            ON t.id = p.task_id
        GROUP BY p.task_id
    ),
    thresholds AS (
        SELECT
            coalesce(max(try_cast(pass_config ->> '$.difficulty.easy' AS DOUBLE)),
                     {difficulty_easy}) AS easy,
            coalesce(max(try_cast(pass_config ->> '$.difficulty.hard' AS DOUBLE)),
                     {difficulty_hard}) AS hard
        FROM (SELECT pass_config FROM curation LIMIT 1)
    )
    SELECT
        task_id,
        domain,
        attempts,
        passes,
        passes / nullif(attempts, 0) AS pass_rate,
        CASE
            WHEN passes = 0 THEN 'unsolved'
            WHEN passes / attempts >= easy THEN 'easy'
            WHEN passes / attempts < hard THEN 'hard'
            ELSE 'medium'
        END AS difficulty
    FROM per_task, thresholds;

-- The samples the newest curation pass kept, with their task's difficulty: what `assay export`
-- releases. Duplicates and contaminated rows stay in `curation` with the reason.
CREATE VIEW curated_samples AS
    SELECT s.*, c.difficulty, c.pass_rate, c.attempts, c.passes
    FROM samples s
    JOIN curation c ON c.sample_id = s.id AND c.decision = 'keep';
