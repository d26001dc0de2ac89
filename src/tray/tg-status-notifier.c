/* tg-status-notifier.c: the tray icon over GDBus.
 *
 * Two objects on the connection: /StatusNotifierItem (org.kde.StatusNotifierItem,
 * the icon, tooltip and status) and /MenuBar (com.canonical.dbusmenu, the
 * menu a tray host draws). The item owns org.kde.StatusNotifierItem-PID-N and
 * registers that name with org.kde.StatusNotifierWatcher each time a watcher
 * appears on the bus, so a restarted panel finds it again.
 *
 * Decisions worth knowing:
 *  - No watcher is the normal case on a desktop without a tray (stock GNOME):
 *    nothing is logged above debug level, "registered" stays FALSE and
 *    "host-available" tells Preferences to say so.
 *  - If the well-known name cannot be had, the item registers its unique
 *    connection name instead; watchers look up /StatusNotifierItem there too.
 *  - One item per connection: the spec fixes the object path.
 *  - The menu is flat and fixed; item ids are stable (see MenuItemId), so a
 *    host's cached layout never points at the wrong action. Only properties
 *    change (enabled, visible, toggle-state), announced with
 *    ItemsPropertiesUpdated; the layout revision never moves.
 *  - Errors returned over D-Bus are for the tray host's log, not for people,
 *    and are not translated. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <unistd.h>

#include "tg-status-notifier.h"

#define ITEM_PATH          "/StatusNotifierItem"
#define ITEM_INTERFACE     "org.kde.StatusNotifierItem"
#define ITEM_NAME_PREFIX   "org.kde.StatusNotifierItem"
#define MENU_PATH          "/MenuBar"
#define MENU_INTERFACE     "com.canonical.dbusmenu"
#define WATCHER_NAME       "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH       "/StatusNotifierWatcher"
#define WATCHER_INTERFACE  "org.kde.StatusNotifierWatcher"
#define DBUSMENU_VERSION   3
/* The layout never changes (see above), so neither does its revision. */
#define MENU_REVISION      1u
#define PAUSE_ACTION       "pause-monitoring"

static const char introspection_xml[] =
  "<node>"
  "  <interface name='" ITEM_INTERFACE "'>"
  "    <property name='Category' type='s' access='read'/>"
  "    <property name='Id' type='s' access='read'/>"
  "    <property name='Title' type='s' access='read'/>"
  "    <property name='Status' type='s' access='read'/>"
  "    <property name='WindowId' type='i' access='read'/>"
  "    <property name='IconThemePath' type='s' access='read'/>"
  "    <property name='Menu' type='o' access='read'/>"
  "    <property name='ItemIsMenu' type='b' access='read'/>"
  "    <property name='IconName' type='s' access='read'/>"
  "    <property name='IconPixmap' type='a(iiay)' access='read'/>"
  "    <property name='OverlayIconName' type='s' access='read'/>"
  "    <property name='OverlayIconPixmap' type='a(iiay)' access='read'/>"
  "    <property name='AttentionIconName' type='s' access='read'/>"
  "    <property name='AttentionIconPixmap' type='a(iiay)' access='read'/>"
  "    <property name='AttentionMovieName' type='s' access='read'/>"
  "    <property name='ToolTip' type='(sa(iiay)ss)' access='read'/>"
  "    <method name='ContextMenu'>"
  "      <arg name='x' type='i' direction='in'/>"
  "      <arg name='y' type='i' direction='in'/>"
  "    </method>"
  "    <method name='Activate'>"
  "      <arg name='x' type='i' direction='in'/>"
  "      <arg name='y' type='i' direction='in'/>"
  "    </method>"
  "    <method name='SecondaryActivate'>"
  "      <arg name='x' type='i' direction='in'/>"
  "      <arg name='y' type='i' direction='in'/>"
  "    </method>"
  "    <method name='Scroll'>"
  "      <arg name='delta' type='i' direction='in'/>"
  "      <arg name='orientation' type='s' direction='in'/>"
  "    </method>"
  "    <signal name='NewTitle'/>"
  "    <signal name='NewIcon'/>"
  "    <signal name='NewAttentionIcon'/>"
  "    <signal name='NewOverlayIcon'/>"
  "    <signal name='NewToolTip'/>"
  "    <signal name='NewStatus'>"
  "      <arg name='status' type='s'/>"
  "    </signal>"
  "  </interface>"
  "  <interface name='" MENU_INTERFACE "'>"
  "    <property name='Version' type='u' access='read'/>"
  "    <property name='TextDirection' type='s' access='read'/>"
  "    <property name='Status' type='s' access='read'/>"
  "    <property name='IconThemePath' type='as' access='read'/>"
  "    <method name='GetLayout'>"
  "      <arg name='parentId' type='i' direction='in'/>"
  "      <arg name='recursionDepth' type='i' direction='in'/>"
  "      <arg name='propertyNames' type='as' direction='in'/>"
  "      <arg name='revision' type='u' direction='out'/>"
  "      <arg name='layout' type='(ia{sv}av)' direction='out'/>"
  "    </method>"
  "    <method name='GetGroupProperties'>"
  "      <arg name='ids' type='ai' direction='in'/>"
  "      <arg name='propertyNames' type='as' direction='in'/>"
  "      <arg name='properties' type='a(ia{sv})' direction='out'/>"
  "    </method>"
  "    <method name='GetProperty'>"
  "      <arg name='id' type='i' direction='in'/>"
  "      <arg name='name' type='s' direction='in'/>"
  "      <arg name='value' type='v' direction='out'/>"
  "    </method>"
  "    <method name='Event'>"
  "      <arg name='id' type='i' direction='in'/>"
  "      <arg name='eventId' type='s' direction='in'/>"
  "      <arg name='data' type='v' direction='in'/>"
  "      <arg name='timestamp' type='u' direction='in'/>"
  "    </method>"
  "    <method name='EventGroup'>"
  "      <arg name='events' type='a(isvu)' direction='in'/>"
  "      <arg name='idErrors' type='ai' direction='out'/>"
  "    </method>"
  "    <method name='AboutToShow'>"
  "      <arg name='id' type='i' direction='in'/>"
  "      <arg name='needUpdate' type='b' direction='out'/>"
  "    </method>"
  "    <method name='AboutToShowGroup'>"
  "      <arg name='ids' type='ai' direction='in'/>"
  "      <arg name='updatesNeeded' type='ai' direction='out'/>"
  "      <arg name='idErrors' type='ai' direction='out'/>"
  "    </method>"
  "    <signal name='ItemsPropertiesUpdated'>"
  "      <arg name='updatedProps' type='a(ia{sv})'/>"
  "      <arg name='removedProps' type='a(ias)'/>"
  "    </signal>"
  "    <signal name='LayoutUpdated'>"
  "      <arg name='revision' type='u'/>"
  "      <arg name='parent' type='i'/>"
  "    </signal>"
  "    <signal name='ItemActivationRequested'>"
  "      <arg name='id' type='i'/>"
  "      <arg name='timestamp' type='u'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

