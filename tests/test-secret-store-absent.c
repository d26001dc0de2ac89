/* test-secret-store-absent.c: TgSecretStore when there is no keyring to talk to.
 *
 * GDBus keeps one session bus connection per process, so each case runs in a
 * subprocess that sets up its bus environment before anything connects:
 * a private bus (GTestDBus) with no Secret Service and no service files, so
 * nothing can be activated; a bus address that leads nowhere; no address. */

#include "config.h"

#include "tg-secret-store.h"
#include "tg-test-utils.h"

#include <glib/gstdio.h>

#define UNAVAILABLE_MESSAGE \
  "No keyring is available to keep API keys. " \
  "Start GNOME Keyring or another Secret Service and try again."

/* Generous for a machine under load; the failures take milliseconds, and a
 * D-Bus timeout would take 25 s. */
#define MAX_FAILURE_USEC (5 * G_USEC_PER_SEC)

static void
assert_unavailable (const GError *error,
                    gint64        started)
{
  g_assert_error (error, TG_SECRET_STORE_ERROR, TG_SECRET_STORE_ERROR_UNAVAILABLE);
  g_assert_cmpstr (error->message, ==, UNAVAILABLE_MESSAGE);
  g_assert_cmpint (g_get_monotonic_time () - started, <, MAX_FAILURE_USEC);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static void
check_async_operations (void)
{
  g_autoptr(TgSecretStore) store = tg_secret_store_new ();

  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    gint64 started = g_get_monotonic_time ();

    tg_secret_store_store_async (store, "openai", "sk-test", NULL, on_done, &result);
    g_assert_false (tg_secret_store_store_finish (store, wait_for (&result), &error));
    assert_unavailable (error, started);
  }

  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    gint64 started = g_get_monotonic_time ();
    char *key;

    tg_secret_store_lookup_async (store, "openai", NULL, on_done, &result);
    key = tg_secret_store_lookup_finish (store, wait_for (&result), &error);
    g_assert_null (key);
    assert_unavailable (error, started);
  }

  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    gint64 started = g_get_monotonic_time ();
    gboolean deleted = TRUE;

    tg_secret_store_delete_async (store, "openai", NULL, on_done, &result);
    g_assert_false (tg_secret_store_delete_finish (store, wait_for (&result), &deleted, &error));
    g_assert_false (deleted);
    assert_unavailable (error, started);
  }

  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) ids = NULL;
    gint64 started = g_get_monotonic_time ();

    tg_secret_store_list_async (store, NULL, on_done, &result);
    ids = tg_secret_store_list_finish (store, wait_for (&result), &error);
    g_assert_null (ids);
    assert_unavailable (error, started);
  }
}

static void
check_sync_operations (void)
{
  g_autoptr(TgSecretStore) store = tg_secret_store_new ();

  {
    g_autoptr(GError) error = NULL;
    gint64 started = g_get_monotonic_time ();

    g_assert_false (tg_secret_store_store_sync (store, "openai", "sk-test", NULL, &error));
    assert_unavailable (error, started);
  }

  {
    g_autoptr(GError) error = NULL;
    gint64 started = g_get_monotonic_time ();

    g_assert_null (tg_secret_store_lookup_sync (store, "openai", NULL, &error));
    assert_unavailable (error, started);
  }

  {
    g_autoptr(GError) error = NULL;
    gint64 started = g_get_monotonic_time ();
    gboolean deleted = TRUE;

    g_assert_false (tg_secret_store_delete_sync (store, "openai", &deleted, NULL, &error));
    g_assert_false (deleted);
    assert_unavailable (error, started);
  }

  {
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) ids = NULL;
    gint64 started = g_get_monotonic_time ();

    ids = tg_secret_store_list_sync (store, NULL, &error);
    g_assert_null (ids);
    assert_unavailable (error, started);
  }
}

/* Invalid input is reported as such even without a keyring. */
static void
check_invalid_before_unavailable (void)
{
  g_autoptr(TgSecretStore) store = tg_secret_store_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (tg_secret_store_store_sync (store, "openai", "", NULL, &error));
  g_assert_error (error, TG_SECRET_STORE_ERROR, TG_SECRET_STORE_ERROR_INVALID);
}

/* In the parent, runs the current test case in a subprocess and returns
 * FALSE; in that subprocess, returns TRUE. */
