/* test-provider-ollama.c: the Ollama adapter against payloads in the shape of
 * https://github.com/ollama/ollama/blob/main/docs/api.md */

#include "tg-provider-adapter.h"
#include "tg-provider-test-utils.h"
#include "tg-test-utils.h"

#include <string.h>

static TgCatalogProvider ollama_provider = {
  .id = (char *) "ollama",
  .name = (char *) "Ollama",
  .wire_format = TG_WIRE_FORMAT_OLLAMA,
  .base_url = (char *) "http://localhost:11434",
  .auth_style = TG_AUTH_STYLE_NONE,
  .health_path = (char *) "/api/tags",
  .local = TRUE,
};

static const TgProviderAdapter *
adapter (void)
{
  return tg_provider_ollama_get_adapter ();
}

/* Request building */

static void
test_build_request (void)
{
  g_autoptr(TgChatRequest) request = tg_chat_request_new ("llama3.2", "Answer in one sentence.", "why is the sky blue?");
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  SoupMessageHeaders *headers;
  JsonArray *messages;
  JsonObject *item, *options;

  tg_chat_request_add_message (request, "assistant", "due to rayleigh scattering.");
  tg_chat_request_add_message (request, "user", "how is that different than mie scattering?");
  request->max_tokens = 128;
  request->temperature = 0;

  message = adapter ()->build_request (&ollama_provider, NULL, request, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);

  g_assert_cmpstr (soup_message_get_method (message), ==, "POST");
  url = tg_provider_test_message_url (message);
  g_assert_cmpstr (url, ==, "http://localhost:11434/api/chat");

  headers = soup_message_get_request_headers (message);
  g_assert_null (soup_message_headers_get_one (headers, "Authorization"));
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "application/json");

  body = tg_provider_test_request_body (message);
  g_assert_cmpstr (json_object_get_string_member (body, "model"), ==, "llama3.2");
  /* Ollama streams by default: a whole reply must be asked for. */
  g_assert_true (json_object_has_member (body, "stream"));
  g_assert_false (json_object_get_boolean_member (body, "stream"));

  messages = json_object_get_array_member (body, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 4);
  item = json_array_get_object_element (messages, 0);
  g_assert_cmpstr (json_object_get_string_member (item, "role"), ==, "system");
  g_assert_cmpstr (json_object_get_string_member (item, "content"), ==, "Answer in one sentence.");
  item = json_array_get_object_element (messages, 1);
  g_assert_cmpstr (json_object_get_string_member (item, "role"), ==, "user");
  g_assert_cmpstr (json_object_get_string_member (item, "content"), ==, "why is the sky blue?");
  item = json_array_get_object_element (messages, 2);
  g_assert_cmpstr (json_object_get_string_member (item, "role"), ==, "assistant");
  item = json_array_get_object_element (messages, 3);
  g_assert_cmpstr (json_object_get_string_member (item, "content"), ==, "how is that different than mie scattering?");

  options = json_object_get_object_member (body, "options");
  g_assert_cmpint (json_object_get_int_member (options, "num_predict"), ==, 128);
  g_assert_cmpfloat (json_object_get_double_member (options, "temperature"), ==, 0.0);
}

static void
test_build_request_stream_proxy (void)
{
  g_autoptr(TgChatRequest) request = tg_chat_request_new ("qwen3:8b", NULL, "Hi");
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(JsonObject) body = NULL;
  TgCatalogProvider proxied = ollama_provider;

  proxied.base_url = (char *) "https://ollama.example.org/";
  request->stream = TRUE;

  message = adapter ()->build_request (&proxied, "proxy-token-123", request, NULL);
  g_assert_nonnull (message);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_request_headers (message), "Authorization"),
                   ==, "Bearer proxy-token-123");

  body = tg_provider_test_request_body (message);
  g_assert_true (json_object_get_boolean_member (body, "stream"));
  g_assert_false (json_object_has_member (body, "options"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (body, "messages")), ==, 1);
}

static void
test_health_request (void)
{
  g_autoptr(SoupMessage) message = adapter ()->build_health_request (&ollama_provider, NULL);
  g_autofree char *url = NULL;

  g_assert_nonnull (message);
  g_assert_cmpstr (soup_message_get_method (message), ==, "GET");
  url = tg_provider_test_message_url (message);
  g_assert_cmpstr (url, ==, "http://localhost:11434/api/tags");
  g_assert_null (strstr (url, "/api/chat"));
  g_assert_null (soup_message_headers_get_one (soup_message_get_request_headers (message), "Authorization"));
  g_assert_null (tg_provider_get_request_body (message));
}

/* Whole replies */

