-- The Leader's repeated-question note (issue 15): PostgreSQL counts the completed runs that asked
-- "the same question" instead of Dash loading recent questions into Python. A question is its set
-- of content words (lower case, ASCII letters and digits, "what's" read as "what", filler words
-- dropped), kept as one sorted, space-separated string; two questions are the same when those word
-- sets overlap by at least 0.8 (Jaccard). A pg_trgm index on the word strings finds the candidates
-- (`%`); ai.word_overlap() then decides exactly. Owned by the service role like the rest of ai.
CREATE OR REPLACE FUNCTION ai.content_words(question text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
    SELECT coalesce(string_agg(DISTINCT word, ' ' ORDER BY word), '')
    FROM regexp_split_to_table(regexp_replace(lower(question), '''\w*', '', 'g'), '[^a-z0-9]+') AS word
    WHERE word <> '' AND word <> ALL (ARRAY[
        'a', 'an', 'the', 'of', 'in', 'on', 'for', 'to', 'is', 'are', 'was', 'were', 'what', 'how',
        'many', 'much', 'do', 'does', 'did', 'by', 'per', 'our', 'we'
    ])
);

-- |a ∩ b| / |a ∪ b| of two word strings made by ai.content_words (distinct words); 0 when either
-- is empty.
CREATE OR REPLACE FUNCTION ai.word_overlap(a text, b text) RETURNS double precision
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    x text[] := string_to_array(a, ' ');
    y text[] := string_to_array(b, ' ');
    shared integer := 0;
    word text;
BEGIN
    IF a = '' OR b = '' THEN
        RETURN 0;
    END IF;
    FOREACH word IN ARRAY x LOOP
        IF word = ANY (y) THEN
            shared := shared + 1;
        END IF;
    END LOOP;
    RETURN shared::double precision / (cardinality(x) + cardinality(y) - shared);
END
$$;

-- Computed once when a run is created (the question never changes), so counting reads it instead
-- of taking every question apart again; identical questions then group into one comparison.
ALTER TABLE ai.runs
    ADD COLUMN IF NOT EXISTS question_words text GENERATED ALWAYS AS (ai.content_words(question)) STORED;
CREATE INDEX IF NOT EXISTS runs_question_words ON ai.runs USING gin (question_words gin_trgm_ops);
