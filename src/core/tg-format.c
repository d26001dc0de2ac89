#include "tg-format.h"

char *
tg_format_token_count (gint64 tokens)
{
  if (tokens < 1000)
    return g_strdup_printf ("%" G_GINT64_FORMAT, tokens);

  if (tokens < 1000000)
    {
      /* Vendors quote 131 072 as "131K" and 128 000 as "128K": round to nearest thousand. */
      gint64 k = (tokens + 500) / 1000;
      if (k < 1000)
        return g_strdup_printf ("%" G_GINT64_FORMAT "K", k);
    }

  {
    /* Two decimals at most, trailing zeros dropped: 1 048 576 is "1.05M", 2 000 000 is "2M". */
    gint64 hundredths = (tokens + 5000) / 10000;
    gint64 whole = hundredths / 100;
    gint64 frac = hundredths % 100;

    if (frac == 0)
      return g_strdup_printf ("%" G_GINT64_FORMAT "M", whole);
    if (frac % 10 == 0)
      return g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT "M", whole, frac / 10);
    return g_strdup_printf ("%" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT "M", whole, frac);
  }
}
