/* tg-cost-dashboard-private.h: what TgCostDashboard shows, for its tests and
 * the screenshot tool only. */
#pragma once

#include <gtk/gtk.h>

#include "tg-budget-bar.h"
#include "tg-chart.h"
#include "tg-cost-dashboard.h"

G_BEGIN_DECLS

typedef enum {
  TG_COST_CARD_COST,
  TG_COST_CARD_REQUESTS,
  TG_COST_CARD_TOKENS,
  TG_COST_CARD_FAILURES,
  TG_COST_N_CARDS,
} TgCostCard;

/* A card's big figure ("$12.40", "~$12.40" with estimates, "1,234") and the
 * line under it ("12K in · 3K out · 1K cached", "2 % of requests"). */
const char  *tg_cost_dashboard_get_card_value    (TgCostDashboard *self,
                                                  TgCostCard       card);
const char  *tg_cost_dashboard_get_card_detail   (TgCostDashboard *self,
                                                  TgCostCard       card);
/* The card's tooltip: the exact cost, or why it is approximate. */
const char  *tg_cost_dashboard_get_card_tooltip  (TgCostDashboard *self,
                                                  TgCostCard       card);

TgChart     *tg_cost_dashboard_get_time_chart     (TgCostDashboard *self);
TgChart     *tg_cost_dashboard_get_provider_chart (TgCostDashboard *self);
/* The time chart's columns and their labels ("14:00", "Mon 30"). */
guint        tg_cost_dashboard_get_n_buckets      (TgCostDashboard *self);
const char  *tg_cost_dashboard_get_bucket_label   (TgCostDashboard *self,
                                                   guint            index);
TgBudgetBar *tg_cost_dashboard_get_budget_bar     (TgCostDashboard *self);
/* The "Set a Budget" button is shown (no budget). */
gboolean     tg_cost_dashboard_get_budget_button_visible (TgCostDashboard *self);
guint        tg_cost_dashboard_get_n_recommendations (TgCostDashboard *self);
/* The "No Requests Yet" page is shown instead of the figures. */
gboolean     tg_cost_dashboard_get_empty_visible  (TgCostDashboard *self);
/* The page shown: "usage", "empty" or "error". */
const char  *tg_cost_dashboard_get_visible_page   (TgCostDashboard *self);
/* Completed refreshes, to wait for the next one. */
guint        tg_cost_dashboard_get_n_refreshes    (TgCostDashboard *self);
/* Which providers have a key, as the keyring would say (the
 * recommendations' candidates); NULL: unknown. Until the next refresh(). */
void         tg_cost_dashboard_set_keyed_providers (TgCostDashboard    *self,
                                                    const char * const *provider_ids);
/* The export the action runs after the file chooser. */
void         tg_cost_dashboard_export_to_file     (TgCostDashboard *self,
                                                   GFile           *file);
/* Milliseconds the last refresh took on the main thread (the budget
 * status, starting the worker, showing the answers) and in the worker. */
void         tg_cost_dashboard_get_last_timings   (TgCostDashboard *self,
                                                   double          *main_ms,
                                                   double          *worker_ms);

G_END_DECLS
