/* test-mock-provider.c: the mock provider speaks each wire format as
 * documented, and every scripting knob does what it says on the wire.
 * The client is a plain SoupSession, so nothing here trusts Tollgate code. */
#include "tg-mock-provider.h"
#include "tg-test-utils.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  TgMockProvider *mock;
  SoupSession    *session;
} Fixture;

/* No proxies for a loopback server, and so no GSettings lookup of the proxy
 * settings, whose schemas the isolated XDG folders lack. */
static SoupSession *
new_session (void)
{
  return soup_session_new_with_options ("timeout", 30, "proxy-resolver", NULL, NULL);
}

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fx->mock = tg_mock_provider_new ();
  g_assert_true (tg_mock_provider_start (fx->mock, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tg_mock_provider_get_port (fx->mock), >, 0);
  /* A generous timeout: a broken mock fails the test instead of hanging it. */
  fx->session = new_session ();
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  tg_mock_provider_stop (fx->mock);
  g_clear_object (&fx->mock);
  g_clear_object (&fx->session);
  /* Let the session's closing connections finish. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ------------------------------------------------------------------------
 * An async client that keeps the raw bytes, the read error and the timing.
 */

typedef struct {
  guint               status;
  SoupMessageHeaders *headers;
  GByteArray         *body;
  GError             *error;
  gint64              started_us;
  gint64              headers_us;  /* when the status line arrived */
  gint64              ended_us;
  gboolean            done;
  SoupMessage        *msg;
  GInputStream       *stream;
} Fetch;

static void
fetch_free (Fetch *f)
{
  g_clear_pointer (&f->headers, soup_message_headers_unref);
  g_clear_pointer (&f->body, g_byte_array_unref);
  g_clear_error (&f->error);
  g_clear_object (&f->msg);
  g_clear_object (&f->stream);
  g_free (f);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Fetch, fetch_free)

static void fetch_read (Fetch *f);

static void
fetch_finish (Fetch  *f,
              GError *error)
{
  /* Gives the connection back to the session (it allows two per host). */
  if (f->stream)
    g_input_stream_close (f->stream, NULL, NULL);
  g_clear_object (&f->stream);
  f->error = error;
  f->ended_us = g_get_monotonic_time ();
  f->done = TRUE;
}

static void
fetch_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fetch *f = user_data;
  GError *error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (!bytes)
    {
      fetch_finish (f, error);
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      fetch_finish (f, NULL);
      return;
    }
  g_byte_array_append (f->body, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  fetch_read (f);
}

static void
fetch_read (Fetch *f)
{
  g_input_stream_read_bytes_async (f->stream, 4096, G_PRIORITY_DEFAULT, NULL, fetch_read_cb, f);
}

static void
fetch_sent_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fetch *f = user_data;
  GError *error = NULL;

  f->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  f->headers_us = g_get_monotonic_time ();
  if (!f->stream)
    {
      fetch_finish (f, error);
      return;
    }
  f->status = soup_message_get_status (f->msg);
  f->headers = soup_message_headers_ref (soup_message_get_response_headers (f->msg));
  fetch_read (f);
}

/* Starts a request; @headers are name, value pairs ending with NULL. */
static Fetch *
fetch_start (Fixture    *fx,
             const char *method,
             const char *url,
             const char *body,
             ...)
{
  Fetch *f = g_new0 (Fetch, 1);
  SoupMessageHeaders *request_headers;
  const char *name;
  va_list ap;

  f->body = g_byte_array_new ();
  f->msg = soup_message_new (method, url);
  g_assert_nonnull (f->msg);
  request_headers = soup_message_get_request_headers (f->msg);
  va_start (ap, body);
  while ((name = va_arg (ap, const char *)))
    soup_message_headers_append (request_headers, name, va_arg (ap, const char *));
  va_end (ap);
  if (body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (f->msg, "application/json", bytes);
    }

  f->started_us = g_get_monotonic_time ();
  soup_session_send_async (fx->session, f->msg, G_PRIORITY_DEFAULT, NULL, fetch_sent_cb, f);
  return f;
}

static void
fetch_wait (Fetch *f)
{
  while (!f->done)
    g_main_context_iteration (NULL, TRUE);
}

static char *
fetch_body (Fetch *f)
{
  return g_strndup ((const char *) f->body->data, f->body->len);
}

/* The completion endpoint of @format; stream only matters to Gemini. */
static char *
completion_url (Fixture      *fx,
                TgMockFormat  format,
                gboolean      stream)
{
  g_autofree char *base = tg_mock_provider_get_base_url (fx->mock, format);

  switch (format)
    {
    case TG_MOCK_FORMAT_OPENAI: return g_strconcat (base, "/chat/completions", NULL);
    case TG_MOCK_FORMAT_ANTHROPIC: return g_strconcat (base, "/v1/messages", NULL);
    case TG_MOCK_FORMAT_GEMINI:
      return g_strconcat (base, "/v1beta/models/gemini-2.0-flash",
                          stream ? ":streamGenerateContent?alt=sse" : ":generateContent", NULL);
    case TG_MOCK_FORMAT_OLLAMA: return g_strconcat (base, "/api/chat", NULL);
    default: g_assert_not_reached ();
    }
}

static const char *
completion_body (TgMockFormat format,
                 const char  *stream_fields)
{
  static char buffer[512];

  if (format == TG_MOCK_FORMAT_GEMINI)
    return "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Hi\"}]}]}";
  g_snprintf (buffer, sizeof buffer,
              "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]%s%s}",
              format == TG_MOCK_FORMAT_OPENAI ? "gpt-4o-mini"
              : format == TG_MOCK_FORMAT_ANTHROPIC ? "claude-sonnet-4-20250514" : "llama3.2",
              stream_fields ? "," : "", stream_fields ? stream_fields : "");
  return buffer;
}

/* A completion request the way each provider's client sends it.
 * @stream_fields: extra JSON members ("\"stream\":true"), or NULL. */
static Fetch *
complete (Fixture      *fx,
          TgMockFormat  format,
          gboolean      gemini_stream,
          const char   *stream_fields)
{
  g_autofree char *url = completion_url (fx, format, gemini_stream);
  const char *body = completion_body (format, stream_fields);
  Fetch *f;

  switch (format)
    {
    case TG_MOCK_FORMAT_OPENAI:
      f = fetch_start (fx, "POST", url, body, "Authorization", "Bearer sk-test", NULL);
      break;
    case TG_MOCK_FORMAT_ANTHROPIC:
      f = fetch_start (fx, "POST", url, body, "x-api-key", "sk-ant-test", "anthropic-version", "2023-06-01", NULL);
      break;
    case TG_MOCK_FORMAT_GEMINI:
      f = fetch_start (fx, "POST", url, body, "x-goog-api-key", "AIza-test", NULL);
      break;
    case TG_MOCK_FORMAT_OLLAMA:
    default:
      f = fetch_start (fx, "POST", url, body, NULL);
      break;
    }
  fetch_wait (f);
  return f;
}

/* Non-stream, except Ollama which needs "stream":false to not stream. */
static Fetch *
complete_plain (Fixture      *fx,
                TgMockFormat  format)
{
  return complete (fx, format, FALSE, format == TG_MOCK_FORMAT_OLLAMA ? "\"stream\":false" : NULL);
}

static Fetch *
complete_stream (Fixture      *fx,
                 TgMockFormat  format)
{
  switch (format)
    {
    case TG_MOCK_FORMAT_OPENAI:
      return complete (fx, format, FALSE, "\"stream\":true,\"stream_options\":{\"include_usage\":true}");
    case TG_MOCK_FORMAT_GEMINI:
      return complete (fx, format, TRUE, NULL);
    case TG_MOCK_FORMAT_OLLAMA:
      return complete (fx, format, FALSE, NULL);
    case TG_MOCK_FORMAT_ANTHROPIC:
    default:
      return complete (fx, format, FALSE, "\"stream\":true");
    }
}

