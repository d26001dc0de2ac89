/* test-background.c: running in the background and starting at login.
 *
 * The autostart entry is written into the test's own XDG_CONFIG_HOME; the
 * Background portal is a fake one this test puts on the private session bus;
 * the application cases each run a real TgApplication in a subprocess of
 * their own (GLib allows one application name per process). */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tg-application.h"
#include "tg-autostart.h"
#include "tg-cli.h"
#include "tg-notifier.h"
#include "tg-test-utils.h"
#include "tg-ui-test-utils.h"

#define TEST_APP_ID APP_ID ".Test.Background"

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates until *@flag, for at most 10 s (a timer wakes the loop to check). */
static void
wait_for (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint wake_id = g_timeout_add (100, wake_cb, NULL);

  while (!*flag && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake_id);
  g_assert_true (*flag);
}

/* The command line */

static gboolean
cli_handles (const char *arg)
{
  char *argv[] = { (char *) "tollgate", (char *) arg, NULL };

  return tg_cli_handles (2, argv);
}

static void
test_cli_leaves_background_to_the_app (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();

  g_assert_false (cli_handles ("--background"));
  g_assert_false (cli_handles ("--gapplication-service"));
  g_assert_true (cli_handles ("usage"));
  g_assert_true (cli_handles ("--backgroundx"));
  g_assert_true (cli_handles ("background"));
}

/* The XDG autostart entry */

