/* tg-health-row.h: one provider's health in a line or two: status icon and
 * text, median latency and how long ago it was checked (DESIGN §4). */
#pragma once

#include <gtk/gtk.h>

#include "tg-health-monitor.h"

G_BEGIN_DECLS

#define TG_TYPE_HEALTH_ROW (tg_health_row_get_type ())
G_DECLARE_FINAL_TYPE (TgHealthRow, tg_health_row, TG, HEALTH_ROW, GtkWidget)

GtkWidget              *tg_health_row_new        (void);

/* Copies @health; NULL shows "Unknown · never checked". The "health"
 * property, notified on every call. */
void                    tg_health_row_set_health (TgHealthRow            *self,
                                                  const TgProviderHealth *health);
/* Transfer none; NULL until set. */
const TgProviderHealth *tg_health_row_get_health (TgHealthRow            *self);
TgHealthStatus          tg_health_row_get_status (TgHealthRow            *self);

/* Rewrites "checked 2 min ago" for @now_ms (UTC ms). The owner calls this
 * from one timer for all its rows rather than a timer per row. */
void                    tg_health_row_update_age (TgHealthRow            *self,
                                                  gint64                  now_ms);

G_END_DECLS