/* Stable: hosts cache them between layout revisions. */
typedef enum {
  MENU_ROOT,
  MENU_SHOW_WINDOW,
  MENU_CHECK_NOW,
  MENU_PAUSE,
  MENU_SEPARATOR,
  MENU_QUIT,
  N_MENU_ITEMS
} MenuItemId;

static const struct {
  const char *action;  /* NULL: the root and the separator */
  const char *label;
} menu_items[N_MENU_ITEMS] = {
  [MENU_SHOW_WINDOW] = { "show-window", N_("Open Tollgate") },
  [MENU_CHECK_NOW]   = { "check-now",   N_("Check Now") },
  [MENU_PAUSE]       = { PAUSE_ACTION,  N_("Pause Monitoring") },
  [MENU_QUIT]        = { "quit",        N_("Quit") },
};

typedef enum {
  NAME_PENDING,  /* asked the bus for the well-known name, no answer yet */
  NAME_OWNED,
  NAME_LOST,     /* refused or lost: register the unique name instead */
} NameState;

struct _TgStatusNotifier
{
  GObject          parent_instance;

  GDBusConnection *connection;
  GActionGroup    *actions;
  char            *icon_theme_path;
  char            *bus_name;

  TgHealthStatus   status;
  char            *tooltip_title;
  char            *tooltip_body;

  guint            item_registration_id;
  guint            menu_registration_id;
  guint            own_name_id;
  NameState        name_state;

  guint            watch_id;
  char            *watcher_owner;        /* unique name of the current watcher; NULL: none */
  GCancellable    *watcher_cancellable;  /* calls to the current watcher */
  guint            host_registered_id;   /* signal subscriptions on the current watcher */
  guint            host_unregistered_id;

  gboolean         registered;
  gboolean         host_available;

  /* While action-removed runs: the action is still in the group then. */
  const char      *removing_action;
};

G_DEFINE_FINAL_TYPE (TgStatusNotifier, tg_status_notifier, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_ACTIONS,
  PROP_ICON_THEME_PATH,
  PROP_BUS_NAME,
  PROP_REGISTERED,
  PROP_HOST_AVAILABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Parsed once; lives as long as the process. */
static GDBusNodeInfo *introspection_data;

static const char *
status_icon_name (TgHealthStatus status)
{
  switch (status)
    {
    case TG_HEALTH_STATUS_HEALTHY:
      return APP_ID "-healthy-symbolic";
    case TG_HEALTH_STATUS_DEGRADED:
      return APP_ID "-degraded-symbolic";
    case TG_HEALTH_STATUS_DOWN:
      return APP_ID "-down-symbolic";
    case TG_HEALTH_STATUS_UNKNOWN:
    default:
      return APP_ID "-unknown-symbolic";
    }
}

/* The item's Status: a provider that is down is worth a look. */
static const char *
status_item_status (TgHealthStatus status)
{
  return status == TG_HEALTH_STATUS_DOWN ? "NeedsAttention" : "Active";
}

static void
set_registered (TgStatusNotifier *self,
                gboolean          registered)
{
  if (self->registered == registered)
    return;
  self->registered = registered;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REGISTERED]);
}

