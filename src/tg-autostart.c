/* tg-autostart.c: the XDG autostart entry and the Background portal. */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tg-autostart.h"

#define PORTAL_BUS_NAME    "org.freedesktop.portal.Desktop"
#define PORTAL_OBJECT_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_BACKGROUND  "org.freedesktop.portal.Background"
#define PORTAL_REQUEST     "org.freedesktop.portal.Request"

gboolean
tg_autostart_in_flatpak (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

GFile *
tg_autostart_get_file (void)
{
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "autostart", APP_ID ".desktop", NULL);

  return g_file_new_for_path (path);
}

gboolean
tg_autostart_write_file (gboolean   enable,
                         GError   **error)
{
  g_autoptr(GFile) file = tg_autostart_get_file ();
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *contents = NULL;

  if (!enable)
    {
      /* ENOTDIR: "autostart" is not a folder, so there is no entry either. */
      if (g_unlink (path) != 0 && errno != ENOENT && errno != ENOTDIR)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Could not remove the autostart entry %s: %s"), path, g_strerror (saved_errno));
          return FALSE;
        }
      return TRUE;
    }

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create the folder %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  /* The XDG Autostart spec; Hidden=false and the GNOME key say "enabled" to
   * session managers that read either. */
  contents = g_strdup_printf ("[Desktop Entry]\n"
                              "Type=Application\n"
                              "Name=Tollgate\n"
                              "Comment=Watch AI providers and budgets in the background\n"
                              "Exec=%s\n"
                              "Icon=%s\n"
                              "Terminal=false\n"
                              "X-GNOME-Autostart-enabled=true\n"
                              "Hidden=false\n",
                              TG_AUTOSTART_COMMAND, APP_ID);
  if (!g_file_set_contents (path, contents, -1, error))
    {
      g_prefix_error (error, _("Could not write the autostart entry: "));
      return FALSE;
    }
  return TRUE;
}

gboolean
tg_autostart_file_enabled (void)
{
  g_autoptr(GFile) file = tg_autostart_get_file ();
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  gboolean hidden, enabled;

  if (!g_key_file_load_from_file (entry, path, G_KEY_FILE_NONE, NULL))
    return FALSE;

  /* Absent keys: not hidden, enabled. A session manager's "off" switch
   * (GNOME Tweaks) sets one of them rather than removing the file. */
  hidden = g_key_file_get_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN, &error);
  if (error != NULL)
    {
      hidden = FALSE;
      g_clear_error (&error);
    }
  enabled = g_key_file_get_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", &error);
  if (error != NULL)
    enabled = TRUE;
  return !hidden && enabled;
}

/* One RequestBackground call: done once, by whichever of the Response, a
 * failed call or cancellation comes first. */
typedef struct {
  GDBusConnection *bus;
  guint            response_id;
  GSource         *cancel_source;
  char            *handle;        /* the Request path subscribed to */
  gboolean         done;
} PortalRequest;

static void
unsubscribe_response (PortalRequest *request)
{
  if (request->response_id != 0)
    g_dbus_connection_signal_unsubscribe (request->bus, request->response_id);
  request->response_id = 0;
}

static void
portal_request_free (PortalRequest *request)
{
  g_assert (request->response_id == 0 && request->cancel_source == NULL);
  g_clear_object (&request->bus);
  g_free (request->handle);
  g_free (request);
}

/* Takes the request's own reference on @task. */
static void
portal_request_complete (GTask   *task,
                         GError  *error,
                         gboolean autostart)
{
  PortalRequest *request = g_task_get_task_data (task);

  if (request->done)
    {
      g_clear_error (&error);
      return;
    }
  request->done = TRUE;

  unsubscribe_response (request);
  if (request->cancel_source != NULL)
    {
      g_source_destroy (request->cancel_source);
      g_clear_pointer (&request->cancel_source, g_source_unref);
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, autostart);
  g_object_unref (task);
}

