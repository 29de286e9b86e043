-- The toy domain's one view: each line's answers, round by round, with whether each was the
-- line reversed.
CREATE VIEW toy_reversals AS
    SELECT task_id, round, text AS answer, passed, run_id
    FROM checked_candidates
    WHERE verifier = 'toy-reversed';
