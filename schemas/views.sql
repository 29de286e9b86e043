-- The SQL face of the dataset: DuckDB views over <root>/commits/*/<table>.parquet.
--
-- `assay.schemas.query.connect` replaces each {table} token below with the table's source: its
-- declared empty shape (`_empty_<table>`, built from schemas/tables.py) unioned BY NAME with
-- every committed Parquet file of that table. So a view has the declared columns and types even
-- with no commits, and files written under an older schema version still read (missing columns
-- are NULL). The glob is one level deep on purpose: `**` would also read hidden folders.

-- raw_*: every committed row, repeats included (the same content committed by two runs).
CREATE VIEW raw_tasks AS SELECT * FROM {tasks};
CREATE VIEW raw_candidates AS SELECT * FROM {candidates};
CREATE VIEW raw_verdicts AS SELECT * FROM {verdicts};
CREATE VIEW raw_samples AS SELECT * FROM {samples};
CREATE VIEW raw_runs AS SELECT * FROM {runs};

-- Ids are content hashes, so one id is one piece of content: keep its first commit.
CREATE VIEW tasks AS
    SELECT * FROM raw_tasks QUALIFY row_number() OVER (PARTITION BY id ORDER BY committed_at) = 1;
CREATE VIEW candidates AS
    SELECT * FROM raw_candidates
    QUALIFY row_number() OVER (PARTITION BY id ORDER BY committed_at) = 1;
CREATE VIEW verdicts AS
    SELECT * FROM raw_verdicts
    QUALIFY row_number() OVER (PARTITION BY id ORDER BY committed_at) = 1;
CREATE VIEW samples AS
    SELECT * FROM raw_samples
    QUALIFY row_number() OVER (PARTITION BY id ORDER BY committed_at) = 1;

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
        coalesce(nullif(v.task_id, ''), c.task_id) AS task_id,
        v.candidate_id AS solution_id,
        c.role AS role,
        c.round AS round,
        v.against,
        v.verifier,
        o.i - 1 AS test_index,
        o.outcome.name AS test,
        o.outcome.status AS status,
        o.outcome.status = 'pass' AS passed,
        v.id AS verdict_id,
        v.run_id
    FROM verdicts v
    LEFT JOIN candidates c ON c.id = v.candidate_id
    CROSS JOIN unnest(v.outcomes) WITH ORDINALITY AS o(outcome, i)
    WHERE c.role IS DISTINCT FROM 'tester';
