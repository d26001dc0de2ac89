/* tg-cost-dashboard.h: the Usage page: what was spent, on what, against the
 * budget, and what could be saved (DESIGN §5). */
#pragma once

#include <gtk/gtk.h>

#include "tg-analytics-service.h"
#include "tg-catalog.h"
#include "tg-clock.h"
#include "tg-config-service.h"
#include "tg-secret-store.h"

G_BEGIN_DECLS

/* The range the cards and charts cover, ending now. */
typedef enum {
  TG_COST_RANGE_DAY,            /* the last 24 hours, hourly */
  TG_COST_RANGE_WEEK,           /* the last 7 local days, daily */
  TG_COST_RANGE_MONTH,          /* the last 30 local days, daily */
  TG_COST_RANGE_BUDGET_PERIOD,  /* the current budget period: hourly for a day, else daily */
} TgCostRange;

#define TG_TYPE_COST_RANGE (tg_cost_range_get_type ())
GType tg_cost_range_get_type (void) G_GNUC_CONST;

#define TG_TYPE_COST_DASHBOARD (tg_cost_dashboard_get_type ())
G_DECLARE_FINAL_TYPE (TgCostDashboard, tg_cost_dashboard, TG, COST_DASHBOARD, GtkWidget)

GtkWidget   *tg_cost_dashboard_new          (void);

/* The services the page reads and follows (::usage-recorded, the budget
 * signals, the config's budget keys). @secret_store is nullable: without it
 * recommendations only consider the providers already used. Any may be NULL
 * to detach. */
void         tg_cost_dashboard_set_services (TgCostDashboard    *self,
                                             TgAnalyticsService *analytics,
                                             TgConfigService    *config,
                                             TgCatalog          *catalog,
                                             TgSecretStore      *secret_store);

/* The wall clock the ranges end at (NULL: tg_clock_real_ms), for tests. */
void         tg_cost_dashboard_set_clock    (TgCostDashboard    *self,
                                             TgClockFunc         func,
                                             gpointer            user_data);

TgCostRange  tg_cost_dashboard_get_range    (TgCostDashboard    *self);
void         tg_cost_dashboard_set_range    (TgCostDashboard    *self,
                                             TgCostRange         range);

/* Queries again now (they also rerun by themselves on every change the
 * services signal). */
void         tg_cost_dashboard_refresh      (TgCostDashboard    *self);

/* Properties: "range" (TgCostRange).
 *
 * Signals:
 *   ::toast (const char *message)  something to tell the user in passing, e.g.
 *                                  "Exported 1,234 requests"; the window shows
 *                                  it in its AdwToastOverlay.
 *
 * Actions: "dashboard.export-csv" asks where to save, then exports the
 * selected range. */

G_END_DECLS
