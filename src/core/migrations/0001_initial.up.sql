-- 0001_initial: the four tables of DESIGN §2, plus the usage roll-ups.
--
-- TgDb runs this whole file and PRAGMA user_version = 1 in one transaction.
-- Conventions: times are UTC milliseconds since the epoch (*_ms), money is
-- integer micro-dollars (*_micros), prices are micro-dollars per 1M tokens,
-- flags are INTEGER 0/1. STRICT tables reject values of the wrong type.
-- See docs/schema.md.

CREATE TABLE user_ai_preferences (
  profile                 TEXT    NOT NULL PRIMARY KEY CHECK (length (profile) > 0),
  default_provider        TEXT,
  default_model           TEXT,
  -- JSON arrays of provider ids, e.g. ["openai","anthropic"].
  fallback_order          TEXT    NOT NULL DEFAULT '[]'
                                  CHECK (json_valid (fallback_order) AND json_type (fallback_order) = 'array'),
  enabled_providers       TEXT    NOT NULL DEFAULT '[]'
                                  CHECK (json_valid (enabled_providers) AND json_type (enabled_providers) = 'array'),
  budget_micros           INTEGER NOT NULL DEFAULT 0 CHECK (budget_micros >= 0),
  budget_period           TEXT    NOT NULL DEFAULT 'monthly'
                                  CHECK (budget_period IN ('daily', 'weekly', 'monthly')),
  -- JSON array of percentages, e.g. [50,80,100]; at most 8 (TG_MAX_ALERT_THRESHOLDS).
  alert_thresholds        TEXT    NOT NULL DEFAULT '[50,80,100]'
                                  CHECK (json_valid (alert_thresholds)
                                         AND json_type (alert_thresholds) = 'array'
                                         AND json_array_length (alert_thresholds) <= 8),
  hard_limit              INTEGER NOT NULL DEFAULT 0 CHECK (hard_limit IN (0, 1)),
  health_check_interval_s INTEGER NOT NULL DEFAULT 300 CHECK (health_check_interval_s > 0),
  created_at_ms           INTEGER NOT NULL CHECK (created_at_ms >= 0),
  updated_at_ms           INTEGER NOT NULL CHECK (updated_at_ms >= 0)
) STRICT;