static void
response_cb (GDBusConnection *bus,
             const char      *sender_name,
             const char      *object_path,
             const char      *interface_name,
             const char      *signal_name,
             GVariant        *parameters,
             gpointer         user_data)
{
  GTask *task = user_data;
  g_autoptr(GVariant) results = NULL;
  guint32 response;
  gboolean autostart = FALSE;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ua{sv})")))
    {
      portal_request_complete (task, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                                  _("The background portal gave an answer Tollgate does not understand.")),
                               FALSE);
      return;
    }

  g_variant_get (parameters, "(u@a{sv})", &response, &results);
  switch (response)
    {
    case 0:
      if (!g_variant_lookup (results, "autostart", "b", &autostart))
        autostart = FALSE;
      portal_request_complete (task, NULL, autostart);
      break;
    case 1:
      portal_request_complete (task, g_error_new (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                                  _("Running in the background was not allowed.")),
                               FALSE);
      break;
    default:
      portal_request_complete (task, g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                                  _("The background portal could not handle the request.")),
                               FALSE);
      break;
    }
}

static void
subscribe_response (GTask      *task,
                    const char *handle)
{
  PortalRequest *request = g_task_get_task_data (task);

  unsubscribe_response (request);
  g_free (request->handle);
  request->handle = g_strdup (handle);
  request->response_id =
    g_dbus_connection_signal_subscribe (request->bus, PORTAL_BUS_NAME, PORTAL_REQUEST, "Response",
                                        handle, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        response_cb, g_object_ref (task), g_object_unref);
}

static void
request_background_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PortalRequest *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  const char *handle = NULL;

  if (request->done)
    return;
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_prefix_error (&error, _("Could not ask the background portal: "));
      portal_request_complete (task, g_steal_pointer (&error), FALSE);
      return;
    }

  /* Portals older than 0.9 choose the path themselves. Only then is the
   * subscription replaced: a new one would miss a Response that is already
   * on its way. */
  g_variant_get (reply, "(&o)", &handle);
  if (g_strcmp0 (handle, request->handle) != 0)
    subscribe_response (task, handle);
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  portal_request_complete (task, error, FALSE);
  return G_SOURCE_REMOVE;
}

void
tg_autostart_request_portal_async (GDBusConnection     *bus,
                                   const char          *parent_window,
                                   gboolean             enable,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;
  PortalRequest *request;
  GVariantBuilder options;
  g_autofree char *token = NULL;
  g_autofree char *sender = NULL;
  g_autofree char *handle = NULL;
  const char * const commandline[] = { "tollgate", "--background", NULL };

  g_return_if_fail (G_IS_DBUS_CONNECTION (bus));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_autostart_request_portal_async);
  request = g_new0 (PortalRequest, 1);
  request->bus = g_object_ref (bus);
  g_task_set_task_data (task, request, (GDestroyNotify) portal_request_free);

  /* Subscribed before the call, on the path the portal will use, so a quick
   * Response is not missed (the documented way). */
  token = g_strdup_printf ("tollgate%u", g_random_int ());
  sender = g_strdelimit (g_strdup (g_dbus_connection_get_unique_name (bus) + 1), ".", '_');
  handle = g_strdup_printf (PORTAL_OBJECT_PATH "/request/%s/%s", sender, token);
  subscribe_response (task, handle);

  if (cancellable != NULL)
    {
      request->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (request->cancel_source, G_SOURCE_FUNC (cancelled_cb), task, NULL);
      g_source_attach (request->cancel_source, g_main_context_get_thread_default ());
    }

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Tollgate watches your AI providers and budget while its window is closed.")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (enable));
  g_variant_builder_add (&options, "{sv}", "commandline", g_variant_new_strv (commandline, -1));
  g_variant_builder_add (&options, "{sv}", "dbus-activatable", g_variant_new_boolean (FALSE));

  g_dbus_connection_call (bus, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH, PORTAL_BACKGROUND, "RequestBackground",
                          g_variant_new ("(sa{sv})", parent_window != NULL ? parent_window : "", &options),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                          request_background_cb, g_object_ref (task));
}

gboolean
tg_autostart_request_portal_finish (GAsyncResult  *result,
                                    gboolean      *out_autostart,
                                    GError       **error)
{
  gssize autostart;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  autostart = g_task_propagate_int (G_TASK (result), error);
  if (autostart < 0)
    return FALSE;
  if (out_autostart != NULL)
    *out_autostart = autostart != 0;
  return TRUE;
}