static void
set_host_available (TgStatusNotifier *self,
                    gboolean          host_available)
{
  if (self->host_available == host_available)
    return;
  self->host_available = host_available;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOST_AVAILABLE]);
}

/* StatusNotifierItem */

static GVariant *
empty_pixmaps (void)
{
  return g_variant_new_array (G_VARIANT_TYPE ("(iiay)"), NULL, 0);
}

static GVariant *
tooltip_variant (TgStatusNotifier *self)
{
  return g_variant_new ("(s@a(iiay)ss)",
                        status_icon_name (self->status),
                        empty_pixmaps (),
                        self->tooltip_title != NULL ? self->tooltip_title : "Tollgate",
                        self->tooltip_body != NULL ? self->tooltip_body : "");
}

static GVariant *
item_get_property (GDBusConnection  *connection,
                   const char       *sender,
                   const char       *object_path,
                   const char       *interface_name,
                   const char       *property_name,
                   GError          **error,
                   gpointer          user_data)
{
  TgStatusNotifier *self = user_data;

  if (g_str_equal (property_name, "Category"))
    return g_variant_new_string ("ApplicationStatus");
  if (g_str_equal (property_name, "Id"))
    return g_variant_new_string (APP_ID);
  if (g_str_equal (property_name, "Title"))
    return g_variant_new_string ("Tollgate");
  if (g_str_equal (property_name, "Status"))
    return g_variant_new_string (status_item_status (self->status));
  if (g_str_equal (property_name, "WindowId"))
    return g_variant_new_int32 (0);
  if (g_str_equal (property_name, "IconThemePath"))
    return g_variant_new_string (self->icon_theme_path != NULL ? self->icon_theme_path : "");
  if (g_str_equal (property_name, "Menu"))
    return g_variant_new_object_path (MENU_PATH);
  if (g_str_equal (property_name, "ItemIsMenu"))
    return g_variant_new_boolean (FALSE);
  if (g_str_equal (property_name, "IconName"))
    return g_variant_new_string (status_icon_name (self->status));
  if (g_str_equal (property_name, "AttentionIconName"))
    return g_variant_new_string (status_icon_name (TG_HEALTH_STATUS_DOWN));
  if (g_str_equal (property_name, "OverlayIconName") ||
      g_str_equal (property_name, "AttentionMovieName"))
    return g_variant_new_string ("");
  if (g_str_equal (property_name, "IconPixmap") ||
      g_str_equal (property_name, "OverlayIconPixmap") ||
      g_str_equal (property_name, "AttentionIconPixmap"))
    return empty_pixmaps ();
  if (g_str_equal (property_name, "ToolTip"))
    return tooltip_variant (self);

  /* GDBus checks names against the introspection data first. */
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY,
               "No property %s", property_name);
  return NULL;
}

static void
activate_action (TgStatusNotifier *self,
                 const char       *name)
{
  /* A host may click an item it drew before the action went away. */
  if (!g_action_group_has_action (self->actions, name) ||
      !g_action_group_get_action_enabled (self->actions, name))
    {
      g_debug ("Tray: action %s is missing or disabled", name);
      return;
    }
  g_action_group_activate_action (self->actions, name, NULL);
}