static Fetch *
list_models (Fixture      *fx,
             TgMockFormat  format)
{
  g_autofree char *base = tg_mock_provider_get_base_url (fx->mock, format);
  g_autofree char *url = NULL;
  Fetch *f;

  switch (format)
    {
    case TG_MOCK_FORMAT_OPENAI:
      url = g_strconcat (base, "/models", NULL);
      f = fetch_start (fx, "GET", url, NULL, "Authorization", "Bearer sk-test", NULL);
      break;
    case TG_MOCK_FORMAT_ANTHROPIC:
      url = g_strconcat (base, "/v1/models", NULL);
      f = fetch_start (fx, "GET", url, NULL, "x-api-key", "sk-ant-test", "anthropic-version", "2023-06-01", NULL);
      break;
    case TG_MOCK_FORMAT_GEMINI:
      url = g_strconcat (base, "/v1beta/models", NULL);
      f = fetch_start (fx, "GET", url, NULL, "x-goog-api-key", "AIza-test", NULL);
      break;
    case TG_MOCK_FORMAT_OLLAMA:
    default:
      url = g_strconcat (base, "/api/tags", NULL);
      f = fetch_start (fx, "GET", url, NULL, NULL);
      break;
    }
  fetch_wait (f);
  return f;
}

/* ------------------------------------------------------------------------
 * JSON helpers.
 */

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static gboolean
is_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  return json_parser_load_from_data (parser, text, -1, NULL);
}

/* The node at a dotted path such as "choices.0.delta.content". */
static JsonNode *
at (JsonNode   *root,
    const char *path)
{
  g_auto(GStrv) steps = g_strsplit (path, ".", -1);
  JsonNode *node = root;

  for (guint i = 0; steps[i]; i++)
    {
      if (JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);
          guint index = (guint) g_ascii_strtoull (steps[i], NULL, 10);

          if (index >= json_array_get_length (array))
            return NULL;
          node = json_array_get_element (array, index);
        }
      else if (JSON_NODE_HOLDS_OBJECT (node))
        {
          node = json_object_get_member (json_node_get_object (node), steps[i]);
          if (!node)
            return NULL;
        }
      else
        return NULL;
    }
  return node;
}

static const char *
at_str (JsonNode   *root,
        const char *path)
{
  JsonNode *node = at (root, path);

  g_assert_nonnull (node);
  return json_node_get_string (node);
}

static gint64
at_int (JsonNode   *root,
        const char *path)
{
  JsonNode *node = at (root, path);

  g_assert_nonnull (node);
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_INT64);
  return json_node_get_int (node);
}

static gboolean
at_null (JsonNode   *root,
         const char *path)
{
  JsonNode *node = at (root, path);

  return node && JSON_NODE_HOLDS_NULL (node);
}

/* Splits a complete stream body on @separator, which must end it. */
static GStrv
split_stream (Fetch      *f,
              const char *separator)
{
  g_autofree char *body = fetch_body (f);
  gsize sep_len = strlen (separator);

  g_assert_cmpuint (strlen (body), >, sep_len);
  g_assert_true (g_str_has_suffix (body, separator));
  body[strlen (body) - sep_len] = '\0';
  return g_strsplit (body, separator, -1);
}

/* ------------------------------------------------------------------------
 * OpenAI.
 */

static void
test_openai_plain (Fixture       *fx,
                   gconstpointer  data)
{
  TgMockUsage usage = { .input = 100, .output = 20, .cached = 40 };
  TgMockReply reply = { .text = "Bonjour \"monde\"\n", .usage = &usage };
  g_autoptr(Fetch) f = NULL;
  g_autoptr(Fetch) f2 = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) root2 = NULL;
  g_autofree char *body = NULL;

  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_OPENAI, &reply);
  f = complete_plain (fx, TG_MOCK_FORMAT_OPENAI);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (f->headers, NULL), ==, "application/json");
  body = fetch_body (f);
  /* OpenAI pretty-prints with two spaces. */
  g_assert_true (g_str_has_prefix (body, "{\n  \"id\": \"chatcmpl-"));

  root = parse_json (body);
  g_assert_true (g_str_has_prefix (at_str (root, "id"), "chatcmpl-"));
  g_assert_cmpstr (at_str (root, "object"), ==, "chat.completion");
  g_assert_cmpint (at_int (root, "created"), >, 1700000000);
  g_assert_cmpstr (at_str (root, "model"), ==, "gpt-4o-mini");
  g_assert_cmpint (at_int (root, "choices.0.index"), ==, 0);
  g_assert_cmpstr (at_str (root, "choices.0.message.role"), ==, "assistant");
  g_assert_cmpstr (at_str (root, "choices.0.message.content"), ==, "Bonjour \"monde\"\n");
  g_assert_true (at_null (root, "choices.0.logprobs"));
  g_assert_cmpstr (at_str (root, "choices.0.finish_reason"), ==, "stop");
  g_assert_cmpint (at_int (root, "usage.prompt_tokens"), ==, 100);
  g_assert_cmpint (at_int (root, "usage.completion_tokens"), ==, 20);
  g_assert_cmpint (at_int (root, "usage.total_tokens"), ==, 120);
  g_assert_cmpint (at_int (root, "usage.prompt_tokens_details.cached_tokens"), ==, 40);

  /* The queue is empty again: the built-in default. */
  f2 = complete_plain (fx, TG_MOCK_FORMAT_OPENAI);
  g_free (body);
  body = fetch_body (f2);
  root2 = parse_json (body);
  g_assert_cmpstr (at_str (root2, "choices.0.message.content"), ==, TG_MOCK_DEFAULT_TEXT);
  g_assert_cmpint (at_int (root2, "usage.prompt_tokens"), ==, TG_MOCK_DEFAULT_USAGE_INPUT);
  g_assert_cmpint (at_int (root2, "usage.completion_tokens"), ==, TG_MOCK_DEFAULT_USAGE_OUTPUT);
  g_assert_cmpint (at_int (root2, "usage.prompt_tokens_details.cached_tokens"), ==, 0);
  g_assert_cmpstr (at_str (root, "id"), !=, at_str (root2, "id"));
}

/* Checks the OpenAI stream; returns the events' JSON data (without [DONE]). */
static GPtrArray *
openai_stream_chunks (Fetch *f)
{
  g_auto(GStrv) events = split_stream (f, "\n\n");
  GPtrArray *chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  guint n = g_strv_length (events);

  g_assert_cmpuint (n, >=, 3);
  for (guint i = 0; i < n; i++)
    {
      g_assert_true (g_str_has_prefix (events[i], "data: "));
      g_assert_null (strchr (events[i], '\n'));
      if (i == n - 1)
        g_assert_cmpstr (events[i], ==, "data: [DONE]");
      else
        g_ptr_array_add (chunks, parse_json (events[i] + strlen ("data: ")));
    }
  return chunks;
}

static void
test_openai_stream (Fixture       *fx,
                    gconstpointer  data)
{
  TgMockUsage usage = { .input = 7, .output = 3, .cached = 2 };
  TgMockReply reply = { .text = "abcdéf", .n_chunks = 3, .usage = &usage };
  g_autoptr(Fetch) f = NULL;
  g_autoptr(Fetch) f2 = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autoptr(GPtrArray) chunks2 = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  JsonNode *last;

  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_OPENAI, &reply);
  f = complete_stream (fx, TG_MOCK_FORMAT_OPENAI);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (f->headers, NULL), ==, "text/event-stream");
  g_assert_cmpint (soup_message_headers_get_encoding (f->headers), ==, SOUP_ENCODING_CHUNKED);

  /* role chunk, 3 text chunks, finish chunk, usage chunk */
  chunks = openai_stream_chunks (f);
  g_assert_cmpuint (chunks->len, ==, 6);
  for (guint i = 0; i < chunks->len; i++)
    {
      JsonNode *c = g_ptr_array_index (chunks, i);

      g_assert_cmpstr (at_str (c, "object"), ==, "chat.completion.chunk");
      g_assert_cmpstr (at_str (c, "model"), ==, "gpt-4o-mini");
      g_assert_true (g_str_has_prefix (at_str (c, "id"), "chatcmpl-"));
      if (i < chunks->len - 1)
        {
          /* include_usage: "usage":null everywhere but the last chunk */
          g_assert_true (at_null (c, "usage"));
          g_assert_cmpint (at_int (c, "choices.0.index"), ==, 0);
        }
      if (i >= 1 && i <= 3)
        g_string_append (text, at_str (c, "choices.0.delta.content"));
    }
  g_assert_cmpstr (at_str (g_ptr_array_index (chunks, 0), "choices.0.delta.role"), ==, "assistant");
  g_assert_true (at_null (g_ptr_array_index (chunks, 0), "choices.0.finish_reason"));
  g_assert_cmpstr (text->str, ==, "abcdéf");
  g_assert_cmpstr (at_str (g_ptr_array_index (chunks, 4), "choices.0.finish_reason"), ==, "stop");
  g_assert_null (at (g_ptr_array_index (chunks, 4), "choices.0.delta.content"));
  last = g_ptr_array_index (chunks, 5);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (at (last, "choices"))), ==, 0);
  g_assert_cmpint (at_int (last, "usage.prompt_tokens"), ==, 7);
  g_assert_cmpint (at_int (last, "usage.completion_tokens"), ==, 3);
  g_assert_cmpint (at_int (last, "usage.total_tokens"), ==, 10);
  g_assert_cmpint (at_int (last, "usage.prompt_tokens_details.cached_tokens"), ==, 2);

  /* Without stream_options.include_usage: no usage chunk, no usage member. */
  f2 = complete (fx, TG_MOCK_FORMAT_OPENAI, FALSE, "\"stream\":true");
  chunks2 = openai_stream_chunks (f2);
  g_assert_cmpuint (chunks2->len, ==, 2 + 3);
  for (guint i = 0; i < chunks2->len; i++)
    {
      JsonNode *c = g_ptr_array_index (chunks2, i);

      g_assert_null (at (c, "usage"));
      g_assert_cmpuint (json_array_get_length (json_node_get_array (at (c, "choices"))), ==, 1);
    }
}

