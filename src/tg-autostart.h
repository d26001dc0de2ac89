/* tg-autostart.h: starting Tollgate at login, in and outside Flatpak.
 *
 * Outside a sandbox it is an XDG autostart entry, written and removed here;
 * inside Flatpak the entry belongs to the portal, so the Background portal is
 * asked over D-Bus (no libportal). GIO only; docs/notifications.md. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What the autostart entry runs. */
#define TG_AUTOSTART_COMMAND "tollgate --background"

/* Whether this process runs inside Flatpak (/.flatpak-info exists). */
gboolean tg_autostart_in_flatpak           (void);

/* $XDG_CONFIG_HOME/autostart/APP_ID.desktop. Transfer full. */
GFile   *tg_autostart_get_file             (void);
/* Whether the entry exists and no one switched it off (Hidden=true or
 * X-GNOME-Autostart-enabled=false, as GNOME Tweaks does). */
gboolean tg_autostart_file_enabled         (void);
/* Writes the entry (@enable) or removes it; a missing entry is not an error. */
gboolean tg_autostart_write_file           (gboolean              enable,
                                            GError              **error);

/* org.freedesktop.portal.Background.RequestBackground on @bus, asking for
 * autostart on or off with TG_AUTOSTART_COMMAND. Completes when the portal
 * answers (the Request's ::Response). @parent_window: "" or an exported
 * handle ("x11:…", "wayland:…"). */
void     tg_autostart_request_portal_async (GDBusConnection      *bus,
                                            const char           *parent_window,
                                            gboolean              enable,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
/* TRUE when the portal answered; *@out_autostart says whether autostart is
 * now on. G_IO_ERROR_PERMISSION_DENIED when the user refused. */
gboolean tg_autostart_request_portal_finish (GAsyncResult        *result,
                                             gboolean            *out_autostart,
                                             GError             **error);

G_END_DECLS
