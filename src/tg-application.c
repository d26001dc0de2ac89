/* tg-application.c: owns the store, catalogue, keyring access and the
 * services for the lifetime of the process, wires them together and hands
 * them to windows. */

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "tg-application.h"
#include "tg-money.h"
#include "tg-status-notifier.h"
#include "tg-usage-writer.h"
#include "tg-autostart.h"
#include "tg-notifier.h"
#include "tg-window.h"

struct _TgApplication
{
  AdwApplication  parent_instance;

  TgDb           *db;
  TgCatalog      *catalog;
  TgSecretStore  *secret_store;
  GError         *startup_error;

  TgConfigService    *config;
  TgAnalyticsService *analytics;
  TgHealthMonitor    *health;
  TgAiClient         *ai_client;
  GCancellable       *cancellable;

  /* Background running and notifications (docs/notifications.md). */
  GSettings          *settings;          /* NULL when the schema is not installed */
  TgNotifier         *notifier;
  gboolean            background_hold;   /* one g_application_hold() while windowless */
  gboolean            start_in_background; /* --background, until the first activate */
  gboolean            syncing_autostart; /* the setting is being set to what the portal said */
  gboolean            shutting_down;

  /* The tray icon (docs/tray.md); NULL without a session bus. */
  TgStatusNotifier   *tray;
  guint               tray_update_source;
};

G_DEFINE_FINAL_TYPE (TgApplication, tg_application, ADW_TYPE_APPLICATION)

TgApplication *
tg_application_new (void)
{
  return g_object_new (TG_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/tollgate/Tollgate",
                       NULL);
}

/* A broken store must not keep the window from opening: the window says what
 * is wrong and what to do, and nothing on disk is touched. */
static void
tg_application_load (TgApplication *self)
{
  g_autoptr(GError) error = NULL;

  self->secret_store = tg_secret_store_new ();

  self->catalog = tg_catalog_new_default (&error);
  if (self->catalog == NULL)
    {
      g_propagate_error (&self->startup_error, g_steal_pointer (&error));
      self->catalog = tg_catalog_new ();
      if (!tg_catalog_load_resource (self->catalog, &error))
        g_critical ("The shipped catalogue does not load: %s", error->message);
      return;
    }

  self->db = tg_db_open_default (&error);
  if (self->db == NULL || !tg_catalog_sync_to_db (self->catalog, self->db, &error))
    {
      g_warning ("%s", error->message);
      g_propagate_error (&self->startup_error, g_steal_pointer (&error));
      g_clear_object (&self->db);
    }
}

/* The health monitor follows the preferences it depends on. */
static void
apply_health_preferences (TgApplication *self)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (self->config);

  tg_health_monitor_set_interval (self->health, prefs->health_check_interval_s);
  tg_health_monitor_set_paused (self->health, prefs->health_checks_paused);
  tg_health_monitor_set_enabled_providers (self->health, (const char * const *) prefs->enabled_providers);
}

static void
config_changed_cb (TgConfigService *config,
                   const char      *key,
                   TgApplication   *self)
{
  apply_health_preferences (self);
}

/* First run: with the keyring's list (no secret loaded) the preferences can
 * name the user's first provider. */
static void
keyed_providers_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(TgApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = tg_secret_store_list_finish (TG_SECRET_STORE (source), result, &error);

  if (ids == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No first-run provider: %s", error->message);
      return;
    }
  if (self->config != NULL && !tg_config_service_choose_defaults (self->config, (const char * const *) ids, &error))
    g_warning ("Could not save the first-run preferences: %s", error->message);
}

static void
tg_application_start_services (TgApplication *self)
{
  self->config = tg_config_service_new (self->db, self->catalog);
  self->analytics = tg_analytics_service_new (self->db, self->catalog, self->config);
  self->health = tg_health_monitor_new (self->db, self->catalog, self->secret_store);
  self->ai_client = tg_ai_client_new (self->db, self->catalog, self->secret_store);
  tg_ai_client_set_services (self->ai_client, self->config, self->analytics, self->health);

  apply_health_preferences (self);
  g_signal_connect_object (self->config, "changed", G_CALLBACK (config_changed_cb), self, 0);
  /* `tollgate prefs set` while the app runs: every view follows ::changed. */
  tg_config_service_follow_store (self->config);

  self->cancellable = g_cancellable_new ();
  if (!tg_config_service_is_stored (self->config))
    tg_secret_store_list_async (self->secret_store, self->cancellable, keyed_providers_cb, g_object_ref (self));

  /* TOLLGATE_NO_HEALTH_CHECKS: the widget tests must not reach for real providers. */
  if (g_getenv ("TOLLGATE_NO_HEALTH_CHECKS") == NULL)
    tg_health_monitor_start (self->health);
}

