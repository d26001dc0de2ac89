/* tg-clock.h: an injectable wall clock, so the services' time-dependent rules
 * (budget periods, sliding windows, circuit waits) can be tested exactly. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* UTC milliseconds since the epoch. */
typedef gint64 (*TgClockFunc) (gpointer user_data);

/* The real clock: g_get_real_time () / 1000. */
gint64 tg_clock_real_ms (gpointer user_data);

G_END_DECLS
