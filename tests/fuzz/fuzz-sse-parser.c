/* Fuzz target: TgSseParser must never crash, leak or read out of bounds, and
 * feeding the input in two pieces must give the same events as in one. */

#include <string.h>

#include "tg-fuzz.h"
#include "tg-sse-parser.h"

static void
collect (const TgSseEvent *event,
         gpointer          user_data)
{
  g_string_append_printf (user_data, "%s|%s|%s\n", event->type, event->data, event->last_id);
}

static char *
parse (const guint8 *data,
       size_t        size,
       size_t        cut)
{
  GString *out = g_string_new (NULL);
  TgSseParser *parser = tg_sse_parser_new (4096, collect, out);

  if (tg_sse_parser_feed (parser, (const char *) data, cut, NULL))
    tg_sse_parser_feed (parser, (const char *) data + cut, size - cut, NULL);
  tg_sse_parser_finish (parser);
  tg_sse_parser_free (parser);
  return g_string_free (out, FALSE);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  char *whole = parse (data, size, size);
  char *split = parse (data, size, size / 2);

  /* Past the size limit the parser stops, and where it stops may differ. */
  if (size < 4096 && strcmp (whole, split) != 0)
    fuzz_fail ("splitting the input changed the events:\n%s\n---\n%s", whole, split);

  g_free (whole);
  g_free (split);
  return 0;
}
