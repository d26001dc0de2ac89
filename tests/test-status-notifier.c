/* test-status-notifier.c: TgStatusNotifier, the tray icon, on a private bus.
 *
 * Each case gets a bus of its own and three connections to it, as
 * three processes would have: the app's (the item), a tray host's (which
 * calls the item and listens to its signals) and a fake
 * StatusNotifierWatcher's, written here. Everything runs on the main context,
 * so every call to the item is asynchronous and waited for. */

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "tg-status-notifier.h"
#include "tg-test-utils.h"

#define WAIT_TIMEOUT_MS    30000
#define ITEM_PATH          "/StatusNotifierItem"
#define ITEM_INTERFACE     "org.kde.StatusNotifierItem"
#define MENU_PATH          "/MenuBar"
#define MENU_INTERFACE     "com.canonical.dbusmenu"
#define WATCHER_NAME       "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH       "/StatusNotifierWatcher"
#define WATCHER_INTERFACE  "org.kde.StatusNotifierWatcher"
#define PROPERTIES         "org.freedesktop.DBus.Properties"
#define ICON(status)       "io.github.tollgate.Tollgate-" status "-symbolic"

/* Menu item ids, as the item promises to keep them. */
enum {
  ID_ROOT,
  ID_SHOW_WINDOW,
  ID_CHECK_NOW,
  ID_PAUSE,
  ID_SEPARATOR,
  ID_QUIT,
  N_IDS
};

/* Messages above debug level: the item must give none, ever. */
static guint n_logged;

static GLogWriterOutput
count_logs (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  if ((level & G_LOG_LEVEL_DEBUG) == 0)
    n_logged++;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context until @cond holds; fails the test after a while. */
#define WAIT_FOR(cond)                                                         \
  G_STMT_START {                                                               \
    gboolean timed_out_ = FALSE;                                               \
    guint timeout_id_ = g_timeout_add (WAIT_TIMEOUT_MS, set_flag, &timed_out_);\
    while (!(cond) && !timed_out_)                                             \
      g_main_context_iteration (NULL, TRUE);                                   \
    if (!timed_out_)                                                           \
      g_source_remove (timeout_id_);                                           \
    g_assert_true (cond);                                                      \
  } G_STMT_END

static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GVariant *
call (GDBusConnection    *connection,
      const char         *destination,
      const char         *path,
      const char         *interface,
      const char         *method,
      GVariant           *parameters,
      const GVariantType *reply_type,
      GError            **error)
{
  GAsyncResult *result = NULL;
  GVariant *reply;

  g_dbus_connection_call (connection, destination, path, interface, method, parameters, reply_type,
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, on_call_done, &result);
  WAIT_FOR (result != NULL);
  reply = g_dbus_connection_call_finish (connection, result, error);
  g_object_unref (result);
  return reply;
}

/* A bus of the test case's own: a dbus-daemon with a minimal configuration
 * (no service files, so nothing is ever activated). Not GTestDBus: with
 * GLib 2.74 its g_test_dbus_up() now and then waits forever for the address
 * of a daemon that never got the pipe to print it to. */
typedef struct {
  GSubprocess *daemon;
  char        *address;
} TestBus;

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static TestBus *
test_bus_new (const char *dir)
{
  g_autofree char *config_path = g_build_filename (dir, "bus.conf", NULL);
  g_autofree char *config_arg = NULL;
  g_autofree char *config = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) output = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  TestBus *bus = g_new0 (TestBus, 1);

  config = g_strdup_printf ("<busconfig>"
                            "  <type>session</type>"
                            "  <listen>unix:tmpdir=%s</listen>"
                            "  <policy context='default'>"
                            "    <allow send_destination='*' eavesdrop='true'/>"
                            "    <allow eavesdrop='true'/>"
                            "    <allow own='*'/>"
                            "  </policy>"
                            "</busconfig>", dir);
  g_file_set_contents (config_path, config, -1, &error);
  g_assert_no_error (error);
  config_arg = g_strconcat ("--config-file=", config_path, NULL);
  /* Its stderr only says that it may not raise its file limit. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  /* A failed assertion aborts the test: the daemon must not outlive it. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  bus->daemon = g_subprocess_launcher_spawn (launcher, &error,
                                             "dbus-daemon", config_arg, "--nofork", "--print-address", NULL);
  g_assert_no_error (error);
  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bus->daemon));
  /* The daemon prints its address once it listens. */
  bus->address = g_data_input_stream_read_line (output, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bus->address);
  return bus;
}

static void
test_bus_free (TestBus *bus)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_force_exit (bus->daemon);
  g_subprocess_wait (bus->daemon, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (bus->daemon);
  g_free (bus->address);
  g_free (bus);
}

static GDBusConnection *
connect_to (TestBus *bus)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;

  connection = g_dbus_connection_new_for_address_sync (bus->address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  /* Closing the bus at the end of a case must not end the test program. */
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  return connection;
}

static void
disconnect (GDBusConnection **connection)
{
  if (*connection == NULL)
    return;
  g_dbus_connection_close_sync (*connection, NULL, NULL);
  g_clear_object (connection);
}

/* The fake StatusNotifierWatcher */

static const char watcher_xml[] =
  "<node>"
  "  <interface name='" WATCHER_INTERFACE "'>"
  "    <method name='RegisterStatusNotifierItem'>"
  "      <arg name='service' type='s' direction='in'/>"
  "    </method>"
  "    <method name='RegisterStatusNotifierHost'>"
  "      <arg name='service' type='s' direction='in'/>"
  "    </method>"
  "    <property name='RegisteredStatusNotifierItems' type='as' access='read'/>"
  "    <property name='IsStatusNotifierHostRegistered' type='b' access='read'/>"
  "    <property name='ProtocolVersion' type='i' access='read'/>"
  "    <signal name='StatusNotifierItemRegistered'><arg type='s'/></signal>"
  "    <signal name='StatusNotifierItemUnregistered'><arg type='s'/></signal>"
  "    <signal name='StatusNotifierHostRegistered'/>"
  "    <signal name='StatusNotifierHostUnregistered'/>"
  "  </interface>"
  "</node>";

typedef struct {
  GDBusConnection *connection;
  GDBusNodeInfo   *info;
  guint            registration_id;
  guint            owner_id;
  gboolean         owned;
  gboolean         host_registered;
  gboolean         refuse;     /* answer RegisterStatusNotifierItem with an error */
  guint            n_calls;    /* RegisterStatusNotifierItem calls, refused or not */
  GPtrArray       *items;      /* the services registered, in order */
} FakeWatcher;

