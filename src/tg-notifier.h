/* tg-notifier.h: desktop notifications for provider outages and budget alerts.
 *
 * Listens to TgHealthMonitor::status-changed and the budget signals of
 * TgAnalyticsService, decides what is worth telling (docs/notifications.md:
 * one notification id per provider, at most one per provider per
 * TG_NOTIFIER_PROVIDER_INTERVAL_MS, at most TG_NOTIFIER_GLOBAL_CAP per
 * TG_NOTIFIER_GLOBAL_WINDOW_MS) and sends through a GApplication. GIO only,
 * so it is tested without a display; the clock and the send step are
 * injectable. */
#pragma once

#include <gio/gio.h>

#include "tg-analytics-service.h"
#include "tg-catalog.h"
#include "tg-clock.h"
#include "tg-config-service.h"
#include "tg-health-monitor.h"

G_BEGIN_DECLS

#define TG_NOTIFIER_PROVIDER_INTERVAL_MS (10 * 60 * 1000)
#define TG_NOTIFIER_GLOBAL_WINDOW_MS     (10 * 60 * 1000)
#define TG_NOTIFIER_GLOBAL_CAP           3

/* What one notification says; the default sender turns it into a GNotification. */
typedef struct {
  const char            *id;       /* "health-openai", "health-summary", "budget" */
  const char            *title;
  const char            *body;
  const char            *action;   /* detailed action name: "app.show-page" */
  const char            *target;   /* the action's string parameter: "providers", "usage" */
  GNotificationPriority  priority;
} TgNotice;

typedef void (*TgNotifierSendFunc) (const TgNotice *notice,
                                    gpointer        user_data);

#define TG_TYPE_NOTIFIER (tg_notifier_get_type ())
G_DECLARE_FINAL_TYPE (TgNotifier, tg_notifier, TG, NOTIFIER, GObject)

/* @application: where notifications go (g_application_send_notification);
 * may be NULL when a send function is set. The other objects are referenced. */
TgNotifier *tg_notifier_new            (GApplication       *application,
                                        TgCatalog          *catalog,
                                        TgConfigService    *config,
                                        TgHealthMonitor    *health,
                                        TgAnalyticsService *analytics);
void        tg_notifier_set_clock      (TgNotifier         *self,
                                        TgClockFunc         func,
                                        gpointer            user_data);
/* Replaces the GApplication as the destination (tests). */
void        tg_notifier_set_send_func  (TgNotifier         *self,
                                        TgNotifierSendFunc  func,
                                        gpointer            user_data);
/* The "enabled" property (the "notifications" setting); while FALSE nothing
 * is sent and nothing is held back. */
void        tg_notifier_set_enabled    (TgNotifier         *self,
                                        gboolean            enabled);
gboolean    tg_notifier_get_enabled    (TgNotifier         *self);
/* While the app's window is focused it tells budget alerts itself (a toast on
 * any page), so the notifier sends none then; health notices still go out. */
void        tg_notifier_set_window_active (TgNotifier      *self,
                                           gboolean         window_active);
gboolean    tg_notifier_get_window_active (TgNotifier      *self);
/* Sends what was held back by the rate limits and is due at the clock's
 * now. The notifier's own timer calls it; tests call it after moving their
 * clock. */
void        tg_notifier_flush          (TgNotifier         *self);

G_END_DECLS
