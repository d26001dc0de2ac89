/* tg-secret-store.c: API keys in the system keyring (libsecret).
 *
 * Every key is one keyring item of the schema "io.github.tollgate.Tollgate.ApiKey"
 * with a single attribute, "provider", in the default collection.  Items are
 * stored, searched, read and cleared through libsecret's password API (which
 * in a Flatpak sandbox can use the Secret portal); the Secret Service API is
 * only used to unlock the default collection.  GTasks wrap it all and turn
 * libsecret's and GDBus' errors into TG_SECRET_STORE_ERROR.
 *
 * Decisions worth knowing:
 *  - Keys are stored exactly as given.  store() does not trim: it rejects a
 *    key that is empty, not UTF-8, contains a control character (a line break,
 *    a tab, ...) or starts or ends with white space, so a key pasted with a
 *    stray newline fails loudly instead of failing later at the provider.
 *    Callers that read keys from a terminal or a file strip the newline.
 *  - Provider ids must be non-empty UTF-8 without control characters or
 *    surrounding white space.
 *  - Storing replaces the key already stored for that provider.
 *  - A locked keyring is unlocked on demand (the Secret Service prompts);
 *    if it stays locked — the prompt was dismissed or could not be shown —
 *    the operation fails with TG_SECRET_STORE_ERROR_LOCKED.  lookup() never
 *    reports "no key" for a key it could not read: gnome-keyring hides every
 *    item of a keyring that is still locked since it was loaded, so lookup,
 *    delete and list first make sure the default collection (where keys are
 *    stored) is unlocked.  Listing may therefore prompt too, and a lookup
 *    for a provider without a key gives LOCKED while the keyring stays locked.
 *  - list() gives the provider ids sorted by byte value, each once.
 *  - Cancelling through the GCancellable gives G_IO_ERROR_CANCELLED, as usual.
 *  - Key material is never logged; only error messages are, at debug level.
 */

#include "config.h"

#include "tg-secret-store.h"

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>
#include <string.h>

#define PROVIDER_ATTRIBUTE "provider"

struct _TgSecretStore
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (TgSecretStore, tg_secret_store, G_TYPE_OBJECT)

G_DEFINE_QUARK (tg-secret-store-error-quark, tg_secret_store_error)

typedef enum {
  OP_STORE,
  OP_LOOKUP,
  OP_DELETE,
  OP_LIST,
} Operation;

typedef struct {
  Operation         op;
  char             *provider_id;
  SecretValue      *value;       /* OP_STORE: the key, in libsecret's wiped memory */
  SecretService    *service;     /* while unlocking the default collection */
  SecretCollection *collection;  /* the default collection, while unlocking it */
  guint             searches;    /* searches started, see search_again_if_vanished() */
} OpData;

static void
op_data_free (OpData *data)
{
  g_free (data->provider_id);
  g_clear_pointer (&data->value, secret_value_unref);
  g_clear_object (&data->service);
  g_clear_object (&data->collection);
  g_free (data);
}