/* ------------------------------------------------------------------------
 * Anthropic.
 */

static void
test_anthropic_plain (Fixture       *fx,
                      gconstpointer  data)
{
  TgMockUsage usage = { .input = 50, .output = 10, .cached = 30, .cache_creation = 5 };
  TgMockReply reply = { .text = "Hi there", .usage = &usage };
  g_autoptr(Fetch) f = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;

  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_ANTHROPIC, &reply);
  f = complete_plain (fx, TG_MOCK_FORMAT_ANTHROPIC);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->status, ==, 200);
  g_assert_nonnull (soup_message_headers_get_one (f->headers, "request-id"));
  body = fetch_body (f);
  root = parse_json (body);
  g_assert_true (g_str_has_prefix (at_str (root, "id"), "msg_"));
  g_assert_cmpstr (at_str (root, "type"), ==, "message");
  g_assert_cmpstr (at_str (root, "role"), ==, "assistant");
  g_assert_cmpstr (at_str (root, "model"), ==, "claude-sonnet-4-20250514");
  g_assert_cmpstr (at_str (root, "content.0.type"), ==, "text");
  g_assert_cmpstr (at_str (root, "content.0.text"), ==, "Hi there");
  g_assert_cmpstr (at_str (root, "stop_reason"), ==, "end_turn");
  g_assert_true (at_null (root, "stop_sequence"));
  g_assert_cmpint (at_int (root, "usage.input_tokens"), ==, 50);
  g_assert_cmpint (at_int (root, "usage.output_tokens"), ==, 10);
  g_assert_cmpint (at_int (root, "usage.cache_read_input_tokens"), ==, 30);
  g_assert_cmpint (at_int (root, "usage.cache_creation_input_tokens"), ==, 5);
}

static void
test_anthropic_headers_required (Fixture       *fx,
                                 gconstpointer  data)
{
  g_autofree char *url = completion_url (fx, TG_MOCK_FORMAT_ANTHROPIC, FALSE);
  const char *body = completion_body (TG_MOCK_FORMAT_ANTHROPIC, NULL);
  g_autoptr(Fetch) no_key = fetch_start (fx, "POST", url, body, "anthropic-version", "2023-06-01", NULL);
  g_autoptr(Fetch) no_version = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) root2 = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text2 = NULL;

  fetch_wait (no_key);
  g_assert_cmpuint (no_key->status, ==, 401);
  text = fetch_body (no_key);
  root = parse_json (text);
  g_assert_cmpstr (at_str (root, "type"), ==, "error");
  g_assert_cmpstr (at_str (root, "error.type"), ==, "authentication_error");
  g_assert_cmpstr (at_str (root, "error.message"), ==, "x-api-key header is required");

  no_version = fetch_start (fx, "POST", url, body, "x-api-key", "sk-ant-test", NULL);
  fetch_wait (no_version);
  g_assert_cmpuint (no_version->status, ==, 400);
  text2 = fetch_body (no_version);
  root2 = parse_json (text2);
  g_assert_cmpstr (at_str (root2, "error.type"), ==, "invalid_request_error");
  g_assert_cmpstr (at_str (root2, "error.message"), ==, "anthropic-version: header is required");

  /* Refused requests still count, and consumed no script. */
  g_assert_cmpuint (tg_mock_provider_get_request_count (fx->mock, TG_MOCK_FORMAT_ANTHROPIC,
                                                        TG_MOCK_ENDPOINT_COMPLETION), ==, 2);
}

static void
test_anthropic_stream (Fixture       *fx,
                       gconstpointer  data)
{
  TgMockUsage usage = { .input = 25, .output = 15, .cached = 4, .cache_creation = 6 };
  TgMockReply reply = { .text = "one two three four", .n_chunks = 4, .usage = &usage };
  const char *expected[] = { "message_start", "content_block_start", "ping",
                             "content_block_delta", "content_block_delta", "content_block_delta", "content_block_delta",
                             "content_block_stop", "message_delta", "message_stop" };
  g_autoptr(Fetch) f = NULL;
  g_auto(GStrv) events = NULL;
  g_autoptr(GString) text = g_string_new (NULL);

  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_ANTHROPIC, &reply);
  f = complete_stream (fx, TG_MOCK_FORMAT_ANTHROPIC);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (f->headers, NULL), ==, "text/event-stream");

  events = split_stream (f, "\n\n");
  g_assert_cmpuint (g_strv_length (events), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_auto(GStrv) lines = g_strsplit (events[i], "\n", -1);
      g_autofree char *event_line = g_strconcat ("event: ", expected[i], NULL);
      g_autoptr(JsonNode) root = NULL;

      g_assert_cmpuint (g_strv_length (lines), ==, 2);
      g_assert_cmpstr (lines[0], ==, event_line);
      g_assert_true (g_str_has_prefix (lines[1], "data: "));
      root = parse_json (lines[1] + strlen ("data: "));
      g_assert_cmpstr (at_str (root, "type"), ==, expected[i]);

      if (g_str_equal (expected[i], "message_start"))
        {
          g_assert_true (g_str_has_prefix (at_str (root, "message.id"), "msg_"));
          g_assert_cmpuint (json_array_get_length (json_node_get_array (at (root, "message.content"))), ==, 0);
          g_assert_cmpint (at_int (root, "message.usage.input_tokens"), ==, 25);
          g_assert_cmpint (at_int (root, "message.usage.cache_read_input_tokens"), ==, 4);
          g_assert_cmpint (at_int (root, "message.usage.cache_creation_input_tokens"), ==, 6);
          g_assert_cmpint (at_int (root, "message.usage.output_tokens"), ==, 1);
        }
      else if (g_str_equal (expected[i], "content_block_start"))
        g_assert_cmpstr (at_str (root, "content_block.type"), ==, "text");
      else if (g_str_equal (expected[i], "content_block_delta"))
        {
          g_assert_cmpstr (at_str (root, "delta.type"), ==, "text_delta");
          g_string_append (text, at_str (root, "delta.text"));
        }
      else if (g_str_equal (expected[i], "message_delta"))
        {
          g_assert_cmpstr (at_str (root, "delta.stop_reason"), ==, "end_turn");
          g_assert_cmpint (at_int (root, "usage.output_tokens"), ==, 15);
        }
    }
  g_assert_cmpstr (text->str, ==, "one two three four");
}

/* ------------------------------------------------------------------------
 * Gemini.
 */

