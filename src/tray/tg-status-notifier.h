/* tg-status-notifier.h: the tray icon, a StatusNotifierItem with a small
 * com.canonical.dbusmenu menu, over GDBus (GTK 4 has no tray API).
 *
 * GIO only: no GTK here. The menu activates actions of the GActionGroup given
 * at construction: "show-window", "check-now", "pause-monitoring" (stateful,
 * boolean, no parameter; shown as a check box) and "quit". See docs/tray.md. */
#pragma once

#include <gio/gio.h>

#include "tg-health-monitor.h"

G_BEGIN_DECLS

#define TG_TYPE_STATUS_NOTIFIER (tg_status_notifier_get_type ())
G_DECLARE_FINAL_TYPE (TgStatusNotifier, tg_status_notifier, TG, STATUS_NOTIFIER, GObject)

/* Exports the item on @connection and registers it with the
 * StatusNotifierWatcher whenever one appears. Without a watcher it waits
 * quietly: "registered" and "host-available" stay FALSE.
 * @icon_theme_path: a folder with the status icons, for uninstalled runs; nullable. */
TgStatusNotifier *tg_status_notifier_new              (GDBusConnection  *connection,
                                                       GActionGroup     *actions,
                                                       const char       *icon_theme_path);

/* Shows @status as the icon; the tooltip is @tooltip_title ("Tollgate" when
 * NULL) over @tooltip_body (plain text, lines separated by "\n"; nullable).
 * The New* signals go out only for what changed. */
void              tg_status_notifier_set_status       (TgStatusNotifier *self,
                                                       TgHealthStatus    status,
                                                       const char       *tooltip_title,
                                                       const char       *tooltip_body);
TgHealthStatus    tg_status_notifier_get_status       (TgStatusNotifier *self);

/* The "registered" property: a watcher accepted the item. */
gboolean          tg_status_notifier_is_registered    (TgStatusNotifier *self);
/* The "host-available" property: a watcher exists and says a tray (host)
 * shows its items. FALSE: tell the user that the desktop shows no tray icons. */
gboolean          tg_status_notifier_get_host_available (TgStatusNotifier *self);
/* The bus name the item owns, e.g. "org.kde.StatusNotifierItem-1234-1". */
const char       *tg_status_notifier_get_bus_name     (TgStatusNotifier *self);

G_END_DECLS