static const SecretSchema *
tg_secret_store_get_schema (void)
{
  static const SecretSchema schema = {
    "io.github.tollgate.Tollgate.ApiKey",
    SECRET_SCHEMA_NONE,
    {
      { PROVIDER_ATTRIBUTE, SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

static void
tg_secret_store_class_init (TgSecretStoreClass *klass)
{
}

static void
tg_secret_store_init (TgSecretStore *self)
{
}

TgSecretStore *
tg_secret_store_new (void)
{
  return g_object_new (TG_TYPE_SECRET_STORE, NULL);
}

/* Error mapping */

static GError *
unavailable_error_new (const GError *cause)
{
  g_debug ("Secret Service unavailable: %s", cause->message);
  return g_error_new_literal (TG_SECRET_STORE_ERROR, TG_SECRET_STORE_ERROR_UNAVAILABLE,
                              _("No keyring is available to keep API keys. "
                                "Start GNOME Keyring or another Secret Service and try again."));
}

static GError *
locked_error_new (void)
{
  return g_error_new_literal (TG_SECRET_STORE_ERROR, TG_SECRET_STORE_ERROR_LOCKED,
                              _("The keyring is locked. Unlock it and try again."));
}

/* Whether @error says that nobody serves org.freedesktop.secrets and the bus
 * could not start anything to serve it, or that the bus itself went away. */
static gboolean
error_means_unavailable (const GError *error)
{
  g_autofree char *remote_name = NULL;

  if (error->domain == G_DBUS_ERROR)
    {
      switch ((GDBusError) error->code)
        {
        case G_DBUS_ERROR_SERVICE_UNKNOWN:
        case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
        case G_DBUS_ERROR_NO_SERVER:
        case G_DBUS_ERROR_DISCONNECTED:
        case G_DBUS_ERROR_NO_REPLY:
        case G_DBUS_ERROR_TIMEOUT:
        case G_DBUS_ERROR_TIMED_OUT:
        case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
        case G_DBUS_ERROR_SPAWN_FORK_FAILED:
        case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
        case G_DBUS_ERROR_SPAWN_CHILD_SIGNALED:
        case G_DBUS_ERROR_SPAWN_FAILED:
        case G_DBUS_ERROR_SPAWN_SETUP_FAILED:
        case G_DBUS_ERROR_SPAWN_CONFIG_INVALID:
        case G_DBUS_ERROR_SPAWN_SERVICE_INVALID:
        case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
        case G_DBUS_ERROR_SPAWN_PERMISSIONS_INVALID:
        case G_DBUS_ERROR_SPAWN_FILE_INVALID:
        case G_DBUS_ERROR_SPAWN_NO_MEMORY:
          return TRUE;
        default:
          return FALSE;
        }
    }

  /* libsecret connects to the bus on its own too; these come from there. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return TRUE;

  /* With systemd activation a masked or failing unit comes back as an
   * error GDBus has no code for. */
  remote_name = g_dbus_error_get_remote_error (error);
  if (remote_name != NULL && g_str_has_prefix (remote_name, "org.freedesktop.systemd1."))
    return TRUE;

  return FALSE;
}

/* Takes @error and returns the error to give the caller. */
static GError *
map_error (GError       *error,
           GCancellable *cancellable)
{
  g_autoptr(GError) cause = error;

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* The caller's own cancellation stays a cancellation; otherwise the
       * Secret Service cancelled, which it does for a dismissed prompt. */
      if (g_cancellable_is_cancelled (cancellable))
        return g_steal_pointer (&cause);
      return locked_error_new ();
    }

  if (g_error_matches (cause, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    return locked_error_new ();

  if (error_means_unavailable (cause))
    return unavailable_error_new (cause);

  g_debug ("Secret Service error: %s", cause->message);
  return g_error_new (TG_SECRET_STORE_ERROR, TG_SECRET_STORE_ERROR_FAILED,
                      _("Could not use the keyring: %s"), cause->message);
}

/* Takes @error; NULL for a failure libsecret gave no reason for. */
static void
return_mapped_error (GTask  *task,
                     GError *error)
{
  if (error == NULL)
    g_task_return_new_error (task, TG_SECRET_STORE_ERROR, TG_SECRET_STORE_ERROR_FAILED,
                             _("Could not use the keyring."));
  else
    g_task_return_error (task, map_error (error, g_task_get_cancellable (task)));
}

/* The read-only libsecret calls (getting the service, the default collection,
 * searches, reading a secret) are never cancelled: libsecret 0.20.5 can
 * complete a search cancelled in flight twice, a GTask returned twice, seen in
 * the test suite where health checks are stopped mid-lookup. They are short,
 * so they run to the end; the caller's cancellation is then honoured (each
 * step checks, and GTask reports it). Storing, clearing and unlock prompts
 * keep the caller's cancellable: those must stop when asked. */
#define NO_CANCEL NULL

/* Input checks */

static gboolean
has_control_chars (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return TRUE;
  return FALSE;
}

static gboolean
has_surrounding_space (const char *text)
{
  const char *last = g_utf8_find_prev_char (text, text + strlen (text));

  return g_unichar_isspace (g_utf8_get_char (text)) ||
         (last != NULL && g_unichar_isspace (g_utf8_get_char (last)));
}

static gboolean
check_provider_id (const char  *provider_id,
                   GError     **error)
{
  if (provider_id == NULL || *provider_id == '\0')
    {
      g_set_error_literal (error, TG_SECRET_STORE_ERROR, TG_SECRET_STORE_ERROR_INVALID,
                           _("No provider was given for the API key."));
      return FALSE;
    }

  if (!g_utf8_validate (provider_id, -1, NULL) ||
      has_control_chars (provider_id) ||
      has_surrounding_space (provider_id))
    {
      g_set_error_literal (error, TG_SECRET_STORE_ERROR, TG_SECRET_STORE_ERROR_INVALID,
                           _("The provider id is not valid."));
      return FALSE;
    }

  return TRUE;
}

/* The messages never quote the key: it is a secret even when malformed. */
static gboolean
check_key (const char  *key,
           GError     **error)
{
  const char *message = NULL;

  if (key == NULL || *key == '\0')
    message = _("The API key is empty.");
  else if (!g_utf8_validate (key, -1, NULL))
    message = _("The API key is not valid text.");
  else if (has_control_chars (key))
    message = _("The API key contains a line break or another control character.");
  else if (has_surrounding_space (key))
    message = _("The API key starts or ends with a space.");

  if (message != NULL)
    {
      g_set_error_literal (error, TG_SECRET_STORE_ERROR, TG_SECRET_STORE_ERROR_INVALID, message);
      return FALSE;
    }

  return TRUE;
}

static GHashTable *
attributes_for (const char *provider_id)
{
  if (provider_id == NULL)
    return secret_attributes_build (tg_secret_store_get_schema (), NULL);
  return secret_attributes_build (tg_secret_store_get_schema (),
                                  PROVIDER_ATTRIBUTE, provider_id,
                                  NULL);
}

/* A libsecret item that is still locked after the search tried to unlock it. */
static gboolean
retrievable_is_locked (SecretRetrievable *retrievable)
{
  return SECRET_IS_ITEM (retrievable) && secret_item_get_locked (SECRET_ITEM (retrievable));
}

/* Store */

static void
on_stored (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    return_mapped_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
start_store (GTask *task)
{
  OpData *data = g_task_get_task_data (task);
  g_autoptr(GHashTable) attributes = attributes_for (data->provider_id);
  /* Translators: the label of the keyring item, shown in Passwords and Keys. %s is a provider id, e.g. "openai". */
  g_autofree char *label = g_strdup_printf (_("Tollgate API key for %s"), data->provider_id);

  secret_password_storev_binary (tg_secret_store_get_schema (), attributes,
                                 SECRET_COLLECTION_DEFAULT, label, data->value,
                                 g_task_get_cancellable (task),
                                 on_stored, task);
}

/* Lookup */

static void
on_lookup_retrieved (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;
  SecretValue *value;
  const char *text;
  gsize length;

  value = secret_retrievable_retrieve_secret_finish (SECRET_RETRIEVABLE (source), result, &error);
  if (value == NULL)
    {
      return_mapped_error (task, error);
      return;
    }

  /* Someone else may have stored something under our schema. */
  text = secret_value_get (value, &length);
  if (!g_utf8_validate (text, length, NULL) || memchr (text, '\0', length) != NULL)
    {
      secret_value_unref (value);
      g_task_return_new_error (task, TG_SECRET_STORE_ERROR, TG_SECRET_STORE_ERROR_FAILED,
                               _("The keyring item for “%s” does not hold a valid API key."),
                               data->provider_id);
      return;
    }

  /* Hands over libsecret's non-pageable copy; no other copy is made. */
  g_task_return_pointer (task, secret_value_unref_to_password (value, NULL),
                         (GDestroyNotify) tg_secret_store_free_key);
}

static void start_search (GTask *task);

/* An item deleted by another client between the search and the loading of its
 * properties fails the whole search with NO_SUCH_OBJECT, although nothing is
 * wrong: search again, a few times at most. Takes @error if it does. */
static gboolean
search_again_if_vanished (GTask  *task,
                          GError *error)
{
  OpData *data = g_task_get_task_data (task);

  if (!g_error_matches (error, SECRET_ERROR, SECRET_ERROR_NO_SUCH_OBJECT) || data->searches >= 3)
    return FALSE;

  data->searches++;
  g_error_free (error);
  start_search (g_object_ref (task));
  return TRUE;
}

static void
on_lookup_searched (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GList *items;
  SecretRetrievable *item;

  items = secret_password_search_finish (result, &error);
  if (error != NULL)
    {
      if (!search_again_if_vanished (task, error))
        return_mapped_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_list_free_full (items, g_object_unref);
      return;
    }

  if (items == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  /* libsecret puts unlocked items first: a locked first item means that the
   * unlock it attempted did not happen. */
  item = items->data;
  if (retrievable_is_locked (item))
    g_task_return_error (task, locked_error_new ());
  else
    secret_retrievable_retrieve_secret (item, NO_CANCEL,
                                        on_lookup_retrieved, g_object_ref (task));

  g_list_free_full (items, g_object_unref);
}

static void
start_lookup (GTask *task)
{
  OpData *data = g_task_get_task_data (task);
  g_autoptr(GHashTable) attributes = attributes_for (data->provider_id);

  /* Searching rather than secret_password_lookup(), which reports a key it
   * could not unlock as no key at all. */
  secret_password_searchv (tg_secret_store_get_schema (), attributes,
                           SECRET_SEARCH_UNLOCK,
                           NO_CANCEL,
                           on_lookup_searched, task);
}

/* Delete */

static void
on_delete_cleared (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gboolean deleted;

  deleted = secret_password_clear_finish (result, &error);
  if (error != NULL)
    return_mapped_error (task, error);
  else
    g_task_return_int (task, deleted);
}

static void
on_delete_searched (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;
  GList *items;
  gboolean found;
  gboolean locked = FALSE;

  items = secret_password_search_finish (result, &error);
  if (error != NULL)
    {
      if (!search_again_if_vanished (task, error))
        return_mapped_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_list_free_full (items, g_object_unref);
      return;
    }

  found = items != NULL;
  for (GList *l = items; l != NULL; l = l->next)
    locked |= retrievable_is_locked (l->data);
  g_list_free_full (items, g_object_unref);

  if (locked)
    {
      /* Clearing skips locked items: "deleted" would be a lie. */
      g_task_return_error (task, locked_error_new ());
    }
  else if (!found)
    {
      g_task_return_int (task, FALSE);
    }
  else
    {
      g_autoptr(GHashTable) attributes = attributes_for (data->provider_id);

      secret_password_clearv (tg_secret_store_get_schema (), attributes,
                              g_task_get_cancellable (task),
                              on_delete_cleared, g_object_ref (task));
    }
}

static void
start_delete (GTask *task)
{
  OpData *data = g_task_get_task_data (task);
  g_autoptr(GHashTable) attributes = attributes_for (data->provider_id);

  secret_password_searchv (tg_secret_store_get_schema (), attributes,
                           SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK,
                           NO_CANCEL,
                           on_delete_searched, task);
}

/* List */

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
on_list_searched (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  GError *error = NULL;
  GList *items;
  gboolean locked = FALSE;

  items = secret_password_search_finish (result, &error);
  if (error != NULL)
    {
      if (!search_again_if_vanished (task, error))
        return_mapped_error (task, error);
      return;
    }

  seen = g_hash_table_new (g_str_hash, g_str_equal);
  ids = g_ptr_array_new_with_free_func (g_free);
  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = NULL;
      const char *provider_id;

      /* A keyring the search could not unlock: what it shows of itself
       * may be incomplete, so give no partial answer. */
      if (retrievable_is_locked (l->data))
        {
          locked = TRUE;
          break;
        }

      attributes = secret_retrievable_get_attributes (l->data);
      provider_id = attributes ? g_hash_table_lookup (attributes, PROVIDER_ATTRIBUTE) : NULL;
      if (provider_id == NULL || !check_provider_id (provider_id, NULL) ||
          g_hash_table_contains (seen, provider_id))
        continue;

      g_ptr_array_add (ids, g_strdup (provider_id));
      g_hash_table_add (seen, g_ptr_array_index (ids, ids->len - 1));
    }
  g_list_free_full (items, g_object_unref);

  if (locked)
    {
      g_task_return_error (task, locked_error_new ());
      return;
    }

  g_ptr_array_sort (ids, compare_strings);
  g_ptr_array_add (ids, NULL);
  g_task_return_pointer (task, g_ptr_array_free (g_steal_pointer (&ids), FALSE),
                         (GDestroyNotify) g_strfreev);
}

static void
start_list (GTask *task)
{
  g_autoptr(GHashTable) attributes = attributes_for (NULL);

  /* No SECRET_SEARCH_LOAD_SECRETS: listing never reads a key. */
  secret_password_searchv (tg_secret_store_get_schema (), attributes,
                           SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK,
                           NO_CANCEL,
                           on_list_searched, task);
}

/* Common start */

/* Runs the search that lookup, delete and list start with. */
static void
start_search (GTask *task)
{
  OpData *data = g_task_get_task_data (task);

  /* Done with them.  A SecretCollection proxy still alive when the search
   * or the clear makes the service emit ItemCreated/ItemDeleted leaks a
   * GVariant in libsecret 0.20.5 (secret_collection_signal() never sinks
   * what it builds); nothing of ours may keep one around that long. */
  g_clear_object (&data->collection);
  g_clear_object (&data->service);

  /* Each start_*() passes the reference on @task to libsecret's callback. */
  switch (data->op)
    {
    case OP_LOOKUP:
      start_lookup (task);
      break;
    case OP_DELETE:
      start_delete (task);
      break;
    case OP_LIST:
      start_list (task);
      break;
    case OP_STORE:
    default:
      g_assert_not_reached ();
    }
}

static void
on_default_unlocked (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  secret_service_unlock_finish (data->service, result, NULL, &error);
  if (error != NULL)
    return_mapped_error (task, error);
  else if (secret_collection_get_locked (data->collection))
    g_task_return_error (task, locked_error_new ());
  else
    {
      start_search (task);
      return;
    }

  g_object_unref (task);
}

/* Whether to go on to the search after failing to check the default
 * collection: it could be a Secret Service we may not talk to while
 * libsecret uses the Flatpak portal instead; the search finds out. */
static gboolean
unlock_check_failed (GTask  *task,
                     GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    {
      return_mapped_error (task, error);
      return FALSE;
    }

  g_debug ("Could not check whether the default keyring is locked: %s", error->message);
  g_error_free (error);
  return TRUE;
}

static void
on_default_collection (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;
  GList *objects;

  data->collection = secret_collection_for_alias_finish (result, &error);
  if (g_task_return_error_if_cancelled (task))
    {
      g_clear_error (&error);
      g_object_unref (task);
      return;
    }
  if (error != NULL)
    {
      if (unlock_check_failed (task, error))
        start_search (task);
      else
        g_object_unref (task);
      return;
    }

  /* No default collection means nothing was ever stored there. */
  if (data->collection == NULL || !secret_collection_get_locked (data->collection))
    {
      start_search (task);
      return;
    }

  objects = g_list_append (NULL, data->collection);
  secret_service_unlock (data->service, objects, g_task_get_cancellable (task),
                         on_default_unlocked, task);
  g_list_free (objects);
}

static void
on_service_ready (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->service = secret_service_get_finish (result, &error);
  if (g_task_return_error_if_cancelled (task))
    {
      g_clear_error (&error);
      g_object_unref (task);
      return;
    }
  if (error != NULL)
    {
      if (unlock_check_failed (task, error))
        start_search (task);
      else
        g_object_unref (task);
      return;
    }

  secret_collection_for_alias (data->service, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE,
                               NO_CANCEL,
                               on_default_collection, task);
}

static void
on_bus_ready (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  OpData *data = g_task_get_task_data (task);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  /* libsecret would connect anyway; doing it first means that any failure
   * to reach a session bus, whatever its error code, reads as "no keyring". */
  connection = g_bus_get_finish (result, &error);
  if (connection == NULL)
    {
      g_task_return_error (task, unavailable_error_new (error));
      g_object_unref (task);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  /* libsecret's store unlocks the collection it stores into by itself;
   * the others first make sure the default collection is unlocked. */
  if (data->op == OP_STORE)
    start_store (task);
  else
    secret_service_get (SECRET_SERVICE_NONE, NO_CANCEL,
                        on_service_ready, task);
}

/* Takes @data. */
static void
start_operation (TgSecretStore       *self,
                 OpData              *data,
                 const char          *key,
                 gpointer             source_tag,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, data, (GDestroyNotify) op_data_free);

  if ((data->op != OP_LIST && !check_provider_id (data->provider_id, &error)) ||
      (data->op == OP_STORE && !check_key (key, &error)))
    {
      g_task_return_error (task, error);
      return;
    }

  if (data->op == OP_STORE)
    data->value = secret_value_new (key, -1, "text/plain");

  /* Not @cancellable: a connection whose set-up was cancelled stays broken
   * as the process's session bus for good (GLib keeps the singleton). */
  g_bus_get (G_BUS_TYPE_SESSION, NULL, on_bus_ready, g_steal_pointer (&task));
}

static OpData *
op_data_new (Operation   op,
             const char *provider_id)
{
  OpData *data = g_new0 (OpData, 1);

  data->op = op;
  data->provider_id = g_strdup (provider_id);
  return data;
}

void
tg_secret_store_store_async (TgSecretStore       *self,
                             const char          *provider_id,
                             const char          *key,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (TG_IS_SECRET_STORE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_operation (self, op_data_new (OP_STORE, provider_id), key,
                   tg_secret_store_store_async, cancellable, callback, user_data);
}

gboolean
tg_secret_store_store_finish (TgSecretStore  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (TG_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_secret_store_store_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tg_secret_store_lookup_async (TgSecretStore       *self,
                              const char          *provider_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (TG_IS_SECRET_STORE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_operation (self, op_data_new (OP_LOOKUP, provider_id), NULL,
                   tg_secret_store_lookup_async, cancellable, callback, user_data);
}

char *
tg_secret_store_lookup_finish (TgSecretStore  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (TG_IS_SECRET_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_secret_store_lookup_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tg_secret_store_delete_async (TgSecretStore       *self,
                              const char          *provider_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (TG_IS_SECRET_STORE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_operation (self, op_data_new (OP_DELETE, provider_id), NULL,
                   tg_secret_store_delete_async, cancellable, callback, user_data);
}

gboolean
tg_secret_store_delete_finish (TgSecretStore  *self,
                               GAsyncResult   *result,
                               gboolean       *deleted,
                               GError        **error)
{
  gssize ret;

  g_return_val_if_fail (TG_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_secret_store_delete_async, FALSE);

  ret = g_task_propagate_int (G_TASK (result), error);
  if (deleted != NULL)
    *deleted = ret > 0;
  return ret >= 0;
}

void
tg_secret_store_list_async (TgSecretStore       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (TG_IS_SECRET_STORE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_operation (self, op_data_new (OP_LIST, NULL), NULL,
                   tg_secret_store_list_async, cancellable, callback, user_data);
}

GStrv
tg_secret_store_list_finish (TgSecretStore  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (TG_IS_SECRET_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_secret_store_list_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Blocking variants: the async code run to completion on the context of a
 * worker thread, while the caller waits; nothing on the caller's context
 * runs meanwhile.
 *
 * That context lives as long as the process.  GDBus and libsecret tie what
 * they create for an operation to the thread-default context it started on:
 * signal subscriptions (libsecret caches its SecretService proxy, with its
 * subscriptions and a name watch, for the next operation), and the freeing of
 * their user data, which GDBus defers to an idle on that context whenever a
 * proxy goes, possibly much later.  A context per call, dropped when the call
 * returns, leaves all that with a context nobody iterates: signals are queued
 * there for good, and the deferred frees are lost with the context. */

static gpointer
sync_thread_main (gpointer user_data)
{
  GMainContext *context = user_data;

  g_main_context_push_thread_default (context);
  for (;;)
    g_main_context_iteration (context, TRUE);

  return NULL;
}

static GMainContext *
sync_get_context (void)
{
  static GMainContext *context;

  if (g_once_init_enter (&context))
    {
      GMainContext *new_context = g_main_context_new ();

      /* Runs until the process ends; @new_context stays referenced from
       * here and from the thread. */
      g_thread_unref (g_thread_new ("tg-secret-store", sync_thread_main, new_context));
      g_once_init_leave (&context, new_context);
    }

  return context;
}

typedef enum {
  SYNC_STORE,
  SYNC_LOOKUP,
  SYNC_DELETE,
  SYNC_LIST,
} SyncOperation;

typedef struct {
  /* Set by the caller. */
  TgSecretStore *self;
  SyncOperation  op;
  const char    *provider_id;
  const char    *key;
  GCancellable  *cancellable;

  /* Set on the worker thread, under @mutex. */
  GMutex         mutex;
  GCond          cond;
  GAsyncResult  *result;
} SyncCall;

static void
on_sync_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SyncCall *call = user_data;

  g_mutex_lock (&call->mutex);
  call->result = g_object_ref (result);
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->mutex);
}

/* On the worker thread. */
static gboolean
sync_start (gpointer user_data)
{
  SyncCall *call = user_data;

  switch (call->op)
    {
    case SYNC_STORE:
      tg_secret_store_store_async (call->self, call->provider_id, call->key,
                                   call->cancellable, on_sync_done, call);
      break;
    case SYNC_LOOKUP:
      tg_secret_store_lookup_async (call->self, call->provider_id,
                                    call->cancellable, on_sync_done, call);
      break;
    case SYNC_DELETE:
      tg_secret_store_delete_async (call->self, call->provider_id,
                                    call->cancellable, on_sync_done, call);
      break;
    case SYNC_LIST:
      tg_secret_store_list_async (call->self, call->cancellable, on_sync_done, call);
      break;
    default:
      g_assert_not_reached ();
    }

  return G_SOURCE_REMOVE;
}

/* Runs @call on the worker thread and returns its result, which the caller
 * finishes and unrefs. */
static GAsyncResult *
sync_run (SyncCall *call)
{
  GAsyncResult *result;

  g_mutex_init (&call->mutex);
  g_cond_init (&call->cond);
  call->result = NULL;

  g_main_context_invoke (sync_get_context (), sync_start, call);

  g_mutex_lock (&call->mutex);
  while (call->result == NULL)
    g_cond_wait (&call->cond, &call->mutex);
  result = g_steal_pointer (&call->result);
  g_mutex_unlock (&call->mutex);

  g_cond_clear (&call->cond);
  g_mutex_clear (&call->mutex);

  return result;
}

gboolean
tg_secret_store_store_sync (TgSecretStore  *self,
                            const char     *provider_id,
                            const char     *key,
                            GCancellable   *cancellable,
                            GError        **error)
{
  SyncCall call = { self, SYNC_STORE, provider_id, key, cancellable };
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (TG_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);

  result = sync_run (&call);
  return tg_secret_store_store_finish (self, result, error);
}

char *
tg_secret_store_lookup_sync (TgSecretStore  *self,
                             const char     *provider_id,
                             GCancellable   *cancellable,
                             GError        **error)
{
  SyncCall call = { self, SYNC_LOOKUP, provider_id, NULL, cancellable };
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (TG_IS_SECRET_STORE (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  result = sync_run (&call);
  return tg_secret_store_lookup_finish (self, result, error);
}

gboolean
tg_secret_store_delete_sync (TgSecretStore  *self,
                             const char     *provider_id,
                             gboolean       *deleted,
                             GCancellable   *cancellable,
                             GError        **error)
{
  SyncCall call = { self, SYNC_DELETE, provider_id, NULL, cancellable };
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (TG_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);

  result = sync_run (&call);
  return tg_secret_store_delete_finish (self, result, deleted, error);
}

GStrv
tg_secret_store_list_sync (TgSecretStore  *self,
                           GCancellable   *cancellable,
                           GError        **error)
{
  SyncCall call = { self, SYNC_LIST, NULL, NULL, cancellable };
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (TG_IS_SECRET_STORE (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  result = sync_run (&call);
  return tg_secret_store_list_finish (self, result, error);
}

void
tg_secret_store_free_key (char *key)
{
  /* Wipes as well as frees; also right for memory that libsecret did not
   * allocate. */
  secret_password_free (key);
}