static void
test_gemini_plain (Fixture       *fx,
                   gconstpointer  data)
{
  TgMockUsage usage = { .input = 30, .output = 9 };
  TgMockUsage cached = { .input = 30, .output = 9, .cached = 12 };
  TgMockReply reply = { .text = "Guten Tag", .usage = &usage };
  TgMockReply reply_cached = { .usage = &cached };
  g_autoptr(Fetch) f = NULL;
  g_autoptr(Fetch) f2 = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) root2 = NULL;
  g_autofree char *body = NULL;
  g_autofree char *body2 = NULL;

  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_GEMINI, &reply);
  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_GEMINI, &reply_cached);
  f = complete_plain (fx, TG_MOCK_FORMAT_GEMINI);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->status, ==, 200);
  body = fetch_body (f);
  root = parse_json (body);
  g_assert_cmpstr (at_str (root, "candidates.0.content.parts.0.text"), ==, "Guten Tag");
  g_assert_cmpstr (at_str (root, "candidates.0.content.role"), ==, "model");
  g_assert_cmpstr (at_str (root, "candidates.0.finishReason"), ==, "STOP");
  g_assert_cmpint (at_int (root, "candidates.0.index"), ==, 0);
  g_assert_cmpint (at_int (root, "usageMetadata.promptTokenCount"), ==, 30);
  g_assert_cmpint (at_int (root, "usageMetadata.candidatesTokenCount"), ==, 9);
  g_assert_cmpint (at_int (root, "usageMetadata.totalTokenCount"), ==, 39);
  /* Google leaves out zero counts. */
  g_assert_null (at (root, "usageMetadata.cachedContentTokenCount"));
  g_assert_cmpstr (at_str (root, "modelVersion"), ==, "gemini-2.0-flash");

  f2 = complete_plain (fx, TG_MOCK_FORMAT_GEMINI);
  body2 = fetch_body (f2);
  root2 = parse_json (body2);
  g_assert_cmpint (at_int (root2, "usageMetadata.cachedContentTokenCount"), ==, 12);
}

static void
test_gemini_stream (Fixture       *fx,
                    gconstpointer  data)
{
  TgMockUsage usage = { .input = 5, .output = 44 };
  TgMockReply reply = { .text = "Hallo Welt!", .n_chunks = 2, .usage = &usage };
  g_autoptr(Fetch) f = NULL;
  g_autofree char *raw = NULL;
  g_auto(GStrv) events = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *path = NULL;
  guint n;

  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_GEMINI, &reply);
  f = complete_stream (fx, TG_MOCK_FORMAT_GEMINI);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (f->headers, NULL), ==, "text/event-stream");

  /* Google frames SSE with CRLF: no bare LF anywhere. */
  raw = fetch_body (f);
  for (const char *p = strchr (raw, '\n'); p; p = strchr (p + 1, '\n'))
    g_assert_cmpint (p[-1], ==, '\r');
  g_assert_true (g_str_has_prefix (raw, "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": "));
  g_assert_null (strstr (raw, "[DONE]"));

  events = split_stream (f, "\r\n\r\n");
  n = g_strv_length (events);
  g_assert_cmpuint (n, ==, 2);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonNode) root = NULL;

      g_assert_true (g_str_has_prefix (events[i], "data: "));
      root = parse_json (events[i] + strlen ("data: "));
      g_string_append (text, at_str (root, "candidates.0.content.parts.0.text"));
      /* usageMetadata in every chunk, the finish reason only in the last */
      g_assert_cmpint (at_int (root, "usageMetadata.promptTokenCount"), ==, 5);
      if (i < n - 1)
        g_assert_null (at (root, "candidates.0.finishReason"));
      else
        {
          g_assert_cmpstr (at_str (root, "candidates.0.finishReason"), ==, "STOP");
          g_assert_cmpint (at_int (root, "usageMetadata.candidatesTokenCount"), ==, 44);
          g_assert_cmpint (at_int (root, "usageMetadata.totalTokenCount"), ==, 49);
        }
    }
  g_assert_cmpstr (text->str, ==, "Hallo Welt!");

  path = tg_mock_provider_get_last_request_path (fx->mock, TG_MOCK_FORMAT_GEMINI, TG_MOCK_ENDPOINT_COMPLETION);
  g_assert_cmpstr (path, ==, "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
}

/* ------------------------------------------------------------------------
 * Ollama.
 */

static void
test_ollama (Fixture       *fx,
             gconstpointer  data)
{
  TgMockUsage usage = { .input = 26, .output = 259 };
  TgMockReply reply = { .text = "The sky is blue", .n_chunks = 4, .usage = &usage };
  g_autoptr(Fetch) f = NULL;
  g_autoptr(Fetch) f2 = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(JsonNode) plain = NULL;
  g_autofree char *body = NULL;
  guint n;

  /* No "stream" member: Ollama streams. */
  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_OLLAMA, &reply);
  f = complete (fx, TG_MOCK_FORMAT_OLLAMA, FALSE, NULL);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (f->headers, NULL), ==, "application/x-ndjson");
  lines = split_stream (f, "\n");
  n = g_strv_length (lines);
  g_assert_cmpuint (n, ==, 5);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonNode) root = parse_json (lines[i]);

      g_assert_cmpstr (at_str (root, "model"), ==, "llama3.2");
      g_assert_nonnull (at_str (root, "created_at"));
      g_assert_cmpstr (at_str (root, "message.role"), ==, "assistant");
      g_string_append (text, at_str (root, "message.content"));
      g_assert_cmpint (json_node_get_boolean (at (root, "done")), ==, i == n - 1);
      if (i == n - 1)
        {
          g_assert_cmpstr (at_str (root, "done_reason"), ==, "stop");
          g_assert_cmpint (at_int (root, "prompt_eval_count"), ==, 26);
          g_assert_cmpint (at_int (root, "eval_count"), ==, 259);
          g_assert_cmpint (at_int (root, "total_duration"), >, 0);
          g_assert_cmpint (at_int (root, "eval_duration"), >, 0);
        }
      else
        g_assert_null (at (root, "eval_count"));
    }
  g_assert_cmpstr (text->str, ==, "The sky is blue");

  f2 = complete_plain (fx, TG_MOCK_FORMAT_OLLAMA);
  g_assert_cmpuint (f2->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (f2->headers, NULL), ==, "application/json");
  body = fetch_body (f2);
  plain = parse_json (body);
  g_assert_cmpstr (at_str (plain, "message.content"), ==, TG_MOCK_DEFAULT_TEXT);
  g_assert_true (json_node_get_boolean (at (plain, "done")));
  g_assert_cmpstr (at_str (plain, "done_reason"), ==, "stop");
  g_assert_cmpint (at_int (plain, "prompt_eval_count"), ==, TG_MOCK_DEFAULT_USAGE_INPUT);
  g_assert_cmpint (at_int (plain, "eval_count"), ==, TG_MOCK_DEFAULT_USAGE_OUTPUT);
  g_assert_cmpint (at_int (plain, "load_duration"), >, 0);
  g_assert_cmpint (at_int (plain, "prompt_eval_duration"), >, 0);
}

/* ------------------------------------------------------------------------
 * Scripting knobs, across formats.
 */

static void
test_omit_usage (Fixture       *fx,
                 gconstpointer  data)
{
  TgMockReply reply = { .omit_usage = TRUE };
  const char *usage_names[] = { "\"usage\"", "\"usage\"", "usageMetadata", "eval_count" };

  for (TgMockFormat format = 0; format < TG_MOCK_N_FORMATS; format++)
    {
      g_autoptr(Fetch) plain = NULL;
      g_autoptr(Fetch) stream = NULL;
      g_autofree char *plain_body = NULL;
      g_autofree char *stream_body = NULL;

      tg_mock_provider_enqueue (fx->mock, format, &reply);
      tg_mock_provider_enqueue (fx->mock, format, &reply);
      plain = complete_plain (fx, format);
      stream = complete_stream (fx, format);
      g_assert_cmpuint (plain->status, ==, 200);
      g_assert_cmpuint (stream->status, ==, 200);
      plain_body = fetch_body (plain);
      stream_body = fetch_body (stream);
      g_assert_true (is_json (plain_body));
      g_assert_null (strstr (plain_body, usage_names[format]));
      g_assert_null (strstr (stream_body, usage_names[format]));
      g_assert_null (strstr (plain_body, "prompt_tokens"));
      g_assert_null (strstr (plain_body, "input_tokens"));
      /* An OpenAI stream asked to include usage still ends with [DONE], without it. */
      g_assert_null (strstr (stream_body, "prompt_tokens"));
      g_assert_null (strstr (stream_body, "input_tokens"));
      g_assert_null (strstr (stream_body, "output_tokens"));
      g_assert_null (strstr (stream_body, "usageMetadata"));
      g_assert_null (strstr (stream_body, "eval_count"));
      if (format == TG_MOCK_FORMAT_OPENAI)
        g_assert_true (g_str_has_suffix (stream_body, "data: [DONE]\n\n"));
    }
}