static void
test_parse_response (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (),
                                                                 "{\n"
                                                                 "  \"model\": \"llama3.1\",\n"
                                                                 "  \"created_at\": \"2024-12-06T00:46:58.265747Z\",\n"
                                                                 "  \"message\": { \"role\": \"assistant\", \"content\": \"{\\\"age\\\": 22, \\\"available\\\": false}\" },\n"
                                                                 "  \"done_reason\": \"stop\",\n"
                                                                 "  \"done\": true,\n"
                                                                 "  \"total_duration\": 2254970291,\n"
                                                                 "  \"load_duration\": 574751416,\n"
                                                                 "  \"prompt_eval_count\": 34,\n"
                                                                 "  \"prompt_eval_duration\": 1502000000,\n"
                                                                 "  \"eval_count\": 12,\n"
                                                                 "  \"eval_duration\": 175000000\n"
                                                                 "}\n", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (result->text->str, ==, "{\"age\": 22, \"available\": false}");
  g_assert_cmpstr (result->finish_reason, ==, "stop");
  g_assert_cmpstr (result->model, ==, "llama3.1");
  g_assert_true (result->done);
  g_assert_true (result->usage.reported);
  g_assert_cmpint (result->usage.input_tokens, ==, 34);
  g_assert_cmpint (result->usage.cached_tokens, ==, 0);
  g_assert_cmpint (result->usage.output_tokens, ==, 12);
}

static void
test_parse_response_prompt_cached (void)
{
  /* A prompt served from Ollama's cache has no prompt_eval_count. */
  g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (),
                                                                 "{\"model\":\"llama3.2\",\"created_at\":\"2024-07-22T20:33:28.123648Z\","
                                                                 "\"message\":{\"role\":\"assistant\",\"content\":\"Hello again!\"},"
                                                                 "\"done_reason\":\"stop\",\"done\":true,\"total_duration\":885095291,\"load_duration\":3753500,"
                                                                 "\"eval_count\":4,\"eval_duration\":552222000}", NULL);

  g_assert_nonnull (result);
  g_assert_true (result->usage.reported);
  g_assert_cmpint (result->usage.input_tokens, ==, 0);
  g_assert_cmpint (result->usage.output_tokens, ==, 4);
}

static void
test_parse_response_no_usage (void)
{
  g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (),
                                                                 "{\"model\":\"llama3.2\",\"created_at\":\"2024-09-12T21:17:29.110811Z\","
                                                                 "\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done_reason\":\"load\",\"done\":true}", NULL);

  g_assert_nonnull (result);
  g_assert_false (result->usage.reported);
  g_assert_cmpstr (result->finish_reason, ==, "load");
}

static void
test_parse_response_error_body (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (), "{\"error\":\"model \\\"llama9\\\" not found, try pulling it first\"}", &error);

  g_assert_null (result);
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_REQUEST);
  g_assert_nonnull (strstr (error->message, "try pulling it first"));
}

static void
test_parse_response_malformed (void)
{
  const char *bad[] = {
    "",
    "{\"model\":\"llama3.2\",",
    "[]",
    "{\"model\":\"llama3.2\",\"done\":true,\"eval_count\":3}",
    "{\"model\":\"llama3.2\",\"message\":\"Hi\",\"done\":true}",
    "{\"model\":\"llama3.2\",\"message\":{\"content\":[\"Hi\"]},\"done\":true}",
    "{\"model\":\"llama3.2\",\"message\":{\"content\":\"Hi\"},\"done\":\"true\"}",
    "{\"model\":\"llama3.2\",\"message\":{\"content\":\"Hi\"},\"done\":true,\"eval_count\":-1}",
    "{\"model\":\"llama3.2\",\"message\":{\"content\":\"Hi\"},\"done\":true,\"prompt_eval_count\":\"26\"}",
    "{\"model\":\"llama3.2\",\"message\":{\"content\":\"Hi\"},\"done\":true,\"eval_count\":1e30}",
    "{\"model\":\"llama3.2\",\"message\":{\"content\":\"Hi\"},\"done\":true,\"done_reason\":[]}",
    "{\"model\":1,\"message\":{\"content\":\"Hi\"},\"done\":true}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (), bad[i], &error);

      g_test_message ("reply: %s", bad[i]);
      g_assert_null (result);
      g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
    }
}

/* Streams */

static const char chat_stream[] =
  "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T08:52:19.385406455-07:00\",\"message\":{\"role\":\"assistant\",\"content\":\"The\",\"images\":null},\"done\":false}\n"
  "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T08:52:19.421787181-07:00\",\"message\":{\"role\":\"assistant\",\"content\":\" sky\",\"images\":null},\"done\":false}\n"
  "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T08:52:19.461234567-07:00\",\"message\":{\"role\":\"assistant\",\"content\":\" is blue.\",\"images\":null},\"done\":false}\n"
  "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T19:22:45.499127Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done_reason\":\"stop\",\"done\":true,\"total_duration\":4883583458,\"load_duration\":1334875,\"prompt_eval_count\":26,\"prompt_eval_duration\":342546000,\"eval_count\":282,\"eval_duration\":4535599000}\n";