static void
watcher_method_call (GDBusConnection       *connection,
                     const char            *sender,
                     const char            *object_path,
                     const char            *interface_name,
                     const char            *method_name,
                     GVariant              *parameters,
                     GDBusMethodInvocation *invocation,
                     gpointer               user_data)
{
  FakeWatcher *watcher = user_data;
  const char *service;

  g_variant_get (parameters, "(&s)", &service);

  if (g_str_equal (method_name, "RegisterStatusNotifierHost"))
    {
      watcher->host_registered = TRUE;
      g_dbus_connection_emit_signal (connection, NULL, WATCHER_PATH, WATCHER_INTERFACE,
                                     "StatusNotifierHostRegistered", NULL, NULL);
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }

  watcher->n_calls++;
  if (watcher->refuse)
    {
      g_dbus_method_invocation_return_dbus_error (invocation, "org.freedesktop.DBus.Error.Failed",
                                                  "Refused by the test");
      return;
    }
  /* As real watchers do: a path means the sender's unique name. */
  g_ptr_array_add (watcher->items, g_strdup (service[0] == '/' ? sender : service));
  g_dbus_connection_emit_signal (connection, NULL, WATCHER_PATH, WATCHER_INTERFACE,
                                 "StatusNotifierItemRegistered", g_variant_new ("(s)", service), NULL);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static GVariant *
watcher_get_property (GDBusConnection  *connection,
                      const char       *sender,
                      const char       *object_path,
                      const char       *interface_name,
                      const char       *property_name,
                      GError          **error,
                      gpointer          user_data)
{
  FakeWatcher *watcher = user_data;

  if (g_str_equal (property_name, "RegisteredStatusNotifierItems"))
    return g_variant_new_strv ((const char * const *) watcher->items->pdata, watcher->items->len);
  if (g_str_equal (property_name, "IsStatusNotifierHostRegistered"))
    return g_variant_new_boolean (watcher->host_registered);
  if (g_str_equal (property_name, "ProtocolVersion"))
    return g_variant_new_int32 (0);
  g_assert_not_reached ();
}

static void
on_watcher_name_acquired (GDBusConnection *connection,
                          const char      *name,
                          gpointer         user_data)
{
  FakeWatcher *watcher = user_data;

  watcher->owned = TRUE;
}

/* A watcher on a connection of its own, owning its name when this returns. */
static FakeWatcher *
fake_watcher_new (TestBus   *bus,
                  gboolean   host_registered,
                  gboolean   refuse)
{
  static const GDBusInterfaceVTable vtable = {
    .method_call = watcher_method_call,
    .get_property = watcher_get_property,
  };
  g_autoptr(GError) error = NULL;
  FakeWatcher *watcher = g_new0 (FakeWatcher, 1);

  watcher->connection = connect_to (bus);
  watcher->info = g_dbus_node_info_new_for_xml (watcher_xml, &error);
  g_assert_no_error (error);
  watcher->host_registered = host_registered;
  watcher->refuse = refuse;
  watcher->items = g_ptr_array_new_with_free_func (g_free);
  watcher->registration_id =
    g_dbus_connection_register_object (watcher->connection, WATCHER_PATH, watcher->info->interfaces[0],
                                       &vtable, watcher, NULL, &error);
  g_assert_no_error (error);
  watcher->owner_id =
    g_bus_own_name_on_connection (watcher->connection, WATCHER_NAME, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                  on_watcher_name_acquired, NULL, watcher, NULL);
  WAIT_FOR (watcher->owned);
  return watcher;
}

/* A host appears or leaves, and the watcher says so. */
static void
fake_watcher_set_host (FakeWatcher *watcher,
                       gboolean     host_registered)
{
  watcher->host_registered = host_registered;
  g_dbus_connection_emit_signal (watcher->connection, NULL, WATCHER_PATH, WATCHER_INTERFACE,
                                 host_registered ? "StatusNotifierHostRegistered" : "StatusNotifierHostUnregistered",
                                 NULL, NULL);
}

/* The watcher's process ends: its name and objects go with its connection. */
static void
fake_watcher_free (FakeWatcher *watcher)
{
  g_bus_unown_name (watcher->owner_id);
  g_dbus_connection_unregister_object (watcher->connection, watcher->registration_id);
  disconnect (&watcher->connection);
  g_dbus_node_info_unref (watcher->info);
  g_ptr_array_unref (watcher->items);
  g_free (watcher);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeWatcher, fake_watcher_free)

/* Fixture */

typedef struct {
  char               *data_dir;
  TestBus            *bus;
  GDBusConnection    *app;    /* the item's connection */
  GDBusConnection    *host;   /* a tray host's connection */
  GSimpleActionGroup *actions;
  TgStatusNotifier   *notifier;

  /* What the actions saw. */
  guint               n_show_window;
  guint               n_check_now;
  guint               n_pause;
  guint               n_quit;

  /* What the host heard from the item. */
  guint               host_item_signals_id;
  guint               host_menu_signals_id;
  guint               n_new_icon;
  guint               n_new_tooltip;
  guint               n_new_status;
  char               *last_status;
  guint               n_props_updated;
  GVariant           *last_props_updated;  /* (a(ia{sv})a(ias)) */
  guint               n_layout_updated;

  guint               n_registered_notify;
} Fixture;

static void
on_action_activate (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  Fixture *f = user_data;
  const char *name = g_action_get_name (G_ACTION (action));

  g_assert_null (parameter);
  if (g_str_equal (name, "show-window"))
    f->n_show_window++;
  else if (g_str_equal (name, "check-now"))
    f->n_check_now++;
  else if (g_str_equal (name, "quit"))
    f->n_quit++;
  else if (g_str_equal (name, "pause-monitoring"))
    {
      g_autoptr(GVariant) state = g_action_get_state (G_ACTION (action));

      f->n_pause++;
      g_simple_action_set_state (action, g_variant_new_boolean (!g_variant_get_boolean (state)));
    }
  else
    g_assert_not_reached ();
}

static void
on_item_signal (GDBusConnection *connection,
                const char      *sender_name,
                const char      *object_path,
                const char      *interface_name,
                const char      *signal_name,
                GVariant        *parameters,
                gpointer         user_data)
{
  Fixture *f = user_data;

  if (g_str_equal (signal_name, "NewIcon"))
    f->n_new_icon++;
  else if (g_str_equal (signal_name, "NewToolTip"))
    f->n_new_tooltip++;
  else if (g_str_equal (signal_name, "NewStatus"))
    {
      f->n_new_status++;
      g_free (f->last_status);
      g_variant_get (parameters, "(s)", &f->last_status);
    }
  else if (g_str_equal (signal_name, "ItemsPropertiesUpdated"))
    {
      f->n_props_updated++;
      g_clear_pointer (&f->last_props_updated, g_variant_unref);
      f->last_props_updated = g_variant_ref (parameters);
    }
  else if (g_str_equal (signal_name, "LayoutUpdated"))
    f->n_layout_updated++;
  else
    g_error ("Unexpected signal %s.%s", interface_name, signal_name);
}

static void
on_registered_notify (GObject    *object,
                      GParamSpec *pspec,
                      gpointer    user_data)
{
  Fixture *f = user_data;

  f->n_registered_notify++;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  static const GActionEntry entries[] = {
    { .name = "show-window", .activate = on_action_activate },
    { .name = "check-now", .activate = on_action_activate },
    { .name = "pause-monitoring", .activate = on_action_activate, .state = "false" },
    { .name = "quit", .activate = on_action_activate },
  };

  f->data_dir = tg_test_make_data_dir ();
  n_logged = 0;

  f->bus = test_bus_new (f->data_dir);
  f->app = connect_to (f->bus);
  f->host = connect_to (f->bus);

  f->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (f->actions), entries, G_N_ELEMENTS (entries), f);

  f->host_item_signals_id =
    g_dbus_connection_signal_subscribe (f->host, g_dbus_connection_get_unique_name (f->app),
                                        ITEM_INTERFACE, NULL, ITEM_PATH, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_item_signal, f, NULL);
  f->host_menu_signals_id =
    g_dbus_connection_signal_subscribe (f->host, g_dbus_connection_get_unique_name (f->app),
                                        MENU_INTERFACE, NULL, MENU_PATH, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_item_signal, f, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->notifier != NULL)
    g_assert_finalize_object (g_steal_pointer (&f->notifier));
  g_dbus_connection_signal_unsubscribe (f->host, f->host_item_signals_id);
  g_dbus_connection_signal_unsubscribe (f->host, f->host_menu_signals_id);
  disconnect (&f->host);
  disconnect (&f->app);
  /* Callbacks of cancelled calls and dropped subscriptions run here. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&f->bus, test_bus_free);
  g_clear_object (&f->actions);
  g_clear_pointer (&f->last_props_updated, g_variant_unref);
  g_free (f->last_status);
  g_free (f->data_dir);

  /* Nothing above debug level, whatever happened on the bus. */
  g_assert_cmpuint (n_logged, ==, 0);
}

