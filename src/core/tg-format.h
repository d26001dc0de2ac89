/* tg-format.h: short human-readable figures shared by the command line and the window. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Token counts as people quote context windows: "8K", "128K", "200K", "1M", "1.05M", "2M".
 * Below 1 000 the number itself. */
char *tg_format_token_count (gint64 tokens);

G_END_DECLS
