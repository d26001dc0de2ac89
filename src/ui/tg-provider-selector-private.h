/* tg-provider-selector-private.h: the selector's pure formatting helpers and
 * its timer's work, shared with its tests only. */
#pragma once

#include <glib.h>

#include "tg-catalog.h"
#include "tg-provider-selector.h"

G_BEGIN_DECLS

/* "128K context · 16K output", with tg_format_token_count() (core/tg-format.h:
 * thousands rounded, "1.05M" for 1,048,576); either part is left out when
 * unknown (0); NULL when both are. */
char *tg_format_model_limits (const TgModelCapabilities  *model);

/* "$2.50 in · $10.00 out · $1.25 cached / 1M tokens". The cached price is left
 * out when it is no discount (equals the input price). "Free" when all three
 * prices are zero (local models). */
char *tg_format_model_prices (const TgModelCapabilities  *model);

/* What the page's 30 s timer does, at @now_ms (UTC ms): rewrites "checked 2
 * min ago" on every provider row. */
void  tg_provider_selector_update_ages (TgProviderSelector *self,
                                        gint64              now_ms);

G_END_DECLS