static void
test_stream (void)
{
  const gsize chunks[] = { 4096, 1, 9 };

  for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
    {
      g_autoptr(TgProviderTestStream) stream = tg_provider_test_run_ndjson_stream (adapter (), chat_stream, chunks[i]);

      g_assert_no_error (stream->error);
      g_assert_cmpuint (stream->lines, ==, 4);
      g_assert_false (stream->done_before_last);
      g_assert_true (stream->result->done);
      g_assert_cmpstr (stream->result->text->str, ==, "The sky is blue.");
      g_assert_cmpuint (stream->deltas->len, ==, 3);
      g_assert_cmpstr (g_ptr_array_index (stream->deltas, 0), ==, "The");
      g_assert_cmpstr (g_ptr_array_index (stream->deltas, 1), ==, " sky");
      g_assert_cmpstr (g_ptr_array_index (stream->deltas, 2), ==, " is blue.");
      g_assert_cmpstr (stream->result->finish_reason, ==, "stop");
      g_assert_cmpstr (stream->result->model, ==, "llama3.2");
      g_assert_true (stream->result->usage.reported);
      g_assert_cmpint (stream->result->usage.input_tokens, ==, 26);
      g_assert_cmpint (stream->result->usage.output_tokens, ==, 282);
    }
}

static void
test_stream_final_without_message (void)
{
  /* Older servers (and the API document's example) end with no message member,
   * and no newline after the last line. */
  g_autoptr(TgProviderTestStream) stream = tg_provider_test_run_ndjson_stream (adapter (),
                                                                               "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T08:52:19.385406455-07:00\",\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"done\":false}\r\n"
                                                                               "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T19:22:45.499127Z\",\"done\":true,\"total_duration\":8113331500,\"load_duration\":6396458,\"eval_count\":468,\"eval_duration\":7701267000}",
                                                                               4096);

  g_assert_no_error (stream->error);
  g_assert_true (stream->result->done);
  g_assert_cmpstr (stream->result->text->str, ==, "Hi");
  g_assert_true (stream->result->usage.reported);
  g_assert_cmpint (stream->result->usage.input_tokens, ==, 0);
  g_assert_cmpint (stream->result->usage.output_tokens, ==, 468);
  g_assert_null (stream->result->finish_reason);
}

static void
test_stream_thinking (void)
{
  /* Thinking models send message.thinking first; it is not the answer. */
  g_autoptr(TgProviderTestStream) stream = tg_provider_test_run_ndjson_stream (adapter (),
                                                                               "{\"model\":\"qwen3:8b\",\"created_at\":\"2025-05-29T09:35:56.836222Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\",\"thinking\":\"The user asks\"},\"done\":false}\n"
                                                                               "{\"model\":\"qwen3:8b\",\"created_at\":\"2025-05-29T09:35:57.836222Z\",\"message\":{\"role\":\"assistant\",\"content\":\"Blue.\"},\"done\":false}\n"
                                                                               "{\"model\":\"qwen3:8b\",\"created_at\":\"2025-05-29T09:35:58.836222Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done_reason\":\"stop\",\"done\":true,\"prompt_eval_count\":11,\"eval_count\":40}\n",
                                                                               4096);

  g_assert_no_error (stream->error);
  g_assert_cmpstr (stream->result->text->str, ==, "Blue.");
  g_assert_cmpuint (stream->deltas->len, ==, 1);
  g_assert_cmpint (stream->result->usage.output_tokens, ==, 40);
}

static void
test_stream_error_line (void)
{
  g_autoptr(TgProviderTestStream) stream = tg_provider_test_run_ndjson_stream (adapter (),
                                                                               "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T08:52:19.385406455-07:00\",\"message\":{\"role\":\"assistant\",\"content\":\"The\"},\"done\":false}\n"
                                                                               "{\"error\":\"an error was encountered while running the model: unexpected EOF\"}\n",
                                                                               4096);
  g_autoptr(TgProviderTestStream) missing = tg_provider_test_run_ndjson_stream (adapter (),
                                                                                "{\"error\":\"model \\\"llama9\\\" not found, try pulling it first\"}\n", 4096);

  g_assert_error (stream->error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_SERVER);
  g_assert_nonnull (strstr (stream->error->message, "unexpected EOF"));
  g_assert_cmpstr (stream->result->text->str, ==, "The");
  g_assert_false (stream->result->done);

  g_assert_error (missing->error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_REQUEST);
}

