#include <string.h>

#include "tg-ndjson-reader.h"
#include "tg-test-utils.h"

static void
collect (const char *line,
         gsize       length,
         gpointer    user_data)
{
  g_assert_cmpuint (strlen (line), ==, length);
  g_string_append_printf (user_data, "[%s]", line);
}

static char *
read_chunks (const char * const *chunks,
             gsize               n,
             gboolean           *out_pending)
{
  GString *out = g_string_new (NULL);
  g_autoptr(TgNdjsonReader) reader = tg_ndjson_reader_new (0, collect, out);
  gboolean pending;

  for (gsize i = 0; i < n; i++)
    g_assert_true (tg_ndjson_reader_feed (reader, chunks[i], strlen (chunks[i]), NULL));
  pending = tg_ndjson_reader_finish (reader);
  if (out_pending)
    *out_pending = pending;
  return g_string_free (out, FALSE);
}

static void
test_lines (void)
{
  static const char * const whole[] = { "{\"a\":1}\n{\"b\":2}\r\n\n  \n{\"c\":3}\n" };
  static const char * const split[] = { "{\"a\"", ":1}\n{\"b\":2}\r", "\n\n  \n{\"c\":3", "}\n" };
  gboolean pending = TRUE;
  g_autofree char *a = read_chunks (whole, 1, &pending);
  g_autofree char *b = NULL;

  g_assert_false (pending);
  g_assert_cmpstr (a, ==, "[{\"a\":1}][{\"b\":2}][{\"c\":3}]");
  b = read_chunks (split, G_N_ELEMENTS (split), &pending);
  g_assert_false (pending);
  g_assert_cmpstr (b, ==, a);
}

static void
test_unterminated_last_line (void)
{
  static const char * const chunks[] = { "{\"a\":1}\n{\"done\":true}" };
  gboolean pending = FALSE;
  g_autofree char *got = read_chunks (chunks, 1, &pending);

  g_assert_true (pending);
  g_assert_cmpstr (got, ==, "[{\"a\":1}][{\"done\":true}]");
}

static void
test_too_large (void)
{
  GString *out = g_string_new (NULL);
  g_autoptr(TgNdjsonReader) reader = tg_ndjson_reader_new (8, collect, out);
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_ndjson_reader_feed (reader, "{}\n", 3, NULL));
  g_assert_false (tg_ndjson_reader_feed (reader, "{\"long\":true}\n", 14, &error));
  g_assert_error (error, TG_NDJSON_READER_ERROR, TG_NDJSON_READER_ERROR_TOO_LARGE);
  g_assert_false (tg_ndjson_reader_finish (reader));
  g_assert_cmpstr (out->str, ==, "[{}]");
  g_string_free (out, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/ndjson/lines", test_lines);
  g_test_add_func ("/ndjson/unterminated-last-line", test_unterminated_last_line);
  g_test_add_func ("/ndjson/too-large", test_too_large);

  return g_test_run ();
}
