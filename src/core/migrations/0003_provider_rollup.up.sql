-- 0003_provider_rollup: totals per provider per 15-minute UTC bucket.
--
-- The dashboard's cost chart is stacked by provider, by local hour or day.
-- The two roll-ups of 0001 have either the provider (per UTC day) or the
-- 15-minute bucket (without the provider), so a local day far from UTC had to
-- read hours of raw rows per day. This one has both, so any zone's hours and
-- days fold from it exactly, as they do for the totals.

CREATE TABLE ai_usage_rollup_provider_15min (
  bucket        INTEGER NOT NULL,
  provider_id   TEXT    NOT NULL,
  requests      INTEGER NOT NULL CHECK (requests >= 0),
  failures      INTEGER NOT NULL CHECK (failures >= 0),
  estimated     INTEGER NOT NULL CHECK (estimated >= 0),
  input_tokens  INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  cost_micros   INTEGER NOT NULL,
  PRIMARY KEY (bucket, provider_id)
) STRICT, WITHOUT ROWID;

INSERT INTO ai_usage_rollup_provider_15min
  SELECT time_ms / 900000, provider_id, count (*), sum (outcome <> 'ok'), sum (tokens_estimated),
         sum (input_tokens), sum (output_tokens), sum (cached_tokens), sum (cost_micros)
    FROM ai_usage_analytics
    GROUP BY time_ms / 900000, provider_id;

-- Triggers of their own beside 0001's, so each migration adds and removes only its own.
CREATE TRIGGER ai_usage_analytics_rollup_provider_insert
AFTER INSERT ON ai_usage_analytics
BEGIN
  INSERT INTO ai_usage_rollup_provider_15min
    VALUES (NEW.time_ms / 900000, NEW.provider_id, 1, NEW.outcome <> 'ok', NEW.tokens_estimated,
            NEW.input_tokens, NEW.output_tokens, NEW.cached_tokens, NEW.cost_micros)
    ON CONFLICT (bucket, provider_id) DO UPDATE SET
      requests      = requests + 1,
      failures      = failures + excluded.failures,
      estimated     = estimated + excluded.estimated,
      input_tokens  = input_tokens + excluded.input_tokens,
      output_tokens = output_tokens + excluded.output_tokens,
      cached_tokens = cached_tokens + excluded.cached_tokens,
      cost_micros   = cost_micros + excluded.cost_micros;
END;

CREATE TRIGGER ai_usage_analytics_rollup_provider_delete
AFTER DELETE ON ai_usage_analytics
BEGIN
  UPDATE ai_usage_rollup_provider_15min SET
      requests      = requests - 1,
      failures      = failures - (OLD.outcome <> 'ok'),
      estimated     = estimated - OLD.tokens_estimated,
      input_tokens  = input_tokens - OLD.input_tokens,
      output_tokens = output_tokens - OLD.output_tokens,
      cached_tokens = cached_tokens - OLD.cached_tokens,
      cost_micros   = cost_micros - OLD.cost_micros
    WHERE bucket = OLD.time_ms / 900000 AND provider_id = OLD.provider_id;
  DELETE FROM ai_usage_rollup_provider_15min
    WHERE bucket = OLD.time_ms / 900000 AND provider_id = OLD.provider_id AND requests = 0;
END;

-- An update is the old row taken out and the new one put in.
CREATE TRIGGER ai_usage_analytics_rollup_provider_update
AFTER UPDATE OF time_ms, provider_id, outcome, tokens_estimated,
                input_tokens, output_tokens, cached_tokens, cost_micros
ON ai_usage_analytics
BEGIN
  UPDATE ai_usage_rollup_provider_15min SET
      requests      = requests - 1,
      failures      = failures - (OLD.outcome <> 'ok'),
      estimated     = estimated - OLD.tokens_estimated,
      input_tokens  = input_tokens - OLD.input_tokens,
      output_tokens = output_tokens - OLD.output_tokens,
      cached_tokens = cached_tokens - OLD.cached_tokens,
      cost_micros   = cost_micros - OLD.cost_micros
    WHERE bucket = OLD.time_ms / 900000 AND provider_id = OLD.provider_id;
  DELETE FROM ai_usage_rollup_provider_15min
    WHERE bucket = OLD.time_ms / 900000 AND provider_id = OLD.provider_id AND requests = 0;
  INSERT INTO ai_usage_rollup_provider_15min
    VALUES (NEW.time_ms / 900000, NEW.provider_id, 1, NEW.outcome <> 'ok', NEW.tokens_estimated,
            NEW.input_tokens, NEW.output_tokens, NEW.cached_tokens, NEW.cost_micros)
    ON CONFLICT (bucket, provider_id) DO UPDATE SET
      requests      = requests + 1,
      failures      = failures + excluded.failures,
      estimated     = estimated + excluded.estimated,
      input_tokens  = input_tokens + excluded.input_tokens,
      output_tokens = output_tokens + excluded.output_tokens,
      cached_tokens = cached_tokens + excluded.cached_tokens,
      cost_micros   = cost_micros + excluded.cost_micros;
END;
