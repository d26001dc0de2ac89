-- 0001_initial, rolled back: removes everything 0001_initial.up.sql created.
-- Dropping a table drops its indexes and triggers with it.

DROP TABLE ai_provider_health;
DROP TABLE ai_usage_analytics;
DROP TABLE ai_usage_rollup_day;
DROP TABLE ai_usage_rollup_15min;
DROP TABLE ai_provider_capabilities;
DROP TABLE user_ai_preferences;
