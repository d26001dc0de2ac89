/* tg-application.h: the AdwApplication; owns the core objects and wires them to the UI. */
#pragma once

#include <adwaita.h>

#include "tg-ai-client.h"
#include "tg-analytics-service.h"
#include "tg-catalog.h"
#include "tg-config-service.h"
#include "tg-db.h"
#include "tg-health-monitor.h"
#include "tg-notifier.h"
#include "tg-secret-store.h"
#include "tg-status-notifier.h"

G_BEGIN_DECLS

#define TG_TYPE_APPLICATION (tg_application_get_type ())
G_DECLARE_FINAL_TYPE (TgApplication, tg_application, TG, APPLICATION, AdwApplication)

TgApplication *tg_application_new               (void);

/* NULL when the store could not be opened; tg_application_get_startup_error() says why. */
TgDb          *tg_application_get_db            (TgApplication *self);
TgCatalog     *tg_application_get_catalog       (TgApplication *self);
TgSecretStore *tg_application_get_secret_store  (TgApplication *self);
/* The services; each exists for the whole run, also when the store is broken. */
TgConfigService    *tg_application_get_config      (TgApplication *self);
TgAnalyticsService *tg_application_get_analytics   (TgApplication *self);
TgHealthMonitor    *tg_application_get_health      (TgApplication *self);
TgAiClient         *tg_application_get_ai_client   (TgApplication *self);
/* Session settings (data/APP_ID.gschema.xml); NULL when the schema is not
 * installed (the defaults apply then). Transfer none. */
GSettings     *tg_application_get_settings      (TgApplication *self);
/* The desktop notifications (docs/notifications.md). Transfer none. */
TgNotifier    *tg_application_get_notifier      (TgApplication *self);
/* Whether the app holds itself alive without a window (run in background). */
gboolean       tg_application_get_background_hold (TgApplication *self);
/* The tray icon; NULL without a session bus. */
TgStatusNotifier   *tg_application_get_tray        (TgApplication *self);
/* The first error met while opening the store or catalogue, for the window to show; NULL if none. */
const GError  *tg_application_get_startup_error (TgApplication *self);

G_END_DECLS