CREATE TABLE ai_provider_capabilities (
  provider_id               TEXT    NOT NULL CHECK (length (provider_id) > 0),
  model_id                  TEXT    NOT NULL CHECK (length (model_id) > 0),
  display_name              TEXT,
  context_window            INTEGER NOT NULL DEFAULT 0 CHECK (context_window >= 0),
  max_output                INTEGER NOT NULL DEFAULT 0 CHECK (max_output >= 0),
  price_input_micros        INTEGER NOT NULL DEFAULT 0 CHECK (price_input_micros >= 0),
  price_output_micros       INTEGER NOT NULL DEFAULT 0 CHECK (price_output_micros >= 0),
  price_cached_input_micros INTEGER NOT NULL DEFAULT 0 CHECK (price_cached_input_micros >= 0),
  supports_streaming        INTEGER NOT NULL DEFAULT 0 CHECK (supports_streaming IN (0, 1)),
  supports_tools            INTEGER NOT NULL DEFAULT 0 CHECK (supports_tools IN (0, 1)),
  supports_vision           INTEGER NOT NULL DEFAULT 0 CHECK (supports_vision IN (0, 1)),
  supports_json             INTEGER NOT NULL DEFAULT 0 CHECK (supports_json IN (0, 1)),
  source                    TEXT    NOT NULL CHECK (source IN ('catalog', 'user')),
  catalog_date              TEXT    CHECK (catalog_date IS NULL
                                           OR catalog_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  updated_at_ms             INTEGER NOT NULL CHECK (updated_at_ms >= 0),
  PRIMARY KEY (provider_id, model_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE ai_usage_analytics (
  id                     INTEGER PRIMARY KEY,
  time_ms                INTEGER NOT NULL CHECK (time_ms >= 0),
  provider_id            TEXT    NOT NULL CHECK (length (provider_id) > 0),
  model_id               TEXT    NOT NULL CHECK (length (model_id) > 0),
  request_kind           TEXT    NOT NULL CHECK (length (request_kind) > 0),
  input_tokens           INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
  output_tokens          INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
  cached_tokens          INTEGER NOT NULL DEFAULT 0 CHECK (cached_tokens >= 0),
  tokens_estimated       INTEGER NOT NULL DEFAULT 0 CHECK (tokens_estimated IN (0, 1)),
  cost_micros            INTEGER NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
  -- NULL: failed before the first token.
  latency_first_token_ms INTEGER CHECK (latency_first_token_ms IS NULL OR latency_first_token_ms >= 0),
  latency_total_ms       INTEGER NOT NULL DEFAULT 0 CHECK (latency_total_ms >= 0),
  outcome                TEXT    NOT NULL
                                 CHECK (outcome IN ('ok', 'auth', 'rate-limited', 'overloaded', 'server',
                                                    'timeout', 'network', 'bad-request', 'bad-response',
                                                    'cancelled')),
  -- NULL: no HTTP response.
  http_status            INTEGER CHECK (http_status IS NULL OR http_status BETWEEN 100 AND 999),
  fallback_of            INTEGER REFERENCES ai_usage_analytics (id) ON DELETE SET NULL,
  source                 TEXT    NOT NULL DEFAULT 'app' CHECK (source IN ('app', 'gateway', 'cli'))
) STRICT;

-- Time ranges (tg_db_list_usage, the partial edges of an aggregate); newest-first
-- listing walks it backwards.
CREATE INDEX ai_usage_analytics_time ON ai_usage_analytics (time_ms);
-- ON DELETE SET NULL looks children up by fallback_of; most rows have none.
CREATE INDEX ai_usage_analytics_fallback_of ON ai_usage_analytics (fallback_of)
  WHERE fallback_of IS NOT NULL;

-- Roll-ups kept by the triggers below, so that aggregates read a few thousand
-- pre-summed rows instead of every request. Never written by TgDb directly.
--
-- Totals per 15-minute UTC bucket (time_ms / 900000): all real UTC offsets are
-- multiples of 15 minutes, so these fold exactly into local hours and days.
CREATE TABLE ai_usage_rollup_15min (
  bucket        INTEGER PRIMARY KEY,
  requests      INTEGER NOT NULL CHECK (requests >= 0),
  failures      INTEGER NOT NULL CHECK (failures >= 0),
  estimated     INTEGER NOT NULL CHECK (estimated >= 0),
  input_tokens  INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  cost_micros   INTEGER NOT NULL
) STRICT;

-- Totals per provider and model per UTC day (time_ms / 86400000).
CREATE TABLE ai_usage_rollup_day (
  utc_day       INTEGER NOT NULL,
  provider_id   TEXT    NOT NULL,
  model_id      TEXT    NOT NULL,
  requests      INTEGER NOT NULL CHECK (requests >= 0),
  failures      INTEGER NOT NULL CHECK (failures >= 0),
  estimated     INTEGER NOT NULL CHECK (estimated >= 0),
  input_tokens  INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  cost_micros   INTEGER NOT NULL,
  PRIMARY KEY (utc_day, provider_id, model_id)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER ai_usage_analytics_rollup_insert
AFTER INSERT ON ai_usage_analytics
BEGIN
  INSERT INTO ai_usage_rollup_15min
    VALUES (NEW.time_ms / 900000, 1, NEW.outcome <> 'ok', NEW.tokens_estimated,
            NEW.input_tokens, NEW.output_tokens, NEW.cached_tokens, NEW.cost_micros)
    ON CONFLICT (bucket) DO UPDATE SET
      requests      = requests + 1,
      failures      = failures + excluded.failures,
      estimated     = estimated + excluded.estimated,
      input_tokens  = input_tokens + excluded.input_tokens,
      output_tokens = output_tokens + excluded.output_tokens,
      cached_tokens = cached_tokens + excluded.cached_tokens,
      cost_micros   = cost_micros + excluded.cost_micros;
  INSERT INTO ai_usage_rollup_day
    VALUES (NEW.time_ms / 86400000, NEW.provider_id, NEW.model_id, 1, NEW.outcome <> 'ok',
            NEW.tokens_estimated, NEW.input_tokens, NEW.output_tokens, NEW.cached_tokens,
            NEW.cost_micros)
    ON CONFLICT (utc_day, provider_id, model_id) DO UPDATE SET
      requests      = requests + 1,
      failures      = failures + excluded.failures,
      estimated     = estimated + excluded.estimated,
      input_tokens  = input_tokens + excluded.input_tokens,
      output_tokens = output_tokens + excluded.output_tokens,
      cached_tokens = cached_tokens + excluded.cached_tokens,
      cost_micros   = cost_micros + excluded.cost_micros;
END;

CREATE TRIGGER ai_usage_analytics_rollup_delete
AFTER DELETE ON ai_usage_analytics
BEGIN
  UPDATE ai_usage_rollup_15min SET
      requests      = requests - 1,
      failures      = failures - (OLD.outcome <> 'ok'),
      estimated     = estimated - OLD.tokens_estimated,
      input_tokens  = input_tokens - OLD.input_tokens,
      output_tokens = output_tokens - OLD.output_tokens,
      cached_tokens = cached_tokens - OLD.cached_tokens,
      cost_micros   = cost_micros - OLD.cost_micros
    WHERE bucket = OLD.time_ms / 900000;
  DELETE FROM ai_usage_rollup_15min
    WHERE bucket = OLD.time_ms / 900000 AND requests = 0;
  UPDATE ai_usage_rollup_day SET
      requests      = requests - 1,
      failures      = failures - (OLD.outcome <> 'ok'),
      estimated     = estimated - OLD.tokens_estimated,
      input_tokens  = input_tokens - OLD.input_tokens,
      output_tokens = output_tokens - OLD.output_tokens,
      cached_tokens = cached_tokens - OLD.cached_tokens,
      cost_micros   = cost_micros - OLD.cost_micros
    WHERE utc_day = OLD.time_ms / 86400000
      AND provider_id = OLD.provider_id AND model_id = OLD.model_id;
  DELETE FROM ai_usage_rollup_day
    WHERE utc_day = OLD.time_ms / 86400000
      AND provider_id = OLD.provider_id AND model_id = OLD.model_id
      AND requests = 0;
END;

-- An update is the old row taken out and the new one put in.
CREATE TRIGGER ai_usage_analytics_rollup_update
AFTER UPDATE OF time_ms, provider_id, model_id, outcome, tokens_estimated,
                input_tokens, output_tokens, cached_tokens, cost_micros
ON ai_usage_analytics
BEGIN
  UPDATE ai_usage_rollup_15min SET
      requests      = requests - 1,
      failures      = failures - (OLD.outcome <> 'ok'),
      estimated     = estimated - OLD.tokens_estimated,
      input_tokens  = input_tokens - OLD.input_tokens,
      output_tokens = output_tokens - OLD.output_tokens,
      cached_tokens = cached_tokens - OLD.cached_tokens,
      cost_micros   = cost_micros - OLD.cost_micros
    WHERE bucket = OLD.time_ms / 900000;
  DELETE FROM ai_usage_rollup_15min
    WHERE bucket = OLD.time_ms / 900000 AND requests = 0;
  UPDATE ai_usage_rollup_day SET
      requests      = requests - 1,
      failures      = failures - (OLD.outcome <> 'ok'),
      estimated     = estimated - OLD.tokens_estimated,
      input_tokens  = input_tokens - OLD.input_tokens,
      output_tokens = output_tokens - OLD.output_tokens,
      cached_tokens = cached_tokens - OLD.cached_tokens,
      cost_micros   = cost_micros - OLD.cost_micros
    WHERE utc_day = OLD.time_ms / 86400000
      AND provider_id = OLD.provider_id AND model_id = OLD.model_id;
  DELETE FROM ai_usage_rollup_day
    WHERE utc_day = OLD.time_ms / 86400000
      AND provider_id = OLD.provider_id AND model_id = OLD.model_id
      AND requests = 0;
  INSERT INTO ai_usage_rollup_15min
    VALUES (NEW.time_ms / 900000, 1, NEW.outcome <> 'ok', NEW.tokens_estimated,
            NEW.input_tokens, NEW.output_tokens, NEW.cached_tokens, NEW.cost_micros)
    ON CONFLICT (bucket) DO UPDATE SET
      requests      = requests + 1,
      failures      = failures + excluded.failures,
      estimated     = estimated + excluded.estimated,
      input_tokens  = input_tokens + excluded.input_tokens,
      output_tokens = output_tokens + excluded.output_tokens,
      cached_tokens = cached_tokens + excluded.cached_tokens,
      cost_micros   = cost_micros + excluded.cost_micros;
  INSERT INTO ai_usage_rollup_day
    VALUES (NEW.time_ms / 86400000, NEW.provider_id, NEW.model_id, 1, NEW.outcome <> 'ok',
            NEW.tokens_estimated, NEW.input_tokens, NEW.output_tokens, NEW.cached_tokens,
            NEW.cost_micros)
    ON CONFLICT (utc_day, provider_id, model_id) DO UPDATE SET
      requests      = requests + 1,
      failures      = failures + excluded.failures,
      estimated     = estimated + excluded.estimated,
      input_tokens  = input_tokens + excluded.input_tokens,
      output_tokens = output_tokens + excluded.output_tokens,
      cached_tokens = cached_tokens + excluded.cached_tokens,
      cost_micros   = cost_micros + excluded.cost_micros;
END;

CREATE TABLE ai_provider_health (
  id            INTEGER PRIMARY KEY,
  time_ms       INTEGER NOT NULL CHECK (time_ms >= 0),
  provider_id   TEXT    NOT NULL CHECK (length (provider_id) > 0),
  kind          TEXT    NOT NULL CHECK (kind IN ('active', 'passive')),
  ok            INTEGER NOT NULL CHECK (ok IN (0, 1)),
  -- NULL: no answer.
  latency_ms    INTEGER CHECK (latency_ms IS NULL OR latency_ms >= 0),
  -- NULL: no HTTP response.
  http_status   INTEGER CHECK (http_status IS NULL OR http_status BETWEEN 100 AND 999),
  -- An error class ("timeout", "server", …) when the check failed, NULL when ok.
  error_class   TEXT    CHECK (error_class IS NULL OR (ok = 0 AND length (error_class) > 0)),
  circuit_state TEXT    NOT NULL CHECK (circuit_state IN ('closed', 'open', 'half-open'))
) STRICT;

-- Per-provider history and "newest row per provider" (a backwards seek each).
CREATE INDEX ai_provider_health_provider_time ON ai_provider_health (provider_id, time_ms);
-- All-provider history and retention (DELETE … WHERE time_ms < ?).
CREATE INDEX ai_provider_health_time ON ai_provider_health (time_ms);