static void
test_autostart_file (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(GFile) file = tg_autostart_get_file ();
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *expected = g_build_filename (g_get_user_config_dir (), "autostart",
                                                "io.github.tollgate.Tollgate.desktop", NULL);
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *exec = NULL;
  g_autofree char *validate_out = NULL;
  const char *validate_argv[] = { "desktop-file-validate", path, NULL };
  int wait_status;

  g_assert_cmpstr (path, ==, expected);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (tg_autostart_file_enabled ());

  g_assert_true (tg_autostart_write_file (TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (tg_autostart_file_enabled ());
  g_assert_true (g_key_file_load_from_file (entry, path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  exec = g_key_file_get_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (exec, ==, "tollgate --background");
  g_assert_true (g_key_file_get_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", &error));
  g_assert_no_error (error);
  g_assert_false (g_key_file_get_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN, &error));
  g_assert_no_error (error);

  /* A valid desktop entry, by the reference validator. */
  g_assert_true (g_spawn_sync (NULL, (char **) validate_argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &validate_out, NULL, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (wait_status, &error));
  g_assert_no_error (error);

  /* Writing again replaces; removing twice is fine. */
  g_assert_true (tg_autostart_write_file (TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (tg_autostart_write_file (FALSE, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (tg_autostart_file_enabled ());
  g_assert_true (tg_autostart_write_file (FALSE, &error));
  g_assert_no_error (error);

  /* Switched off in place, as GNOME Tweaks does, or not a desktop entry. */
  {
    static const char * const entries[] = {
      "[Desktop Entry]\nType=Application\nExec=tollgate --background\nHidden=true\n",
      "[Desktop Entry]\nType=Application\nExec=tollgate --background\nX-GNOME-Autostart-enabled=false\n",
      "not a key file\n",
    };

    for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
      {
        g_assert_true (g_file_set_contents (path, entries[i], -1, &error));
        g_assert_no_error (error);
        g_assert_false (tg_autostart_file_enabled ());
      }
    g_assert_true (g_file_set_contents (path, "[Desktop Entry]\nType=Application\nExec=tollgate --background\n",
                                        -1, &error));
    g_assert_true (tg_autostart_file_enabled ());
    g_assert_cmpint (g_unlink (path), ==, 0);
  }
}

static void
test_autostart_file_error (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autofree char *autostart_dir = g_build_filename (g_get_user_config_dir (), "autostart", NULL);
  g_autoptr(GError) error = NULL;

  /* A file where the folder should be. */
  g_rmdir (autostart_dir);
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_config_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (autostart_dir, "", 0, &error));
  g_assert_no_error (error);

  g_assert_false (tg_autostart_write_file (TRUE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_nonnull (strstr (error->message, "Could not create the folder"));
  g_assert_nonnull (strstr (error->message, autostart_dir));
  g_clear_error (&error);

  /* Removing an entry that cannot exist is not an error ... */
  g_assert_true (tg_autostart_write_file (FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_unlink (autostart_dir), ==, 0);

  /* ... but one that cannot be removed is. */
  g_assert_cmpint (g_mkdir_with_parents (autostart_dir, 0700), ==, 0);
  {
    g_autofree char *entry = g_build_filename (autostart_dir, "io.github.tollgate.Tollgate.desktop", NULL);
    g_autofree char *inside = g_build_filename (entry, "x", NULL);

    /* A non-empty folder in its place: unlink fails with EISDIR. */
    g_assert_cmpint (g_mkdir_with_parents (inside, 0700), ==, 0);
    g_assert_false (tg_autostart_write_file (FALSE, &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, "Could not remove the autostart entry"));
    g_assert_cmpint (g_rmdir (inside), ==, 0);
    g_assert_cmpint (g_rmdir (entry), ==, 0);
  }
}

/* Fake desktop services on the private bus, each on a connection of its own
 * as the real ones are other peers. */

typedef struct {
  GDBusConnection *bus;
  guint            owner_id;
  guint            object_id;
  gboolean         name_acquired;
} FakeService;

static void
name_acquired_cb (GDBusConnection *bus,
                  const char      *name,
                  gpointer         user_data)
{
  ((FakeService *) user_data)->name_acquired = TRUE;
}

static void
fake_service_start (FakeService                *service,
                    const char                 *name,
                    const char                 *object_path,
                    const char                 *xml,
                    const GDBusInterfaceVTable *vtable,
                    gpointer                    user_data)
{
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (xml, NULL);
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GError) error = NULL;

  memset (service, 0, sizeof *service);
  service->bus = g_dbus_connection_new_for_address_sync (address,
                                                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                         G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                         NULL, NULL, &error);
  g_assert_no_error (error);
  service->object_id = g_dbus_connection_register_object (service->bus, object_path, info->interfaces[0],
                                                          vtable, user_data, NULL, &error);
  g_assert_no_error (error);
  service->owner_id = g_bus_own_name_on_connection (service->bus, name, G_BUS_NAME_OWNER_FLAGS_NONE,
                                                    name_acquired_cb, NULL, service, NULL);
  wait_for (&service->name_acquired);
}

static void
fake_service_stop (FakeService *service)
{
  g_bus_unown_name (service->owner_id);
  g_dbus_connection_unregister_object (service->bus, service->object_id);
  g_dbus_connection_close_sync (service->bus, NULL, NULL);
  g_clear_object (&service->bus);
}

/* The Background portal */

static const char portal_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.portal.Background'>"
  "    <method name='RequestBackground'>"
  "      <arg type='s' name='parent_window' direction='in'/>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='o' name='handle' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

typedef struct {
  FakeService      service;
  int              response;     /* what to answer; -1: never answer */
  guint            n_calls;
  gboolean         called;
  char            *parent_window;
  GVariant        *options;
} FakePortal;

static void
fake_portal_method_call (GDBusConnection       *bus,
                         const char            *sender,
                         const char            *object_path,
                         const char            *interface_name,
                         const char            *method_name,
                         GVariant              *parameters,
                         GDBusMethodInvocation *invocation,
                         gpointer               user_data)
{
  FakePortal *portal = user_data;
  g_autofree char *sender_path = g_strdelimit (g_strdup (sender + 1), ".", '_');
  g_autofree char *handle = NULL;
  const char *token = "none";
  GVariantBuilder results;
  gboolean autostart = FALSE;

  portal->n_calls++;
  portal->called = TRUE;
  g_clear_pointer (&portal->parent_window, g_free);
  g_clear_pointer (&portal->options, g_variant_unref);
  g_variant_get (parameters, "(s@a{sv})", &portal->parent_window, &portal->options);
  g_variant_lookup (portal->options, "handle_token", "&s", &token);
  g_variant_lookup (portal->options, "autostart", "b", &autostart);

  /* The path the spec promises, so a client subscribed in advance hears it. */
  handle = g_strdup_printf ("/org/freedesktop/portal/desktop/request/%s/%s", sender_path, token);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", handle));

  if (portal->response < 0)
    return;
  g_variant_builder_init (&results, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&results, "{sv}", "background", g_variant_new_boolean (portal->response == 0));
  g_variant_builder_add (&results, "{sv}", "autostart", g_variant_new_boolean (portal->response == 0 && autostart));
  g_dbus_connection_emit_signal (bus, sender, handle, "org.freedesktop.portal.Request", "Response",
                                 g_variant_new ("(ua{sv})", (guint32) portal->response, &results), NULL);
}

static void
fake_portal_start (FakePortal *portal,
                   int         response)
{
  static const GDBusInterfaceVTable vtable = { .method_call = fake_portal_method_call };

  memset (portal, 0, sizeof *portal);
  portal->response = response;
  fake_service_start (&portal->service, "org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
                      portal_xml, &vtable, portal);
}

static void
fake_portal_stop (FakePortal *portal)
{
  fake_service_stop (&portal->service);
  g_clear_pointer (&portal->parent_window, g_free);
  g_clear_pointer (&portal->options, g_variant_unref);
}

/* A notification server (org.freedesktop.Notifications), which GNotification
 * uses when the desktop offers nothing better. */

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' name='app_name' direction='in'/>"
  "      <arg type='u' name='replaces_id' direction='in'/>"
  "      <arg type='s' name='app_icon' direction='in'/>"
  "      <arg type='s' name='summary' direction='in'/>"
  "      <arg type='s' name='body' direction='in'/>"
  "      <arg type='as' name='actions' direction='in'/>"
  "      <arg type='a{sv}' name='hints' direction='in'/>"
  "      <arg type='i' name='expire_timeout' direction='in'/>"
  "      <arg type='u' name='id' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'>"
  "      <arg type='u' name='id' direction='in'/>"
  "    </method>"
  "    <method name='GetCapabilities'>"
  "      <arg type='as' name='capabilities' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

typedef struct {
  FakeService  service;
  guint        n_notify;
  guint        last_id;
  char        *summary;
  char        *body;
  char       **actions;
} FakeNotifications;

static void
fake_notifications_method_call (GDBusConnection       *bus,
                                const char            *sender,
                                const char            *object_path,
                                const char            *interface_name,
                                const char            *method_name,
                                GVariant              *parameters,
                                GDBusMethodInvocation *invocation,
                                gpointer               user_data)
{
  FakeNotifications *server = user_data;
  const char *capabilities[] = { "actions", "body", NULL };

  if (g_str_equal (method_name, "GetCapabilities"))
    {
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", capabilities));
      return;
    }
  if (g_str_equal (method_name, "CloseNotification"))
    {
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }

  g_clear_pointer (&server->summary, g_free);
  g_clear_pointer (&server->body, g_free);
  g_clear_pointer (&server->actions, g_strfreev);
  g_variant_get (parameters, "(&su&sss^as@a{sv}i)", NULL, NULL, NULL, &server->summary, &server->body,
                 &server->actions, NULL, NULL);
  server->n_notify++;
  server->last_id = server->n_notify;
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", server->last_id));
}

static void
fake_notifications_start (FakeNotifications *server)
{
  static const GDBusInterfaceVTable vtable = { .method_call = fake_notifications_method_call };

  memset (server, 0, sizeof *server);
  fake_service_start (&server->service, "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                      notifications_xml, &vtable, server);
}

static void
fake_notifications_stop (FakeNotifications *server)
{
  fake_service_stop (&server->service);
  g_clear_pointer (&server->summary, g_free);
  g_clear_pointer (&server->body, g_free);
  g_clear_pointer (&server->actions, g_strfreev);
}

/* The user clicks the notification. */
static void
fake_notifications_click (FakeNotifications *server)
{
  g_dbus_connection_emit_signal (server->service.bus, NULL, "/org/freedesktop/Notifications",
                                 "org.freedesktop.Notifications", "ActionInvoked",
                                 g_variant_new ("(us)", server->last_id, "default"), NULL);
}

typedef struct {
  gboolean  done;
  gboolean  ok;
  gboolean  autostart;
  GError   *error;
} PortalResult;

static void
portal_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  PortalResult *out = user_data;

  out->ok = tg_autostart_request_portal_finish (result, &out->autostart, &out->error);
  out->done = TRUE;
}

static GDBusConnection *
session_bus (void)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);

  g_assert_no_error (error);
  return bus;
}

static void
test_portal_granted (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(GDBusConnection) bus = session_bus ();
  g_autofree const char **commandline = NULL;
  FakePortal portal;
  PortalResult result = { 0 };
  const char *reason = NULL;
  const char *token = NULL;
  gboolean autostart = FALSE;
  gboolean dbus_activatable = TRUE;

  fake_portal_start (&portal, 0);

  tg_autostart_request_portal_async (bus, "", TRUE, NULL, portal_done_cb, &result);
  wait_for (&result.done);
  g_assert_no_error (result.error);
  g_assert_true (result.ok);
  g_assert_true (result.autostart);

  /* What was asked. */
  g_assert_cmpuint (portal.n_calls, ==, 1);
  g_assert_cmpstr (portal.parent_window, ==, "");
  g_assert_true (g_variant_lookup (portal.options, "autostart", "b", &autostart));
  g_assert_true (autostart);
  g_assert_true (g_variant_lookup (portal.options, "commandline", "^a&s", &commandline));
  g_assert_cmpstrv (commandline, ((const char *[]) { "tollgate", "--background", NULL }));
  g_assert_true (g_variant_lookup (portal.options, "reason", "&s", &reason));
  g_assert_cmpstr (reason, !=, "");
  g_assert_true (g_variant_lookup (portal.options, "handle_token", "&s", &token));
  g_assert_true (g_str_has_prefix (token, "tollgate"));
  g_assert_true (g_variant_lookup (portal.options, "dbus-activatable", "b", &dbus_activatable));
  g_assert_false (dbus_activatable);

  /* Turning it off. */
  result = (PortalResult) { 0 };
  tg_autostart_request_portal_async (bus, "", FALSE, NULL, portal_done_cb, &result);
  wait_for (&result.done);
  g_assert_no_error (result.error);
  g_assert_true (result.ok);
  g_assert_false (result.autostart);
  g_assert_true (g_variant_lookup (portal.options, "autostart", "b", &autostart));
  g_assert_false (autostart);

  fake_portal_stop (&portal);
}

static void
test_portal_refused (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(GDBusConnection) bus = session_bus ();
  FakePortal portal;
  PortalResult result = { 0 };

  fake_portal_start (&portal, 1);
  tg_autostart_request_portal_async (bus, "", TRUE, NULL, portal_done_cb, &result);
  wait_for (&result.done);
  g_assert_false (result.ok);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (result.error->message, ==, "Running in the background was not allowed.");
  g_clear_error (&result.error);

  /* Any other answer is a failure of the portal. */
  portal.response = 2;
  result = (PortalResult) { 0 };
  tg_autostart_request_portal_async (bus, "", TRUE, NULL, portal_done_cb, &result);
  wait_for (&result.done);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&result.error);

  fake_portal_stop (&portal);
}

static void
test_portal_cancelled (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(GDBusConnection) bus = session_bus ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  FakePortal portal;
  PortalResult result = { 0 };

  /* The portal takes the call and never answers (a dialog left open). */
  fake_portal_start (&portal, -1);
  tg_autostart_request_portal_async (bus, "", TRUE, cancellable, portal_done_cb, &result);
  wait_for (&portal.called);
  g_assert_false (result.done);

  g_cancellable_cancel (cancellable);
  wait_for (&result.done);
  g_assert_false (result.ok);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&result.error);

  fake_portal_stop (&portal);
}

static void
test_portal_missing (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(GDBusConnection) bus = session_bus ();
  g_autoptr(GVariant) names = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **activatable = NULL;
  PortalResult result = { 0 };

  names = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "ListActivatableNames", NULL, G_VARIANT_TYPE ("(as)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (names, "(^a&s)", &activatable);
  if (g_strv_contains (activatable, "org.freedesktop.portal.Desktop"))
    {
      g_test_skip ("A real portal can be started on this bus");
      return;
    }

  tg_autostart_request_portal_async (bus, "", TRUE, NULL, portal_done_cb, &result);
  wait_for (&result.done);
  g_assert_false (result.ok);
  g_assert_nonnull (result.error);
  g_assert_true (g_str_has_prefix (result.error->message, "Could not ask the background portal: "));
  g_clear_error (&result.error);
}

/* The application, each case in a subprocess */

typedef struct {
  const char    *hook_signal;  /* what run_app() connects on_activate to; NULL: "activate" */
  TgApplication *app;
  gboolean       timed_out;
  gboolean       checked;
  guint          n_activates;
} AppRun;

static gboolean
run_timeout_cb (gpointer user_data)
{
  AppRun *run = user_data;

  run->timed_out = TRUE;
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static void
app_run_clear (AppRun *run)
{
  g_clear_object (&run->app);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AppRun, app_run_clear)

/* Runs a TgApplication until it quits, by itself or by a check that
 * @on_activate schedules; fails after 20 s. @run_in_background < 0: leave
 * the settings alone (there may be no schema). @arg: one argument or NULL. */
static int
run_app (AppRun     *run,
         int         run_in_background,
         const char *arg,
         GCallback   on_activate)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  char *argv[] = { (char *) "tollgate", (char *) arg, NULL };
  guint timeout_id;
  int status;

  g_setenv ("TOLLGATE_NO_HEALTH_CHECKS", "1", TRUE);
  if (run_in_background >= 0)
    {
      g_autoptr(GSettings) settings = g_settings_new (APP_ID);

      g_settings_set_boolean (settings, "run-in-background", run_in_background);
    }

  run->app = tg_application_new ();
  /* An id of its own: other tests may run an app on the same bus. */
  g_application_set_application_id (G_APPLICATION (run->app), TEST_APP_ID);
  g_signal_connect_after (run->app, run->hook_signal != NULL ? run->hook_signal : "activate", on_activate, run);
  timeout_id = g_timeout_add_seconds (20, run_timeout_cb, run);
  status = g_application_run (G_APPLICATION (run->app), arg != NULL ? 2 : 1, argv);
  g_assert_false (run->timed_out);
  g_source_remove (timeout_id);
  return status;
}

/* Runs the calling test case again in a process of its own. */
static void
trap_in_subprocess (GTestSubprocessFlags flags)
{
  g_test_trap_subprocess (NULL, 0, flags);
  g_test_trap_assert_passed ();
}

static guint
n_windows (TgApplication *app)
{
  return g_list_length (gtk_application_get_windows (GTK_APPLICATION (app)));
}

static void
close_all_windows (TgApplication *app)
{
  GtkWindow *window;

  while ((window = gtk_application_get_active_window (GTK_APPLICATION (app))) != NULL)
    gtk_window_destroy (window);
}

static gboolean
held_check_cb (gpointer user_data)
{
  AppRun *run = user_data;

  /* Still running, windowless, held once. */
  g_assert_cmpuint (n_windows (run->app), ==, 0);
  g_assert_true (tg_application_get_background_hold (run->app));
  g_assert_false (g_application_get_is_remote (G_APPLICATION (run->app)));

  /* The tray's "show" brings a window back; the window holds the app now. */
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "show-window", NULL);
  g_assert_cmpuint (n_windows (run->app), ==, 1);
  g_assert_false (tg_application_get_background_hold (run->app));

  /* Closed again: held again. */
  close_all_windows (run->app);
  g_assert_true (tg_application_get_background_hold (run->app));

  run->checked = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
activate_then_close_cb (GApplication *app,
                        AppRun       *run)
{
  run->n_activates++;
  g_assert_cmpuint (n_windows (run->app), ==, 1);
  g_assert_false (tg_application_get_background_hold (run->app));

  /* A second activation (a second launch) presents the same window. */
  if (run->n_activates == 1)
    {
      g_application_activate (app);
      return;
    }
  close_all_windows (run->app);
  g_timeout_add (200, held_check_cb, run);
}

static void
test_app_keeps_running_in_background (void)
{
  g_auto(AppRun) run = { 0 };

  if (!g_test_subprocess ())
    {
      trap_in_subprocess (G_TEST_SUBPROCESS_INHERIT_STDERR);
      return;
    }

  g_assert_cmpint (run_app (&run, TRUE, NULL, G_CALLBACK (activate_then_close_cb)), ==, 0);
  g_assert_true (run.checked);
  /* app.quit let go of the hold. */
  g_assert_false (tg_application_get_background_hold (run.app));
}

static void
close_on_activate_cb (GApplication *app,
                      AppRun       *run)
{
  run->n_activates++;
  close_all_windows (run->app);
}

static void
test_app_quits_with_its_window (void)
{
  g_auto(AppRun) run = { 0 };

  if (!g_test_subprocess ())
    {
      trap_in_subprocess (G_TEST_SUBPROCESS_INHERIT_STDERR);
      return;
    }

  /* run() returns by itself: nothing holds it. */
  g_assert_cmpint (run_app (&run, FALSE, NULL, G_CALLBACK (close_on_activate_cb)), ==, 0);
  g_assert_cmpuint (run.n_activates, ==, 1);
  g_assert_false (tg_application_get_background_hold (run.app));
}

static gboolean
background_start_check_cb (gpointer user_data)
{
  AppRun *run = user_data;

  /* Activated at most once (GApplication does not activate a service), no
   * window, and the hold keeps it alive. */
  g_assert_cmpuint (run->n_activates, <=, 1);
  g_assert_cmpuint (n_windows (run->app), ==, 0);
  g_assert_true (tg_application_get_background_hold (run->app));
  run->checked = TRUE;
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static void
count_activate_cb (GApplication *app,
                   AppRun       *run)
{
  run->n_activates++;
  g_timeout_add (200, background_start_check_cb, run);
}

static void
test_app_background_start (void)
{
  g_auto(AppRun) run = { 0 };

  if (!g_test_subprocess ())
    {
      trap_in_subprocess (G_TEST_SUBPROCESS_INHERIT_STDERR);
      return;
    }

  g_assert_cmpint (run_app (&run, TRUE, "--background", G_CALLBACK (count_activate_cb)), ==, 0);
  g_assert_true (run.checked);
}

static void
test_app_background_start_not_allowed (void)
{
  g_auto(AppRun) run = { 0 };

  if (!g_test_subprocess ())
    {
      trap_in_subprocess (G_TEST_SUBPROCESS_INHERIT_STDERR);
      return;
    }

  /* Without run-in-background a windowless start would end at once:
   * --background opens the window as usual (closed by the callback). */
  g_assert_cmpint (run_app (&run, FALSE, "--background", G_CALLBACK (close_on_activate_cb)), ==, 0);
  g_assert_cmpuint (run.n_activates, ==, 1);
}

static gboolean
settings_check_cb (gpointer user_data)
{
  AppRun *run = user_data;
  GSettings *settings = tg_application_get_settings (run->app);
  g_autoptr(GFile) file = tg_autostart_get_file ();
  GAction *pause = g_action_map_lookup_action (G_ACTION_MAP (run->app), "pause-monitoring");
  g_autoptr(GVariant) state = NULL;
  TgConfigService *config = tg_application_get_config (run->app);

  g_assert_nonnull (settings);
  g_assert_false (tg_autostart_in_flatpak ());

  /* Start at login writes the entry and turns on running in the background. */
  g_assert_false (g_file_query_exists (file, NULL));
  g_settings_set_boolean (settings, "start-at-login", TRUE);
  g_assert_true (g_file_query_exists (file, NULL));
  g_assert_true (g_settings_get_boolean (settings, "run-in-background"));

  /* No background running, no start at login, no entry. */
  g_settings_set_boolean (settings, "run-in-background", FALSE);
  g_assert_false (g_settings_get_boolean (settings, "start-at-login"));
  g_assert_false (g_file_query_exists (file, NULL));

  /* app.pause-monitoring is the preference, both ways. */
  state = g_action_get_state (pause);
  g_assert_false (g_variant_get_boolean (state));
  g_action_group_change_action_state (G_ACTION_GROUP (run->app), "pause-monitoring", g_variant_new_boolean (TRUE));
  g_assert_true (tg_config_service_get_preferences (config)->health_checks_paused);
  g_clear_pointer (&state, g_variant_unref);
  state = g_action_get_state (pause);
  g_assert_true (g_variant_get_boolean (state));
  g_assert_true (tg_config_service_set_checks_paused (config, FALSE, NULL));
  g_clear_pointer (&state, g_variant_unref);
  state = g_action_get_state (pause);
  g_assert_false (g_variant_get_boolean (state));

  /* The notifications setting switches the notifier. */
  g_assert_true (g_settings_get_boolean (settings, "notifications"));
  g_assert_true (tg_notifier_get_enabled (tg_application_get_notifier (run->app)));
  g_settings_set_boolean (settings, "notifications", FALSE);
  g_assert_false (tg_notifier_get_enabled (tg_application_get_notifier (run->app)));
  g_settings_set_boolean (settings, "notifications", TRUE);
  g_assert_true (tg_notifier_get_enabled (tg_application_get_notifier (run->app)));

  /* A notification's action: the window it has, or a new one. */
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "show-page", g_variant_new_string ("usage"));
  g_assert_cmpuint (n_windows (run->app), ==, 1);
  g_settings_set_boolean (settings, "run-in-background", TRUE);
  close_all_windows (run->app);
  g_assert_cmpuint (n_windows (run->app), ==, 0);
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "show-page", g_variant_new_string ("providers"));
  g_assert_cmpuint (n_windows (run->app), ==, 1);
  g_assert_false (tg_application_get_background_hold (run->app));

  /* Check now runs (only keyless local providers are eligible here; quit cancels). */
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "check-now", NULL);

  run->checked = TRUE;
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static void
settings_activate_cb (GApplication *app,
                      AppRun       *run)
{
  g_timeout_add (50, settings_check_cb, run);
}

static void
test_app_settings (void)
{
  g_auto(AppRun) run = { 0 };

  if (!g_test_subprocess ())
    {
      trap_in_subprocess (G_TEST_SUBPROCESS_INHERIT_STDERR);
      return;
    }

  g_assert_cmpint (run_app (&run, FALSE, NULL, G_CALLBACK (settings_activate_cb)), ==, 0);
  g_assert_true (run.checked);
  /* It quit with a window open and run-in-background on: no hold left. */
  g_assert_false (tg_application_get_background_hold (run.app));
}

/* Start at login follows the entry found at start-up: removed or switched
 * off elsewhere, the setting goes off and the entry is not written back. */
static gboolean
start_at_login_check_cb (gpointer user_data)
{
  AppRun *run = user_data;
  GSettings *settings = tg_application_get_settings (run->app);
  g_autoptr(GFile) file = tg_autostart_get_file ();

  g_assert_false (g_settings_get_boolean (settings, "start-at-login"));
  g_assert_false (g_file_query_exists (file, NULL));

  run->checked = TRUE;
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static void
start_at_login_activate_cb (GApplication *app,
                            AppRun       *run)
{
  g_timeout_add (50, start_at_login_check_cb, run);
}

static void
test_app_start_at_login_follows_entry (void)
{
  g_auto(AppRun) run = { 0 };
  g_autoptr(GSettings) settings = NULL;

  if (!g_test_subprocess ())
    {
      trap_in_subprocess (G_TEST_SUBPROCESS_INHERIT_STDERR);
      return;
    }

  /* On, but the entry is gone (removed in a file manager, say). */
  settings = g_settings_new (APP_ID);
  g_settings_set_boolean (settings, "start-at-login", TRUE);
  g_assert_cmpint (run_app (&run, TRUE, NULL, G_CALLBACK (start_at_login_activate_cb)), ==, 0);
  g_assert_true (run.checked);
  g_assert_false (g_settings_get_boolean (settings, "start-at-login"));
  /* Running in the background is a setting of its own and stays. */
  g_assert_true (g_settings_get_boolean (settings, "run-in-background"));
}

static void
check_soon_cb (GApplication *app,
               AppRun       *run)
{
  g_timeout_add (200, background_start_check_cb, run);
}

/* Started by D-Bus activation with run-in-background: held, no window. */
static void
test_app_service_start (void)
{
  g_auto(AppRun) run = { .hook_signal = "startup" };

  if (!g_test_subprocess ())
    {
      trap_in_subprocess (G_TEST_SUBPROCESS_INHERIT_STDERR);
      return;
    }

  g_assert_cmpint (run_app (&run, TRUE, "--gapplication-service", G_CALLBACK (check_soon_cb)), ==, 0);
  g_assert_true (run.checked);
}

/* End to end: an outage reaches the desktop's notification server through
 * GNotification, and clicking it opens the window. */

static FakeNotifications notification_server;

static gboolean
notification_step_cb (gpointer user_data)
{
  AppRun *run = user_data;

  if (notification_server.n_notify == 0)
    return G_SOURCE_CONTINUE;

  if (!run->checked)
    {
      g_assert_cmpuint (notification_server.n_notify, ==, 1);
      g_assert_cmpstr (notification_server.summary, ==, "OpenAI is down");
      g_assert_cmpstr (notification_server.body, ==, "Tollgate will keep checking.");
      g_assert_true (g_strv_contains ((const char * const *) notification_server.actions, "default"));
      g_assert_cmpuint (n_windows (run->app), ==, 0);
      run->checked = TRUE;
      fake_notifications_click (&notification_server);
      return G_SOURCE_CONTINUE;
    }

  /* The click ran app.show-page: a window again. */
  if (n_windows (run->app) == 0)
    return G_SOURCE_CONTINUE;
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static void
outage_on_activate_cb (GApplication *app,
                       AppRun       *run)
{
  if (run->n_activates++ > 0)
    return;

  /* Windowless in the background, then OpenAI goes down. */
  close_all_windows (run->app);
  g_signal_emit_by_name (tg_application_get_health (run->app), "status-changed", "openai",
                         (int) TG_HEALTH_STATUS_HEALTHY, (int) TG_HEALTH_STATUS_DOWN);
  g_timeout_add (50, notification_step_cb, run);
}

static void
test_app_notification_end_to_end (void)
{
  g_auto(AppRun) run = { 0 };

  if (!g_test_subprocess ())
    {
      trap_in_subprocess (G_TEST_SUBPROCESS_INHERIT_STDERR);
      return;
    }

  fake_notifications_start (&notification_server);
  g_assert_cmpint (run_app (&run, TRUE, NULL, G_CALLBACK (outage_on_activate_cb)), ==, 0);
  g_assert_true (run.checked);
  g_assert_cmpuint (notification_server.n_notify, ==, 1);
  fake_notifications_stop (&notification_server);
}

/* The tray icon follows the health monitor: OpenAI's circuit opens, the icon
 * turns "down" and the tooltip names it. */
static gboolean
tray_step_cb (gpointer user_data)
{
  AppRun *run = user_data;
  TgStatusNotifier *tray = tg_application_get_tray (run->app);

  if (tg_status_notifier_get_status (tray) != TG_HEALTH_STATUS_DOWN)
    return G_SOURCE_CONTINUE;

  run->checked = TRUE;
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static void
tray_on_activate_cb (GApplication *app,
                     AppRun       *run)
{
  TgHealthMonitor *health = tg_application_get_health (run->app);

  if (run->n_activates++ > 0)
    return;

  g_assert_nonnull (tg_application_get_tray (run->app));
  g_assert_cmpint (tg_status_notifier_get_status (tg_application_get_tray (run->app)), !=, TG_HEALTH_STATUS_DOWN);

  /* Enough server failures in a row to open the default circuit. */
  for (guint i = 0; i < 10 && tg_health_monitor_get_status (health, "openai") != TG_HEALTH_STATUS_DOWN; i++)
    tg_health_monitor_report (health, "openai", FALSE, 100, 500, "server");
  g_assert_cmpint (tg_health_monitor_get_status (health, "openai"), ==, TG_HEALTH_STATUS_DOWN);
  g_timeout_add (20, tray_step_cb, run);
}

static void
test_app_tray (void)
{
  g_auto(AppRun) run = { 0 };

  if (!g_test_subprocess ())
    {
      trap_in_subprocess (G_TEST_SUBPROCESS_INHERIT_STDERR);
      return;
    }

  /* The outage is also a notification: something has to take it. */
  fake_notifications_start (&notification_server);
  g_assert_cmpint (run_app (&run, FALSE, NULL, G_CALLBACK (tray_on_activate_cb)), ==, 0);
  g_assert_true (run.checked);
  fake_notifications_stop (&notification_server);
}

/* Without the schema the app runs on the defaults and says why. */
static void
test_app_without_schema (void)
{
  g_auto(AppRun) run = { 0 };

  if (!g_test_subprocess ())
    {
      /* Read by main() of the subprocess, before anything looks for schemas. */
      g_setenv ("TG_TEST_NO_SCHEMA", "1", TRUE);
      trap_in_subprocess (G_TEST_SUBPROCESS_DEFAULT);
      g_unsetenv ("TG_TEST_NO_SCHEMA");
      g_test_trap_assert_stderr ("*settings schema io.github.tollgate.Tollgate is not installed*");
      return;
    }

  /* The expected warning must not abort. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
  g_assert_cmpint (run_app (&run, -1, NULL, G_CALLBACK (close_on_activate_cb)), ==, 0);

  /* Not run in the background (the default): closing the window ended it. */
  g_assert_cmpuint (run.n_activates, ==, 1);
  g_assert_null (tg_application_get_settings (run.app));
  g_assert_false (tg_application_get_background_hold (run.app));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *empty_schema_dir = NULL;
  int status;

  if (g_getenv ("TG_TEST_NO_SCHEMA") != NULL)
    {
      empty_schema_dir = g_dir_make_tmp ("tollgate-no-schema-XXXXXX", NULL);
      g_assert_nonnull (empty_schema_dir);
      g_setenv ("GSETTINGS_SCHEMA_DIR", empty_schema_dir, TRUE);
    }

  tg_ui_test_init (&argc, &argv);

  g_test_add_func ("/background/cli-leaves-background-to-the-app", test_cli_leaves_background_to_the_app);
  g_test_add_func ("/background/autostart-file", test_autostart_file);
  g_test_add_func ("/background/autostart-file-error", test_autostart_file_error);
  g_test_add_func ("/background/portal/granted", test_portal_granted);
  g_test_add_func ("/background/portal/refused", test_portal_refused);
  g_test_add_func ("/background/portal/cancelled", test_portal_cancelled);
  g_test_add_func ("/background/portal/missing", test_portal_missing);
  g_test_add_func ("/background/app/keeps-running-in-background", test_app_keeps_running_in_background);
  g_test_add_func ("/background/app/quits-with-its-window", test_app_quits_with_its_window);
  g_test_add_func ("/background/app/background-start", test_app_background_start);
  g_test_add_func ("/background/app/background-start-not-allowed", test_app_background_start_not_allowed);
  g_test_add_func ("/background/app/service-start", test_app_service_start);
  g_test_add_func ("/background/app/settings", test_app_settings);
  g_test_add_func ("/background/app/start-at-login-follows-entry", test_app_start_at_login_follows_entry);
  g_test_add_func ("/background/app/without-schema", test_app_without_schema);
  g_test_add_func ("/background/app/notification-end-to-end", test_app_notification_end_to_end);
  g_test_add_func ("/background/app/tray", test_app_tray);

  status = g_test_run ();
  if (empty_schema_dir != NULL)
    g_rmdir (empty_schema_dir);
  return status;
}