static void
item_method_call (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *object_path,
                  const char            *interface_name,
                  const char            *method_name,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  TgStatusNotifier *self = user_data;

  /* A click on the icon, primary or middle, opens the window; the host
   * shows the dbusmenu on its own for ContextMenu, and Scroll means nothing
   * here. */
  if (g_str_equal (method_name, "Activate") ||
      g_str_equal (method_name, "SecondaryActivate"))
    activate_action (self, menu_items[MENU_SHOW_WINDOW].action);

  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
emit_item_signal (TgStatusNotifier *self,
                  const char       *signal_name,
                  GVariant         *parameters)
{
  g_autoptr(GError) error = NULL;

  if (!g_dbus_connection_emit_signal (self->connection, NULL, ITEM_PATH, ITEM_INTERFACE,
                                      signal_name, parameters, &error))
    g_debug ("Tray: cannot emit %s: %s", signal_name, error->message);
}

/* com.canonical.dbusmenu */

static gboolean
menu_item_id_is_valid (gint32 id)
{
  return id >= MENU_ROOT && id < N_MENU_ITEMS;
}

static gboolean
menu_action_available (TgStatusNotifier *self,
                       MenuItemId        id)
{
  return g_strcmp0 (menu_items[id].action, self->removing_action) != 0 &&
         g_action_group_has_action (self->actions, menu_items[id].action);
}

static gboolean
pause_state (TgStatusNotifier *self)
{
  g_autoptr(GVariant) state = NULL;

  if (!menu_action_available (self, MENU_PAUSE))
    return FALSE;
  state = g_action_group_get_action_state (self->actions, PAUSE_ACTION);
  return state != NULL &&
         g_variant_is_of_type (state, G_VARIANT_TYPE_BOOLEAN) &&
         g_variant_get_boolean (state);
}

static gboolean
wanted (const char * const *names,
        const char         *name)
{
  return names == NULL || names[0] == NULL || g_strv_contains (names, name);
}

/* @names: the properties to include; NULL or empty: all. */
static GVariant *
menu_item_properties (TgStatusNotifier   *self,
                      MenuItemId          id,
                      const char * const *names)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);

  switch (id)
    {
    case MENU_ROOT:
      if (wanted (names, "children-display"))
        g_variant_builder_add (&builder, "{sv}", "children-display", g_variant_new_string ("submenu"));
      break;

    case MENU_SEPARATOR:
      if (wanted (names, "type"))
        g_variant_builder_add (&builder, "{sv}", "type", g_variant_new_string ("separator"));
      if (wanted (names, "visible"))
        g_variant_builder_add (&builder, "{sv}", "visible", g_variant_new_boolean (TRUE));
      break;

    case MENU_SHOW_WINDOW:
    case MENU_CHECK_NOW:
    case MENU_PAUSE:
    case MENU_QUIT:
      {
        gboolean available = menu_action_available (self, id);

        if (wanted (names, "label"))
          g_variant_builder_add (&builder, "{sv}", "label", g_variant_new_string (_(menu_items[id].label)));
        if (wanted (names, "enabled"))
          g_variant_builder_add (&builder, "{sv}", "enabled",
                                 g_variant_new_boolean (available &&
                                                        g_action_group_get_action_enabled (self->actions,
                                                                                           menu_items[id].action)));
        /* An item without its action is hidden rather than dead. */
        if (wanted (names, "visible"))
          g_variant_builder_add (&builder, "{sv}", "visible", g_variant_new_boolean (available));
        if (id == MENU_PAUSE && wanted (names, "toggle-type"))
          g_variant_builder_add (&builder, "{sv}", "toggle-type", g_variant_new_string ("checkmark"));
        if (id == MENU_PAUSE && wanted (names, "toggle-state"))
          g_variant_builder_add (&builder, "{sv}", "toggle-state", g_variant_new_int32 (pause_state (self) ? 1 : 0));
      }
      break;

    case N_MENU_ITEMS:
    default:
      g_assert_not_reached ();
    }

  return g_variant_builder_end (&builder);
}

/* (ia{sv}av); @depth: levels of children to include, -1 all. */
static GVariant *
menu_layout (TgStatusNotifier   *self,
             MenuItemId          id,
             gint32              depth,
             const char * const *names)
{
  GVariantBuilder children;

  g_variant_builder_init (&children, G_VARIANT_TYPE ("av"));
  if (id == MENU_ROOT && depth != 0)
    for (int child = MENU_ROOT + 1; child < N_MENU_ITEMS; child++)
      g_variant_builder_add (&children, "v", menu_layout (self, child, depth - 1, names));

  return g_variant_new ("(i@a{sv}av)", (gint32) id, menu_item_properties (self, id, names), &children);
}

static void
return_unknown_item (GDBusMethodInvocation *invocation,
                     gint32                 id)
{
  g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                         "No menu item %d", id);
}

/* Runs the item's action for a "clicked" event; other events (hovered,
 * opened, closed) need nothing. FALSE for an unknown id. */
static gboolean
menu_event (TgStatusNotifier *self,
            gint32            id,
            const char       *event_id)
{
  if (!menu_item_id_is_valid (id))
    return FALSE;
  if (g_str_equal (event_id, "clicked") && menu_items[id].action != NULL)
    activate_action (self, menu_items[id].action);
  return TRUE;
}