static void
test_errors (Fixture       *fx,
             gconstpointer  data)
{
  TgMockReply rate_limited = { .status = 429, .retry_after = "7" };

  for (TgMockFormat format = 0; format < TG_MOCK_N_FORMATS; format++)
    {
      g_autoptr(Fetch) f = NULL;
      g_autoptr(Fetch) streamed = NULL;
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *body = NULL;
      g_autofree char *body2 = NULL;

      tg_mock_provider_enqueue (fx->mock, format, &rate_limited);
      f = complete_plain (fx, format);
      g_assert_no_error (f->error);
      g_assert_cmpuint (f->status, ==, 429);
      g_assert_cmpstr (soup_message_headers_get_one (f->headers, "Retry-After"), ==, "7");
      g_assert_cmpstr (soup_message_headers_get_content_type (f->headers, NULL), ==, "application/json");
      body = fetch_body (f);
      root = parse_json (body);
      switch (format)
        {
        case TG_MOCK_FORMAT_OPENAI:
          g_assert_true (g_str_has_prefix (body, "{\n    \"error\": {\n        \"message\": "));
          g_assert_cmpstr (at_str (root, "error.type"), ==, "requests");
          g_assert_cmpstr (at_str (root, "error.code"), ==, "rate_limit_exceeded");
          g_assert_true (at_null (root, "error.param"));
          g_assert_cmpstr (at_str (root, "error.message"), !=, "");
          break;
        case TG_MOCK_FORMAT_ANTHROPIC:
          g_assert_cmpstr (at_str (root, "type"), ==, "error");
          g_assert_cmpstr (at_str (root, "error.type"), ==, "rate_limit_error");
          g_assert_cmpstr (at_str (root, "error.message"), !=, "");
          break;
        case TG_MOCK_FORMAT_GEMINI:
          g_assert_cmpint (at_int (root, "error.code"), ==, 429);
          g_assert_cmpstr (at_str (root, "error.status"), ==, "RESOURCE_EXHAUSTED");
          g_assert_cmpstr (at_str (root, "error.message"), !=, "");
          break;
        case TG_MOCK_FORMAT_OLLAMA:
        default:
          g_assert_cmpstr (at_str (root, "error"), !=, "");
          break;
        }

      /* A stream request that fails gets a plain JSON error, not events. */
      tg_mock_provider_enqueue (fx->mock, format, &rate_limited);
      streamed = complete_stream (fx, format);
      g_assert_cmpuint (streamed->status, ==, 429);
      body2 = fetch_body (streamed);
      g_assert_true (is_json (body2));
      g_assert_false (g_str_has_prefix (body2, "data:"));
    }
}

static void
test_error_overrides (Fixture       *fx,
                      gconstpointer  data)
{
  TgMockReply overloaded = { .status = 529 };
  TgMockReply custom = { .status = 400, .error_type = "invalid_request_error",
                         .error_code = "context_length_exceeded", .error_message = "too long" };
  TgMockReply unavailable = { .status = 503 };
  g_autoptr(Fetch) f = NULL;
  g_autoptr(Fetch) f2 = NULL;
  g_autoptr(Fetch) f3 = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) root2 = NULL;
  g_autoptr(JsonNode) root3 = NULL;
  g_autofree char *body = NULL;
  g_autofree char *body2 = NULL;
  g_autofree char *body3 = NULL;

  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_ANTHROPIC, &overloaded);
  f = complete_plain (fx, TG_MOCK_FORMAT_ANTHROPIC);
  g_assert_cmpuint (f->status, ==, 529);
  g_assert_null (soup_message_headers_get_one (f->headers, "Retry-After"));
  body = fetch_body (f);
  root = parse_json (body);
  g_assert_cmpstr (at_str (root, "error.type"), ==, "overloaded_error");
  g_assert_cmpstr (at_str (root, "error.message"), ==, "Overloaded");

  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_OPENAI, &custom);
  f2 = complete_plain (fx, TG_MOCK_FORMAT_OPENAI);
  g_assert_cmpuint (f2->status, ==, 400);
  body2 = fetch_body (f2);
  root2 = parse_json (body2);
  g_assert_cmpstr (at_str (root2, "error.type"), ==, "invalid_request_error");
  g_assert_cmpstr (at_str (root2, "error.code"), ==, "context_length_exceeded");
  g_assert_cmpstr (at_str (root2, "error.message"), ==, "too long");

  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_GEMINI, &unavailable);
  f3 = complete_plain (fx, TG_MOCK_FORMAT_GEMINI);
  g_assert_cmpuint (f3->status, ==, 503);
  body3 = fetch_body (f3);
  root3 = parse_json (body3);
  g_assert_cmpstr (at_str (root3, "error.status"), ==, "UNAVAILABLE");
}

static void
test_delays (Fixture       *fx,
             gconstpointer  data)
{
  TgMockReply slow_start = { .first_byte_delay_ms = 200 };
  TgMockReply slow_chunks = { .n_chunks = 3, .first_byte_delay_ms = 50, .chunk_delay_ms = 100 };
  g_autoptr(Fetch) f = NULL;
  g_autoptr(Fetch) f2 = NULL;
  g_autoptr(Fetch) f3 = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;

  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_GEMINI, &slow_start);
  f = complete_plain (fx, TG_MOCK_FORMAT_GEMINI);
  g_assert_cmpuint (f->status, ==, 200);
  g_assert_cmpint (f->headers_us - f->started_us, >=, 200 * 1000);
  body = fetch_body (f);
  root = parse_json (body);

  /* role chunk, 3 text chunks, finish, usage, [DONE]: 7 events, 6 gaps */
  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_OPENAI, &slow_chunks);
  f2 = complete_stream (fx, TG_MOCK_FORMAT_OPENAI);
  g_assert_no_error (f2->error);
  g_assert_cmpint (f2->headers_us - f2->started_us, >=, 50 * 1000);
  g_assert_cmpint (f2->ended_us - f2->started_us, >=, (50 + 6 * 100) * 1000);

  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_ANTHROPIC, &slow_start);
  f3 = complete_stream (fx, TG_MOCK_FORMAT_ANTHROPIC);
  g_assert_no_error (f3->error);
  g_assert_cmpint (f3->headers_us - f3->started_us, >=, 200 * 1000);
}

/* A slow stream does not hold up other requests. */
static void
test_delays_do_not_block (Fixture       *fx,
                          gconstpointer  data)
{
  TgMockReply slow = { .first_byte_delay_ms = 2000, .chunk_delay_ms = 100 };
  g_autofree char *url = completion_url (fx, TG_MOCK_FORMAT_OLLAMA, FALSE);
  g_autoptr(Fetch) slow_fetch = NULL;
  g_autoptr(Fetch) quick = NULL;

  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_OLLAMA, &slow);
  slow_fetch = fetch_start (fx, "POST", url, completion_body (TG_MOCK_FORMAT_OLLAMA, NULL), NULL);
  while (tg_mock_provider_get_request_count (fx->mock, TG_MOCK_FORMAT_OLLAMA, TG_MOCK_ENDPOINT_COMPLETION) == 0)
    {
      /* The count moves in the server thread: poll, don't block. */
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  quick = list_models (fx, TG_MOCK_FORMAT_OLLAMA);
  g_assert_cmpuint (quick->status, ==, 200);
  g_assert_false (slow_fetch->done);

  fetch_wait (slow_fetch);
  g_assert_no_error (slow_fetch->error);
  g_assert_cmpint (slow_fetch->ended_us, >, quick->ended_us);
}

