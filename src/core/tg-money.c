/* tg-money.c: integer micro-dollar arithmetic.
 *
 * Prices come from the catalogue as decimal strings and are kept as integers so
 * that sums over a million rows are exact; a double would drift by cents. */

#include "tg-money.h"

#include <string.h>

gboolean
tg_money_parse_micros (const char *text,
                       gint64     *out_micros)
{
  gint64 whole = 0;
  gint64 frac = 0;
  guint n_frac = 0;
  const char *p = text;

  g_return_val_if_fail (out_micros != NULL, FALSE);

  if (text == NULL || !g_ascii_isdigit (*p))
    return FALSE;

  for (; g_ascii_isdigit (*p); p++)
    {
      /* A billion dollars per million tokens is no price; refusing early also keeps the maths in range. */
      if (whole > G_GINT64_CONSTANT (1000000000))
        return FALSE;
      whole = whole * 10 + (*p - '0');
    }

  if (*p == '.')
    {
      p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      for (; g_ascii_isdigit (*p); p++)
        {
          if (++n_frac > 6)
            return FALSE;
          frac = frac * 10 + (*p - '0');
        }
    }

  if (*p != '\0')
    return FALSE;

  for (; n_frac < 6; n_frac++)
    frac *= 10;

  *out_micros = whole * TG_MICROS_PER_DOLLAR + frac;
  return TRUE;
}

gint64
tg_money_cost_micros (gint64 tokens,
                      gint64 price_per_million_micros)
{
  gint64 q, r;

  g_return_val_if_fail (tokens >= 0, 0);
  g_return_val_if_fail (price_per_million_micros >= 0, 0);

  /* Split before multiplying: tokens * price overflows 64 bits for large but
   * plausible inputs (10^12 tokens at $100/M), the split form does not. */
  q = tokens / 1000000;
  r = tokens % 1000000;
  return q * price_per_million_micros + (r * price_per_million_micros + 500000) / 1000000;
}

char *
tg_money_format (gint64 micros)
{
  gboolean negative = micros < 0;
  guint64 abs_micros = negative ? (guint64) -(micros + 1) + 1 : (guint64) micros;
  guint64 whole = abs_micros / 1000000;
  guint frac = (guint) (abs_micros % 1000000);
  char digits[8];
  int len;

  g_snprintf (digits, sizeof digits, "%06u", frac);
  /* Keep cents always, and further digits only where they carry value. */
  for (len = 6; len > 2 && digits[len - 1] == '0'; len--)
    ;
  digits[len] = '\0';

  return g_strdup_printf ("%s$%" G_GUINT64_FORMAT ".%s", negative ? "-" : "", whole, digits);
}

char *
tg_money_format_cents (gint64 micros)
{
  const gint64 cent = TG_MICROS_PER_DOLLAR / 100;
  gint64 rounded;

  if (micros > -cent && micros < cent)
    return tg_money_format (micros);

  /* Near the ends of the range the half cent to add is not there: truncate. */
  if (micros > 0)
    rounded = micros <= G_MAXINT64 - cent / 2 ? (micros + cent / 2) / cent * cent : micros / cent * cent;
  else
    rounded = micros >= G_MININT64 + cent / 2 ? (micros - cent / 2) / cent * cent : micros / cent * cent;

  return tg_money_format (rounded);
}
