/* tg-application.c: owns the store, catalogue and keyring access for the
 * lifetime of the process and hands them to windows. */

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

  tg_application_load (self);
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
