/* tg-preferences-window.h: the preferences (DESIGN §5): providers and their
 * keys, the budget, the fallback order and the health checks. */
#pragma once

#include <adwaita.h>

#include "tg-catalog.h"
#include "tg-config-service.h"
#include "tg-db.h"
#include "tg-health-monitor.h"
#include "tg-secret-store.h"
#include "tg-status-notifier.h"

G_BEGIN_DECLS

#define TG_TYPE_PREFERENCES_WINDOW (tg_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (TgPreferencesWindow, tg_preferences_window, TG, PREFERENCES_WINDOW, AdwPreferencesWindow)

/* @parent (nullable) makes it transient and modal. @db (nullable) is only
 * used to keep the store's models in step with the catalogue: a custom
 * endpoint added or removed, an address changed. */
GtkWidget *tg_preferences_window_new       (GtkWindow           *parent,
                                            TgConfigService     *config,
                                            TgCatalog           *catalog,
                                            TgSecretStore       *secret_store,
                                            TgHealthMonitor     *health,
                                            TgDb                *db);

/* The desktop side, shown on the Health page: the GSettings of background
 * running, start at login and notifications (NULL: no schema; the switches
 * are insensitive), and the tray icon, whose missing host is said there
 * (NULL: no session bus, so no tray). */
void       tg_preferences_window_set_session (TgPreferencesWindow *self,
                                              GSettings           *settings,
                                              TgStatusNotifier    *tray);

/* "providers", "budget", "fallback" or "health". */
void       tg_preferences_window_show_page (TgPreferencesWindow *self,
                                            const char          *page_name);

G_END_DECLS
