#include <string.h>

#include "tg-sse-parser.h"
#include "tg-test-utils.h"

/* Events flattened to "type|data|id" lines, so whole streams compare as strings. */
static void
collect (const TgSseEvent *event,
         gpointer          user_data)
{
  GString *out = user_data;

  g_string_append_printf (out, "%s|%s|%s\n", event->type, event->data, event->last_id);
}

static char *
parse_chunks (const char * const *chunks,
              gsize               n_chunks,
              gboolean           *out_pending)
{
  GString *out = g_string_new (NULL);
  g_autoptr(TgSseParser) parser = tg_sse_parser_new (0, collect, out);
  gboolean pending;

  for (gsize i = 0; i < n_chunks; i++)
    g_assert_true (tg_sse_parser_feed (parser, chunks[i], strlen (chunks[i]), NULL));
  pending = tg_sse_parser_finish (parser);
  if (out_pending)
    *out_pending = pending;
  return g_string_free (out, FALSE);
}

static char *
parse (const char *stream)
{
  return parse_chunks (&stream, 1, NULL);
}

static void
assert_parses (const char *stream,
               const char *expected)
{
  g_autofree char *got = parse (stream);
  g_assert_cmpstr (got, ==, expected);
}

static void
test_basic (void)
{
  assert_parses ("data: hello\n\n", "message|hello|\n");
  assert_parses ("data: a\ndata: b\n\n", "message|a\nb|\n");
  assert_parses ("data:x\n\n", "message|x|\n");
  /* Only one leading space is dropped. */
  assert_parses ("data:  x\n\n", "message| x|\n");
  /* A field name alone has an empty value. */
  assert_parses ("data\n\n", "message||\n");
  assert_parses ("data\ndata\n\n", "message|\n|\n");
  /* Two events. */
  assert_parses ("data: 1\n\ndata: 2\n\n", "message|1|\nmessage|2|\n");
}

static void
test_line_ends (void)
{
  const char *expected = "message|a\nb|\nmessage|c|\n";

  assert_parses ("data: a\ndata: b\n\ndata: c\n\n", expected);
  assert_parses ("data: a\rdata: b\r\rdata: c\r\r", expected);
  assert_parses ("data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n", expected);
  assert_parses ("data: a\r\ndata: b\n\rdata: c\r\n\n", expected);
}

static void
test_comments_and_unknown_fields (void)
{
  assert_parses (": keep-alive\n\n", "");
  assert_parses (":\n: x\ndata: y\n: z\n\n", "message|y|\n");
  assert_parses ("foo: bar\ndata: y\n\n", "message|y|\n");
}

static void
test_event_type (void)
{
  assert_parses ("event: message_start\ndata: {}\n\n", "message_start|{}|\n");
  /* The type does not leak into the next event. */
  assert_parses ("event: ping\ndata: 1\n\ndata: 2\n\n", "ping|1|\nmessage|2|\n");
  /* An event without data is not dispatched and its type is forgotten. */
  assert_parses ("event: ping\n\ndata: 2\n\n", "message|2|\n");
}

static void
test_id_and_retry (void)
{
  GString *out = g_string_new (NULL);
  g_autoptr(TgSseParser) parser = tg_sse_parser_new (0, collect, out);
  static const char stream[] = "retry: 3000\nid: 42\ndata: x\n\ndata: y\n\nretry: soon\nid\ndata: z\n\n";
  g_autofree char *got = NULL;

  g_assert_cmpint (tg_sse_parser_get_retry (parser), ==, -1);
  g_assert_true (tg_sse_parser_feed (parser, stream, strlen (stream), NULL));
  got = g_string_free (out, FALSE);
  /* The id stays for later events until changed; an empty id resets it. */
  g_assert_cmpstr (got, ==, "message|x|42\nmessage|y|42\nmessage|z|\n");
  /* A retry that is not all digits is ignored. */
  g_assert_cmpint (tg_sse_parser_get_retry (parser), ==, 3000);
  g_assert_cmpstr (tg_sse_parser_get_last_event_id (parser), ==, "");

  /* An id holding NUL is ignored. */
  {
    GString *out2 = g_string_new (NULL);
    g_autoptr(TgSseParser) p2 = tg_sse_parser_new (0, collect, out2);
    static const char with_nul[] = "id: 7\n\nid: a\0b\ndata: q\n\n";
    g_autofree char *got2 = NULL;

    g_assert_true (tg_sse_parser_feed (p2, with_nul, sizeof with_nul - 1, NULL));
    got2 = g_string_free (out2, FALSE);
    g_assert_cmpstr (got2, ==, "message|q|7\n");
  }
}