static gboolean
in_subprocess (void)
{
  if (g_test_subprocess ())
    return TRUE;

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  return FALSE;
}

/* @service_dir: NULL for a bus without any service files. */
static GTestDBus *
start_bus_without_secret_service (const char *service_dir)
{
  GTestDBus *bus = g_test_dbus_new (G_TEST_DBUS_NONE);

  if (service_dir != NULL)
    g_test_dbus_add_service_dir (bus, service_dir);
  /* Sets DBUS_SESSION_BUS_ADDRESS. */
  g_test_dbus_up (bus);
  return bus;
}

/* The stopped bus stays referenced until the process ends (see stop_bus()). */
static GTestDBus * volatile stopped_bus;  /* volatile: the store must survive optimization */

static void
stop_bus (GTestDBus *bus)
{
  g_autoptr(GDBusConnection) connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

  /* Not g_test_dbus_down(): it waits for the session connection to be
   * finalized, and libsecret keeps a proxy (and so the connection) cached.
   * The process ends right after; @bus goes with it, held here so leak
   * checkers know it is kept on purpose.
   * The session connection was made on the store's worker thread, whose
   * context keeps running: losing the bus would SIGTERM the process. */
  if (connection != NULL)
    g_dbus_connection_set_exit_on_close (connection, FALSE);
  g_test_dbus_stop (bus);
  stopped_bus = bus;
}

static void
test_no_service_async (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();
  GTestDBus *bus;

  if (!in_subprocess ())
    return;

  bus = start_bus_without_secret_service (NULL);
  check_async_operations ();
  /* A second round, now that libsecret has a cached proxy without owner. */
  check_async_operations ();
  stop_bus (bus);
}

static void
test_no_service_sync (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();
  GTestDBus *bus;

  if (!in_subprocess ())
    return;

  bus = start_bus_without_secret_service (NULL);
  check_sync_operations ();
  check_sync_operations ();
  check_invalid_before_unavailable ();
  stop_bus (bus);
}

/* A Secret Service is installed but fails to start: the bus answers the
 * activation with a G_DBUS_ERROR_SPAWN_* error. */
static void
test_activation_fails (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();
  g_autofree char *service_dir = NULL;
  g_autofree char *service_file = NULL;
  g_autoptr(GError) error = NULL;
  GTestDBus *bus;

  if (!in_subprocess ())
    return;

  service_dir = g_build_filename (data_dir, "services", NULL);
  g_assert_cmpint (g_mkdir (service_dir, 0700), ==, 0);
  service_file = g_build_filename (service_dir, "org.freedesktop.secrets.service", NULL);
  g_file_set_contents (service_file,
                       "[D-BUS Service]\n"
                       "Name=org.freedesktop.secrets\n"
                       "Exec=/bin/false\n",
                       -1, &error);
  g_assert_no_error (error);

  bus = start_bus_without_secret_service (service_dir);
  check_async_operations ();
  check_sync_operations ();
  stop_bus (bus);
}

/* Sets up the environment of a subprocess before anything in it touches
 * the session bus; @address NULL means no address at all. */
static void
run_without_bus (const char *address)
{
  if (address != NULL)
    g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);
  else
    g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  /* Keeps GDBus from autolaunching a bus through X11. */
  g_unsetenv ("DISPLAY");

  check_async_operations ();
  check_sync_operations ();
  check_invalid_before_unavailable ();
}

static void
test_no_bus (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();

  if (in_subprocess ())
    run_without_bus ("unix:path=/nonexistent/tollgate-test/bus");
}

/* No address: GDBus looks in $XDG_RUNTIME_DIR (an empty test folder) and
 * then fails to autolaunch, with an error of yet another kind. */
static void
test_no_bus_address (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();

  if (in_subprocess ())
    run_without_bus (NULL);
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/secret-store-absent/no-service/async", test_no_service_async);
  g_test_add_func ("/secret-store-absent/no-service/sync", test_no_service_sync);
  g_test_add_func ("/secret-store-absent/activation-fails", test_activation_fails);
  g_test_add_func ("/secret-store-absent/no-bus", test_no_bus);
  g_test_add_func ("/secret-store-absent/no-bus-address", test_no_bus_address);

  return g_test_run ();
}
