/* tg-provider-test-utils.c: what the provider adapter tests share. */

#include "tg-provider-test-utils.h"
#include "tg-sse-parser.h"
#include "tg-ndjson-reader.h"

#include <string.h>

JsonObject *
tg_provider_test_request_body (SoupMessage *message)
{
  GBytes *body = tg_provider_get_request_body (message);
  gsize length;
  const char *data;

  g_assert_nonnull (body);
  data = g_bytes_get_data (body, &length);
  return tg_provider_parse_json_object (data, length, NULL);
}

char *
tg_provider_test_message_url (SoupMessage *message)
{
  return g_uri_to_string (soup_message_get_uri (message));
}

TgChatResult *
tg_provider_test_parse_reply (const TgProviderAdapter  *adapter,
                              const char               *json,
                              GError                  **error)
{
  g_autoptr(TgChatResult) result = tg_chat_result_new ();
  g_autoptr(GBytes) body = g_bytes_new_static (json, strlen (json));

  if (!adapter->parse_response (body, result, error))
    return NULL;
  return g_steal_pointer (&result);
}

static TgProviderTestStream *
stream_new (const TgProviderAdapter *adapter)
{
  TgProviderTestStream *stream = g_new0 (TgProviderTestStream, 1);

  stream->adapter = adapter;
  stream->result = tg_chat_result_new ();
  stream->deltas = g_ptr_array_new_with_free_func (g_free);
  return stream;
}

static void
stream_feed (TgProviderTestStream *stream,
             const char           *type,
             const char           *data)
{
  g_autofree char *delta = NULL;

  if (stream->error != NULL)
    return;
  stream->events++;
  if (stream->result->done)
    stream->done_before_last = TRUE;
  if (stream->adapter->parse_stream_event (type, data, stream->result, &delta, &stream->error) &&
      delta != NULL)
    g_ptr_array_add (stream->deltas, g_steal_pointer (&delta));
}

static void
on_event (const TgSseEvent *event,
          gpointer          user_data)
{
  stream_feed (user_data, event->type, event->data);
}

static void
on_line (const char *line,
         gsize       length,
         gpointer    user_data)
{
  stream_feed (user_data, NULL, line);
}

TgProviderTestStream *
tg_provider_test_run_sse_stream (const TgProviderAdapter *adapter,
                                 const char              *wire,
                                 gsize                    chunk)
{
  TgProviderTestStream *stream = stream_new (adapter);
  g_autoptr(TgSseParser) parser = tg_sse_parser_new (0, on_event, stream);
  gsize length = strlen (wire);

  for (gsize offset = 0; offset < length; offset += chunk)
    g_assert_true (tg_sse_parser_feed (parser, wire + offset, MIN (chunk, length - offset), NULL));
  g_assert_false (tg_sse_parser_finish (parser));
  return stream;
}

TgProviderTestStream *
tg_provider_test_run_ndjson_stream (const TgProviderAdapter *adapter,
                                    const char              *wire,
                                    gsize                    chunk)
{
  TgProviderTestStream *stream = stream_new (adapter);
  g_autoptr(TgNdjsonReader) reader = tg_ndjson_reader_new (0, on_line, stream);
  gsize length = strlen (wire);

  for (gsize offset = 0; offset < length; offset += chunk)
    g_assert_true (tg_ndjson_reader_feed (reader, wire + offset, MIN (chunk, length - offset), NULL));
  tg_ndjson_reader_finish (reader);
  return stream;
}

void
tg_provider_test_stream_free (TgProviderTestStream *stream)
{
  tg_chat_result_free (stream->result);
  g_ptr_array_unref (stream->deltas);
  g_clear_error (&stream->error);
  g_free (stream);
}
