/* notification-demo.c: a real provider-down notification, for docs/screenshots/.
 * Not a test: run it by hand under a display with a notification server, e.g.
 * tools/notification-screenshot (which starts notification-daemon).
 *
 * A GApplication of its own sends what TgNotifier decides when OpenAI's
 * circuit opens in a real TgHealthMonitor (passive failures, as TgAiClient
 * reports them) while Anthropic is next in the fallback order: the path the
 * app takes, up to the desktop's own notification bubble. */

#include "config.h"

#include <glib/gi18n.h>

#include "tg-notifier.h"

static gboolean
quit_cb (gpointer user_data)
{
  g_application_release (G_APPLICATION (user_data));
  return G_SOURCE_REMOVE;
}

static void
activate_cb (GApplication *app,
             gpointer      user_data)
{
  g_autofree char *dir = g_dir_make_tmp ("tollgate-notification-demo-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(TgSecretStore) secrets = tg_secret_store_new ();
  g_autoptr(TgHealthMonitor) health = NULL;
  g_autoptr(TgAnalyticsService) analytics = NULL;
  TgNotifier *notifier;
  const char * const order[] = { "anthropic", NULL };

  g_setenv ("TOLLGATE_DATA_DIR", dir, TRUE);
  catalog = tg_catalog_new_default (&error);
  g_assert_no_error (error);
  db = tg_db_open_default (&error);
  g_assert_no_error (error);
  config = tg_config_service_new (db, catalog);
  if (!tg_config_service_set_fallback_order (config, order, &error))
    g_error ("%s", error->message);
  health = tg_health_monitor_new (db, catalog, secrets);
  analytics = tg_analytics_service_new (db, catalog, config);
  notifier = tg_notifier_new (app, catalog, config, health, analytics);
  g_object_set_data_full (G_OBJECT (app), "notifier", notifier, g_object_unref);

  for (guint i = 0; i < 10 && tg_health_monitor_get_status (health, "openai") != TG_HEALTH_STATUS_DOWN; i++)
    tg_health_monitor_report (health, "openai", FALSE, 30000, 503, "overloaded");

  /* Long enough for the bubble to be drawn and captured. */
  g_application_hold (app);
  g_timeout_add_seconds (6, quit_cb, app);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GApplication) app = g_application_new ("io.github.tollgate.Tollgate", G_APPLICATION_DEFAULT_FLAGS);

  g_set_application_name (_("Tollgate"));
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  return g_application_run (app, argc, argv);
}
