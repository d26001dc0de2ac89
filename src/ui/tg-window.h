/* tg-window.h: the main window (DESIGN §5). */
#pragma once

#include <adwaita.h>

#include "tg-application.h"

G_BEGIN_DECLS

#define TG_TYPE_WINDOW (tg_window_get_type ())
G_DECLARE_FINAL_TYPE (TgWindow, tg_window, TG, WINDOW, AdwApplicationWindow)

/* Takes the catalogue and secret store from @app; shows its startup error, if
 * any, instead of the pages. */
TgWindow *tg_window_new              (TgApplication *app);

/* Shows @toast (transfer full) over the pages. */
void      tg_window_add_toast        (TgWindow      *self,
                                      AdwToast      *toast);
/* What app.preferences does for this window. */
void      tg_window_show_preferences (TgWindow      *self);

/* Actions: win.show-page (string: "prompt", "providers" or "usage"; Alt+1/2/3;
 * in the window's GActionMap, so g_action_group_activate_action() reaches it),
 * win.about, and win.show-help-overlay from GtkApplication (Ctrl+?). The
 * Usage page's child is the placeholder "usage_placeholder" until the cost
 * dashboard takes its place. */

G_END_DECLS
