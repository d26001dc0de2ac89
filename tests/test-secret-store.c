/* test-secret-store.c: TgSecretStore against a real gnome-keyring.
 *
 * Run under tests/run-headless, which provides a private session bus with an
 * unlocked, throwaway gnome-keyring; anywhere else the cases that use the
 * session's keyring are skipped, so a desktop's real keyring is never
 * touched.  That keyring lives for the whole run and other test programs may
 * use it at the same time, so every case uses provider ids of its own and
 * removes what it stored.  The locked-keyring cases start a keyring of their
 * own on a bus of their own, in a subprocess, and run anywhere. */

#include "config.h"

#include "tg-secret-store.h"
#include "tg-test-utils.h"

#include <glib/gstdio.h>
#include <libsecret/secret.h>
#include <signal.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

/* The schema as other programs see it: the name is part of the contract. */
static const SecretSchema api_key_schema = {
  "io.github.tollgate.Tollgate.ApiKey",
  SECRET_SCHEMA_NONE,
  {
    { "provider", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

/* Some other application's items, with an attribute of the same name. */
static const SecretSchema foreign_schema = {
  "org.example.NotTollgate",
  SECRET_SCHEMA_NONE,
  {
    { "provider", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

typedef struct {
  char          *data_dir;
  TgSecretStore *store;
  gboolean       async;
  GPtrArray     *provider_ids;  /* to delete in teardown */
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  fixture->data_dir = tg_test_make_data_dir ();
  fixture->store = tg_secret_store_new ();
  fixture->async = GPOINTER_TO_INT (user_data);
  fixture->provider_ids = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  for (guint i = 0; i < fixture->provider_ids->len; i++)
    {
      g_autoptr(GError) error = NULL;

      tg_secret_store_delete_sync (fixture->store, g_ptr_array_index (fixture->provider_ids, i),
                                   NULL, NULL, &error);
      g_assert_no_error (error);
    }

  g_ptr_array_unref (fixture->provider_ids);
  g_clear_object (&fixture->store);
  g_free (fixture->data_dir);
}

/* A provider id no other case or test program uses. */
static const char *
fixture_new_provider_id (Fixture    *fixture,
                         const char *hint)
{
  char *id = g_strdup_printf ("test-%s-%08x%08x", hint, g_random_int (), g_random_int ());

  g_ptr_array_add (fixture->provider_ids, id);
  return id;
}

/* Async calls, driven by iterating the default main context. */

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

/* One helper per operation; each uses the async or the sync API as the
 * fixture says, so every case runs both ways. */

static gboolean
do_store (Fixture     *fixture,
          const char  *provider_id,
          const char  *key,
          GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (!fixture->async)
    return tg_secret_store_store_sync (fixture->store, provider_id, key, NULL, error);

  tg_secret_store_store_async (fixture->store, provider_id, key, NULL, on_done, &result);
  return tg_secret_store_store_finish (fixture->store, wait_for (&result), error);
}

static char *
do_lookup (Fixture     *fixture,
           const char  *provider_id,
           GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (!fixture->async)
    return tg_secret_store_lookup_sync (fixture->store, provider_id, NULL, error);

  tg_secret_store_lookup_async (fixture->store, provider_id, NULL, on_done, &result);
  return tg_secret_store_lookup_finish (fixture->store, wait_for (&result), error);
}

static gboolean
do_delete (Fixture     *fixture,
           const char  *provider_id,
           gboolean    *deleted,
           GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (!fixture->async)
    return tg_secret_store_delete_sync (fixture->store, provider_id, deleted, NULL, error);

  tg_secret_store_delete_async (fixture->store, provider_id, NULL, on_done, &result);
  return tg_secret_store_delete_finish (fixture->store, wait_for (&result), deleted, error);
}

static GStrv
do_list (Fixture  *fixture,
         GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (!fixture->async)
    return tg_secret_store_list_sync (fixture->store, NULL, error);

  tg_secret_store_list_async (fixture->store, NULL, on_done, &result);
  return tg_secret_store_list_finish (fixture->store, wait_for (&result), error);
}

static void
assert_stored (Fixture    *fixture,
               const char *provider_id,
               const char *expected_key)
{
  g_autoptr(GError) error = NULL;
  char *key = do_lookup (fixture, provider_id, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, expected_key);
  tg_secret_store_free_key (key);
}

static void
assert_not_stored (Fixture    *fixture,
                   const char *provider_id)
{
  g_autoptr(GError) error = NULL;
  char *key = do_lookup (fixture, provider_id, &error);

  g_assert_no_error (error);
  g_assert_null (key);
}

/* How often @provider_id occurs in a listing, which must be sorted. */
static guint
count_listed (Fixture    *fixture,
              const char *provider_id)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = do_list (fixture, &error);
  guint count = 0;

  g_assert_no_error (error);
  g_assert_nonnull (ids);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      if (i > 0)
        g_assert_cmpint (strcmp (ids[i - 1], ids[i]), <, 0);
      if (g_str_equal (ids[i], provider_id))
        count++;
    }
  return count;
}

/* Straight from libsecret: the items the keyring really holds. */
static GList *
keyring_items (const char *provider_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GList *items;

  secret_password_search (&api_key_schema, SECRET_SEARCH_ALL, NULL, on_done, &result,
                          "provider", provider_id,
                          NULL);
  items = secret_password_search_finish (wait_for (&result), &error);
  g_assert_no_error (error);
  return items;
}

static void
test_round_trip (Fixture       *fixture,
                 gconstpointer  user_data)
{
  const char *id = fixture_new_provider_id (fixture, "round-trip");
  g_autoptr(GError) error = NULL;
  g_autofree char *expected_label = g_strdup_printf ("Tollgate API key for %s", id);
  g_autofree char *label = NULL;
  GList *items;

  assert_not_stored (fixture, id);
  g_assert_cmpuint (count_listed (fixture, id), ==, 0);

  g_assert_true (do_store (fixture, id, "sk-test-0123456789abcdef", &error));
  g_assert_no_error (error);

  assert_stored (fixture, id, "sk-test-0123456789abcdef");
  g_assert_cmpuint (count_listed (fixture, id), ==, 1);

  /* What users see in Passwords and Keys. */
  items = keyring_items (id);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  label = secret_retrievable_get_label (items->data);
  g_assert_cmpstr (label, ==, expected_label);
  g_list_free_full (items, g_object_unref);
}

static void
test_replace (Fixture       *fixture,
              gconstpointer  user_data)
{
  const char *id = fixture_new_provider_id (fixture, "replace");
  g_autoptr(GError) error = NULL;
  GList *items;

  g_assert_true (do_store (fixture, id, "sk-old", &error));
  g_assert_no_error (error);
  g_assert_true (do_store (fixture, id, "sk-new", &error));
  g_assert_no_error (error);

  assert_stored (fixture, id, "sk-new");
  g_assert_cmpuint (count_listed (fixture, id), ==, 1);

  /* Replaced, not added next to the old one. */
  items = keyring_items (id);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_list_free_full (items, g_object_unref);
}

static void
test_delete (Fixture       *fixture,
             gconstpointer  user_data)
{
  const char *id = fixture_new_provider_id (fixture, "delete");
  const char *other_id = fixture_new_provider_id (fixture, "delete-other");
  g_autoptr(GError) error = NULL;
  gboolean deleted = FALSE;

  g_assert_true (do_store (fixture, id, "sk-doomed", &error));
  g_assert_no_error (error);
  g_assert_true (do_store (fixture, other_id, "sk-kept", &error));
  g_assert_no_error (error);

  g_assert_true (do_delete (fixture, id, &deleted, &error));
  g_assert_no_error (error);
  g_assert_true (deleted);

  assert_not_stored (fixture, id);
  g_assert_cmpuint (count_listed (fixture, id), ==, 0);
  /* Only that provider's key went. */
  assert_stored (fixture, other_id, "sk-kept");

  deleted = TRUE;
  g_assert_true (do_delete (fixture, id, &deleted, &error));
  g_assert_no_error (error);
  g_assert_false (deleted);

  /* @deleted is optional. */
  g_assert_true (do_delete (fixture, id, NULL, &error));
  g_assert_no_error (error);
}

static void
test_missing (Fixture       *fixture,
              gconstpointer  user_data)
{
  const char *id = fixture_new_provider_id (fixture, "missing");

  assert_not_stored (fixture, id);
}

static void
test_list (Fixture       *fixture,
           gconstpointer  user_data)
{
  const char *a = fixture_new_provider_id (fixture, "list-a");
  const char *b = fixture_new_provider_id (fixture, "list-b");
  const char *foreign = fixture_new_provider_id (fixture, "list-foreign");
  g_autoptr(GError) error = NULL;

  g_assert_true (do_store (fixture, b, "sk-b", &error));
  g_assert_no_error (error);
  g_assert_true (do_store (fixture, a, "sk-a", &error));
  g_assert_no_error (error);
  g_assert_true (secret_password_store_sync (&foreign_schema, SECRET_COLLECTION_DEFAULT,
                                             "Not a Tollgate key", "foreign-secret", NULL, &error,
                                             "provider", foreign,
                                             NULL));
  g_assert_no_error (error);

  /* Sorted and unique is checked by count_listed(). */
  g_assert_cmpuint (count_listed (fixture, a), ==, 1);
  g_assert_cmpuint (count_listed (fixture, b), ==, 1);
  g_assert_cmpuint (count_listed (fixture, foreign), ==, 0);
  assert_not_stored (fixture, foreign);

  secret_password_clear_sync (&foreign_schema, NULL, &error, "provider", foreign, NULL);
  g_assert_no_error (error);
}

static void
test_unicode (Fixture       *fixture,
              gconstpointer  user_data)
{
  const char *id = fixture_new_provider_id (fixture, "ünïcødé-провайдер");
  const char *key = "sk-ключ-🔑-密钥 with inner spaces-ü";
  g_autoptr(GError) error = NULL;
  gboolean deleted = FALSE;

  g_assert_true (do_store (fixture, id, key, &error));
  g_assert_no_error (error);
  assert_stored (fixture, id, key);
  g_assert_cmpuint (count_listed (fixture, id), ==, 1);

  g_assert_true (do_delete (fixture, id, &deleted, &error));
  g_assert_no_error (error);
  g_assert_true (deleted);
}

static void
assert_invalid (const GError *error)
{
  g_assert_error (error, TG_SECRET_STORE_ERROR, TG_SECRET_STORE_ERROR_INVALID);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");
}

static void
test_invalid (Fixture       *fixture,
              gconstpointer  user_data)
{
  const char *id = fixture_new_provider_id (fixture, "invalid");
  const char *bad_keys[] = {
    "", "   ", "sk-abc\n", "\nsk-abc", "sk-\r\nabc", "sk\tabc", "sk-abc ", " sk-abc",
    "sk-\x7f" "abc", "sk-\xc2\x85" "abc" /* U+0085 NEXT LINE */, "sk-\xff\xfe" /* not UTF-8 */,
  };
  const char *bad_ids[] = { "", " openai", "openai\n", "open\tai", "\xff" };

  for (guint i = 0; i < G_N_ELEMENTS (bad_keys); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("key %u", i);
      g_assert_false (do_store (fixture, id, bad_keys[i], &error));
      assert_invalid (error);
      /* The message never repeats the key. */
      if (*bad_keys[i] != '\0')
        g_assert_null (strstr (error->message, bad_keys[i]));
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (do_store (fixture, id, NULL, &error));
    assert_invalid (error);
  }

  for (guint i = 0; i < G_N_ELEMENTS (bad_ids) + 1; i++)
    {
      const char *bad_id = i < G_N_ELEMENTS (bad_ids) ? bad_ids[i] : NULL;
      g_autoptr(GError) store_error = NULL;
      g_autoptr(GError) lookup_error = NULL;
      g_autoptr(GError) delete_error = NULL;
      gboolean deleted = TRUE;

      g_test_message ("provider id %u", i);
      g_assert_false (do_store (fixture, bad_id, "sk-fine", &store_error));
      assert_invalid (store_error);
      g_assert_null (do_lookup (fixture, bad_id, &lookup_error));
      assert_invalid (lookup_error);
      g_assert_false (do_delete (fixture, bad_id, &deleted, &delete_error));
      assert_invalid (delete_error);
      g_assert_false (deleted);
    }

  /* Nothing got stored along the way. */
  assert_not_stored (fixture, id);
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  user_data)
{
  const char *id = fixture_new_provider_id (fixture, "cancelled");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) sync_error = NULL;

  g_cancellable_cancel (cancellable);

  /* A cancellation is the caller's, not a locked keyring. */
  tg_secret_store_store_async (fixture->store, id, "sk-never", cancellable, on_done, &result);
  g_assert_false (tg_secret_store_store_finish (fixture->store, wait_for (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_assert_null (tg_secret_store_lookup_sync (fixture->store, id, cancellable, &sync_error));
  g_assert_error (sync_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  assert_not_stored (fixture, id);
}

static gboolean
on_idle_mark (gpointer user_data)
{
  gboolean *ran = user_data;

  *ran = TRUE;
  return G_SOURCE_REMOVE;
}

/* The blocking calls must not run the caller's main context: the command
 * line's sources (or a UI's) would otherwise fire in the middle of them. */
static void
test_sync_isolated (Fixture       *fixture,
                    gconstpointer  user_data)
{
  const char *id = fixture_new_provider_id (fixture, "sync-isolated");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = NULL;
  gboolean ran = FALSE;
  gboolean deleted = FALSE;
  char *key;
  guint idle_id;

  idle_id = g_idle_add (on_idle_mark, &ran);

  g_assert_true (tg_secret_store_store_sync (fixture->store, id, "sk-sync", NULL, &error));
  g_assert_no_error (error);
  key = tg_secret_store_lookup_sync (fixture->store, id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "sk-sync");
  tg_secret_store_free_key (key);
  ids = tg_secret_store_list_sync (fixture->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) ids, id));
  g_assert_true (tg_secret_store_delete_sync (fixture->store, id, &deleted, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (deleted);

  g_assert_false (ran);
  g_source_remove (idle_id);
}

static void
test_free_key (void)
{
  /* Also fine for NULL and for memory libsecret did not allocate. */
  tg_secret_store_free_key (NULL);
  tg_secret_store_free_key (g_strdup ("sk-plain-heap"));
}

/* A keyring of our own: gnome-keyring-daemon on a private bus that has no
 * service files, so the keyring cannot show an unlock prompt (no prompter
 * can be activated) and every unlock attempt ends as a dismissed prompt. */

static void
kill_on_parent_death (gpointer user_data)
{
#ifdef __linux__
  /* Should an assertion abort the test, the daemon goes too. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
#endif
}

/* Removes @path and everything below it. */
static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* @runtime_dir: a short folder for the daemon's control socket; the test
 * case's own runtime folder can be too deep for a socket path.
 * @unlock: whether to unlock the login keyring (creating it if needed), as
 * a login does; if not, the keyring stays locked as loaded from disk. */
static GSubprocess *
start_keyring_daemon (const char *runtime_dir,
                      gboolean    unlock)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;
  GOutputStream *stdin_pipe;
  gint64 deadline;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, kill_on_parent_death, NULL, NULL);
  /* Its keyring files go to this test case's own folders.  GLib knows them,
   * but a test subprocess's environment says /dev/null. */
  g_subprocess_launcher_setenv (launcher, "HOME", g_get_home_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", g_get_user_cache_dir (), TRUE);
  daemon = g_subprocess_launcher_spawn (launcher, &error,
                                        "gnome-keyring-daemon", "--foreground",
                                        "--components=secrets",
                                        unlock ? "--unlock" : NULL,
                                        NULL);
  g_assert_no_error (error);

  stdin_pipe = g_subprocess_get_stdin_pipe (daemon);
  if (unlock)
    {
      g_output_stream_write_all (stdin_pipe, "throwaway", strlen ("throwaway"), NULL, NULL, &error);
      g_assert_no_error (error);
    }
  g_output_stream_close (stdin_pipe, NULL, &error);
  g_assert_no_error (error);

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr(GVariant) reply = NULL;
      gboolean has_owner = FALSE;

      reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "NameHasOwner",
                                           g_variant_new ("(s)", "org.freedesktop.secrets"),
                                           G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                           NULL, &error);
      g_assert_no_error (error);
      g_variant_get (reply, "(b)", &has_owner);
      if (has_owner)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (G_USEC_PER_SEC / 20);
    }

  return g_steal_pointer (&daemon);
}

static void
lock_default_collection (void)
{
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(GError) error = NULL;
  GList *objects;

  service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_assert_no_error (error);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (collection);

  objects = g_list_append (NULL, collection);
  g_assert_cmpint (secret_service_lock_sync (service, objects, NULL, NULL, &error), ==, 1);
  g_assert_no_error (error);
  g_list_free (objects);
  g_assert_true (secret_collection_get_locked (collection));
}

static void
stop_keyring_daemon (GSubprocess *daemon)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (daemon, SIGTERM);
  g_subprocess_wait (daemon, NULL, &error);
  g_assert_no_error (error);
}

static void
assert_locked (const GError *error)
{
  g_assert_error (error, TG_SECRET_STORE_ERROR, TG_SECRET_STORE_ERROR_LOCKED);
  g_assert_cmpstr (error->message, ==, "The keyring is locked. Unlock it and try again.");
}

/* Every operation, for a provider with a key and one without: no prompt can
 * be shown, so the keyring stays locked. */
static void
assert_all_locked (Fixture *fixture)
{
  const char *providers[] = { "openai", "gemini" };

  for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
    {
      g_autoptr(GError) lookup_error = NULL;
      g_autoptr(GError) delete_error = NULL;
      g_autoptr(GError) store_error = NULL;
      gboolean deleted = TRUE;

      g_assert_null (do_lookup (fixture, providers[i], &lookup_error));
      assert_locked (lookup_error);

      g_assert_false (do_delete (fixture, providers[i], &deleted, &delete_error));
      g_assert_false (deleted);
      assert_locked (delete_error);

      g_assert_false (do_store (fixture, providers[i], "sk-replacement", &store_error));
      assert_locked (store_error);
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_null (do_list (fixture, &error));
    assert_locked (error);
  }
}

/* See the end of test_locked(). */
static GTestDBus * volatile stopped_bus;  /* volatile: the store must survive optimization */

/* libsecret 0.20.5 warns when the watch on its cached service's name reports
 * the service gone after secret_service_disconnect() already dropped that
 * instance.  The watch runs on the store's worker thread, so the daemon
 * stopping and the disconnect below can race that way; nothing goes wrong. */
static gboolean
is_fatal_log (const char     *log_domain,
              GLogLevelFlags  log_level,
              const char     *message,
              gpointer        user_data)
{
  return !(g_strcmp0 (log_domain, "libsecret") == 0 &&
           (log_level & G_LOG_LEVEL_WARNING) != 0 &&
           strstr (message, "instance out of sync with the watch for its DBus name") != NULL);
}

static void
test_locked (Fixture       *fixture,
             gconstpointer  user_data)
{
  GTestDBus *bus;
  g_autoptr(GSubprocess) daemon = NULL;
  g_autofree char *runtime_dir = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_test_subprocess ())
    {
      g_autofree char *daemon_path = g_find_program_in_path ("gnome-keyring-daemon");

      if (daemon_path == NULL)
        {
          g_test_skip ("gnome-keyring-daemon is not installed (Debian package gnome-keyring)");
          return;
        }
      g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  g_test_log_set_fatal_handler (is_fatal_log, NULL);

  /* This process has not touched the session bus yet: switch to our own. */
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);

  /* No keyring yet... */
  g_assert_false (do_store (fixture, "openai", "sk-first", &error));
  g_assert_error (error, TG_SECRET_STORE_ERROR, TG_SECRET_STORE_ERROR_UNAVAILABLE);
  g_clear_error (&error);

  /* ...and "try again" once there is one works in the same process. */
  runtime_dir = g_dir_make_tmp ("tg-keyring-XXXXXX", &error);
  g_assert_no_error (error);
  daemon = start_keyring_daemon (runtime_dir, TRUE);
  g_assert_true (do_store (fixture, "openai", "sk-first", &error));
  g_assert_no_error (error);
  g_assert_true (do_store (fixture, "anthropic", "sk-second", &error));
  g_assert_no_error (error);
  assert_stored (fixture, "openai", "sk-first");

  /* Locked while running: the items stay visible but unreadable. */
  lock_default_collection ();
  assert_all_locked (fixture);

  /* Locked since loaded, as after a login that did not unlock it: the
   * keyring then hides its items, which must not read as "no key". */
  stop_keyring_daemon (daemon);
  g_clear_object (&daemon);
  secret_service_disconnect ();
  daemon = start_keyring_daemon (runtime_dir, FALSE);
  assert_all_locked (fixture);

  stop_keyring_daemon (daemon);
  remove_tree (runtime_dir);
  /* Neither g_test_dbus_down() nor finalizing @bus, which would call it:
   * it waits for the session connection to go, and libsecret keeps it.  The
   * subprocess ends right after this; @bus is held until then so leak
   * checkers know it is kept on purpose. */
  {
    g_autoptr(GDBusConnection) connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

    /* Losing the bus would otherwise SIGTERM us from the store's worker
     * thread (the sync calls run there and keep its context running). */
    if (connection != NULL)
      g_dbus_connection_set_exit_on_close (connection, FALSE);
  }
  g_test_dbus_stop (bus);
  stopped_bus = bus;
}

static void
test_needs_harness (void)
{
  g_test_skip ("needs the throwaway keyring of tests/run-headless");
}

static void
add_test (const char *name,
          void      (*func) (Fixture *, gconstpointer))
{
  for (int async = 0; async <= 1; async++)
    {
      g_autofree char *path = g_strdup_printf ("/secret-store/%s/%s",
                                               async ? "async" : "sync", name);

      g_test_add (path, Fixture, GINT_TO_POINTER (async),
                  fixture_set_up, func, fixture_tear_down);
    }
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  add_test ("locked", test_locked);
  g_test_add_func ("/secret-store/free-key", test_free_key);

  /* Only the harness's throwaway keyring may be written to, never the real
   * one of a desktop session. */
  if (g_strcmp0 (g_getenv ("RUN_HEADLESS"), "1") != 0)
    {
      g_test_add_func ("/secret-store/session-keyring", test_needs_harness);
      return g_test_run ();
    }

  add_test ("round-trip", test_round_trip);
  add_test ("replace", test_replace);
  add_test ("delete", test_delete);
  add_test ("missing", test_missing);
  add_test ("list", test_list);
  add_test ("unicode", test_unicode);
  add_test ("invalid", test_invalid);
  g_test_add ("/secret-store/cancelled", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_cancelled, fixture_tear_down);
  g_test_add ("/secret-store/sync-isolated", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_sync_isolated, fixture_tear_down);

  return g_test_run ();
}