/* --- Window actions on the application (window helper) --------------------
 * app.preferences (Ctrl+comma): the primary menu, the Prompt page's "Add a
 * Key" and "Open Preferences" buttons. The window decides what it shows.
 * Also Ctrl+F1 for the shortcuts window: GTK 4.8 gives it only Ctrl+?. */
static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  if (TG_IS_WINDOW (window))
    tg_window_show_preferences (TG_WINDOW (window));
}

static void
add_window_actions (TgApplication *self)
{
  static const GActionEntry actions[] = {
    { .name = "preferences", .activate = preferences_activated },
  };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *help_accels[] = { "<Control>question", "<Control>F1", NULL };

  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-help-overlay", help_accels);
}
/* --- end of the window helper's block ------------------------------------ */
/* ---- Background running, start at login, notifications and the actions
 * the tray uses (docs/notifications.md). ---- */

/* The defaults of data/APP_ID.gschema.xml, for a missing schema. */
static gboolean
get_setting (TgApplication *self,
             const char    *key)
{
  if (self->settings != NULL)
    return g_settings_get_boolean (self->settings, key);
  return g_str_equal (key, "notifications");
}

/* An uninstalled or half-installed build must still start: without the
 * schema the settings keep their defaults and cannot be changed. */
static void
load_settings (TgApplication *self)
{
  static gboolean warned;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      if (!warned)
        g_warning ("The settings schema %s is not installed; using the default settings", APP_ID);
      warned = TRUE;
      return;
    }
  self->settings = g_settings_new_full (schema, NULL, NULL);
}

static void
take_background_hold (TgApplication *self)
{
  if (self->background_hold)
    return;
  self->background_hold = TRUE;
  g_application_hold (G_APPLICATION (self));
}

static void
release_background_hold (TgApplication *self)
{
  if (!self->background_hold)
    return;
  self->background_hold = FALSE;
  g_application_release (G_APPLICATION (self));
}

/* TOLLGATE_BENCH_STARTUP (bench/bench-startup.c): once the first window has
 * painted its first frame, say how much memory the process holds and quit,
 * so the benchmark times a real cold start to first frame. */
static long
resident_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "\nVmRSS:")) == NULL)
    return -1;
  return strtol (line + strlen ("\nVmRSS:"), NULL, 10);
}

static void
bench_after_paint_cb (GdkFrameClock *clock,
                      GtkWidget     *window)
{
  g_signal_handlers_disconnect_by_func (clock, bench_after_paint_cb, window);
  g_print ("first-frame rss-kb %ld\n", resident_kb ());
  g_application_quit (G_APPLICATION (gtk_window_get_application (GTK_WINDOW (window))));
}

static void
bench_realize_cb (GtkWidget *window)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (window), "after-paint",
                           G_CALLBACK (bench_after_paint_cb), window, 0);
}

static GtkWindow *
present_window (TgApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      window = GTK_WINDOW (tg_window_new (self));
      if (g_getenv ("TOLLGATE_BENCH_STARTUP") != NULL)
        g_signal_connect (window, "realize", G_CALLBACK (bench_realize_cb), NULL);
    }
  gtk_window_present (window);
  return window;
}

/* The last window closing leaves the app running when the user asked for
 * that; the hold is taken before GtkApplication drops the window's own. */
static void
tg_application_window_removed (GtkApplication *app,
                               GtkWindow      *window)
{
  TgApplication *self = TG_APPLICATION (app);
  GList *windows = gtk_application_get_windows (app);

  if (!self->shutting_down && windows != NULL && windows->next == NULL && windows->data == window &&
      get_setting (self, "run-in-background"))
    take_background_hold (self);

  /* A closed window shows no toasts: budget alerts are notifications again. */
  if (self->notifier != NULL && TG_IS_WINDOW (window))
    tg_notifier_set_window_active (self->notifier, FALSE);

  GTK_APPLICATION_CLASS (tg_application_parent_class)->window_removed (app, window);
}

/* A window holds the app itself, so the background hold is not needed while
 * one is open. */
static void
tg_application_window_added (GtkApplication *app,
                             GtkWindow      *window)
{
  TgApplication *self = TG_APPLICATION (app);

  GTK_APPLICATION_CLASS (tg_application_parent_class)->window_added (app, window);
  release_background_hold (self);

  /* Only the main window has the toasts, not the preferences or about windows. */
  if (self->notifier != NULL && TG_IS_WINDOW (window))
    g_object_bind_property (window, "is-active", self->notifier, "window-active", G_BINDING_SYNC_CREATE);
}

