/* preferences-demo.c: renders the four pages of TgPreferencesWindow with
 * realistic settings, light and dark, at 640 and 360 px, into PNGs for
 * docs/screenshots/. Not a test: run it by hand under tests/run-headless (a
 * display and a throwaway keyring; the data folder is a temporary one):
 *
 *   tests/run-headless build/tests/preferences-demo /tmp/preferences-shots
 */

#include "config.h"

#include <adwaita.h>

#include "tg-catalog.h"
#include "tg-config-service.h"
#include "tg-db.h"
#include "tg-health-monitor.h"
#include "tg-preferences-window.h"
#include "tg-preferences-window-private.h"
#include "tg-secret-store.h"
#include "tg-ui-test-utils.h"

#define MINUTE_MS G_GINT64_CONSTANT (60000)

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
settle (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* A day of checks: OpenAI fast and steady, Anthropic slower with two failures. */
static void
add_history (TgDb *db)
{
  gint64 now = g_get_real_time () / 1000;

  for (int i = 0; i < 24; i++)
    {
      g_autoptr(TgHealthRecord) openai = tg_health_record_new ();
      g_autoptr(TgHealthRecord) anthropic = tg_health_record_new ();

      openai->time_ms = now - (24 - i) * 5 * MINUTE_MS;
      openai->provider_id = g_strdup ("openai");
      openai->kind = TG_HEALTH_CHECK_ACTIVE;
      openai->ok = TRUE;
      openai->latency_ms = 180 + (i * 37) % 90;
      openai->http_status = 200;
      tg_db_insert_health (db, openai, NULL);

      anthropic->time_ms = openai->time_ms + 20000;
      anthropic->provider_id = g_strdup ("anthropic");
      anthropic->kind = TG_HEALTH_CHECK_ACTIVE;
      anthropic->ok = i != 9 && i != 17;
      anthropic->latency_ms = anthropic->ok ? 320 + (i * 53) % 160 : 10000;
      anthropic->http_status = anthropic->ok ? 200 : 0;
      anthropic->error_class = anthropic->ok ? NULL : g_strdup ("timeout");
      tg_db_insert_health (db, anthropic, NULL);
    }
}

int
main (int   argc,
      char *argv[])
{
  static const char *pages[] = { "providers", "budget", "fallback", "health" };
  static const int widths[] = { 640, 360 };
  const char *outdir = argc > 1 ? argv[1] : ".";
  g_autofree char *data_dir = g_dir_make_tmp ("tollgate-prefs-demo-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(TgSecretStore) secrets = NULL;
  g_autoptr(TgHealthMonitor) health = NULL;
  g_autoptr(GSettings) settings = NULL;
  const char *order[] = { "openai", "anthropic", "gemini", NULL };
  const guint thresholds[] = { 50, 80, 100 };

  g_setenv ("TOLLGATE_DATA_DIR", data_dir, TRUE);
  gtk_init ();
  /* The build's compiled schema (make run and the tests set this). */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  settings = g_settings_new (APP_ID);
  adw_init ();
  g_mkdir_with_parents (outdir, 0755);

  catalog = tg_catalog_new_default (&error);
  db = catalog != NULL ? tg_db_open_default (&error) : NULL;
  if (db == NULL || !tg_catalog_sync_to_db (catalog, db, &error))
    g_error ("%s", error->message);

  /* A local server of one's own, listed under Custom Endpoints. */
  {
    g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_model_capabilities_free);
    TgModelCapabilities *model = tg_model_capabilities_new ();
    TgCatalogProvider server = { 0 };

    model->provider_id = g_strdup ("workstation");
    model->model_id = g_strdup ("llama3.1:8b");
    model->display_name = g_strdup ("llama3.1:8b");
    model->context_window = 131072;
    model->max_output = 8192;
    model->capabilities = TG_CAPABILITY_STREAMING;
    model->source = TG_CAPABILITY_SOURCE_USER;
    g_ptr_array_add (models, model);
    server.id = (char *) "workstation";
    server.name = (char *) "Workstation llama.cpp";
    server.base_url = (char *) "http://localhost:8080/v1";
    server.auth_style = TG_AUTH_STYLE_NONE;
    server.health_path = (char *) "/models";
    server.prices_as_of = (char *) "2026-11-30";
    server.default_model = (char *) "llama3.1:8b";
    server.local = TRUE;
    server.user_defined = TRUE;
    server.models = models;
    if (!tg_catalog_save_user_provider (catalog, &server, &error) || !tg_catalog_sync_to_db (catalog, db, &error))
      g_error ("%s", error->message);
  }

  config = tg_config_service_new (db, catalog);
  tg_config_service_set_default_provider (config, "openai", NULL, NULL);
  tg_config_service_set_budget (config, 25000000, TG_BUDGET_PERIOD_MONTHLY, NULL);
  tg_config_service_set_alert_thresholds (config, thresholds, G_N_ELEMENTS (thresholds), NULL);
  tg_config_service_set_fallback_order (config, order, NULL);
  secrets = tg_secret_store_new ();
  if (!tg_secret_store_store_sync (secrets, "openai", "sk-demo-not-a-real-key", NULL, &error))
    g_error ("%s", error->message);
  add_history (db);
  health = tg_health_monitor_new (db, catalog, secrets);

  for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
    for (int dark = 0; dark <= 1; dark++)
      for (guint p = 0; p < G_N_ELEMENTS (pages); p++)
        {
          GtkWidget *window = tg_preferences_window_new (NULL, config, catalog, secrets, health, db);
          g_autofree char *file = g_strdup_printf ("preferences-%s-%s%s.png", pages[p], dark ? "dark" : "light",
                                                   widths[w] == 360 ? "-narrow" : "");
          g_autofree char *path = g_build_filename (outdir, file, NULL);

          /* As the application shows it: settings in memory, no tray on this display. */
          tg_preferences_window_set_session (TG_PREFERENCES_WINDOW (window), settings, NULL);

          adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                              dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
          gtk_window_set_default_size (GTK_WINDOW (window), widths[w], 760);
          tg_preferences_window_show_page (TG_PREFERENCES_WINDOW (window), pages[p]);
          gtk_window_present (GTK_WINDOW (window));
          while (tg_preferences_window_is_busy (TG_PREFERENCES_WINDOW (window)))
            g_main_context_iteration (NULL, TRUE);
          settle (300);
          adw_expander_row_set_expanded (tg_preferences_window_get_provider_row (TG_PREFERENCES_WINDOW (window), "openai"),
                                         TRUE);
          /* Past the expander's animation. */
          settle (1000);
          tg_ui_test_save_png (window, NULL, path);
          gtk_window_destroy (GTK_WINDOW (window));
        }

  /* The "Add Endpoint" dialog, and a refused value on the Budget page. */
  for (int dark = 0; dark <= 1; dark++)
    {
      GtkWidget *window = tg_preferences_window_new (NULL, config, catalog, secrets, health, db);
      AdwEntryRow *thresholds_row = tg_preferences_window_get_thresholds_row (TG_PREFERENCES_WINDOW (window));
      g_autofree char *dialog_path = g_build_filename (outdir, dark ? "preferences-add-endpoint-dark.png"
                                                                    : "preferences-add-endpoint-light.png", NULL);
      g_autofree char *error_path = g_build_filename (outdir, dark ? "preferences-budget-error-dark.png"
                                                                   : "preferences-budget-error-light.png", NULL);
      GtkWindow *dialog;

      adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                          dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
      gtk_window_set_default_size (GTK_WINDOW (window), 640, 760);
      tg_preferences_window_show_page (TG_PREFERENCES_WINDOW (window), "budget");
      gtk_window_present (GTK_WINDOW (window));
      settle (600);
      gtk_editable_set_text (GTK_EDITABLE (thresholds_row), "80, 50");
      g_signal_emit_by_name (thresholds_row, "apply");
      settle (300);
      tg_ui_test_save_png (window, NULL, error_path);

      g_signal_emit_by_name (tg_preferences_window_get_add_endpoint_button (TG_PREFERENCES_WINDOW (window)), "clicked");
      dialog = tg_preferences_window_get_dialog (TG_PREFERENCES_WINDOW (window));
      settle (800);
      tg_ui_test_save_png (GTK_WIDGET (dialog), NULL, dialog_path);
      gtk_window_destroy (GTK_WINDOW (window));
    }

  tg_secret_store_delete_sync (secrets, "openai", NULL, NULL, NULL);
  return 0;
}
