/* fake-config-service.c: TEMPORARY stand-in for TgConfigService, linked only
 * into test-analytics-service and bench-analytics until the real
 * src/core/tg-config-service.c is merged; then delete this file and its
 * tg_fake_config_service library in tests/meson.build.
 *
 * Only what TgAnalyticsService uses: tg_config_service_new(),
 * tg_config_service_get_preferences(), tg_config_service_apply() (saves the
 * profile, so budget_alerts' foreign key holds) and ::changed, detailed by
 * the key, emitted once per budget key that changed. No validation. */

#include <string.h>

#include "tg-config-service.h"

struct _TgConfigService
{
  GObject        parent_instance;

  TgDb          *db;
  TgPreferences *prefs;
};

G_DEFINE_FINAL_TYPE (TgConfigService, tg_config_service, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
tg_config_service_finalize (GObject *object)
{
  TgConfigService *self = (TgConfigService *) object;

  g_clear_object (&self->db);
  g_clear_pointer (&self->prefs, tg_preferences_free);

  G_OBJECT_CLASS (tg_config_service_parent_class)->finalize (object);
}

static void
tg_config_service_class_init (TgConfigServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_config_service_finalize;

  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
tg_config_service_init (TgConfigService *self)
{
}

TgConfigService *
tg_config_service_new (TgDb      *db,
                       TgCatalog *catalog)
{
  TgConfigService *self = g_object_new (TG_TYPE_CONFIG_SERVICE, NULL);

  (void) catalog;
  if (db != NULL)
    {
      self->db = g_object_ref (db);
      self->prefs = tg_db_get_preferences (db, "default", NULL);
    }
  if (self->prefs == NULL)
    self->prefs = tg_preferences_new ();
  return self;
}

const TgPreferences *
tg_config_service_get_preferences (TgConfigService *self)
{
  return self->prefs;
}

static void
emit_changed (TgConfigService *self,
              const char      *key)
{
  g_signal_emit (self, signals[CHANGED], g_quark_from_string (key), key);
}

gboolean
tg_config_service_apply (TgConfigService      *self,
                         const TgPreferences  *prefs,
                         GError              **error)
{
  g_autoptr(TgPreferences) old = self->prefs;
  g_autoptr(GError) local_error = NULL;

  self->prefs = tg_preferences_copy (prefs);
  if (self->db != NULL &&
      !tg_db_update_preferences (self->db, self->prefs, &local_error))
    {
      if (!g_error_matches (local_error, TG_DB_ERROR, TG_DB_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!tg_db_insert_preferences (self->db, self->prefs, error))
        return FALSE;
    }

  if (old->budget_micros != prefs->budget_micros)
    emit_changed (self, TG_CONFIG_KEY_BUDGET);
  if (old->budget_period != prefs->budget_period)
    emit_changed (self, TG_CONFIG_KEY_BUDGET_PERIOD);
  if (old->n_alert_thresholds != prefs->n_alert_thresholds ||
      memcmp (old->alert_thresholds, prefs->alert_thresholds,
              sizeof (guint) * prefs->n_alert_thresholds) != 0)
    emit_changed (self, TG_CONFIG_KEY_ALERT_THRESHOLDS);
  if (old->hard_limit != prefs->hard_limit)
    emit_changed (self, TG_CONFIG_KEY_HARD_LIMIT);
  return TRUE;
}