static void
autostart_portal_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(TgApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean autostart = FALSE;

  if (!tg_autostart_request_portal_finish (result, &autostart, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Refusing is the user's choice, not a fault. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
        g_debug ("%s", error->message);
      else
        g_warning ("%s", error->message);
      autostart = FALSE;
    }

  /* The setting shows what the portal granted, not what was asked. */
  if (self->settings != NULL && g_settings_get_boolean (self->settings, "start-at-login") != autostart)
    {
      self->syncing_autostart = TRUE;
      g_settings_set_boolean (self->settings, "start-at-login", autostart);
      self->syncing_autostart = FALSE;
    }
}

static void
apply_start_at_login (TgApplication *self,
                      gboolean       enable)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (self));

  if (!tg_autostart_in_flatpak ())
    {
      if (!tg_autostart_write_file (enable, &error))
        g_warning ("%s", error->message);
      return;
    }

  if (bus == NULL)
    {
      g_warning ("Cannot ask the background portal without a session bus");
      return;
    }
  tg_autostart_request_portal_async (bus, "", enable, self->cancellable, autostart_portal_cb, g_object_ref (self));
}

/* Start at login only makes sense when Tollgate may run without a window, so
 * the two settings move together in that direction. */
static void
settings_changed_cb (GSettings     *settings,
                     const char    *key,
                     TgApplication *self)
{
  gboolean value = g_settings_get_boolean (settings, key);

  if (g_str_equal (key, "start-at-login"))
    {
      if (value && !g_settings_get_boolean (settings, "run-in-background"))
        g_settings_set_boolean (settings, "run-in-background", TRUE);
      if (!self->syncing_autostart)
        apply_start_at_login (self, value);
    }
  else if (g_str_equal (key, "run-in-background"))
    {
      if (!value && g_settings_get_boolean (settings, "start-at-login"))
        g_settings_set_boolean (settings, "start-at-login", FALSE);
      /* Windowless and no longer allowed to be: this ends the run. */
      if (!value)
        release_background_hold (self);
    }
}

/* Outside Flatpak the entry can be removed or switched off without us (GNOME
 * Tweaks, a file manager): the setting shows what the session will do, and
 * the user's change there is kept rather than undone. In Flatpak only the
 * portal knows, and asking it at every start could show its dialog. */
static void
sync_start_at_login (TgApplication *self)
{
  gboolean entry;

  if (tg_autostart_in_flatpak ())
    return;
  entry = tg_autostart_file_enabled ();
  if (g_settings_get_boolean (self->settings, "start-at-login") == entry)
    return;
  self->syncing_autostart = TRUE;
  g_settings_set_boolean (self->settings, "start-at-login", entry);
  self->syncing_autostart = FALSE;
}

static void
sync_pause_action (TgApplication *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "pause-monitoring");
  gboolean paused = tg_config_service_get_preferences (self->config)->health_checks_paused;

  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (paused));
}

static void
checks_paused_changed_cb (TgConfigService *config,
                          const char      *key,
                          TgApplication   *self)
{
  sync_pause_action (self);
}

static void
tg_application_start_background (TgApplication *self)
{
  load_settings (self);

  self->notifier = tg_notifier_new (G_APPLICATION (self), self->catalog, self->config,
                                    self->health, self->analytics);
  if (self->settings != NULL)
    {
      g_settings_bind (self->settings, "notifications", self->notifier, "enabled", G_SETTINGS_BIND_GET);
      g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self, 0);
      sync_start_at_login (self);
    }

  sync_pause_action (self);
  g_signal_connect_object (self->config, "changed::" TG_CONFIG_KEY_CHECKS_PAUSED,
                           G_CALLBACK (checks_paused_changed_cb), self, 0);

  /* Started by D-Bus activation: stay for the monitoring when allowed. */
  if ((g_application_get_flags (G_APPLICATION (self)) & G_APPLICATION_IS_SERVICE) != 0 &&
      get_setting (self, "run-in-background"))
    take_background_hold (self);
}

static int
tg_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  TgApplication *self = TG_APPLICATION (app);
  g_autoptr(GError) error = NULL;

  if (!g_variant_dict_contains (options, "background"))
    return -1;

  if (!g_application_register (app, NULL, &error))
    {
      g_printerr ("tollgate: %s\n", error->message);
      return 1;
    }
  /* Already running: an autostart has nothing to add, and must not open
   * the window of the instance that runs. */
  if (g_application_get_is_remote (app))
    return 0;

  self->start_in_background = TRUE;
  return -1;
}

