/* tg-health-row-private.h: TgHealthRow's pure formatting, shared with its
 * tests only. */
#pragma once

#include <glib.h>

#include "tg-health-monitor.h"

G_BEGIN_DECLS

/* "checked just now", "checked 2 min ago", "checked 3 hours ago", "checked
 * Nov 28"; "never checked" when @last_check_ms is 0. A check in the future (a
 * clock that went back) reads "just now". */
char       *tg_health_row_format_age       (gint64         last_check_ms,
                                            gint64         now_ms);
/* "p50 120 ms", "p50 2.4 s"; NULL without samples (-1). */
char       *tg_health_row_format_latency   (gint64         latency_ms);
/* The symbolic icon and the CSS colour class of a status. */
const char *tg_health_row_get_icon_name    (TgHealthStatus status);
const char *tg_health_row_get_style_class  (TgHealthStatus status);
/* A sentence for the tooltip when the monitor has only the class of the last
 * failure ("server", …); NULL for an unknown class or none. */
const char *tg_health_row_describe_error   (const char    *error_class);

G_END_DECLS
