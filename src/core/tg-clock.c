/* tg-clock.c: the real clock behind TgClockFunc. */

#include "tg-clock.h"

gint64
tg_clock_real_ms (gpointer user_data)
{
  return g_get_real_time () / 1000;
}