static void
make_notifier (Fixture    *f,
               const char *icon_theme_path)
{
  f->notifier = tg_status_notifier_new (f->app, G_ACTION_GROUP (f->actions), icon_theme_path);
  g_assert_true (TG_IS_STATUS_NOTIFIER (f->notifier));
  g_signal_connect (f->notifier, "notify::registered", G_CALLBACK (on_registered_notify), f);
}

/* A watcher (with a host or without) and the item, registered with it. */
static FakeWatcher *
start_registered_item (Fixture  *f,
                       gboolean  host_registered)
{
  FakeWatcher *watcher = fake_watcher_new (f->bus, host_registered, FALSE);

  make_notifier (f, NULL);
  WAIT_FOR (tg_status_notifier_is_registered (f->notifier));
  return watcher;
}

static const char *
app_name (Fixture *f)
{
  return g_dbus_connection_get_unique_name (f->app);
}

/* Every signal the item sent before this returns has reached the host. */
static void
sync_with_item (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = call (f->host, app_name (f), "/", "org.freedesktop.DBus.Peer", "Ping",
                NULL, NULL, &error);
  g_assert_no_error (error);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static GVariant *
host_call (Fixture            *f,
           const char         *path,
           const char         *interface,
           const char         *method,
           GVariant           *parameters,
           const GVariantType *reply_type)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply;

  reply = call (f->host, app_name (f), path, interface, method, parameters, reply_type, &error);
  g_assert_no_error (error);
  return reply;
}