static void
menu_method_call (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *object_path,
                  const char            *interface_name,
                  const char            *method_name,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  TgStatusNotifier *self = user_data;

  if (g_str_equal (method_name, "GetLayout"))
    {
      gint32 parent_id, depth;
      g_autofree const char **names = NULL;

      g_variant_get (parameters, "(ii^a&s)", &parent_id, &depth, &names);
      if (!menu_item_id_is_valid (parent_id))
        return_unknown_item (invocation, parent_id);
      else
        g_dbus_method_invocation_return_value (invocation,
                                               g_variant_new ("(u@(ia{sv}av))", MENU_REVISION,
                                                              menu_layout (self, parent_id, depth, names)));
    }
  else if (g_str_equal (method_name, "GetGroupProperties"))
    {
      g_autoptr(GVariant) ids = NULL;
      g_autofree const char **names = NULL;
      GVariantBuilder builder;
      gsize n_ids;
      const gint32 *id_array;

      g_variant_get (parameters, "(@ai^a&s)", &ids, &names);
      id_array = g_variant_get_fixed_array (ids, &n_ids, sizeof (gint32));
      g_variant_builder_init (&builder, G_VARIANT_TYPE ("(a(ia{sv}))"));
      g_variant_builder_open (&builder, G_VARIANT_TYPE ("a(ia{sv})"));
      /* No ids: every item, as libdbusmenu does. Unknown ids are skipped. */
      for (int id = MENU_ROOT; id < N_MENU_ITEMS; id++)
        {
          gboolean listed = n_ids == 0;

          for (gsize i = 0; i < n_ids && !listed; i++)
            listed = id_array[i] == id;
          if (listed)
            g_variant_builder_add (&builder, "(i@a{sv})", id, menu_item_properties (self, id, names));
        }
      g_variant_builder_close (&builder);
      g_dbus_method_invocation_return_value (invocation, g_variant_builder_end (&builder));
    }
  else if (g_str_equal (method_name, "GetProperty"))
    {
      gint32 id;
      const char *name;
      const char *names[2] = { NULL, NULL };
      g_autoptr(GVariant) props = NULL;
      g_autoptr(GVariant) value = NULL;

      g_variant_get (parameters, "(i&s)", &id, &name);
      names[0] = name;
      if (menu_item_id_is_valid (id))
        {
          props = g_variant_ref_sink (menu_item_properties (self, id, names));
          value = g_variant_lookup_value (props, name, NULL);
        }
      if (!menu_item_id_is_valid (id))
        return_unknown_item (invocation, id);
      else if (value == NULL)
        g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                               "Menu item %d has no property %s", id, name);
      else
        g_dbus_method_invocation_return_value (invocation, g_variant_new ("(v)", value));
    }
  else if (g_str_equal (method_name, "Event"))
    {
      gint32 id;
      const char *event_id;

      g_variant_get (parameters, "(i&svu)", &id, &event_id, NULL, NULL);
      if (!menu_event (self, id, event_id))
        return_unknown_item (invocation, id);
      else
        g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method_name, "EventGroup"))
    {
      g_autoptr(GVariantIter) events = NULL;
      GVariantBuilder errors;
      gint32 id;
      const char *event_id;

      g_variant_get (parameters, "(a(isvu))", &events);
      g_variant_builder_init (&errors, G_VARIANT_TYPE ("ai"));
      while (g_variant_iter_loop (events, "(i&svu)", &id, &event_id, NULL, NULL))
        if (!menu_event (self, id, event_id))
          g_variant_builder_add (&errors, "i", id);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ai)", &errors));
    }
  else if (g_str_equal (method_name, "AboutToShow"))
    {
      /* The menu is always current: nothing to refresh before it opens. */
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(b)", FALSE));
    }
  else if (g_str_equal (method_name, "AboutToShowGroup"))
    {
      g_autoptr(GVariantIter) ids = NULL;
      GVariantBuilder errors;
      gint32 id;

      g_variant_get (parameters, "(ai)", &ids);
      g_variant_builder_init (&errors, G_VARIANT_TYPE ("ai"));
      while (g_variant_iter_next (ids, "i", &id))
        if (!menu_item_id_is_valid (id))
          g_variant_builder_add (&errors, "i", id);
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(@aiai)",
                                                            g_variant_new_array (G_VARIANT_TYPE_INT32, NULL, 0),
                                                            &errors));
    }
  else
    {
      /* GDBus only dispatches methods of the introspection data. */
      g_assert_not_reached ();
    }
}

static GVariant *
menu_get_property (GDBusConnection  *connection,
                   const char       *sender,
                   const char       *object_path,
                   const char       *interface_name,
                   const char       *property_name,
                   GError          **error,
                   gpointer          user_data)
{
  TgStatusNotifier *self = user_data;

  if (g_str_equal (property_name, "Version"))
    return g_variant_new_uint32 (DBUSMENU_VERSION);
  if (g_str_equal (property_name, "TextDirection"))
    return g_variant_new_string ("ltr");
  if (g_str_equal (property_name, "Status"))
    return g_variant_new_string ("normal");
  if (g_str_equal (property_name, "IconThemePath"))
    {
      const char *paths[] = { self->icon_theme_path, NULL };

      return g_variant_new_strv (paths, self->icon_theme_path != NULL ? 1 : 0);
    }

  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY,
               "No property %s", property_name);
  return NULL;
}

/* Announces new values of @names of @id to the host. */
static void
menu_item_changed (TgStatusNotifier   *self,
                   MenuItemId          id,
                   const char * const *names)
{
  GVariantBuilder updated;
  g_autoptr(GError) error = NULL;

  g_variant_builder_init (&updated, G_VARIANT_TYPE ("a(ia{sv})"));
  g_variant_builder_add (&updated, "(i@a{sv})", (gint32) id, menu_item_properties (self, id, names));
  if (!g_dbus_connection_emit_signal (self->connection, NULL, MENU_PATH, MENU_INTERFACE,
                                      "ItemsPropertiesUpdated",
                                      g_variant_new ("(a(ia{sv})@a(ias))", &updated,
                                                     g_variant_new_array (G_VARIANT_TYPE ("(ias)"), NULL, 0)),
                                      &error))
    g_debug ("Tray: cannot emit ItemsPropertiesUpdated: %s", error->message);
}

static MenuItemId
menu_item_for_action (const char *action_name)
{
  for (int id = MENU_ROOT; id < N_MENU_ITEMS; id++)
    if (g_strcmp0 (menu_items[id].action, action_name) == 0)
      return id;
  return MENU_ROOT;
}