static void
show_window_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  present_window (TG_APPLICATION (user_data));
}

/* Notifications' default action: the window (created if needed) on @page. */
static void
show_page_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  GtkWindow *window = present_window (TG_APPLICATION (user_data));

  if (!gtk_widget_activate_action_variant (GTK_WIDGET (window), "win.show-page", parameter))
    g_debug ("The window has no page %s", g_variant_get_string (parameter, NULL));
}

static void
check_now_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tg_health_monitor_check_finish (TG_HEALTH_MONITOR (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Check now: %s", error->message);
}

static void
check_now_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  TgApplication *self = TG_APPLICATION (user_data);

  if (self->health != NULL)
    tg_health_monitor_check_async (self->health, NULL, self->cancellable, check_now_cb, NULL);
}

static void
pause_monitoring_change_state (GSimpleAction *action,
                               GVariant      *value,
                               gpointer       user_data)
{
  TgApplication *self = TG_APPLICATION (user_data);
  g_autoptr(GError) error = NULL;

  /* The state follows the preference (checks_paused_changed_cb), so a
   * refused change leaves it as it was. */
  if (self->config != NULL &&
      !tg_config_service_set_checks_paused (self->config, g_variant_get_boolean (value), &error))
    g_warning ("%s", error->message);
}

static void
tg_application_add_background_actions (TgApplication *self)
{
  static const GActionEntry actions[] = {
    { .name = "show-window", .activate = show_window_activated },
    { .name = "show-page", .activate = show_page_activated, .parameter_type = "s" },
    { .name = "check-now", .activate = check_now_activated },
    { .name = "pause-monitoring", .state = "false", .change_state = pause_monitoring_change_state },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);

  g_application_add_main_option (G_APPLICATION (self), "background", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE,
                                 _("Start without a window, to keep watching in the background"), NULL);
}

/* The tray: the worst status as the icon, and a tooltip line per provider
 * that has a status or spent something today. */
static gboolean
update_tray (gpointer user_data)
{
  TgApplication *self = user_data;
  g_autoptr(GPtrArray) health = tg_health_monitor_list (self->health);
  g_autoptr(GPtrArray) spend = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree char *title = NULL;
  TgHealthStatus overall = tg_health_monitor_get_overall_status (self->health);
  gint64 now_ms = g_get_real_time () / 1000;
  gint64 day_start, day_end;

  self->tray_update_source = 0;

  tg_analytics_service_get_period_bounds (self->analytics, TG_BUDGET_PERIOD_DAILY, now_ms, &day_start, &day_end);
  /* No store: the tooltip shows health alone. */
  spend = tg_analytics_service_get_by_provider (self->analytics, day_start, now_ms + 1, NULL);

  for (guint i = 0; i < health->len; i++)
    {
      const TgProviderHealth *provider_health = g_ptr_array_index (health, i);
      const TgCatalogProvider *provider = tg_catalog_get_provider (self->catalog, provider_health->provider_id);
      gint64 spent = 0;

      for (guint j = 0; spend != NULL && j < spend->len; j++)
        {
          const TgUsageAggregate *row = g_ptr_array_index (spend, j);

          if (g_strcmp0 (row->key, provider_health->provider_id) == 0)
            spent = row->cost_micros;
        }

      if (provider_health->status == TG_HEALTH_STATUS_UNKNOWN && spent == 0)
        continue;

      {
        g_autofree char *money = tg_money_format (spent);

        if (body->len > 0)
          g_string_append_c (body, '\n');
        /* Translators: a line of the tray icon's tooltip: provider, its health, what it cost today. */
        g_string_append_printf (body, _("%s: %s, %s today"),
                                provider != NULL ? provider->name : provider_health->provider_id,
                                tg_health_status_get_label (provider_health->status), money);
      }
    }

  /* Translators: the tray icon's tooltip title, with the overall health ("Healthy", "Down", …). */
  title = g_strdup_printf (_("Tollgate — %s"), tg_health_status_get_label (overall));
  tg_status_notifier_set_status (self->tray, overall, title,
                                body->len > 0 ? body->str : _("No provider is checked yet."));
  return G_SOURCE_REMOVE;
}

/* Bursts of records or checks come to one tooltip update. */
static void
queue_tray_update (TgApplication *self)
{
  if (self->tray != NULL && self->tray_update_source == 0)
    self->tray_update_source = g_idle_add (update_tray, self);
}

static void
tray_status_changed_cb (TgApplication *self)
{
  queue_tray_update (self);
}

