/* provider-selector-demo.c: renders the Providers page with mixed health
 * (healthy, degraded, down, unknown), a default provider and model, two keys
 * and a fallback order, in the light and dark styles, at 900 and 360 px, into
 * PNGs for docs/screenshots/. Not a test: run it by hand under a display
 * (the keys go to the session's keyring, so use the throwaway one):
 *
 *   tests/run-headless build/tests/provider-selector-demo docs/screenshots
 *
 * It drives real services on a throwaway store: TgConfigService saves the
 * default, and TgHealthMonitor gets passive reports as TgAiClient would send
 * them.
 *
 *   provider-selector-demo --seed
 *
 * only fills the store of $TOLLGATE_DATA_DIR the same way (no keys, no
 * window), for tools/screenshot to start the real app on. */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "tg-catalog.h"
#include "tg-config-service.h"
#include "tg-db.h"
#include "tg-health-monitor.h"
#include "tg-provider-selector.h"
#include "tg-secret-store.h"
#include "tg-ui-test-utils.h"

#define MINUTE_MS G_GINT64_CONSTANT (60000)

/* Active checks as the monitor would have stored them: only those carry a
 * latency (a request's latency depends on its prompt). */
static void
seed_checks (TgDb       *db,
             const char *provider_id,
             gint64      time_ms,
             guint       n_ok,
             guint       n_failed,
             gint64      latency_ms)
{
  for (guint i = 0; i < n_ok + n_failed; i++)
    {
      g_autoptr(TgHealthRecord) record = tg_health_record_new ();
      g_autoptr(GError) error = NULL;
      gboolean ok = i < n_ok;

      record->time_ms = time_ms - (n_ok + n_failed - 1 - i) * 1000;
      record->provider_id = g_strdup (provider_id);
      record->kind = TG_HEALTH_CHECK_ACTIVE;
      record->ok = ok;
      record->latency_ms = ok ? latency_ms + 10 * (i % 5) : 2000;
      record->http_status = ok ? 200 : 503;
      record->error_class = ok ? NULL : g_strdup ("server");
      record->circuit_state = TG_CIRCUIT_CLOSED;
      if (!tg_db_insert_health (db, record, &error))
        g_error ("%s", error->message);
    }
}

static void
stored_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tg_secret_store_store_finish (TG_SECRET_STORE (object), result, &error))
    g_printerr ("Cannot store a demo key: %s\n", error->message);
  (*(guint *) user_data)--;
}