static void
test_bom (void)
{
  static const char * const split_bom[] = { "\xEF", "\xBB", "\xBF" "data: x\n\n" };
  static const char * const half_bom[] = { "\xEF\xBB", "data: x\n\n" };
  g_autofree char *split = parse_chunks (split_bom, G_N_ELEMENTS (split_bom), NULL);
  g_autofree char *half = parse_chunks (half_bom, G_N_ELEMENTS (half_bom), NULL);

  assert_parses ("\xEF\xBB\xBF" "data: x\n\n", "message|x|\n");
  g_assert_cmpstr (split, ==, "message|x|\n");
  /* Only one BOM, only at the start: a second one is part of the field name. */
  assert_parses ("\xEF\xBB\xBF\xEF\xBB\xBF" "data: x\n\ndata: y\n\n", "message|y|\n");
  /* Half a BOM is not a BOM: the bytes belong to the line (an unknown field, decoded as U+FFFD). */
  g_assert_cmpstr (half, ==, "");
}

static void
test_utf8 (void)
{
  static const char stream[] = "data: h\xC3\xA9llo \xF0\x9F\x98\x80\n\n";

  assert_parses (stream, "message|h\xC3\xA9llo \xF0\x9F\x98\x80|\n");
  /* Invalid bytes become U+FFFD. */
  assert_parses ("data: a\xFF" "b\n\n", "message|a\xEF\xBF\xBD" "b|\n");
}

/* Every way of cutting a stream in two, and byte by byte, gives the same events. */
static void
test_split_anywhere (void)
{
  static const char stream[] =
    "\xEF\xBB\xBF: hi\r\nevent: content_block_delta\r\ndata: {\"t\":\"h\xC3\xA9\xF0\x9F\x98\x80\"}\r\n\r\n"
    "id: 9\rdata: a\rdata: b\r\r"
    "data: last\n\n";
  g_autofree char *whole = parse (stream);
  gsize len = strlen (stream);

  g_assert_cmpstr (whole, ==,
                   "content_block_delta|{\"t\":\"h\xC3\xA9\xF0\x9F\x98\x80\"}|\n"
                   "message|a\nb|9\n"
                   "message|last|9\n");

  for (gsize cut = 0; cut <= len; cut++)
    {
      g_autofree char *first = g_strndup (stream, cut);
      const char *chunks[] = { first, stream + cut };
      g_autofree char *got = parse_chunks (chunks, 2, NULL);

      g_assert_cmpstr (got, ==, whole);
    }

  {
    g_autoptr(GPtrArray) bytes = g_ptr_array_new_with_free_func (g_free);
    g_autofree char *got = NULL;

    for (gsize i = 0; i < len; i++)
      g_ptr_array_add (bytes, g_strndup (stream + i, 1));
    got = parse_chunks ((const char * const *) bytes->pdata, bytes->len, NULL);
    g_assert_cmpstr (got, ==, whole);
  }
}

static void
test_truncated (void)
{
  static const char * const complete[] = { "data: a\n\n" };
  static const char * const cut_line[] = { "data: a\n\ndata: par" };
  static const char * const cut_event[] = { "data: a\n\ndata: b\n" };
  gboolean pending = FALSE;
  g_autofree char *a = parse_chunks (complete, 1, &pending);
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;

  g_assert_false (pending);
  g_assert_cmpstr (a, ==, "message|a|\n");

  /* A cut stream says so, and its unfinished event is not dispatched. */
  b = parse_chunks (cut_line, 1, &pending);
  g_assert_true (pending);
  g_assert_cmpstr (b, ==, "message|a|\n");
  c = parse_chunks (cut_event, 1, &pending);
  g_assert_true (pending);
  g_assert_cmpstr (c, ==, "message|a|\n");
}

