-- The proofs domain's views (registered in flows/domains/__init__.py: views="views.sql"), read
-- after schemas/views.sql's, over its checked_candidates, candidates, verdicts and tasks.

-- Proofs (domain `proofs`): every prover/repairer proof with its verdict against its own
-- statement (`against = 'statement'`), seed statements and filtered conjectures alike. `reason`
-- is the checker's message (what a repair round was shown); `decided` is false where the check
-- could not reach a verdict (no toolchain: `unsupported`; the check itself broke: `error`).
CREATE VIEW proof_attempts AS
    SELECT
        task_id, candidate_id, role, round, parent_id, text AS proof, verifier, status, passed,
        status NOT IN ('unsupported', 'not_verified', 'error') AS decided,
        json_extract_string(evidence, '$.reason') AS reason,
        duration_s, verdict_id, run_id
    FROM checked_candidates
    WHERE role IN ('prover', 'repairer') AND against = 'statement';

-- Per-statement pass rate of proofs: passing over decided attempts (round 0 and repairs).
CREATE VIEW proof_pass_rates AS
    SELECT
        a.task_id,
        any_value(t.name) AS name,
        any_value(t.source) AS source,
        json_extract_string(any_value(t.meta), '$.seed_task') AS seed_task,
        count(DISTINCT a.candidate_id) FILTER (WHERE a.decided) AS attempts,
        count(DISTINCT a.candidate_id) FILTER (WHERE a.passed) AS passed,
        count(DISTINCT a.candidate_id) FILTER (WHERE a.role = 'repairer') AS repairs,
        count(DISTINCT a.candidate_id) FILTER (WHERE a.passed)
            / nullif(count(DISTINCT a.candidate_id) FILTER (WHERE a.decided), 0) AS pass_rate
    FROM proof_attempts a
    LEFT JOIN tasks t ON t.id = a.task_id
    GROUP BY a.task_id;

-- STP conjectures: each statement the conjecturer proposed for a seed, whether it compiled, the
-- status of assay's cheap attempt at its negation (`pass`: refuted, dropped), and, once proved,
-- its task id (the conjecture task's `meta.conjecture` names it) and pass rate.
CREATE VIEW conjectures AS
    SELECT
        c.id AS candidate_id,
        c.task_id AS seed_task,
        c.text AS statement,
        ok.status AS compiles,
        neg.status AS negation,
        ct.id AS task_id,
        r.attempts,
        r.passed,
        r.pass_rate,
        c.run_id
    FROM candidates c
    LEFT JOIN verdicts ok ON ok.candidate_id = c.id AND ok.against = 'compiles'
    LEFT JOIN verdicts neg ON neg.candidate_id = c.id AND neg.against = 'negation'
    LEFT JOIN tasks ct ON json_extract_string(ct.meta, '$.conjecture') = c.id
    LEFT JOIN proof_pass_rates r ON r.task_id = ct.id
    WHERE c.role = 'conjecturer';
