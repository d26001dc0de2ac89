-- 0003_provider_rollup, rolled back. The triggers live on ai_usage_analytics,
-- so they go first: left behind, they would fail every insert.

DROP TRIGGER ai_usage_analytics_rollup_provider_update;
DROP TRIGGER ai_usage_analytics_rollup_provider_delete;
DROP TRIGGER ai_usage_analytics_rollup_provider_insert;
DROP TABLE ai_usage_rollup_provider_15min;
