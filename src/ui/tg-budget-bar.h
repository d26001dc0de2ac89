/* tg-budget-bar.h: the current budget period at a glance: spent against the
 * budget, the alert thresholds, and when the period resets (DESIGN §5). */
#pragma once

#include <gtk/gtk.h>

#include "tg-analytics-service.h"

G_BEGIN_DECLS

#define TG_TYPE_BUDGET_BAR (tg_budget_bar_get_type ())
G_DECLARE_FINAL_TYPE (TgBudgetBar, tg_budget_bar, TG, BUDGET_BAR, GtkWidget)

GtkWidget *tg_budget_bar_new          (void);

/* Shows @status (copied from, not kept) as of @now_ms (UTC ms, for "Resets in
 * 12 days"). NULL or a budget of 0: "No budget set". */
void       tg_budget_bar_set_status   (TgBudgetBar          *self,
                                       const TgBudgetStatus *status,
                                       gint64                now_ms);

/* Spent / budget, not clamped (1.12 when 12 % over); 0 without a budget. */
double     tg_budget_bar_get_fraction (TgBudgetBar          *self);

G_END_DECLS