/* The item's properties as a host reads them: a{sv}. */
static GVariant *
get_all (Fixture    *f,
         const char *destination)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GVariant *props;

  reply = call (f->host, destination, ITEM_PATH, PROPERTIES, "GetAll",
                g_variant_new ("(s)", ITEM_INTERFACE), G_VARIANT_TYPE ("(a{sv})"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(@a{sv})", &props);
  return props;
}

static void
assert_string_prop (GVariant   *props,
                    const char *name,
                    const char *expected)
{
  const char *value = NULL;

  g_assert_true (g_variant_lookup (props, name, "&s", &value));
  g_assert_cmpstr (value, ==, expected);
}

static void
assert_tooltip (GVariant   *props,
                const char *icon,
                const char *title,
                const char *body)
{
  g_autoptr(GVariant) tooltip = g_variant_lookup_value (props, "ToolTip", G_VARIANT_TYPE ("(sa(iiay)ss)"));
  g_autoptr(GVariant) pixmaps = NULL;
  const char *t_icon, *t_title, *t_body;

  g_assert_nonnull (tooltip);
  g_variant_get (tooltip, "(&s@a(iiay)&s&s)", &t_icon, &pixmaps, &t_title, &t_body);
  g_assert_cmpstr (t_icon, ==, icon);
  g_assert_cmpuint (g_variant_n_children (pixmaps), ==, 0);
  g_assert_cmpstr (t_title, ==, title);
  g_assert_cmpstr (t_body, ==, body);
}

/* The health a host sees: IconName, Status and the tooltip. */
static void
assert_item_shows (Fixture    *f,
                   const char *icon,
                   const char *status,
                   const char *title,
                   const char *body)
{
  g_autoptr(GVariant) props = get_all (f, app_name (f));

  assert_string_prop (props, "IconName", icon);
  assert_string_prop (props, "Status", status);
  assert_string_prop (props, "AttentionIconName", ICON ("down"));
  assert_tooltip (props, icon, title, body);
}

static gboolean
name_has_owner (Fixture    *f,
                const char *name)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = call (f->host, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "NameHasOwner", g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"), NULL);
  g_assert_nonnull (reply);
  g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

/* Tests: the item */

static void
test_register (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(FakeWatcher) watcher = fake_watcher_new (f->bus, TRUE, FALSE);
  g_autoptr(GVariant) props = NULL;
  g_autofree char *expected_prefix = g_strdup_printf ("org.kde.StatusNotifierItem-%d-", (int) getpid ());
  g_autofree char *theme_path = g_build_filename (f->data_dir, "icons", NULL);
  const char *bus_name;
  gboolean item_is_menu = TRUE;
  gint32 window_id = -1;
  const char *menu = NULL;

  make_notifier (f, theme_path);
  g_assert_false (tg_status_notifier_is_registered (f->notifier));
  WAIT_FOR (tg_status_notifier_is_registered (f->notifier));
  WAIT_FOR (tg_status_notifier_get_host_available (f->notifier));
  g_assert_cmpuint (f->n_registered_notify, ==, 1);

  /* The watcher was given the well-known name the spec asks for. */
  bus_name = tg_status_notifier_get_bus_name (f->notifier);
  g_assert_true (g_str_has_prefix (bus_name, expected_prefix));
  g_assert_cmpuint (strlen (bus_name), >, strlen (expected_prefix));
  g_assert_cmpuint (watcher->n_calls, ==, 1);
  g_assert_cmpuint (watcher->items->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (watcher->items, 0), ==, bus_name);
  g_assert_true (name_has_owner (f, bus_name));

  /* A host reads the item through that name. */
  props = get_all (f, bus_name);
  assert_string_prop (props, "Category", "ApplicationStatus");
  assert_string_prop (props, "Id", "io.github.tollgate.Tollgate");
  assert_string_prop (props, "Title", "Tollgate");
  assert_string_prop (props, "Status", "Active");
  assert_string_prop (props, "IconName", ICON ("unknown"));
  assert_string_prop (props, "AttentionIconName", ICON ("down"));
  assert_string_prop (props, "IconThemePath", theme_path);
  assert_tooltip (props, ICON ("unknown"), "Tollgate", "");
  g_assert_true (g_variant_lookup (props, "ItemIsMenu", "b", &item_is_menu));
  g_assert_false (item_is_menu);
  g_assert_true (g_variant_lookup (props, "WindowId", "i", &window_id));
  g_assert_cmpint (window_id, ==, 0);
  g_assert_true (g_variant_lookup (props, "Menu", "&o", &menu));
  g_assert_cmpstr (menu, ==, MENU_PATH);

  /* Each status has its own icon; only DOWN asks for attention. */
  tg_status_notifier_set_status (f->notifier, TG_HEALTH_STATUS_HEALTHY, "Tollgate: all fine", "OpenAI: healthy");
  assert_item_shows (f, ICON ("healthy"), "Active", "Tollgate: all fine", "OpenAI: healthy");
  tg_status_notifier_set_status (f->notifier, TG_HEALTH_STATUS_DEGRADED, NULL, "OpenAI: degraded");
  assert_item_shows (f, ICON ("degraded"), "Active", "Tollgate", "OpenAI: degraded");
  tg_status_notifier_set_status (f->notifier, TG_HEALTH_STATUS_DOWN, "Tollgate", "OpenAI: down\nGemini: healthy");
  assert_item_shows (f, ICON ("down"), "NeedsAttention", "Tollgate", "OpenAI: down\nGemini: healthy");
  g_assert_cmpint (tg_status_notifier_get_status (f->notifier), ==, TG_HEALTH_STATUS_DOWN);
  tg_status_notifier_set_status (f->notifier, TG_HEALTH_STATUS_UNKNOWN, NULL, NULL);
  assert_item_shows (f, ICON ("unknown"), "Active", "Tollgate", "");

  /* No icon theme path given: an empty one. */
  g_assert_finalize_object (g_steal_pointer (&f->notifier));
  make_notifier (f, NULL);
  WAIT_FOR (tg_status_notifier_is_registered (f->notifier));
  g_clear_pointer (&props, g_variant_unref);
  props = get_all (f, app_name (f));
  assert_string_prop (props, "IconThemePath", "");
  /* A second item of the process gets a name of its own. */
  g_assert_cmpuint (watcher->items->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (watcher->items, 1), ==, tg_status_notifier_get_bus_name (f->notifier));
  g_assert_cmpstr (g_ptr_array_index (watcher->items, 1), !=, g_ptr_array_index (watcher->items, 0));
}

/* Sets a status, then checks how many of each New* signal the host has
 * heard since the item appeared. */
static void
set_status_and_count (Fixture        *f,
                      TgHealthStatus  status,
                      const char     *title,
                      const char     *body,
                      guint           n_new_icon,
                      guint           n_new_tooltip,
                      guint           n_new_status)
{
  tg_status_notifier_set_status (f->notifier, status, title, body);
  sync_with_item (f);
  g_assert_cmpuint (f->n_new_icon, ==, n_new_icon);
  g_assert_cmpuint (f->n_new_tooltip, ==, n_new_tooltip);
  g_assert_cmpuint (f->n_new_status, ==, n_new_status);
}

/* Hosts re-read what a New* signal names: once per change, never for a
 * value that stayed. */
static void
test_change_signals (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(FakeWatcher) watcher = start_registered_item (f, TRUE);

  sync_with_item (f);
  g_assert_cmpuint (f->n_new_icon + f->n_new_tooltip + f->n_new_status, ==, 0);

  /* unknown → healthy: a new icon (and so tooltip), the same Active status. */
  set_status_and_count (f, TG_HEALTH_STATUS_HEALTHY, "Tollgate", "OpenAI: healthy", 1, 1, 0);
  /* The same again: nothing. */
  set_status_and_count (f, TG_HEALTH_STATUS_HEALTHY, "Tollgate", "OpenAI: healthy", 1, 1, 0);
  /* Only today's spend changed: only the tooltip. */
  set_status_and_count (f, TG_HEALTH_STATUS_HEALTHY, "Tollgate", "OpenAI: healthy, $0.42 today", 1, 2, 0);

  /* Down: icon, tooltip and status, the status with its value. */
  set_status_and_count (f, TG_HEALTH_STATUS_DOWN, "Tollgate", "OpenAI: down", 2, 3, 1);
  g_assert_cmpstr (f->last_status, ==, "NeedsAttention");
  set_status_and_count (f, TG_HEALTH_STATUS_DOWN, "Tollgate", "OpenAI: down", 2, 3, 1);

  /* Back to degraded: Active again. */
  set_status_and_count (f, TG_HEALTH_STATUS_DEGRADED, "Tollgate", "OpenAI: degraded", 3, 4, 2);
  g_assert_cmpstr (f->last_status, ==, "Active");

  /* A title that goes from given to default is a change too. */
  set_status_and_count (f, TG_HEALTH_STATUS_DEGRADED, NULL, "OpenAI: degraded", 3, 5, 2);
  g_assert_cmpuint (f->n_layout_updated, ==, 0);
}

/* A panel restart: the watcher's process goes and a new one comes. */
static void
test_watcher_restart (Fixture       *f,
                      gconstpointer  data)
{
  FakeWatcher *watcher = start_registered_item (f, TRUE);
  g_autoptr(FakeWatcher) second = NULL;
  g_autoptr(FakeWatcher) third = NULL;

  WAIT_FOR (tg_status_notifier_get_host_available (f->notifier));

  fake_watcher_free (watcher);
  WAIT_FOR (!tg_status_notifier_is_registered (f->notifier));
  WAIT_FOR (!tg_status_notifier_get_host_available (f->notifier));
  g_assert_cmpuint (f->n_registered_notify, ==, 2);

  /* The item keeps its name and state meanwhile. */
  tg_status_notifier_set_status (f->notifier, TG_HEALTH_STATUS_DOWN, NULL, "OpenAI: down");

  second = fake_watcher_new (f->bus, TRUE, FALSE);
  WAIT_FOR (tg_status_notifier_is_registered (f->notifier));
  WAIT_FOR (tg_status_notifier_get_host_available (f->notifier));
  g_assert_cmpuint (f->n_registered_notify, ==, 3);
  g_assert_cmpuint (second->items->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (second->items, 0), ==, tg_status_notifier_get_bus_name (f->notifier));
  assert_item_shows (f, ICON ("down"), "NeedsAttention", "Tollgate", "OpenAI: down");

  /* Again, with a watcher that has no host yet. */
  g_clear_pointer (&second, fake_watcher_free);
  WAIT_FOR (!tg_status_notifier_is_registered (f->notifier));
  third = fake_watcher_new (f->bus, FALSE, FALSE);
  WAIT_FOR (tg_status_notifier_is_registered (f->notifier));
  sync_with_item (f);
  spin (50);
  g_assert_false (tg_status_notifier_get_host_available (f->notifier));
  g_assert_cmpuint (third->items->len, ==, 1);
}

/* The watcher says when a host (a tray) comes and goes. */
static void
test_host_availability (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(FakeWatcher) watcher = start_registered_item (f, FALSE);

  spin (50);
  g_assert_false (tg_status_notifier_get_host_available (f->notifier));

  fake_watcher_set_host (watcher, TRUE);
  WAIT_FOR (tg_status_notifier_get_host_available (f->notifier));
  fake_watcher_set_host (watcher, FALSE);
  WAIT_FOR (!tg_status_notifier_get_host_available (f->notifier));
  /* Registration is the watcher's business, not the host's. */
  g_assert_true (tg_status_notifier_is_registered (f->notifier));
}

/* No watcher (stock GNOME): the item waits in silence, and registers as soon
 * as one shows up. */
static void
test_no_watcher (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(FakeWatcher) watcher = NULL;
  g_autoptr(GVariant) props = NULL;
  g_autofree char *bus_name = NULL;

  make_notifier (f, NULL);
  bus_name = g_strdup (tg_status_notifier_get_bus_name (f->notifier));
  WAIT_FOR (name_has_owner (f, bus_name));
  sync_with_item (f);
  spin (100);
  g_assert_false (tg_status_notifier_is_registered (f->notifier));
  g_assert_false (tg_status_notifier_get_host_available (f->notifier));
  g_assert_cmpuint (f->n_registered_notify, ==, 0);

  /* It works all the same, for when a watcher comes. */
  tg_status_notifier_set_status (f->notifier, TG_HEALTH_STATUS_DOWN, NULL, "OpenAI: down");
  sync_with_item (f);
  g_assert_cmpuint (f->n_new_icon, ==, 1);
  assert_item_shows (f, ICON ("down"), "NeedsAttention", "Tollgate", "OpenAI: down");
  g_assert_cmpuint (n_logged, ==, 0);

  watcher = fake_watcher_new (f->bus, TRUE, FALSE);
  WAIT_FOR (tg_status_notifier_is_registered (f->notifier));
  WAIT_FOR (tg_status_notifier_get_host_available (f->notifier));
  g_assert_cmpstr (g_ptr_array_index (watcher->items, 0), ==, bus_name);
}

/* A watcher that refuses the item: unregistered, and nothing logged. */
static void
test_watcher_refuses (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(FakeWatcher) watcher = fake_watcher_new (f->bus, TRUE, TRUE);

  make_notifier (f, NULL);
  WAIT_FOR (watcher->n_calls == 1);
  sync_with_item (f);
  spin (50);
  g_assert_false (tg_status_notifier_is_registered (f->notifier));
  g_assert_cmpuint (f->n_registered_notify, ==, 0);
  g_assert_cmpuint (n_logged, ==, 0);
}

static void
on_name_acquired_flag (GDBusConnection *connection,
                       const char      *name,
                       gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* Someone else holds the name the item would take: it registers its unique
 * name, where hosts find /StatusNotifierItem all the same. */
static void
test_name_taken (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(FakeWatcher) watcher = start_registered_item (f, TRUE);
  g_autoptr(GVariant) props = NULL;
  g_autofree char *next_name = NULL;
  const char *first_name = tg_status_notifier_get_bus_name (f->notifier);
  const char *serial = strrchr (first_name, '-');
  gboolean acquired = FALSE;
  guint owner_id;

  /* Names count up: take the next one first. */
  g_assert_nonnull (serial);
  next_name = g_strdup_printf ("%.*s-%d", (int) (serial - first_name), first_name, atoi (serial + 1) + 1);
  g_assert_finalize_object (g_steal_pointer (&f->notifier));
  owner_id = g_bus_own_name_on_connection (f->host, next_name, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                           on_name_acquired_flag, NULL, &acquired, NULL);
  WAIT_FOR (acquired);

  make_notifier (f, NULL);
  g_assert_cmpstr (tg_status_notifier_get_bus_name (f->notifier), ==, next_name);
  WAIT_FOR (tg_status_notifier_is_registered (f->notifier));
  g_assert_cmpuint (watcher->items->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (watcher->items, 1), ==, app_name (f));
  props = get_all (f, app_name (f));
  assert_string_prop (props, "Id", "io.github.tollgate.Tollgate");
  g_bus_unown_name (owner_id);
}

/* The spec fixes the object path, so a connection holds one item: a second
 * one stays out of the way, quietly. */
static void
test_second_item_on_connection (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(FakeWatcher) watcher = start_registered_item (f, TRUE);
  g_autoptr(TgStatusNotifier) second = NULL;

  second = tg_status_notifier_new (f->app, G_ACTION_GROUP (f->actions), NULL);
  tg_status_notifier_set_status (second, TG_HEALTH_STATUS_DOWN, NULL, NULL);
  sync_with_item (f);
  spin (50);
  g_assert_false (tg_status_notifier_is_registered (second));
  g_assert_cmpuint (watcher->n_calls, ==, 1);
  g_assert_cmpuint (f->n_new_icon, ==, 0);
  /* The first item is untouched. */
  assert_item_shows (f, ICON ("unknown"), "Active", "Tollgate", "");
  g_assert_finalize_object (g_steal_pointer (&second));
  assert_item_shows (f, ICON ("unknown"), "Active", "Tollgate", "");
}

/* Gone means gone: name, objects and subscriptions. */
static void
test_teardown (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(FakeWatcher) watcher = start_registered_item (f, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *bus_name = NULL;

  bus_name = g_strdup (tg_status_notifier_get_bus_name (f->notifier));
  g_assert_finalize_object (g_steal_pointer (&f->notifier));

  WAIT_FOR (!name_has_owner (f, bus_name));
  reply = call (f->host, app_name (f), ITEM_PATH, PROPERTIES, "GetAll",
                g_variant_new ("(s)", ITEM_INTERFACE), G_VARIANT_TYPE ("(a{sv})"), &error);
  g_assert_null (reply);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD);
  g_clear_error (&error);
  reply = call (f->host, app_name (f), MENU_PATH, MENU_INTERFACE, "AboutToShow",
                g_variant_new ("(i)", 0), G_VARIANT_TYPE ("(b)"), &error);
  g_assert_null (reply);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD);

  /* A watcher coming and going afterwards reaches nothing. */
  g_clear_pointer (&watcher, fake_watcher_free);
  watcher = fake_watcher_new (f->bus, TRUE, FALSE);
  spin (50);
  g_assert_cmpuint (watcher->n_calls, ==, 0);
}

/* A click on the icon opens the window; the other gestures do nothing. */
static void
test_activate (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;

  make_notifier (f, NULL);
  reply = host_call (f, ITEM_PATH, ITEM_INTERFACE, "Activate", g_variant_new ("(ii)", 10, 20), NULL);
  g_assert_cmpuint (f->n_show_window, ==, 1);
  g_clear_pointer (&reply, g_variant_unref);
  reply = host_call (f, ITEM_PATH, ITEM_INTERFACE, "SecondaryActivate", g_variant_new ("(ii)", 0, 0), NULL);
  g_assert_cmpuint (f->n_show_window, ==, 2);
  g_clear_pointer (&reply, g_variant_unref);
  reply = host_call (f, ITEM_PATH, ITEM_INTERFACE, "ContextMenu", g_variant_new ("(ii)", 0, 0), NULL);
  g_clear_pointer (&reply, g_variant_unref);
  reply = host_call (f, ITEM_PATH, ITEM_INTERFACE, "Scroll", g_variant_new ("(is)", 120, "vertical"), NULL);
  g_assert_cmpuint (f->n_show_window, ==, 2);
  g_assert_cmpuint (f->n_check_now + f->n_pause + f->n_quit, ==, 0);

  /* Without the action (an app that is quitting), a click does nothing. */
  g_action_map_remove_action (G_ACTION_MAP (f->actions), "show-window");
  g_clear_pointer (&reply, g_variant_unref);
  reply = host_call (f, ITEM_PATH, ITEM_INTERFACE, "Activate", g_variant_new ("(ii)", 0, 0), NULL);
  g_assert_cmpuint (f->n_show_window, ==, 2);
}

/* Tests: the menu */

static GVariant *
get_layout (Fixture            *f,
            gint32              parent,
            gint32              depth,
            const char * const *names,
            guint32            *revision)
{
  g_autoptr(GVariant) reply = NULL;
  GVariant *layout;

  reply = host_call (f, MENU_PATH, MENU_INTERFACE, "GetLayout",
                     g_variant_new ("(ii^as)", parent, depth, names),
                     G_VARIANT_TYPE ("(u(ia{sv}av))"));
  g_variant_get (reply, "(u@(ia{sv}av))", revision, &layout);
  return layout;
}

/* The properties of child @index of @layout; its id in *@id. */
static GVariant *
layout_child (GVariant *layout,
              gsize     index,
              gint32   *id)
{
  g_autoptr(GVariant) children = g_variant_get_child_value (layout, 2);
  g_autoptr(GVariant) boxed = g_variant_get_child_value (children, index);
  g_autoptr(GVariant) child = g_variant_get_variant (boxed);
  g_autoptr(GVariant) grandchildren = g_variant_get_child_value (child, 2);
  GVariant *props;

  g_assert_cmpuint (g_variant_n_children (grandchildren), ==, 0);
  g_variant_get_child (child, 0, "i", id);
  props = g_variant_get_child_value (child, 1);
  return props;
}

static void
assert_bool_prop (GVariant   *props,
                  const char *name,
                  gboolean    expected)
{
  gboolean value = !expected;

  g_assert_true (g_variant_lookup (props, name, "b", &value));
  g_assert_cmpint (value, ==, expected);
}

static gint32
toggle_state (Fixture *f)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) state = NULL;

  reply = host_call (f, MENU_PATH, MENU_INTERFACE, "GetProperty",
                     g_variant_new ("(is)", ID_PAUSE, "toggle-state"), G_VARIANT_TYPE ("(v)"));
  g_variant_get (reply, "(v)", &state);
  g_assert_true (g_variant_is_of_type (state, G_VARIANT_TYPE_INT32));
  return g_variant_get_int32 (state);
}