static void
on_action_state_changed (GActionGroup *actions,
                         const char   *action_name,
                         GVariant     *state,
                         gpointer      user_data)
{
  static const char * const names[] = { "toggle-state", NULL };

  if (menu_item_for_action (action_name) == MENU_PAUSE)
    menu_item_changed (user_data, MENU_PAUSE, names);
}

static void
on_action_enabled_changed (GActionGroup *actions,
                           const char   *action_name,
                           gboolean      enabled,
                           gpointer      user_data)
{
  static const char * const names[] = { "enabled", NULL };
  MenuItemId id = menu_item_for_action (action_name);

  if (id != MENU_ROOT)
    menu_item_changed (user_data, id, names);
}

/* The item shows and takes the action's state. */
static void
on_action_added (GActionGroup *actions,
                 const char   *action_name,
                 gpointer      user_data)
{
  MenuItemId id = menu_item_for_action (action_name);

  if (id != MENU_ROOT)
    menu_item_changed (user_data, id, NULL);
}

/* The item hides. The signal comes just before the action leaves the group. */
static void
on_action_removed (GActionGroup *actions,
                   const char   *action_name,
                   gpointer      user_data)
{
  TgStatusNotifier *self = user_data;
  MenuItemId id = menu_item_for_action (action_name);

  if (id == MENU_ROOT)
    return;
  self->removing_action = menu_items[id].action;
  menu_item_changed (self, id, NULL);
  self->removing_action = NULL;
}

/* Registration with the watcher */

static void
forget_watcher (TgStatusNotifier *self)
{
  g_cancellable_cancel (self->watcher_cancellable);
  g_clear_object (&self->watcher_cancellable);
  if (self->host_registered_id != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, self->host_registered_id);
  if (self->host_unregistered_id != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, self->host_unregistered_id);
  self->host_registered_id = 0;
  self->host_unregistered_id = 0;
  g_clear_pointer (&self->watcher_owner, g_free);
}

/* The reply of a call to the watcher, or NULL. *@cancelled: the watcher went
 * away or the item did, so the caller must not touch it. Any other failure is
 * logged at debug level: the tray staying empty is what Preferences reports. */
static GVariant *
finish_watcher_call (GObject       *source,
                     GAsyncResult  *result,
                     const char    *what,
                     gboolean      *cancelled)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  *cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  if (reply == NULL && !*cancelled)
    g_debug ("Tray: %s: %s", what, error->message);
  return reply;
}

static void
on_host_property_ready (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  gboolean cancelled;

  reply = finish_watcher_call (source, result, "cannot ask the watcher for a host", &cancelled);
  if (cancelled)
    return;
  if (reply == NULL)
    {
      set_host_available (user_data, FALSE);
      return;
    }
  g_variant_get (reply, "(v)", &value);
  set_host_available (user_data,
                      g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN) &&
                      g_variant_get_boolean (value));
}

static void
query_host (TgStatusNotifier *self)
{
  g_dbus_connection_call (self->connection, self->watcher_owner, WATCHER_PATH,
                          "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", WATCHER_INTERFACE, "IsStatusNotifierHostRegistered"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          self->watcher_cancellable, on_host_property_ready, self);
}

static void
on_host_changed (GDBusConnection *connection,
                 const char      *sender_name,
                 const char      *object_path,
                 const char      *interface_name,
                 const char      *signal_name,
                 GVariant        *parameters,
                 gpointer         user_data)
{
  /* Other hosts may remain after one leaves: ask rather than guess. */
  query_host (user_data);
}

static void
on_register_ready (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean cancelled;

  /* Failing here, the watcher is there but refuses the item. */
  reply = finish_watcher_call (source, result, "the watcher refused the item", &cancelled);
  if (!cancelled)
    set_registered (user_data, reply != NULL);
}

/* Registers with the current watcher once the bus has answered about the
 * well-known name (so the watcher is given the name that stays). */
static void
maybe_register (TgStatusNotifier *self)
{
  const char *service;

  if (self->watcher_owner == NULL || self->name_state == NAME_PENDING || self->item_registration_id == 0)
    return;

  service = self->name_state == NAME_OWNED ? self->bus_name : g_dbus_connection_get_unique_name (self->connection);
  g_dbus_connection_call (self->connection, self->watcher_owner, WATCHER_PATH, WATCHER_INTERFACE,
                          "RegisterStatusNotifierItem", g_variant_new ("(s)", service),
                          NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          self->watcher_cancellable, on_register_ready, self);
}

static void
on_watcher_appeared (GDBusConnection *connection,
                     const char      *name,
                     const char      *name_owner,
                     gpointer         user_data)
{
  TgStatusNotifier *self = user_data;

  /* A new watcher knows nothing of us, whatever the last one knew. */
  forget_watcher (self);
  set_registered (self, FALSE);

  self->watcher_owner = g_strdup (name_owner);
  self->watcher_cancellable = g_cancellable_new ();
  self->host_registered_id =
    g_dbus_connection_signal_subscribe (connection, name_owner, WATCHER_INTERFACE,
                                        "StatusNotifierHostRegistered", WATCHER_PATH, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_host_changed, self, NULL);
  self->host_unregistered_id =
    g_dbus_connection_signal_subscribe (connection, name_owner, WATCHER_INTERFACE,
                                        "StatusNotifierHostUnregistered", WATCHER_PATH, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_host_changed, self, NULL);
  query_host (self);
  maybe_register (self);
}

