-- 0002_services, rolled back: removes what 0002_services.up.sql added.

DROP TABLE budget_alerts;
ALTER TABLE user_ai_preferences DROP COLUMN health_checks_paused;
ALTER TABLE user_ai_preferences DROP COLUMN fallback_models;
