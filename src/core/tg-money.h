/* tg-money.h: integer micro-dollar arithmetic; money is never a double. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TG_MICROS_PER_DOLLAR G_GINT64_CONSTANT (1000000)

/* Parses a non-negative decimal dollar amount with at most six decimals
 * ("2.50", "0.000125", "15") into micro-dollars. FALSE on anything else. */
gboolean tg_money_parse_micros  (const char *text,
                                 gint64     *out_micros);

/* Cost of @tokens at @price_per_million_micros, rounded half up to a micro-dollar. */
gint64   tg_money_cost_micros   (gint64      tokens,
                                 gint64      price_per_million_micros);

/* "$2.50", "$0.000125", "$15.00": at least two decimals, no trailing zeros past them. */
char    *tg_money_format        (gint64      micros);

/* tg_money_format() rounded half away from zero to the cent ("$12.40" for
 * 12.403456), for figures meant to be read at a glance; an amount under a
 * cent is left exact ("$0.000125") so that real spending never reads $0.00. */
char    *tg_money_format_cents  (gint64      micros);

G_END_DECLS