static void
test_malformed (Fixture       *fx,
                gconstpointer  data)
{
  TgMockReply malformed = { .fault = TG_MOCK_FAULT_MALFORMED };
  TgMockReply malformed_event = { .n_chunks = 3, .fault = TG_MOCK_FAULT_MALFORMED, .fault_chunk = 1 };

  for (TgMockFormat format = 0; format < TG_MOCK_N_FORMATS; format++)
    {
      g_autoptr(Fetch) f = NULL;
      g_autofree char *body = NULL;

      tg_mock_provider_enqueue (fx->mock, format, &malformed);
      f = complete_plain (fx, format);
      g_assert_no_error (f->error);
      g_assert_cmpuint (f->status, ==, 200);
      body = fetch_body (f);
      g_assert_cmpuint (strlen (body), >, 0);
      g_assert_false (is_json (body));
    }

  /* OpenAI: framing intact, the second text chunk's JSON broken. */
  {
    g_autoptr(Fetch) f = NULL;
    g_auto(GStrv) events = NULL;
    guint bad = 0;

    tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_OPENAI, &malformed_event);
    f = complete_stream (fx, TG_MOCK_FORMAT_OPENAI);
    g_assert_no_error (f->error);
    events = split_stream (f, "\n\n");
    g_assert_cmpuint (g_strv_length (events), ==, 7);
    for (guint i = 0; events[i]; i++)
      {
        g_assert_true (g_str_has_prefix (events[i], "data: "));
        if (i < 6 && !is_json (events[i] + strlen ("data: ")))
          {
            g_assert_cmpuint (i, ==, 2);  /* after the role chunk and text chunk 0 */
            bad++;
          }
      }
    g_assert_cmpuint (bad, ==, 1);
  }

  /* Ollama: one bad line. */
  {
    g_autoptr(Fetch) f = NULL;
    g_auto(GStrv) lines = NULL;

    tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_OLLAMA, &malformed_event);
    f = complete_stream (fx, TG_MOCK_FORMAT_OLLAMA);
    lines = split_stream (f, "\n");
    g_assert_cmpuint (g_strv_length (lines), ==, 4);
    g_assert_true (is_json (lines[0]));
    g_assert_false (is_json (lines[1]));
    g_assert_true (is_json (lines[2]));
    g_assert_true (is_json (lines[3]));
  }
}

static void
test_cut (Fixture       *fx,
          gconstpointer  data)
{
  TgMockReply cut = { .n_chunks = 3, .fault = TG_MOCK_FAULT_CUT, .fault_chunk = 1 };
  TgMockReply cut_plain = { .fault = TG_MOCK_FAULT_CUT };

  for (TgMockFormat format = 0; format < TG_MOCK_N_FORMATS; format++)
    {
      g_autoptr(Fetch) f = NULL;
      g_autoptr(Fetch) plain = NULL;
      g_autoptr(Fetch) after = NULL;
      g_autofree char *body = NULL;
      const char *separator = format == TG_MOCK_FORMAT_OLLAMA ? "\n"
                              : format == TG_MOCK_FORMAT_GEMINI ? "\r\n\r\n" : "\n\n";

      tg_mock_provider_enqueue (fx->mock, format, &cut);
      f = complete_stream (fx, format);
      g_assert_cmpuint (f->status, ==, 200);
      /* The client sees the body end early, not a clean end of stream. */
      g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
      body = fetch_body (f);
      g_assert_cmpuint (strlen (body), >, 0);
      g_assert_false (g_str_has_suffix (body, separator));
      g_assert_null (strstr (body, "[DONE]"));

      /* A non-stream body shorter than its Content-Length. */
      tg_mock_provider_enqueue (fx->mock, format, &cut_plain);
      plain = complete_plain (fx, format);
      g_assert_cmpuint (plain->status, ==, 200);
      g_assert_error (plain->error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
      g_assert_cmpuint (plain->body->len, <, soup_message_headers_get_content_length (plain->headers));

      /* The server carries on. */
      after = complete_plain (fx, format);
      g_assert_no_error (after->error);
      g_assert_cmpuint (after->status, ==, 200);
    }
}

static void
test_stream_error (Fixture       *fx,
                   gconstpointer  data)
{
  TgMockReply failing = { .n_chunks = 3, .fault = TG_MOCK_FAULT_STREAM_ERROR, .fault_chunk = 1 };

  for (TgMockFormat format = 0; format < TG_MOCK_N_FORMATS; format++)
    {
      g_autoptr(Fetch) f = NULL;
      g_autofree char *body = NULL;
      g_auto(GStrv) events = NULL;
      g_autoptr(JsonNode) root = NULL;
      const char *last;

      tg_mock_provider_enqueue (fx->mock, format, &failing);
      f = complete_stream (fx, format);
      g_assert_no_error (f->error);
      g_assert_cmpuint (f->status, ==, 200);
      body = fetch_body (f);
      g_assert_null (strstr (body, "[DONE]"));

      switch (format)
        {
        case TG_MOCK_FORMAT_OPENAI:
          events = split_stream (f, "\n\n");
          /* role chunk, text chunk 0, error */
          g_assert_cmpuint (g_strv_length (events), ==, 3);
          last = events[2];
          g_assert_true (g_str_has_prefix (last, "data: "));
          root = parse_json (last + strlen ("data: "));
          g_assert_cmpstr (at_str (root, "error.type"), ==, "server_error");
          break;
        case TG_MOCK_FORMAT_ANTHROPIC:
          events = split_stream (f, "\n\n");
          /* message_start, content_block_start, ping, one delta, error */
          g_assert_cmpuint (g_strv_length (events), ==, 5);
          last = events[4];
          g_assert_true (g_str_has_prefix (last, "event: error\ndata: "));
          root = parse_json (last + strlen ("event: error\ndata: "));
          g_assert_cmpstr (at_str (root, "type"), ==, "error");
          g_assert_cmpstr (at_str (root, "error.type"), ==, "overloaded_error");
          g_assert_cmpstr (at_str (root, "error.message"), ==, "Overloaded");
          break;
        case TG_MOCK_FORMAT_GEMINI:
          events = split_stream (f, "\r\n\r\n");
          g_assert_cmpuint (g_strv_length (events), ==, 2);
          root = parse_json (events[1] + strlen ("data: "));
          g_assert_cmpint (at_int (root, "error.code"), ==, 500);
          g_assert_cmpstr (at_str (root, "error.status"), ==, "INTERNAL");
          break;
        case TG_MOCK_FORMAT_OLLAMA:
        default:
          events = split_stream (f, "\n");
          g_assert_cmpuint (g_strv_length (events), ==, 2);
          root = parse_json (events[1]);
          g_assert_cmpstr (at_str (root, "error"), !=, "");
          break;
        }
    }
}

/* ------------------------------------------------------------------------
 * List models, counters, recorded requests.
 */

static void
test_list_models (Fixture       *fx,
                  gconstpointer  data)
{
  const char *mine[] = { "model-a", "model-b", NULL };

  for (TgMockFormat format = 0; format < TG_MOCK_N_FORMATS; format++)
    {
      g_autoptr(Fetch) f = list_models (fx, format);
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *body = fetch_body (f);

      g_assert_no_error (f->error);
      g_assert_cmpuint (f->status, ==, 200);
      root = parse_json (body);
      switch (format)
        {
        case TG_MOCK_FORMAT_OPENAI:
          g_assert_cmpstr (at_str (root, "object"), ==, "list");
          g_assert_cmpstr (at_str (root, "data.0.id"), ==, "gpt-4o-mini");
          g_assert_cmpstr (at_str (root, "data.0.object"), ==, "model");
          g_assert_cmpint (at_int (root, "data.0.created"), >, 0);
          g_assert_nonnull (at_str (root, "data.0.owned_by"));
          break;
        case TG_MOCK_FORMAT_ANTHROPIC:
          g_assert_cmpstr (at_str (root, "data.0.type"), ==, "model");
          g_assert_nonnull (at_str (root, "data.0.id"));
          g_assert_nonnull (at_str (root, "data.0.display_name"));
          g_assert_nonnull (at_str (root, "data.0.created_at"));
          g_assert_false (json_node_get_boolean (at (root, "has_more")));
          g_assert_cmpstr (at_str (root, "first_id"), ==, at_str (root, "data.0.id"));
          g_assert_cmpstr (at_str (root, "last_id"), ==, at_str (root, "data.1.id"));
          break;
        case TG_MOCK_FORMAT_GEMINI:
          g_assert_cmpstr (at_str (root, "models.0.name"), ==, "models/gemini-2.0-flash");
          g_assert_nonnull (at_str (root, "models.0.displayName"));
          break;
        case TG_MOCK_FORMAT_OLLAMA:
        default:
          g_assert_cmpstr (at_str (root, "models.0.name"), ==, "llama3.2:latest");
          g_assert_cmpstr (at_str (root, "models.0.model"), ==, "llama3.2:latest");
          g_assert_nonnull (at_str (root, "models.0.modified_at"));
          g_assert_cmpint (at_int (root, "models.0.size"), >, 0);
          g_assert_cmpuint (strlen (at_str (root, "models.0.digest")), ==, 64);
          g_assert_cmpstr (at_str (root, "models.0.details.format"), ==, "gguf");
          break;
        }
      /* Each list went to its own format: health checks are told apart. */
      g_assert_cmpuint (tg_mock_provider_get_request_count (fx->mock, format, TG_MOCK_ENDPOINT_LIST_MODELS), ==, 1);
      g_assert_cmpuint (tg_mock_provider_get_request_count (fx->mock, format, TG_MOCK_ENDPOINT_COMPLETION), ==, 0);
    }

  tg_mock_provider_set_models (fx->mock, TG_MOCK_FORMAT_OLLAMA, mine);
  {
    g_autoptr(Fetch) f = list_models (fx, TG_MOCK_FORMAT_OLLAMA);
    g_autofree char *body = fetch_body (f);
    g_autoptr(JsonNode) root = parse_json (body);

    g_assert_cmpstr (at_str (root, "models.1.name"), ==, "model-b");
    g_assert_cmpuint (tg_mock_provider_get_request_count (fx->mock, TG_MOCK_FORMAT_OLLAMA, TG_MOCK_ENDPOINT_LIST_MODELS), ==, 2);
  }
}

static void
test_recorded_request (Fixture       *fx,
                       gconstpointer  data)
{
  g_autoptr(Fetch) f = NULL;
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(JsonNode) root = NULL;

  g_assert_null (tg_mock_provider_get_last_request_body (fx->mock, TG_MOCK_FORMAT_ANTHROPIC, TG_MOCK_ENDPOINT_COMPLETION));
  g_assert_null (tg_mock_provider_get_last_request_headers (fx->mock, TG_MOCK_FORMAT_ANTHROPIC, TG_MOCK_ENDPOINT_COMPLETION));

  f = complete (fx, TG_MOCK_FORMAT_ANTHROPIC, FALSE, "\"max_tokens\":64");
  g_assert_cmpuint (f->status, ==, 200);
  body = tg_mock_provider_get_last_request_body (fx->mock, TG_MOCK_FORMAT_ANTHROPIC, TG_MOCK_ENDPOINT_COMPLETION);
  root = parse_json (body);
  g_assert_cmpint (at_int (root, "max_tokens"), ==, 64);
  g_assert_cmpstr (at_str (root, "messages.0.content"), ==, "Hi");

  headers = tg_mock_provider_get_last_request_headers (fx->mock, TG_MOCK_FORMAT_ANTHROPIC, TG_MOCK_ENDPOINT_COMPLETION);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "x-api-key"), ==, "sk-ant-test");
  g_assert_cmpstr (soup_message_headers_get_one (headers, "anthropic-version"), ==, "2023-06-01");
  path = tg_mock_provider_get_last_request_path (fx->mock, TG_MOCK_FORMAT_ANTHROPIC, TG_MOCK_ENDPOINT_COMPLETION);
  g_assert_cmpstr (path, ==, "/v1/messages");

  g_assert_cmpuint (tg_mock_provider_get_request_count (fx->mock, TG_MOCK_FORMAT_ANTHROPIC, TG_MOCK_ENDPOINT_COMPLETION), ==, 1);
  g_assert_cmpuint (tg_mock_provider_get_request_count (fx->mock, TG_MOCK_FORMAT_OPENAI, TG_MOCK_ENDPOINT_COMPLETION), ==, 0);
}

