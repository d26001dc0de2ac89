/* Fuzz target: one adapter's replies, the way TgAiClient meets them.
 *
 * Built once per wire format (TG_FUZZ_FORMAT is a TgWireFormat). The input is
 * a reply stream: it goes through the format's framing (TgSseParser, or
 * TgNdjsonReader for Ollama) in two pieces split where the input says, and
 * every event reaches parse_stream_event until the first failure or the
 * terminal event, as in the client. The same bytes are then a whole reply
 * body for parse_response and an error body for classify_error.
 *
 * Besides not crashing, leaking or reading out of bounds, each call must keep
 * what the client relies on: the text only grows, by exactly the delta it
 * reports, and stays valid UTF-8; token counts stay within
 * [0, TG_PROVIDER_MAX_TOKEN_COUNT]; a failure always comes with a
 * TG_PROVIDER_ERROR of a known class and a one-line UTF-8 message. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg-fuzz.h"
#include "tg-ndjson-reader.h"
#include "tg-provider-adapter.h"
#include "tg-sse-parser.h"

#ifndef TG_FUZZ_FORMAT
#error "TG_FUZZ_FORMAT must name the TgWireFormat to fuzz"
#endif

/* Far above -max_len, so the framing's limit never cuts a fuzz input short. */
#define MAX_FRAME (1024 * 1024)


typedef struct {
  const TgProviderAdapter *adapter;
  TgChatResult            *result;
  GString                 *expected;  /* the deltas so far, concatenated */
  gboolean                 failed;
} Stream;

static void
check_count (const char *name,
             gint64      count)
{
  if (count < 0 || count > TG_PROVIDER_MAX_TOKEN_COUNT)
    fuzz_fail ("%s out of range: %" G_GINT64_FORMAT, name, count);
}

static void
check_result (const TgChatResult *result)
{
  if (!g_utf8_validate_len (result->text->str, result->text->len, NULL))
    fuzz_fail ("the reply text is not valid UTF-8");
  if (strlen (result->text->str) != result->text->len)
    fuzz_fail ("the reply text holds a NUL byte");
  if (result->finish_reason != NULL && !g_utf8_validate (result->finish_reason, -1, NULL))
    fuzz_fail ("the finish reason is not valid UTF-8");
  if (result->model != NULL && !g_utf8_validate (result->model, -1, NULL))
    fuzz_fail ("the model is not valid UTF-8");

  check_count ("input_tokens", result->usage.input_tokens);
  check_count ("cached_tokens", result->usage.cached_tokens);
  check_count ("cache_write_tokens", result->usage.cache_write_tokens);
  check_count ("output_tokens", result->usage.output_tokens);
}

/* What the client shows and records of a failure. */
static void
check_error (const GError *error,
             const char   *where)
{
  if (error == NULL)
    fuzz_fail ("%s failed without an error", where);
  if (error->domain != TG_PROVIDER_ERROR)
    fuzz_fail ("%s failed in domain %s: %s", where, g_quark_to_string (error->domain), error->message);
  if (error->code < TG_ERROR_CLASS_AUTH || error->code > TG_ERROR_CLASS_CANCELLED)
    fuzz_fail ("%s failed with unknown class %d", where, error->code);
  if (error->message == NULL || !g_utf8_validate (error->message, -1, NULL))
    fuzz_fail ("%s failed with a message that is not valid UTF-8: %s", where,
          error->message ? g_strescape (error->message, NULL) : "(null)");
  if (strpbrk (error->message, "\r\n") != NULL)
    fuzz_fail ("%s failed with a message of more than one line: %s", where, error->message);
}

static void
stream_event (Stream     *stream,
              const char *event_type,
              const char *data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *delta = NULL;
  GString *text = stream->result->text;
  const char *growth;
  gboolean ok;

  /* After a failure or the terminal event the client reads no further. */
  if (stream->failed || stream->result->done)
    return;

  ok = stream->adapter->parse_stream_event (event_type, data, stream->result, &delta, &error);
  check_result (stream->result);

  if (text->len < stream->expected->len ||
      memcmp (text->str, stream->expected->str, stream->expected->len) != 0)
    fuzz_fail ("an event changed text the caller was already given");
  growth = text->str + stream->expected->len;

  if (!ok)
    {
      check_error (error, "parse_stream_event");
      stream->failed = TRUE;
      return;
    }
  if (error != NULL)
    fuzz_fail ("parse_stream_event succeeded with an error set: %s", error->message);

  /* The caller sees only the deltas: they must add up to the text. */
  if (*growth != '\0' && (delta == NULL || strcmp (delta, growth) != 0))
    fuzz_fail ("the delta \"%s\" is not the new text \"%s\"", delta ? delta : "(null)", growth);
  if (*growth == '\0' && delta != NULL && *delta != '\0')
    fuzz_fail ("a delta \"%s\" without new text", delta);
  g_string_append (stream->expected, growth);
}