static void
set_flag (gboolean *flag)
{
  *flag = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets layout, the keyring's answer and the expander animation finish. */
static void
settle (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* The default, the fallback order and the health history. */
static void
seed_store (TgDb          *db,
            TgCatalog     *catalog,
            TgSecretStore *secrets)
{
  const char * const fallback[] = { "openai", "gemini", NULL };
  g_autoptr(TgConfigService) config = tg_config_service_new (db, catalog);
  g_autoptr(TgHealthMonitor) monitor = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / 1000;

  if (!tg_config_service_set_default_provider (config, "anthropic", "claude-sonnet-5", &error) ||
      !tg_config_service_set_fallback_order (config, fallback, &error))
    g_error ("%s", error->message);

  /* Healthy three minutes ago, healthy a minute ago, degraded (one failure
   * in five), and down: its circuit opens after five failed requests in a
   * row, reported as TgAiClient would. The rest were never checked. */
  seed_checks (db, "openai", now - 3 * MINUTE_MS, 10, 0, 420);
  seed_checks (db, "anthropic", now - MINUTE_MS, 10, 0, 780);
  seed_checks (db, "gemini", now - 20000, 8, 2, 1150);
  monitor = tg_health_monitor_new (db, catalog, secrets);
  for (guint i = 0; i < 6; i++)
    tg_health_monitor_report (monitor, "mistral", FALSE, 2000, 503, "server");
}

static int
seed_only (void)
{
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(TgSecretStore) secrets = tg_secret_store_new ();
  g_autoptr(GError) error = NULL;

  if (g_getenv ("TOLLGATE_DATA_DIR") == NULL)
    {
      g_printerr ("--seed fills the store of $TOLLGATE_DATA_DIR, which is not set\n");
      return 1;
    }

  if ((catalog = tg_catalog_new_default (&error)) == NULL ||
      (db = tg_db_open_default (&error)) == NULL ||
      !tg_catalog_sync_to_db (catalog, db, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  seed_store (db, catalog, secrets);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  static const struct { const char *name; int width; int height; gboolean dark; } shots[] = {
    { "providers-light.png",  900, 700, FALSE },
    { "providers-dark.png",   900, 700, TRUE },
    { "providers-narrow.png", 360, 720, FALSE },
    { "providers-narrow-dark.png", 360, 720, TRUE },
    /* Scrolled to the end: the fallback order. */
    { "providers-fallback.png", 900, 700, FALSE },
    { "providers-fallback-narrow.png", 360, 720, TRUE },
  };
  const char *outdir = argc > 1 ? argv[1] : ".";
  g_autofree char *data_dir = NULL;
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(TgSecretStore) secrets = NULL;
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(TgHealthMonitor) monitor = NULL;
  g_autoptr(GError) error = NULL;
  guint pending = 2;

  if (g_strcmp0 (outdir, "--seed") == 0)
    return seed_only ();

  data_dir = g_dir_make_tmp ("tollgate-demo-XXXXXX", NULL);
  g_setenv ("TOLLGATE_DATA_DIR", data_dir, TRUE);
  gtk_init ();
  adw_init ();
  g_mkdir_with_parents (outdir, 0755);
  /* A still picture of the end state, not of an expander half open. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  /* AdwApplication would load the app's style sheet; there is none here. */
  gtk_css_provider_load_from_resource (css, "/io/github/tollgate/Tollgate/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  if ((catalog = tg_catalog_new_default (&error)) == NULL ||
      (db = tg_db_open_default (&error)) == NULL ||
      !tg_catalog_sync_to_db (catalog, db, &error))
    g_error ("%s", error->message);

  secrets = tg_secret_store_new ();
  tg_secret_store_store_async (secrets, "openai", "sk-demo-not-a-key", NULL, stored_cb, &pending);
  tg_secret_store_store_async (secrets, "anthropic", "sk-ant-demo-not-a-key", NULL, stored_cb, &pending);
  while (pending > 0)
    g_main_context_iteration (NULL, TRUE);

  seed_store (db, catalog, secrets);
  config = tg_config_service_new (db, catalog);
  monitor = tg_health_monitor_new (db, catalog, secrets);

  for (guint i = 0; i < G_N_ELEMENTS (shots); i++)
    {
      GtkWidget *window = adw_window_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      GtkWidget *header = adw_header_bar_new ();
      GtkWidget *selector = tg_provider_selector_new (catalog, secrets);
      gboolean keys_known = FALSE;
      g_autofree char *path = g_build_filename (outdir, shots[i].name, NULL);

      adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                          shots[i].dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
      g_signal_connect_swapped (selector, "keys-refreshed", G_CALLBACK (set_flag), &keys_known);
      tg_provider_selector_set_services (TG_PROVIDER_SELECTOR (selector), config, monitor);
      gtk_widget_set_vexpand (selector, TRUE);
      adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), adw_window_title_new ("Tollgate", NULL));
      gtk_box_append (GTK_BOX (box), header);
      gtk_box_append (GTK_BOX (box), selector);
      adw_window_set_content (ADW_WINDOW (window), box);
      gtk_window_set_default_size (GTK_WINDOW (window), shots[i].width, shots[i].height);
      gtk_window_present (GTK_WINDOW (window));
      settle (300);

      /* The default provider open, as after choosing it. */
      for (GtkWidget *w = selector; w != NULL; )
        {
          if (ADW_IS_EXPANDER_ROW (w) &&
              g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (w)), "Anthropic") == 0)
            {
              adw_expander_row_set_expanded (ADW_EXPANDER_ROW (w), TRUE);
              break;
            }
          /* Depth first through the tree. */
          if (gtk_widget_get_first_child (w) != NULL)
            w = gtk_widget_get_first_child (w);
          else
            {
              while (w != NULL && w != selector && gtk_widget_get_next_sibling (w) == NULL)
                w = gtk_widget_get_parent (w);
              w = (w == NULL || w == selector) ? NULL : gtk_widget_get_next_sibling (w);
            }
        }
      while (!keys_known)
        g_main_context_iteration (NULL, TRUE);
      if (g_str_has_prefix (shots[i].name, "providers-fallback"))
        {
          GtkWidget *scrolled = gtk_widget_get_ancestor (gtk_widget_get_first_child (selector), GTK_TYPE_WIDGET);
          GtkAdjustment *adjustment;

          /* The stack's page is the scrolled window. */
          while (scrolled != NULL && !GTK_IS_SCROLLED_WINDOW (scrolled))
            scrolled = gtk_widget_get_first_child (scrolled);
          adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
          settle (300);
          gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
        }
      settle (500);
      tg_ui_test_save_png (window, NULL, path);
      gtk_window_destroy (GTK_WINDOW (window));
    }

  g_clear_object (&monitor);
  g_clear_object (&config);
  g_clear_object (&db);
  {
    g_autofree char *db_path = g_build_filename (data_dir, "tollgate.db", NULL);
    g_remove (db_path);
    g_rmdir (data_dir);
  }
  return 0;
}
