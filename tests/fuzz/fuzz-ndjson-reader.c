/* Fuzz target: TgNdjsonReader, whole and split input must agree. */

#include <string.h>

#include "tg-fuzz.h"
#include "tg-ndjson-reader.h"

static void
collect (const char *line,
         gsize       length,
         gpointer    user_data)
{
  g_string_append_len (user_data, line, length);
  g_string_append_c (user_data, '\n');
}

static char *
read_all (const guint8 *data,
          size_t        size,
          size_t        cut)
{
  GString *out = g_string_new (NULL);
  TgNdjsonReader *reader = tg_ndjson_reader_new (4096, collect, out);

  if (tg_ndjson_reader_feed (reader, (const char *) data, cut, NULL))
    tg_ndjson_reader_feed (reader, (const char *) data + cut, size - cut, NULL);
  tg_ndjson_reader_finish (reader);
  tg_ndjson_reader_free (reader);
  return g_string_free (out, FALSE);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  char *whole = read_all (data, size, size);
  char *split = read_all (data, size, size / 2);

  if (size < 4096 && strcmp (whole, split) != 0)
    fuzz_fail ("splitting the input changed the lines");

  g_free (whole);
  g_free (split);
  return 0;
}