static void
test_too_large (void)
{
  GString *out = g_string_new (NULL);
  g_autoptr(TgSseParser) parser = tg_sse_parser_new (32, collect, out);
  g_autoptr(GError) error = NULL;
  g_autofree char *long_line = g_strnfill (100, 'x');
  g_autofree char *got = NULL;

  g_assert_true (tg_sse_parser_feed (parser, "data: ok\n\n", 10, NULL));
  g_assert_false (tg_sse_parser_feed (parser, long_line, 100, &error));
  g_assert_error (error, TG_SSE_PARSER_ERROR, TG_SSE_PARSER_ERROR_TOO_LARGE);
  g_clear_error (&error);
  /* Once failed, it stays failed. */
  g_assert_false (tg_sse_parser_feed (parser, "\n\n", 2, &error));
  g_assert_error (error, TG_SSE_PARSER_ERROR, TG_SSE_PARSER_ERROR_TOO_LARGE);
  got = g_string_free (out, FALSE);
  g_assert_cmpstr (got, ==, "message|ok|\n");

  /* Many short data lines adding up past the limit fail too. */
  {
    GString *out2 = g_string_new (NULL);
    g_autoptr(TgSseParser) p2 = tg_sse_parser_new (32, collect, out2);
    g_autoptr(GError) error2 = NULL;
    gboolean ok = TRUE;

    for (guint i = 0; i < 10 && ok; i++)
      ok = tg_sse_parser_feed (p2, "data: 0123456\n", 14, &error2);
    g_assert_false (ok);
    g_assert_error (error2, TG_SSE_PARSER_ERROR, TG_SSE_PARSER_ERROR_TOO_LARGE);
    g_string_free (out2, TRUE);
  }
}

/* The parser tells valid lines from invalid ones itself, word by word: it
 * must say what g_utf8_validate_len() says, at any position in a line
 * (vector-sized runs, their edges, the tail), and mend invalid ones as
 * g_utf8_make_valid() does. */
static void
test_utf8_as_glib (void)
{
  static const char * const pieces[] = {
    "\xc3\xa9", "\xe2\x80\x94", "\xf0\x9f\x98\x80", "\xef\xbf\xbe",   /* valid, a noncharacter too */
    "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf", "\xee\x80\x80",
    "\xff", "\x80", "\xc0\x80", "\xc1\xbf", "\xe0\x80\xaf", "\xe0\x9f\xbf", /* stray, overlong */
    "\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", /* surrogates, past U+10FFFF */
    "\xe2\x82", "\xf0\x9f\x98", "\xc3", "\xe2\x28\xa1",                    /* cut short */
  };

  for (guint i = 0; i < G_N_ELEMENTS (pieces); i++)
    for (gsize before = 0; before <= 40; before += (before < 20 ? 1 : 7))
      {
        g_autoptr(GString) line = g_string_new (NULL);
        g_autoptr(GString) stream = g_string_new ("data: ");
        g_autofree char *expected_data = NULL;
        g_autofree char *expected = NULL;
        g_autofree char *got = NULL;

        for (gsize j = 0; j < before; j++)
          g_string_append_c (line, 'a' + j % 26);
        g_string_append (line, pieces[i]);
        g_string_append (line, "xyz");
        g_string_append_len (stream, line->str, line->len);
        g_string_append (stream, "\n\n");

        expected_data = g_utf8_validate_len (line->str, line->len, NULL)
                        ? g_strdup (line->str) : g_utf8_make_valid (line->str, line->len);
        expected = g_strdup_printf ("message|%s|\n", expected_data);
        got = parse (stream->str);
        g_assert_cmpstr (got, ==, expected);
      }
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/sse/basic", test_basic);
  g_test_add_func ("/sse/line-ends", test_line_ends);
  g_test_add_func ("/sse/comments-and-unknown-fields", test_comments_and_unknown_fields);
  g_test_add_func ("/sse/event-type", test_event_type);
  g_test_add_func ("/sse/id-and-retry", test_id_and_retry);
  g_test_add_func ("/sse/bom", test_bom);
  g_test_add_func ("/sse/utf8", test_utf8);
  g_test_add_func ("/sse/utf8-as-glib", test_utf8_as_glib);
  g_test_add_func ("/sse/split-anywhere", test_split_anywhere);
  g_test_add_func ("/sse/truncated", test_truncated);
  g_test_add_func ("/sse/too-large", test_too_large);

  return g_test_run ();
}