static void
on_watcher_vanished (GDBusConnection *connection,
                     const char      *name,
                     gpointer         user_data)
{
  TgStatusNotifier *self = user_data;

  g_debug ("Tray: no %s on the bus", WATCHER_NAME);
  forget_watcher (self);
  set_registered (self, FALSE);
  set_host_available (self, FALSE);
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  TgStatusNotifier *self = user_data;

  self->name_state = NAME_OWNED;
  maybe_register (self);
}

static void
on_name_lost (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  TgStatusNotifier *self = user_data;
  NameState previous = self->name_state;

  g_debug ("Tray: %s is not ours; the item goes by its unique name", name);
  self->name_state = NAME_LOST;
  /* The watcher knew us by the name just lost. */
  if (previous != NAME_LOST)
    maybe_register (self);
}

/* GObject */

static void
tg_status_notifier_constructed (GObject *object)
{
  TgStatusNotifier *self = TG_STATUS_NOTIFIER (object);
  static const GDBusInterfaceVTable item_vtable = {
    .method_call = item_method_call,
    .get_property = item_get_property,
  };
  static const GDBusInterfaceVTable menu_vtable = {
    .method_call = menu_method_call,
    .get_property = menu_get_property,
  };
  static gint serial;
  g_autoptr(GError) error = NULL;

  G_OBJECT_CLASS (tg_status_notifier_parent_class)->constructed (object);

  g_return_if_fail (G_IS_DBUS_CONNECTION (self->connection));
  g_return_if_fail (G_IS_ACTION_GROUP (self->actions));

  self->bus_name = g_strdup_printf (ITEM_NAME_PREFIX "-%d-%d", (int) getpid (), g_atomic_int_add (&serial, 1) + 1);

  g_signal_connect_object (self->actions, "action-state-changed",
                           G_CALLBACK (on_action_state_changed), self, G_CONNECT_DEFAULT);
  g_signal_connect_object (self->actions, "action-enabled-changed",
                           G_CALLBACK (on_action_enabled_changed), self, G_CONNECT_DEFAULT);
  g_signal_connect_object (self->actions, "action-added",
                           G_CALLBACK (on_action_added), self, G_CONNECT_DEFAULT);
  g_signal_connect_object (self->actions, "action-removed",
                           G_CALLBACK (on_action_removed), self, G_CONNECT_DEFAULT);

  self->item_registration_id =
    g_dbus_connection_register_object (self->connection, ITEM_PATH,
                                       g_dbus_node_info_lookup_interface (introspection_data, ITEM_INTERFACE),
                                       &item_vtable, self, NULL, &error);
  if (self->item_registration_id == 0)
    {
      /* Another item on this connection: this one never registers. */
      g_debug ("Tray: cannot export %s: %s", ITEM_PATH, error->message);
      return;
    }

  self->menu_registration_id =
    g_dbus_connection_register_object (self->connection, MENU_PATH,
                                       g_dbus_node_info_lookup_interface (introspection_data, MENU_INTERFACE),
                                       &menu_vtable, self, NULL, &error);
  if (self->menu_registration_id == 0)
    {
      g_debug ("Tray: cannot export %s: %s", MENU_PATH, error->message);
      g_dbus_connection_unregister_object (self->connection, self->item_registration_id);
      self->item_registration_id = 0;
      return;
    }

  self->own_name_id =
    g_bus_own_name_on_connection (self->connection, self->bus_name, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                  on_name_acquired, on_name_lost, self, NULL);
  self->watch_id =
    g_bus_watch_name_on_connection (self->connection, WATCHER_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                    on_watcher_appeared, on_watcher_vanished, self, NULL);
}

static void
tg_status_notifier_dispose (GObject *object)
{
  TgStatusNotifier *self = TG_STATUS_NOTIFIER (object);

  if (self->connection != NULL)
    forget_watcher (self);
  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  g_clear_handle_id (&self->own_name_id, g_bus_unown_name);
  if (self->item_registration_id != 0)
    g_dbus_connection_unregister_object (self->connection, self->item_registration_id);
  if (self->menu_registration_id != 0)
    g_dbus_connection_unregister_object (self->connection, self->menu_registration_id);
  self->item_registration_id = 0;
  self->menu_registration_id = 0;
  if (self->actions != NULL)
    g_signal_handlers_disconnect_by_data (self->actions, self);

  g_clear_object (&self->actions);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (tg_status_notifier_parent_class)->dispose (object);
}

static void
tg_status_notifier_finalize (GObject *object)
{
  TgStatusNotifier *self = TG_STATUS_NOTIFIER (object);

  g_free (self->icon_theme_path);
  g_free (self->bus_name);
  g_free (self->tooltip_title);
  g_free (self->tooltip_body);

  G_OBJECT_CLASS (tg_status_notifier_parent_class)->finalize (object);
}