static void
test_default_reply_and_reset (Fixture       *fx,
                              gconstpointer  data)
{
  TgMockReply down = { .status = 503, .retry_after = "30" };
  TgMockReply ok_once = { .text = "lucky" };

  tg_mock_provider_set_default_reply (fx->mock, TG_MOCK_FORMAT_OPENAI, &down);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(Fetch) health = list_models (fx, TG_MOCK_FORMAT_OPENAI);
      g_autoptr(Fetch) completion = complete_plain (fx, TG_MOCK_FORMAT_OPENAI);

      g_assert_cmpuint (health->status, ==, 503);
      g_assert_cmpstr (soup_message_headers_get_one (health->headers, "Retry-After"), ==, "30");
      g_assert_cmpuint (completion->status, ==, 503);
    }

  /* A queued reply goes first, then the default again. */
  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_OPENAI, &ok_once);
  {
    g_autoptr(Fetch) first = complete_plain (fx, TG_MOCK_FORMAT_OPENAI);
    g_autoptr(Fetch) second = complete_plain (fx, TG_MOCK_FORMAT_OPENAI);
    g_autoptr(Fetch) other_format = list_models (fx, TG_MOCK_FORMAT_GEMINI);

    g_assert_cmpuint (first->status, ==, 200);
    g_assert_cmpuint (second->status, ==, 503);
    g_assert_cmpuint (other_format->status, ==, 200);
  }
  g_assert_cmpuint (tg_mock_provider_get_request_count (fx->mock, TG_MOCK_FORMAT_OPENAI, TG_MOCK_ENDPOINT_COMPLETION), ==, 5);
  g_assert_cmpuint (tg_mock_provider_get_request_count (fx->mock, TG_MOCK_FORMAT_OPENAI, TG_MOCK_ENDPOINT_LIST_MODELS), ==, 3);

  tg_mock_provider_reset (fx->mock);
  g_assert_cmpuint (tg_mock_provider_get_request_count (fx->mock, TG_MOCK_FORMAT_OPENAI, TG_MOCK_ENDPOINT_COMPLETION), ==, 0);
  {
    g_autoptr(Fetch) health = list_models (fx, TG_MOCK_FORMAT_OPENAI);

    g_assert_cmpuint (health->status, ==, 200);
    g_assert_cmpuint (tg_mock_provider_get_request_count (fx->mock, TG_MOCK_FORMAT_OPENAI, TG_MOCK_ENDPOINT_LIST_MODELS), ==, 1);
  }

  /* Health checks have a queue of their own. */
  tg_mock_provider_enqueue_list_models (fx->mock, TG_MOCK_FORMAT_OPENAI, &down);
  {
    g_autoptr(Fetch) completion = complete_plain (fx, TG_MOCK_FORMAT_OPENAI);
    g_autoptr(Fetch) health = list_models (fx, TG_MOCK_FORMAT_OPENAI);

    g_assert_cmpuint (completion->status, ==, 200);
    g_assert_cmpuint (health->status, ==, 503);
  }
}

static void
test_expected_key (Fixture       *fx,
                   gconstpointer  data)
{
  g_autofree char *url = completion_url (fx, TG_MOCK_FORMAT_OPENAI, FALSE);
  g_autofree char *gemini_url = completion_url (fx, TG_MOCK_FORMAT_GEMINI, FALSE);
  const char *body = completion_body (TG_MOCK_FORMAT_OPENAI, NULL);
  g_autoptr(Fetch) wrong = NULL;
  g_autoptr(Fetch) right = NULL;
  g_autoptr(Fetch) gemini_missing = NULL;
  g_autoptr(Fetch) gemini_query = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autofree char *keyed_url = NULL;

  tg_mock_provider_set_expected_key (fx->mock, TG_MOCK_FORMAT_OPENAI, "sk-right");
  tg_mock_provider_set_expected_key (fx->mock, TG_MOCK_FORMAT_GEMINI, "AIza-right");

  wrong = fetch_start (fx, "POST", url, body, "Authorization", "Bearer sk-wrong", NULL);
  fetch_wait (wrong);
  g_assert_cmpuint (wrong->status, ==, 401);
  text = fetch_body (wrong);
  root = parse_json (text);
  g_assert_cmpstr (at_str (root, "error.code"), ==, "invalid_api_key");

  right = fetch_start (fx, "POST", url, body, "Authorization", "Bearer sk-right", NULL);
  fetch_wait (right);
  g_assert_cmpuint (right->status, ==, 200);

  gemini_missing = fetch_start (fx, "POST", gemini_url, completion_body (TG_MOCK_FORMAT_GEMINI, NULL), NULL);
  fetch_wait (gemini_missing);
  g_assert_cmpuint (gemini_missing->status, ==, 403);

  keyed_url = g_strconcat (gemini_url, "?key=AIza-right", NULL);
  gemini_query = fetch_start (fx, "POST", keyed_url, completion_body (TG_MOCK_FORMAT_GEMINI, NULL), NULL);
  fetch_wait (gemini_query);
  g_assert_cmpuint (gemini_query->status, ==, 200);
}

