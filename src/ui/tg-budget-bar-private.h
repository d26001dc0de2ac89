/* tg-budget-bar-private.h: what TgBudgetBar shows, for its tests and the
 * screenshot tool only. */
#pragma once

#include <gtk/gtk.h>

#include "tg-budget-bar.h"

G_BEGIN_DECLS

typedef enum {
  TG_BUDGET_LEVEL_NONE,     /* no budget */
  TG_BUDGET_LEVEL_NORMAL,   /* no threshold passed: accent colour */
  TG_BUDGET_LEVEL_WARNING,  /* a threshold passed, budget not spent */
  TG_BUDGET_LEVEL_EXCEEDED, /* spent >= budget */
} TgBudgetLevel;

/* "Resets at midnight", "Resets in 12 days", counted in calendar days of
 * @tz (NULL: local) from @now_ms to @end_ms (the next period's start). */
char          *tg_budget_format_reset        (gint64       now_ms,
                                              gint64       end_ms,
                                              GTimeZone   *tz);

TgBudgetLevel  tg_budget_bar_get_level       (TgBudgetBar *self);
/* Where each threshold mark is along the bar, 0 … 1. */
guint          tg_budget_bar_get_n_marks     (TgBudgetBar *self);
double         tg_budget_bar_get_mark_position (TgBudgetBar *self,
                                              guint        index);
/* The fill's end along the bar, 0 … 1 (clamped). */
double         tg_budget_bar_get_fill        (TgBudgetBar *self);

/* The texts of the labels: "$12.40 of $25.00 this month", "49 %", "Resets
 * in 12 days", the state ("Past the 80 % alert", "Over budget by $3.00"),
 * and for no budget, the hint. */
const char    *tg_budget_bar_get_amount_text  (TgBudgetBar *self);
const char    *tg_budget_bar_get_percent_text (TgBudgetBar *self);
const char    *tg_budget_bar_get_reset_text   (TgBudgetBar *self);
const char    *tg_budget_bar_get_state_text   (TgBudgetBar *self);
/* The accessible description set on the widget. */
const char    *tg_budget_bar_get_description  (TgBudgetBar *self);

/* Draws the bar and its marks as the widget does, at @width × @height. */
void           tg_budget_bar_draw             (TgBudgetBar *self,
                                               cairo_t     *cr,
                                               int          width,
                                               int          height);

G_END_DECLS