static void
tg_status_notifier_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TgStatusNotifier *self = TG_STATUS_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;

    case PROP_ACTIONS:
      g_value_set_object (value, self->actions);
      break;

    case PROP_ICON_THEME_PATH:
      g_value_set_string (value, self->icon_theme_path);
      break;

    case PROP_BUS_NAME:
      g_value_set_string (value, self->bus_name);
      break;

    case PROP_REGISTERED:
      g_value_set_boolean (value, self->registered);
      break;

    case PROP_HOST_AVAILABLE:
      g_value_set_boolean (value, self->host_available);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_status_notifier_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  TgStatusNotifier *self = TG_STATUS_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      self->connection = g_value_dup_object (value);
      break;

    case PROP_ACTIONS:
      self->actions = g_value_dup_object (value);
      break;

    case PROP_ICON_THEME_PATH:
      self->icon_theme_path = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_status_notifier_class_init (TgStatusNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tg_status_notifier_constructed;
  object_class->dispose = tg_status_notifier_dispose;
  object_class->finalize = tg_status_notifier_finalize;
  object_class->get_property = tg_status_notifier_get_property;
  object_class->set_property = tg_status_notifier_set_property;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL,
                         G_TYPE_DBUS_CONNECTION,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ACTIONS] =
    g_param_spec_object ("actions", NULL, NULL,
                         G_TYPE_ACTION_GROUP,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ICON_THEME_PATH] =
    g_param_spec_string ("icon-theme-path", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_BUS_NAME] =
    g_param_spec_string ("bus-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  properties[PROP_REGISTERED] =
    g_param_spec_boolean ("registered", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_HOST_AVAILABLE] =
    g_param_spec_boolean ("host-available", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  introspection_data = g_dbus_node_info_new_for_xml (introspection_xml, NULL);
  g_assert (introspection_data != NULL);
}

static void
tg_status_notifier_init (TgStatusNotifier *self)
{
  self->status = TG_HEALTH_STATUS_UNKNOWN;
  self->name_state = NAME_PENDING;
}

TgStatusNotifier *
tg_status_notifier_new (GDBusConnection *connection,
                        GActionGroup    *actions,
                        const char      *icon_theme_path)
{
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (G_IS_ACTION_GROUP (actions), NULL);

  return g_object_new (TG_TYPE_STATUS_NOTIFIER,
                       "connection", connection,
                       "actions", actions,
                       "icon-theme-path", icon_theme_path,
                       NULL);
}

void
tg_status_notifier_set_status (TgStatusNotifier *self,
                               TgHealthStatus    status,
                               const char       *tooltip_title,
                               const char       *tooltip_body)
{
  gboolean icon_changed, status_changed, tooltip_changed;

  g_return_if_fail (TG_IS_STATUS_NOTIFIER (self));
  g_return_if_fail ((guint) status <= TG_HEALTH_STATUS_DOWN);

  icon_changed = g_strcmp0 (status_icon_name (status), status_icon_name (self->status)) != 0;
  status_changed = g_strcmp0 (status_item_status (status), status_item_status (self->status)) != 0;
  /* The tooltip carries the icon too. */
  tooltip_changed = icon_changed ||
                    g_strcmp0 (tooltip_title, self->tooltip_title) != 0 ||
                    g_strcmp0 (tooltip_body, self->tooltip_body) != 0;

  self->status = status;
  if (g_strcmp0 (tooltip_title, self->tooltip_title) != 0)
    {
      g_free (self->tooltip_title);
      self->tooltip_title = g_strdup (tooltip_title);
    }
  if (g_strcmp0 (tooltip_body, self->tooltip_body) != 0)
    {
      g_free (self->tooltip_body);
      self->tooltip_body = g_strdup (tooltip_body);
    }

  /* Exported or not, the values are kept for when the item is. */
  if (self->item_registration_id == 0)
    return;
  if (icon_changed)
    emit_item_signal (self, "NewIcon", NULL);
  if (status_changed)
    emit_item_signal (self, "NewStatus", g_variant_new ("(s)", status_item_status (status)));
  if (tooltip_changed)
    emit_item_signal (self, "NewToolTip", NULL);
}

TgHealthStatus
tg_status_notifier_get_status (TgStatusNotifier *self)
{
  g_return_val_if_fail (TG_IS_STATUS_NOTIFIER (self), TG_HEALTH_STATUS_UNKNOWN);

  return self->status;
}

gboolean
tg_status_notifier_is_registered (TgStatusNotifier *self)
{
  g_return_val_if_fail (TG_IS_STATUS_NOTIFIER (self), FALSE);

  return self->registered;
}

gboolean
tg_status_notifier_get_host_available (TgStatusNotifier *self)
{
  g_return_val_if_fail (TG_IS_STATUS_NOTIFIER (self), FALSE);

  return self->host_available;
}

const char *
tg_status_notifier_get_bus_name (TgStatusNotifier *self)
{
  g_return_val_if_fail (TG_IS_STATUS_NOTIFIER (self), NULL);

  return self->bus_name;
}