/* ------------------------------------------------------------------------
 * Threading, binding, the standalone program.
 */

typedef struct {
  char      *url;
  guint      status;
  gint       done;
} SideRequest;

static gpointer
side_request_thread (gpointer data)
{
  SideRequest *side = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_main_context_push_thread_default (context);
  session = new_session ();
  msg = soup_message_new ("GET", side->url);
  bytes = soup_session_send_and_read (session, msg, NULL, NULL);
  side->status = soup_message_get_status (msg);
  g_clear_object (&session);
  g_main_context_pop_thread_default (context);
  g_atomic_int_set (&side->done, 1);
  return NULL;
}

static void
test_serves_while_main_thread_blocks (Fixture       *fx,
                                      gconstpointer  data)
{
  TgMockReply slow = { .first_byte_delay_ms = 100, .chunk_delay_ms = 20 };
  g_autofree char *base = tg_mock_provider_get_base_url (fx->mock, TG_MOCK_FORMAT_OLLAMA);
  g_autofree char *url = completion_url (fx, TG_MOCK_FORMAT_OLLAMA, FALSE);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GError) error = NULL;
  SideRequest side = { 0 };
  GThread *thread;
  gint64 deadline;

  /* A sync call on the main thread: would deadlock if the mock needed it. */
  tg_mock_provider_enqueue (fx->mock, TG_MOCK_FORMAT_OLLAMA, &slow);
  msg = soup_message_new ("POST", url);
  request = g_bytes_new_static ("{\"model\":\"llama3.2\",\"messages\":[]}", strlen ("{\"model\":\"llama3.2\",\"messages\":[]}"));
  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  body = soup_session_send_and_read (fx->session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_cmpuint (g_bytes_get_size (body), >, 0);

  /* The main thread sleeps without iterating any context while another
   * thread's request is answered. */
  side.url = g_strconcat (base, "/api/tags", NULL);
  thread = g_thread_new ("side-request", side_request_thread, &side);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!g_atomic_int_get (&side.done) && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  g_assert_cmpint (g_atomic_int_get (&side.done), ==, 1);
  g_thread_join (thread);
  g_assert_cmpuint (side.status, ==, 200);
  g_free (side.url);
}

/* The listening socket is on 127.0.0.1, per the kernel's own table. */
static void
test_loopback_only (Fixture       *fx,
                    gconstpointer  data)
{
  guint port = tg_mock_provider_get_port (fx->mock);
  g_autofree char *tcp = NULL;
  g_autofree char *loopback = g_strdup_printf (" 0100007F:%04X 00000000:0000 0A ", port);
  g_autofree char *any = g_strdup_printf (" 00000000:%04X 00000000:0000 0A ", port);
  g_autofree char *tcp6 = NULL;
  g_autofree char *any6 = g_strdup_printf ("00000000000000000000000000000000:%04X 00000000000000000000000000000000:0000 0A ", port);
  g_autofree char *url = tg_mock_provider_get_base_url (fx->mock, TG_MOCK_FORMAT_OPENAI);
  g_autofree char *expected = g_strdup_printf ("http://127.0.0.1:%u/v1", port);

  g_assert_cmpstr (url, ==, expected);

  if (!g_file_get_contents ("/proc/net/tcp", &tcp, NULL, NULL))
    {
      g_test_skip ("no /proc/net/tcp");
      return;
    }
  g_assert_nonnull (strstr (tcp, loopback));
  g_assert_null (strstr (tcp, any));
  if (g_file_get_contents ("/proc/net/tcp6", &tcp6, NULL, NULL))
    g_assert_null (strstr (tcp6, any6));
}

static void
test_restart (Fixture       *fx,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Fetch) before = list_models (fx, TG_MOCK_FORMAT_GEMINI);
  g_autoptr(Fetch) after = NULL;

  g_assert_cmpuint (before->status, ==, 200);
  tg_mock_provider_stop (fx->mock);
  g_assert_cmpuint (tg_mock_provider_get_port (fx->mock), ==, 0);
  g_assert_true (tg_mock_provider_start (fx->mock, 0, &error));
  g_assert_no_error (error);

  after = list_models (fx, TG_MOCK_FORMAT_GEMINI);
  g_assert_cmpuint (after->status, ==, 200);
  g_assert_cmpuint (tg_mock_provider_get_request_count (fx->mock, TG_MOCK_FORMAT_GEMINI, TG_MOCK_ENDPOINT_LIST_MODELS), ==, 2);
}

static void
test_not_found (Fixture       *fx,
                gconstpointer  data)
{
  g_autofree char *base = tg_mock_provider_get_base_url (fx->mock, TG_MOCK_FORMAT_OLLAMA);
  g_autofree char *url = g_strconcat (base, "/v2/nothing", NULL);
  g_autoptr(Fetch) f = fetch_start (fx, "GET", url, NULL, NULL);

  fetch_wait (f);
  g_assert_cmpuint (f->status, ==, 404);
}

static void
test_standalone (void)
{
  const char *program = g_test_get_filename (G_TEST_BUILT, "mock", "tollgate-mock-provider", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) help = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *help_out = NULL;
  g_autofree char *first = NULL;
  g_autofree char *openai_url = NULL;
  g_autoptr(SoupSession) session = new_session ();
  guint port = 0;

  if (!g_file_test (program, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("tollgate-mock-provider is not built");
      return;
    }

  help = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, program, "--help", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (help, NULL, NULL, &help_out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (help));
  g_assert_nonnull (strstr (help_out, "--port"));

  server = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, program, "--port", "0", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  first = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  g_assert_cmpint (sscanf (first, "tollgate-mock-provider listening on 127.0.0.1:%u", &port), ==, 1);
  g_assert_cmpuint (port, >, 0);
  g_test_message ("standalone mock on port %u", port);

  for (TgMockFormat format = 0; format < TG_MOCK_N_FORMATS; format++)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
      g_auto(GStrv) words = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (line);
      words = g_strsplit_set (g_strstrip (line), " ", -1);
      g_assert_cmpstr (words[0], ==, tg_mock_format_to_string (format));
      if (format == TG_MOCK_FORMAT_OPENAI)
        openai_url = g_strdup (words[g_strv_length (words) - 1]);
    }

  {
    g_autofree char *url = g_strconcat (openai_url, "/models", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
    g_assert_nonnull (body);
  }

  g_subprocess_send_signal (server, SIGTERM);
  g_assert_true (g_subprocess_wait (server, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (server));
  g_assert_cmpint (g_subprocess_get_exit_status (server), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  tg_test_init (&argc, &argv);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/mock/openai/plain", test_openai_plain);
  ADD ("/mock/openai/stream", test_openai_stream);
  ADD ("/mock/anthropic/plain", test_anthropic_plain);
  ADD ("/mock/anthropic/headers-required", test_anthropic_headers_required);
  ADD ("/mock/anthropic/stream", test_anthropic_stream);
  ADD ("/mock/gemini/plain", test_gemini_plain);
  ADD ("/mock/gemini/stream", test_gemini_stream);
  ADD ("/mock/ollama/chat", test_ollama);
  ADD ("/mock/script/omit-usage", test_omit_usage);
  ADD ("/mock/script/errors", test_errors);
  ADD ("/mock/script/error-overrides", test_error_overrides);
  ADD ("/mock/script/delays", test_delays);
  ADD ("/mock/script/delays-do-not-block", test_delays_do_not_block);
  ADD ("/mock/script/malformed", test_malformed);
  ADD ("/mock/script/cut", test_cut);
  ADD ("/mock/script/stream-error", test_stream_error);
  ADD ("/mock/script/default-reply-and-reset", test_default_reply_and_reset);
  ADD ("/mock/script/expected-key", test_expected_key);
  ADD ("/mock/list-models", test_list_models);
  ADD ("/mock/recorded-request", test_recorded_request);
  ADD ("/mock/serves-while-main-thread-blocks", test_serves_while_main_thread_blocks);
  ADD ("/mock/loopback-only", test_loopback_only);
  ADD ("/mock/restart", test_restart);
  ADD ("/mock/not-found", test_not_found);
#undef ADD
  g_test_add_func ("/mock/standalone", test_standalone);

  return g_test_run ();
}
