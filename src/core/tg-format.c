#include "config.h"

#include <glib/gi18n-lib.h>

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

char *
tg_format_count (gint64 n)
{
  /* Thousands separators per the user's locale. */
  return g_strdup_printf ("%'" G_GINT64_FORMAT, n);
}

char *
tg_format_duration (gint64 ms)
{
  if (ms < 0)
    return g_strdup ("–");
  if (ms < 1000)
    return g_strdup_printf (_("%" G_GINT64_FORMAT " ms"), ms);
  return g_strdup_printf (_("%.1f s"), ms / 1000.0);
}

char *
tg_format_reply_tokens (gint64   input,
                        gint64   cached,
                        gint64   output,
                        gboolean estimated)
{
  g_autofree char *in = tg_format_count (input);
  g_autofree char *out = tg_format_count (output);
  const char *est = estimated ? "~" : "";

  if (cached > 0)
    {
      g_autofree char *cached_text = tg_format_count (cached);

      /* Translators: input tokens (cached input tokens) / output tokens */
      return g_strdup_printf (_("%s%s in (%s cached) / %s%s out tokens"), est, in, cached_text, est, out);
    }
  return g_strdup_printf (_("%s%s in / %s%s out tokens"), est, in, est, out);
}