static void
test_stream_malformed (void)
{
  const char *bad[] = {
    "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"The\"}",
    "\"The\"",
    "{\"model\":\"llama3.2\",\"message\":{\"content\":5},\"done\":false}",
    "{\"model\":\"llama3.2\",\"done\":false}",
    "{\"model\":\"llama3.2\",\"message\":{\"content\":\"\"},\"done\":true,\"eval_count\":99999999999999999999}",
    "{\"model\":\"llama3.2\",\"message\":{\"content\":\"\"},\"done\":1}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(TgChatResult) result = tg_chat_result_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *delta = NULL;

      g_test_message ("line: %s", bad[i]);
      g_assert_false (adapter ()->parse_stream_event (NULL, bad[i], result, &delta, &error));
      g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
      g_assert_null (delta);
      g_assert_false (result->done);
      g_assert_false (result->usage.reported);
    }
}

/* Errors */

typedef struct {
  guint         status;
  const char   *body;
  TgErrorClass  expected;
  const char   *message_part;
} ErrorCase;

static const ErrorCase error_cases[] = {
  { 404, "{\"error\":\"model \\\"llama9\\\" not found, try pulling it first\"}", TG_ERROR_CLASS_BAD_REQUEST, "try pulling it first" },
  { 400, "{\"error\":\"invalid options: foo\"}", TG_ERROR_CLASS_BAD_REQUEST, "invalid options" },
  { 500, "{\"error\":\"model requires more system memory (5.6 GiB) than is available (3.1 GiB)\"}", TG_ERROR_CLASS_SERVER, "more system memory" },
  /* A model missing on the server is our request's fault even as a 500. */
  { 500, "{\"error\":\"model 'llama9' not found\"}", TG_ERROR_CLASS_BAD_REQUEST, "not found" },
  { 503, "{\"error\":\"server busy, please try again.  maximum pending requests exceeded\"}", TG_ERROR_CLASS_OVERLOADED, "server busy" },
  { 401, "Unauthorized\n", TG_ERROR_CLASS_AUTH, "401" },
  { 502, "", TG_ERROR_CLASS_SERVER, "502" },
  { 500, "{\"error\":{\"message\":\"nested\"}}", TG_ERROR_CLASS_SERVER, "500" },
};

static void
test_classify_error (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      const ErrorCase *c = &error_cases[i];
      g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
      g_autoptr(GBytes) body = g_bytes_new_static (c->body, strlen (c->body));
      g_autoptr(GError) error = NULL;
      gint64 retry_ms = -42;

      g_test_message ("case %u: HTTP %u", i, c->status);
      adapter ()->classify_error (c->status, headers, body, &retry_ms, &error);

      g_assert_error (error, TG_PROVIDER_ERROR, (gint) c->expected);
      g_assert_nonnull (strstr (error->message, c->message_part));
      g_assert_cmpint (retry_ms, ==, -1);
    }
}

static void
test_classify_retry_after (void)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  g_autoptr(GError) error = NULL;
  gint64 retry_ms = -42;

  /* A proxy in front may say when to come back. */
  soup_message_headers_append (headers, "Retry-After", "15");
  adapter ()->classify_error (429, headers, NULL, &retry_ms, &error);
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_RATE_LIMITED);
  g_assert_cmpint (retry_ms, ==, 15000);
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/provider-ollama/build-request/full", test_build_request);
  g_test_add_func ("/provider-ollama/build-request/stream-proxy", test_build_request_stream_proxy);
  g_test_add_func ("/provider-ollama/health-request", test_health_request);
  g_test_add_func ("/provider-ollama/parse-response/full", test_parse_response);
  g_test_add_func ("/provider-ollama/parse-response/prompt-cached", test_parse_response_prompt_cached);
  g_test_add_func ("/provider-ollama/parse-response/no-usage", test_parse_response_no_usage);
  g_test_add_func ("/provider-ollama/parse-response/error-body", test_parse_response_error_body);
  g_test_add_func ("/provider-ollama/parse-response/malformed", test_parse_response_malformed);
  g_test_add_func ("/provider-ollama/stream/full", test_stream);
  g_test_add_func ("/provider-ollama/stream/final-without-message", test_stream_final_without_message);
  g_test_add_func ("/provider-ollama/stream/thinking", test_stream_thinking);
  g_test_add_func ("/provider-ollama/stream/error-line", test_stream_error_line);
  g_test_add_func ("/provider-ollama/stream/malformed", test_stream_malformed);
  g_test_add_func ("/provider-ollama/classify-error/table", test_classify_error);
  g_test_add_func ("/provider-ollama/classify-error/retry-after", test_classify_retry_after);

  return g_test_run ();
}
