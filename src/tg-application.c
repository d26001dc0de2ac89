/* tg-application.c: owns the store, catalogue, keyring access and the
 * services for the lifetime of the process, wires them together and hands
 * them to windows. */

#include "config.h"

#include <glib/gi18n.h>

#include "tg-application.h"
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
}

static void
tg_application_shutdown (GApplication *app)
{
  TgApplication *self = TG_APPLICATION (app);

  g_cancellable_cancel (self->cancellable);
  if (self->health != NULL)
    tg_health_monitor_stop (self->health);

  G_APPLICATION_CLASS (tg_application_parent_class)->shutdown (app);
}

static void
tg_application_activate (GApplication *app)
{
  TgApplication *self = TG_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  /* A second launch presents the window it already has. */
  if (window == NULL)
    window = GTK_WINDOW (tg_window_new (self));
  gtk_window_present (window);
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

  object_class->dispose = tg_application_dispose;
  app_class->startup = tg_application_startup;
  app_class->activate = tg_application_activate;
  app_class->shutdown = tg_application_shutdown;
}

static void
tg_application_init (TgApplication *self)
{
  static const GActionEntry actions[] = {
    { .name = "quit", .activate = quit_activated },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
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