static void
tg_application_start_tray (TgApplication *self)
{
  GDBusConnection *connection = g_application_get_dbus_connection (G_APPLICATION (self));

  if (connection == NULL)
    return;

  /* Uninstalled (make run), the status icons are in the source tree. */
  self->tray = tg_status_notifier_new (connection, G_ACTION_GROUP (self),
                                       g_getenv ("TOLLGATE_ICON_THEME_PATH"));
  g_signal_connect_object (self->health, "status-changed", G_CALLBACK (tray_status_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->analytics, "usage-recorded", G_CALLBACK (tray_status_changed_cb), self,
                           G_CONNECT_SWAPPED);
  queue_tray_update (self);
}

static void
tg_application_startup (GApplication *app)
{
  TgApplication *self = TG_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };

  G_APPLICATION_CLASS (tg_application_parent_class)->startup (app);

  g_set_application_name (_("Tollgate"));
  gtk_window_set_default_icon_name (APP_ID);

  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close", close_accels);
  add_window_actions (self);

  tg_application_load (self);
  tg_application_start_services (self);
  tg_application_start_background (self);
  tg_application_start_tray (self);
}

static void
tg_application_shutdown (GApplication *app)
{
  TgApplication *self = TG_APPLICATION (app);

  /* Windows closed from here on end the run, whatever the settings say. */
  self->shutting_down = TRUE;
  g_cancellable_cancel (self->cancellable);
  if (self->health != NULL)
    tg_health_monitor_stop (self->health);
  release_background_hold (self);
  /* Rows of answered requests are written off the main loop: none is left
   * behind when the process ends. */
  if (self->db != NULL)
    tg_usage_writer_flush (tg_db_get_usage_writer (self->db));
  /* Before GApplication lets go of the bus connection the item lives on. */
  g_clear_handle_id (&self->tray_update_source, g_source_remove);
  g_clear_object (&self->tray);

  G_APPLICATION_CLASS (tg_application_parent_class)->shutdown (app);
}

static void
tg_application_activate (GApplication *app)
{
  TgApplication *self = TG_APPLICATION (app);

  /* An autostart (--background) opens no window when it may run without one. */
  if (self->start_in_background)
    {
      self->start_in_background = FALSE;
      if (get_setting (self, "run-in-background"))
        {
          take_background_hold (self);
          return;
        }
    }

  /* A second launch presents the window it already has. */
  present_window (self);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
tg_application_dispose (GObject *object)
{
  TgApplication *self = TG_APPLICATION (object);

  g_clear_handle_id (&self->tray_update_source, g_source_remove);
  g_clear_object (&self->tray);
  g_clear_object (&self->notifier);
  g_clear_object (&self->settings);
  g_clear_object (&self->ai_client);
  g_clear_object (&self->health);
  g_clear_object (&self->analytics);
  g_clear_object (&self->config);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->catalog);
  g_clear_object (&self->secret_store);
  g_clear_object (&self->db);
  g_clear_error (&self->startup_error);

  G_OBJECT_CLASS (tg_application_parent_class)->dispose (object);
}

static void
tg_application_class_init (TgApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  GtkApplicationClass *gtk_app_class = GTK_APPLICATION_CLASS (klass);

  object_class->dispose = tg_application_dispose;
  app_class->startup = tg_application_startup;
  app_class->activate = tg_application_activate;
  app_class->shutdown = tg_application_shutdown;
  app_class->handle_local_options = tg_application_handle_local_options;
  gtk_app_class->window_added = tg_application_window_added;
  gtk_app_class->window_removed = tg_application_window_removed;
}

static void
tg_application_init (TgApplication *self)
{
  static const GActionEntry actions[] = {
    { .name = "quit", .activate = quit_activated },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
  tg_application_add_background_actions (self);
}

TgDb *
tg_application_get_db (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  return self->db;
}

TgCatalog *
tg_application_get_catalog (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  return self->catalog;
}

TgSecretStore *
tg_application_get_secret_store (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  return self->secret_store;
}

const GError *
tg_application_get_startup_error (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  return self->startup_error;
}

TgConfigService *
tg_application_get_config (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  return self->config;
}

TgAnalyticsService *
tg_application_get_analytics (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  return self->analytics;
}

TgHealthMonitor *
tg_application_get_health (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  return self->health;
}

TgAiClient *
tg_application_get_ai_client (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  return self->ai_client;
}

GSettings *
tg_application_get_settings (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  return self->settings;
}

gboolean
tg_application_get_background_hold (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), FALSE);
  return self->background_hold;
}

TgNotifier *
tg_application_get_notifier (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  return self->notifier;
}

TgStatusNotifier *
tg_application_get_tray (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  return self->tray;
}