static void
test_menu_layout (Fixture       *f,
                  gconstpointer  data)
{
  static const char * const all[] = { NULL };
  static const char * const labels[] = { "label", NULL };
  static const struct {
    gint32      id;
    const char *label;
  } expected[] = {
    { ID_SHOW_WINDOW, "Open Tollgate" },
    { ID_CHECK_NOW, "Check Now" },
    { ID_PAUSE, "Pause Monitoring" },
    { ID_SEPARATOR, NULL },
    { ID_QUIT, "Quit" },
  };
  g_autoptr(GVariant) layout = NULL;
  g_autoptr(GVariant) root_props = NULL;
  g_autoptr(GVariant) children = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;
  guint32 revision = 0, revision2 = 0;
  gint32 id = -1;

  make_notifier (f, NULL);

  layout = get_layout (f, ID_ROOT, -1, all, &revision);
  g_variant_get_child (layout, 0, "i", &id);
  g_assert_cmpint (id, ==, ID_ROOT);
  root_props = g_variant_get_child_value (layout, 1);
  assert_string_prop (root_props, "children-display", "submenu");
  children = g_variant_get_child_value (layout, 2);
  g_assert_cmpuint (g_variant_n_children (children), ==, G_N_ELEMENTS (expected));

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(GVariant) props = layout_child (layout, i, &id);
      const char *toggle_type = NULL;
      gint32 state = -1;

      g_assert_cmpint (id, ==, expected[i].id);
      assert_bool_prop (props, "visible", TRUE);
      if (expected[i].label == NULL)
        {
          assert_string_prop (props, "type", "separator");
          g_assert_false (g_variant_lookup (props, "label", "&s", NULL));
          continue;
        }
      assert_string_prop (props, "label", expected[i].label);
      assert_bool_prop (props, "enabled", TRUE);
      if (id == ID_PAUSE)
        {
          g_assert_true (g_variant_lookup (props, "toggle-type", "&s", &toggle_type));
          g_assert_cmpstr (toggle_type, ==, "checkmark");
          g_assert_true (g_variant_lookup (props, "toggle-state", "i", &state));
          g_assert_cmpint (state, ==, 0);
        }
      else
        {
          g_assert_false (g_variant_lookup (props, "toggle-type", "&s", NULL));
        }
    }

  /* Depth 0: the root alone; a property filter: only those. */
  g_clear_pointer (&layout, g_variant_unref);
  g_clear_pointer (&children, g_variant_unref);
  layout = get_layout (f, ID_ROOT, 0, all, &revision2);
  g_assert_cmpuint (revision2, ==, revision);
  children = g_variant_get_child_value (layout, 2);
  g_assert_cmpuint (g_variant_n_children (children), ==, 0);

  g_clear_pointer (&layout, g_variant_unref);
  g_clear_pointer (&root_props, g_variant_unref);
  layout = get_layout (f, ID_PAUSE, -1, labels, &revision2);
  g_variant_get_child (layout, 0, "i", &id);
  g_assert_cmpint (id, ==, ID_PAUSE);
  root_props = g_variant_get_child_value (layout, 1);
  g_assert_cmpuint (g_variant_n_children (root_props), ==, 1);
  assert_string_prop (root_props, "label", "Pause Monitoring");

  /* Unknown items are errors for the host, not crashes. */
  reply = call (f->host, app_name (f), MENU_PATH, MENU_INTERFACE, "GetLayout",
                g_variant_new ("(ii^as)", 42, -1, all), NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_clear_error (&error);

  reply = call (f->host, app_name (f), MENU_PATH, MENU_INTERFACE, "GetProperty",
                g_variant_new ("(is)", -1, "label"), NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_clear_error (&error);

  reply = call (f->host, app_name (f), MENU_PATH, MENU_INTERFACE, "GetProperty",
                g_variant_new ("(is)", ID_QUIT, "toggle-state"), NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_clear_error (&error);

  reply = host_call (f, MENU_PATH, MENU_INTERFACE, "GetProperty",
                     g_variant_new ("(is)", ID_QUIT, "label"), G_VARIANT_TYPE ("(v)"));
  g_variant_get (reply, "(v)", &value);
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "Quit");
  g_clear_pointer (&reply, g_variant_unref);

  /* Group properties: the known ids among those asked for. */
  {
    const gint32 ids[] = { ID_SHOW_WINDOW, 42, ID_PAUSE };
    g_autoptr(GVariant) group = NULL;
    g_autoptr(GVariant) first = NULL;
    g_autoptr(GVariant) second = NULL;
    g_autoptr(GVariant) second_props = NULL;

    reply = host_call (f, MENU_PATH, MENU_INTERFACE, "GetGroupProperties",
                       g_variant_new ("(@ai^as)",
                                      g_variant_new_fixed_array (G_VARIANT_TYPE_INT32, ids, G_N_ELEMENTS (ids), sizeof (gint32)),
                                      labels),
                       G_VARIANT_TYPE ("(a(ia{sv}))"));
    group = g_variant_get_child_value (reply, 0);
    g_assert_cmpuint (g_variant_n_children (group), ==, 2);
    first = g_variant_get_child_value (group, 0);
    g_variant_get (first, "(i@a{sv})", &id, NULL);
    g_assert_cmpint (id, ==, ID_SHOW_WINDOW);
    second = g_variant_get_child_value (group, 1);
    g_variant_get (second, "(i@a{sv})", &id, &second_props);
    g_assert_cmpint (id, ==, ID_PAUSE);
    g_assert_cmpuint (g_variant_n_children (second_props), ==, 1);
    assert_string_prop (second_props, "label", "Pause Monitoring");
  }
  g_clear_pointer (&reply, g_variant_unref);

  /* The menu is always current. */
  {
    gboolean need_update = TRUE;

    reply = host_call (f, MENU_PATH, MENU_INTERFACE, "AboutToShow", g_variant_new ("(i)", ID_ROOT),
                       G_VARIANT_TYPE ("(b)"));
    g_variant_get (reply, "(b)", &need_update);
    g_assert_false (need_update);
  }
  g_clear_pointer (&reply, g_variant_unref);
  {
    const gint32 ids[] = { ID_ROOT, 42 };
    g_autoptr(GVariant) updates = NULL;
    g_autoptr(GVariant) id_errors = NULL;

    reply = host_call (f, MENU_PATH, MENU_INTERFACE, "AboutToShowGroup",
                       g_variant_new ("(@ai)",
                                      g_variant_new_fixed_array (G_VARIANT_TYPE_INT32, ids, G_N_ELEMENTS (ids), sizeof (gint32))),
                       G_VARIANT_TYPE ("(aiai)"));
    g_variant_get (reply, "(@ai@ai)", &updates, &id_errors);
    g_assert_cmpuint (g_variant_n_children (updates), ==, 0);
    g_assert_cmpuint (g_variant_n_children (id_errors), ==, 1);
    g_variant_get_child (id_errors, 0, "i", &id);
    g_assert_cmpint (id, ==, 42);
  }
  g_clear_pointer (&reply, g_variant_unref);

  /* The menu's own properties. */
  reply = host_call (f, MENU_PATH, PROPERTIES, "GetAll", g_variant_new ("(s)", MENU_INTERFACE),
                     G_VARIANT_TYPE ("(a{sv})"));
  {
    g_autoptr(GVariant) props = g_variant_get_child_value (reply, 0);
    guint32 version = 0;

    g_assert_true (g_variant_lookup (props, "Version", "u", &version));
    g_assert_cmpuint (version, ==, 3);
    assert_string_prop (props, "Status", "normal");
    assert_string_prop (props, "TextDirection", "ltr");
  }
}

static void
menu_event (Fixture    *f,
            gint32      id,
            const char *event_id)
{
  g_autoptr(GVariant) reply = NULL;

  reply = host_call (f, MENU_PATH, MENU_INTERFACE, "Event",
                     g_variant_new ("(isvu)", id, event_id, g_variant_new_int32 (0), 0u), NULL);
}

/* The single item update in the last ItemsPropertiesUpdated: its id, and
 * its properties. */
static GVariant *
last_update (Fixture *f,
             gint32  *id)
{
  g_autoptr(GVariant) updated = NULL;
  g_autoptr(GVariant) removed = NULL;
  g_autoptr(GVariant) entry = NULL;
  GVariant *props;

  g_assert_nonnull (f->last_props_updated);
  g_variant_get (f->last_props_updated, "(@a(ia{sv})@a(ias))", &updated, &removed);
  g_assert_cmpuint (g_variant_n_children (updated), ==, 1);
  g_assert_cmpuint (g_variant_n_children (removed), ==, 0);
  entry = g_variant_get_child_value (updated, 0);
  g_variant_get (entry, "(i@a{sv})", id, &props);
  return props;
}

static void
test_menu_events (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GVariant) props = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gint32 id = -1, state = -1;

  make_notifier (f, NULL);

  menu_event (f, ID_SHOW_WINDOW, "clicked");
  g_assert_cmpuint (f->n_show_window, ==, 1);
  menu_event (f, ID_CHECK_NOW, "clicked");
  g_assert_cmpuint (f->n_check_now, ==, 1);
  menu_event (f, ID_QUIT, "clicked");
  g_assert_cmpuint (f->n_quit, ==, 1);

  /* The pause toggle: the action flips its state, the host hears of it. */
  menu_event (f, ID_PAUSE, "clicked");
  g_assert_cmpuint (f->n_pause, ==, 1);
  WAIT_FOR (f->n_props_updated == 1);
  props = last_update (f, &id);
  g_assert_cmpint (id, ==, ID_PAUSE);
  g_assert_true (g_variant_lookup (props, "toggle-state", "i", &state));
  g_assert_cmpint (state, ==, 1);
  g_assert_cmpint (toggle_state (f), ==, 1);

  /* The state changed elsewhere (the Preferences switch): the same. */
  g_action_group_change_action_state (G_ACTION_GROUP (f->actions), "pause-monitoring",
                                      g_variant_new_boolean (FALSE));
  WAIT_FOR (f->n_props_updated == 2);
  g_clear_pointer (&props, g_variant_unref);
  props = last_update (f, &id);
  g_assert_cmpint (id, ==, ID_PAUSE);
  g_assert_true (g_variant_lookup (props, "toggle-state", "i", &state));
  g_assert_cmpint (state, ==, 0);
  g_assert_cmpint (toggle_state (f), ==, 0);
  g_assert_cmpuint (f->n_pause, ==, 1);

  /* Events that are not clicks, and clicks on the separator or root. */
  menu_event (f, ID_SHOW_WINDOW, "hovered");
  menu_event (f, ID_ROOT, "opened");
  menu_event (f, ID_ROOT, "clicked");
  menu_event (f, ID_SEPARATOR, "clicked");
  g_assert_cmpuint (f->n_show_window + f->n_check_now + f->n_pause + f->n_quit, ==, 4);

  /* An unknown item. */
  reply = call (f->host, app_name (f), MENU_PATH, MENU_INTERFACE, "Event",
                g_variant_new ("(isvu)", 42, "clicked", g_variant_new_int32 (0), 0u), NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);

  /* A group of events: each known one runs, the others come back. */
  {
    GVariantBuilder events;
    g_autoptr(GVariant) id_errors = NULL;

    g_variant_builder_init (&events, G_VARIANT_TYPE ("a(isvu)"));
    g_variant_builder_add (&events, "(isvu)", ID_SHOW_WINDOW, "clicked", g_variant_new_int32 (0), 0u);
    g_variant_builder_add (&events, "(isvu)", 42, "clicked", g_variant_new_int32 (0), 0u);
    g_variant_builder_add (&events, "(isvu)", ID_CHECK_NOW, "clicked", g_variant_new_int32 (0), 0u);
    reply = host_call (f, MENU_PATH, MENU_INTERFACE, "EventGroup", g_variant_new ("(a(isvu))", &events),
                       G_VARIANT_TYPE ("(ai)"));
    id_errors = g_variant_get_child_value (reply, 0);
    g_assert_cmpuint (g_variant_n_children (id_errors), ==, 1);
    g_variant_get_child (id_errors, 0, "i", &id);
    g_assert_cmpint (id, ==, 42);
    g_assert_cmpuint (f->n_show_window, ==, 2);
    g_assert_cmpuint (f->n_check_now, ==, 2);
  }

  /* A disabled action: the item greys out and a click does nothing. */
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (f->actions), "check-now")),
                               FALSE);
  WAIT_FOR (f->n_props_updated == 3);
  g_clear_pointer (&props, g_variant_unref);
  props = last_update (f, &id);
  g_assert_cmpint (id, ==, ID_CHECK_NOW);
  assert_bool_prop (props, "enabled", FALSE);
  menu_event (f, ID_CHECK_NOW, "clicked");
  g_assert_cmpuint (f->n_check_now, ==, 2);

  /* A missing action: the item hides. */
  g_action_map_remove_action (G_ACTION_MAP (f->actions), "quit");
  WAIT_FOR (f->n_props_updated == 4);
  g_clear_pointer (&props, g_variant_unref);
  props = last_update (f, &id);
  g_assert_cmpint (id, ==, ID_QUIT);
  assert_bool_prop (props, "visible", FALSE);
  assert_bool_prop (props, "enabled", FALSE);
  menu_event (f, ID_QUIT, "clicked");
  g_assert_cmpuint (f->n_quit, ==, 1);

  /* It comes back with its action. */
  {
    g_autoptr(GSimpleAction) quit = g_simple_action_new ("quit", NULL);

    g_signal_connect (quit, "activate", G_CALLBACK (on_action_activate), f);
    g_action_map_add_action (G_ACTION_MAP (f->actions), G_ACTION (quit));
  }
  WAIT_FOR (f->n_props_updated == 5);
  g_clear_pointer (&props, g_variant_unref);
  props = last_update (f, &id);
  g_assert_cmpint (id, ==, ID_QUIT);
  assert_bool_prop (props, "visible", TRUE);
  assert_bool_prop (props, "enabled", TRUE);
  assert_string_prop (props, "label", "Quit");
  menu_event (f, ID_QUIT, "clicked");
  g_assert_cmpuint (f->n_quit, ==, 2);

  /* Actions the menu does not show change nothing. */
  {
    g_autoptr(GSimpleAction) other = g_simple_action_new ("other", NULL);

    g_action_map_add_action (G_ACTION_MAP (f->actions), G_ACTION (other));
    sync_with_item (f);
    g_assert_cmpuint (f->n_props_updated, ==, 5);
  }
  g_assert_cmpuint (f->n_layout_updated, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_log_set_writer_func (count_logs, NULL, NULL);
  tg_test_init (&argc, &argv);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/status-notifier/register", test_register);
  ADD ("/status-notifier/change-signals", test_change_signals);
  ADD ("/status-notifier/watcher-restart", test_watcher_restart);
  ADD ("/status-notifier/host-availability", test_host_availability);
  ADD ("/status-notifier/no-watcher", test_no_watcher);
  ADD ("/status-notifier/watcher-refuses", test_watcher_refuses);
  ADD ("/status-notifier/name-taken", test_name_taken);
  ADD ("/status-notifier/second-item-on-connection", test_second_item_on_connection);
  ADD ("/status-notifier/teardown", test_teardown);
  ADD ("/status-notifier/activate", test_activate);
  ADD ("/status-notifier/menu/layout", test_menu_layout);
  ADD ("/status-notifier/menu/events", test_menu_events);
#undef ADD

  return g_test_run ();
}