static void
sse_event_cb (const TgSseEvent *event,
              gpointer          user_data)
{
  stream_event (user_data, event->type, event->data);
}

static void
ndjson_line_cb (const char *line,
                gsize       length,
                gpointer    user_data)
{
  stream_event (user_data, NULL, line);
}

static void
fuzz_stream (const TgProviderAdapter *adapter,
             const guint8            *data,
             size_t                   size,
             size_t                   cut)
{
  g_autoptr(TgChatResult) result = tg_chat_result_new ();
  g_autoptr(GString) expected = g_string_new (NULL);
  Stream stream = { adapter, result, expected, FALSE };
  const char *chars = (const char *) data;

  if (adapter->stream_framing == TG_STREAM_SSE)
    {
      g_autoptr(TgSseParser) parser = tg_sse_parser_new (MAX_FRAME, sse_event_cb, &stream);

      if (tg_sse_parser_feed (parser, chars, cut, NULL))
        tg_sse_parser_feed (parser, chars + cut, size - cut, NULL);
      tg_sse_parser_finish (parser);
    }
  else
    {
      g_autoptr(TgNdjsonReader) reader = tg_ndjson_reader_new (MAX_FRAME, ndjson_line_cb, &stream);

      if (tg_ndjson_reader_feed (reader, chars, cut, NULL))
        tg_ndjson_reader_feed (reader, chars + cut, size - cut, NULL);
      tg_ndjson_reader_finish (reader);
    }

  if (strcmp (result->text->str, expected->str) != 0)
    fuzz_fail ("the deltas do not add up to the reply text");
}

static void
fuzz_response (const TgProviderAdapter *adapter,
               GBytes                  *body)
{
  g_autoptr(TgChatResult) result = tg_chat_result_new ();
  g_autoptr(GError) error = NULL;

  if (adapter->parse_response (body, result, &error))
    {
      if (error != NULL)
        fuzz_fail ("parse_response succeeded with an error set: %s", error->message);
    }
  else
    check_error (error, "parse_response");
  check_result (result);
}

/* Printable ASCII from @data, as a header value can be. */
static char *
header_value (const guint8 *data,
              size_t        size)
{
  GString *value = g_string_new (NULL);

  for (size_t i = 0; i < size; i++)
    if (data[i] >= 0x20 && data[i] < 0x7f)
      g_string_append_c (value, (char) data[i]);
  return g_string_free (value, FALSE);
}

static void
fuzz_classify (const TgProviderAdapter *adapter,
               GBytes                  *body,
               const guint8            *data,
               size_t                   size)
{
  /* The statuses providers send, and other non-2xx ones no one should. */
  static const guint statuses[] = {
    400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 499, 500, 502, 503, 504, 529,
    101, 302, 304, 418, 599, 600, 999,
  };
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GError) error = NULL;
  guint8 selector = size > 1 ? data[1] : 0;
  guint status = statuses[selector % G_N_ELEMENTS (statuses)];
  gint64 retry_after_ms = G_MININT64;

  /* The selector also picks the headers: none at all, none set, or
   * Retry-After and OpenAI's retry-after-ms from the input, one a number and
   * the other whatever printable bytes came. */
  if (selector >= 0x40)
    headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  if (selector >= 0x80 && size > 2)
    {
      size_t length = MIN ((size_t) (data[0] % 40), size - 2);
      g_autofree char *value = header_value (data + 2, length);
      g_autofree char *number = g_strdup_printf ("%u", (guint) data[2] * (selector & 0x0f));

      soup_message_headers_append (headers, "Retry-After", selector >= 0xc0 ? number : value);
      soup_message_headers_append (headers, "retry-after-ms", selector >= 0xc0 ? value : number);
    }

  adapter->classify_error (status, headers, body, &retry_after_ms, &error);
  check_error (error, "classify_error");
  if (retry_after_ms < -1)
    fuzz_fail ("classify_error left retry_after_ms at %" G_GINT64_FORMAT, retry_after_ms);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const TgProviderAdapter *adapter = tg_provider_adapter_for_format (TG_FUZZ_FORMAT);
  g_autoptr(GBytes) body = g_bytes_new (data, size);
  size_t cut = size == 0 ? 0 : (((size_t) data[0] << 8) | data[size - 1]) % (size + 1);

  g_assert (adapter != NULL && adapter->format == TG_FUZZ_FORMAT);

  fuzz_stream (adapter, data, size, cut);
  fuzz_response (adapter, body);
  fuzz_classify (adapter, body, data, size);
  return 0;
}
