-- 0002_services: what the services of DESIGN §4 keep beyond schema 1.
--
-- * user_ai_preferences.fallback_models: the user's explicit model per
--   fallback provider, a JSON object {"anthropic": "claude-haiku-4-5", …};
--   providers not named get the automatic choice (TgConfigService).
-- * user_ai_preferences.health_checks_paused: the user paused active checks.
-- * budget_alerts: which budget alerts already fired, so each threshold fires
--   once per period (and budget amount) even across restarts.

ALTER TABLE user_ai_preferences
  ADD COLUMN fallback_models TEXT NOT NULL DEFAULT '{}'
    CHECK (json_valid (fallback_models) AND json_type (fallback_models) = 'object');

ALTER TABLE user_ai_preferences
  ADD COLUMN health_checks_paused INTEGER NOT NULL DEFAULT 0
    CHECK (health_checks_paused IN (0, 1));

CREATE TABLE budget_alerts (
  profile          TEXT    NOT NULL REFERENCES user_ai_preferences (profile) ON DELETE CASCADE,
  budget_period    TEXT    NOT NULL CHECK (budget_period IN ('daily', 'weekly', 'monthly')),
  -- The start of the local day, week or month the alert belongs to, UTC ms.
  period_start_ms  INTEGER NOT NULL CHECK (period_start_ms >= 0),
  -- The budget the percentage was of: raising it mid-period re-arms the alerts.
  budget_micros    INTEGER NOT NULL CHECK (budget_micros > 0),
  kind             TEXT    NOT NULL CHECK (kind IN ('threshold', 'exceeded')),
  percent          INTEGER NOT NULL CHECK (percent BETWEEN 1 AND 100),
  spent_micros     INTEGER NOT NULL CHECK (spent_micros >= 0),
  time_ms          INTEGER NOT NULL CHECK (time_ms >= 0),
  PRIMARY KEY (profile, budget_period, period_start_ms, budget_micros, kind, percent)
) STRICT, WITHOUT ROWID;
