/* tg-window.h: the main window (DESIGN §5). */
#pragma once

#include <adwaita.h>

#include "tg-application.h"

G_BEGIN_DECLS

#define TG_TYPE_WINDOW (tg_window_get_type ())
G_DECLARE_FINAL_TYPE (TgWindow, tg_window, TG, WINDOW, AdwApplicationWindow)

/* Takes the catalogue and secret store from @app; shows its startup error, if
 * any, instead of the pages. */
TgWindow *tg_window_new (TgApplication *app);

G_END_DECLS
