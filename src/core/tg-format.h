/* tg-format.h: short human-readable figures shared by the command line and the window. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Token counts as people quote context windows: "8K", "128K", "200K", "1M", "1.05M", "2M".
 * Below 1 000 the number itself. */
char *tg_format_token_count (gint64 tokens);

/* A whole count with the locale's thousands separators ("12,345"). */
char *tg_format_count       (gint64 n);

/* A duration: "850 ms" under a second, else "1.2 s"; "–" for a negative (none). */
char *tg_format_duration    (gint64 ms);

/* A reply's tokens as `tollgate ask` and the Prompt page state them:
 * "1,200 in (200 cached) / 340 out tokens", each count prefixed "~" when
 * @estimated; the cached part only when @cached > 0. */
char *tg_format_reply_tokens (gint64   input,
                              gint64   cached,
                              gint64   output,
                              gboolean estimated);

G_END_DECLS
