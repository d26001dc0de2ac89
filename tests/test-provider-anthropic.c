/* test-provider-anthropic.c: the Messages adapter against payloads in the shape
 * of https://docs.anthropic.com/en/api/messages,
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming and
 * https://docs.anthropic.com/en/api/errors. */

#include "tg-provider-adapter.h"
#include "tg-provider-test-utils.h"
#include "tg-test-utils.h"

#include <string.h>

#define TEST_KEY "sk-ant-api03-TESTKEY0123456789abcdefghijklmnopqrstuvwxyz-AAAA"

static TgCatalogProvider anthropic_provider = {
  .id = (char *) "anthropic",
  .name = (char *) "Anthropic",
  .wire_format = TG_WIRE_FORMAT_ANTHROPIC,
  .base_url = (char *) "https://api.anthropic.com",
  .auth_style = TG_AUTH_STYLE_X_API_KEY,
  .health_path = (char *) "/v1/models",
};

static const TgProviderAdapter *
adapter (void)
{
  return tg_provider_anthropic_get_adapter ();
}

/* Request building */

static void
test_build_request (void)
{
  g_autoptr(TgChatRequest) request = tg_chat_request_new ("claude-sonnet-4-5", "You are a poet.", "Hello, Claude");
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  SoupMessageHeaders *headers;
  JsonArray *messages;
  JsonObject *item;

  tg_chat_request_add_message (request, "assistant", "Hello!");
  tg_chat_request_add_message (request, "user", "Write about the sea.");
  request->stream = TRUE;
  request->max_tokens = 1024;
  request->temperature = 1.0;

  message = adapter ()->build_request (&anthropic_provider, TEST_KEY, request, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);

  g_assert_cmpstr (soup_message_get_method (message), ==, "POST");
  url = tg_provider_test_message_url (message);
  g_assert_cmpstr (url, ==, "https://api.anthropic.com/v1/messages");
  g_assert_null (strstr (url, "TESTKEY"));

  headers = soup_message_get_request_headers (message);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "x-api-key"), ==, TEST_KEY);
  g_assert_null (soup_message_headers_get_one (headers, "Authorization"));
  g_assert_cmpstr (soup_message_headers_get_one (headers, "anthropic-version"), ==, "2023-06-01");
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "application/json");

  body = tg_provider_test_request_body (message);
  g_assert_cmpstr (json_object_get_string_member (body, "model"), ==, "claude-sonnet-4-5");
  g_assert_cmpint (json_object_get_int_member (body, "max_tokens"), ==, 1024);
  g_assert_cmpstr (json_object_get_string_member (body, "system"), ==, "You are a poet.");
  g_assert_cmpfloat (json_object_get_double_member (body, "temperature"), ==, 1.0);
  g_assert_true (json_object_get_boolean_member (body, "stream"));

  /* The system prompt is not a message. */
  messages = json_object_get_array_member (body, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 3);
  item = json_array_get_object_element (messages, 0);
  g_assert_cmpstr (json_object_get_string_member (item, "role"), ==, "user");
  g_assert_cmpstr (json_object_get_string_member (item, "content"), ==, "Hello, Claude");
  item = json_array_get_object_element (messages, 1);
  g_assert_cmpstr (json_object_get_string_member (item, "role"), ==, "assistant");
  item = json_array_get_object_element (messages, 2);
  g_assert_cmpstr (json_object_get_string_member (item, "content"), ==, "Write about the sea.");
}

static void
test_build_request_defaults (void)
{
  g_autoptr(TgChatRequest) request = tg_chat_request_new ("claude-haiku-4-5", NULL, "Hi");
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(JsonObject) body = NULL;

  message = adapter ()->build_request (&anthropic_provider, TEST_KEY, request, NULL);
  g_assert_nonnull (message);
  body = tg_provider_test_request_body (message);

  /* max_tokens is required: a default stands in for 0. */
  g_assert_cmpint (json_object_get_int_member (body, "max_tokens"), ==, 4096);
  g_assert_false (json_object_has_member (body, "system"));
  g_assert_false (json_object_has_member (body, "temperature"));
  g_assert_false (json_object_get_boolean_member (body, "stream"));
}

static void
test_build_request_invalid (void)
{
  g_autoptr(TgChatRequest) request = tg_chat_request_new ("claude-haiku-4-5", NULL, "Hi");
  g_autoptr(GError) error = NULL;
  SoupMessage *message;

  message = adapter ()->build_request (&anthropic_provider, "sk-ant key with spaces", request, &error);
  g_assert_null (message);
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_AUTH);
  g_assert_null (strstr (error->message, "key with spaces"));
  g_assert_null (strstr (error->message, "sk-ant"));
}

static void
test_health_request (void)
{
  g_autoptr(SoupMessage) message = adapter ()->build_health_request (&anthropic_provider, TEST_KEY);
  g_autofree char *url = NULL;
  SoupMessageHeaders *headers;

  g_assert_nonnull (message);
  g_assert_cmpstr (soup_message_get_method (message), ==, "GET");
  url = tg_provider_test_message_url (message);
  g_assert_cmpstr (url, ==, "https://api.anthropic.com/v1/models");
  g_assert_null (strstr (url, "messages"));
  headers = soup_message_get_request_headers (message);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "x-api-key"), ==, TEST_KEY);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "anthropic-version"), ==, "2023-06-01");
  g_assert_null (tg_provider_get_request_body (message));
}

/* Whole replies */

static const char message_reply[] =
  "{\n"
  "  \"id\": \"msg_01XFDUDYJgAACzvnptvVoYEL\",\n"
  "  \"type\": \"message\",\n"
  "  \"role\": \"assistant\",\n"
  "  \"content\": [\n"
  "    {\n"
  "      \"type\": \"thinking\",\n"
  "      \"thinking\": \"The user greets me; a short greeting back will do.\",\n"
  "      \"signature\": \"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds\"\n"
  "    },\n"
  "    {\n"
  "      \"type\": \"text\",\n"
  "      \"text\": \"Hello! \"\n"
  "    },\n"
  "    {\n"
  "      \"type\": \"text\",\n"
  "      \"text\": \"My name is Claude.\"\n"
  "    }\n"
  "  ],\n"
  "  \"model\": \"claude-sonnet-4-5-20250929\",\n"
  "  \"stop_reason\": \"end_turn\",\n"
  "  \"stop_sequence\": null,\n"
  "  \"usage\": {\n"
  "    \"input_tokens\": 21,\n"
  "    \"cache_creation_input_tokens\": 188086,\n"
  "    \"cache_read_input_tokens\": 1024,\n"
  "    \"cache_creation\": {\n"
  "      \"ephemeral_5m_input_tokens\": 188086,\n"
  "      \"ephemeral_1h_input_tokens\": 0\n"
  "    },\n"
  "    \"output_tokens\": 393,\n"
  "    \"service_tier\": \"standard\"\n"
  "  }\n"
  "}\n";

static void
test_parse_response (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (), message_reply, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (result->text->str, ==, "Hello! My name is Claude.");
  g_assert_cmpstr (result->finish_reason, ==, "end_turn");
  g_assert_cmpstr (result->model, ==, "claude-sonnet-4-5-20250929");
  g_assert_true (result->usage.reported);
  /* input_tokens excludes the cache: 21 + 1024 read + 188086 written. */
  g_assert_cmpint (result->usage.input_tokens, ==, 21 + 1024 + 188086);
  g_assert_cmpint (result->usage.cached_tokens, ==, 1024);
  g_assert_cmpint (result->usage.cache_write_tokens, ==, 188086);
  g_assert_cmpint (result->usage.output_tokens, ==, 393);
}

static void
test_parse_response_no_cache_fields (void)
{
  g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (),
                                                                 "{\"id\":\"msg_013Zva2CMHLNnXjNJJKqJ2EF\",\"type\":\"message\",\"role\":\"assistant\","
                                                                 "\"model\":\"claude-3-5-haiku-20241022\",\"content\":[{\"type\":\"text\",\"text\":\"Hi!\"}],"
                                                                 "\"stop_reason\":\"max_tokens\",\"stop_sequence\":null,"
                                                                 "\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":null,\"cache_read_input_tokens\":null,\"output_tokens\":6}}",
                                                                 NULL);

  g_assert_nonnull (result);
  g_assert_cmpstr (result->text->str, ==, "Hi!");
  g_assert_cmpstr (result->finish_reason, ==, "max_tokens");
  g_assert_cmpint (result->usage.input_tokens, ==, 12);
  g_assert_cmpint (result->usage.cached_tokens, ==, 0);
  g_assert_cmpint (result->usage.cache_write_tokens, ==, 0);
  g_assert_cmpint (result->usage.output_tokens, ==, 6);
}

static void
test_parse_response_no_usage (void)
{
  /* A proxy that strips usage. */
  g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (),
                                                                 "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}],"
                                                                 "\"model\":\"claude-haiku-4-5\",\"stop_reason\":\"end_turn\"}", NULL);

  g_assert_nonnull (result);
  g_assert_false (result->usage.reported);
}

static void
test_parse_response_malformed (void)
{
  const char *bad[] = {
    "",
    "{\"type\":\"message\",",
    "[]",
    "{\"type\":\"message\",\"role\":\"assistant\"}",
    "{\"type\":\"message\",\"content\":\"Hello\"}",
    "{\"type\":\"message\",\"content\":[\"Hello\"]}",
    "{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":7}]}",
    "{\"type\":\"message\",\"content\":[{\"type\":1}]}",
    "{\"type\":\"message\",\"content\":[],\"usage\":{\"input_tokens\":\"12\"}}",
    "{\"type\":\"message\",\"content\":[],\"usage\":{\"input_tokens\":12,\"output_tokens\":-1}}",
    "{\"type\":\"message\",\"content\":[],\"usage\":{\"input_tokens\":1e300}}",
    "{\"type\":\"message\",\"content\":[],\"usage\":{\"cache_read_input_tokens\":18446744073709551616}}",
    "{\"type\":\"message\",\"content\":[],\"stop_reason\":false}",
    "{\"type\":7,\"content\":[]}",
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

/* Streams, as on the wire: event: lines, then data: lines. */

static const char message_stream[] =
  "event: message_start\n"
  "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5-20250929\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":2048,\"cache_read_input_tokens\":4096,\"cache_creation\":{\"ephemeral_5m_input_tokens\":2048,\"ephemeral_1h_input_tokens\":0},\"output_tokens\":1,\"service_tier\":\"standard\"}}}\n"
  "\n"
  "event: content_block_start\n"
  "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n"
  "\n"
  "event: content_block_delta\n"
  "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"A greeting.\"}}\n"
  "\n"
  "event: content_block_delta\n"
  "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrk\"}}\n"
  "\n"
  "event: content_block_stop\n"
  "data: {\"type\":\"content_block_stop\",\"index\":0}\n"
  "\n"
  "event: content_block_start\n"
  "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n"
  "\n"
  "event: ping\n"
  "data: {\"type\": \"ping\"}\n"
  "\n"
  "event: content_block_delta\n"
  "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n"
  "\n"
  "event: content_block_delta\n"
  "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"!\"}}\n"
  "\n"
  "event: content_block_stop\n"
  "data: {\"type\":\"content_block_stop\",\"index\":1}\n"
  "\n"
  "event: content_block_start\n"
  "data: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":\"get_weather\",\"input\":{}}}\n"
  "\n"
  "event: content_block_delta\n"
  "data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"location\\\": \\\"San Fra\"}}\n"
  "\n"
  "event: content_block_stop\n"
  "data: {\"type\":\"content_block_stop\",\"index\":2}\n"
  "\n"
  "event: message_delta\n"
  "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}\n"
  "\n"
  "event: message_delta\n"
  "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":17}}\n"
  "\n"
  "event: message_stop\n"
  "data: {\"type\":\"message_stop\"}\n"
  "\n";

static void
test_stream (void)
{
  const gsize chunks[] = { 8192, 1, 13 };

  for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
    {
      g_autoptr(TgProviderTestStream) stream = tg_provider_test_run_sse_stream (adapter (), message_stream, chunks[i]);
      TgUsage *usage = &stream->result->usage;

      g_assert_no_error (stream->error);
      g_assert_cmpuint (stream->events, ==, 16);
      g_assert_false (stream->done_before_last);
      g_assert_true (stream->result->done);
      g_assert_cmpstr (stream->result->text->str, ==, "Hello!");
      g_assert_cmpuint (stream->deltas->len, ==, 2);
      g_assert_cmpstr (g_ptr_array_index (stream->deltas, 0), ==, "Hello");
      g_assert_cmpstr (g_ptr_array_index (stream->deltas, 1), ==, "!");
      g_assert_cmpstr (stream->result->finish_reason, ==, "end_turn");
      g_assert_cmpstr (stream->result->model, ==, "claude-sonnet-4-5-20250929");
      g_assert_true (usage->reported);
      g_assert_cmpint (usage->input_tokens, ==, 25 + 2048 + 4096);
      g_assert_cmpint (usage->cached_tokens, ==, 4096);
      g_assert_cmpint (usage->cache_write_tokens, ==, 2048);
      /* Cumulative: the last message_delta's count, not 1 + 15 + 17. */
      g_assert_cmpint (usage->output_tokens, ==, 17);
    }
}

static void
test_stream_message_delta_input (void)
{
  /* Newer API versions repeat the input side in message_delta; it wins. */
  g_autoptr(TgProviderTestStream) stream = tg_provider_test_run_sse_stream (adapter (),
                                                                            "event: message_start\n"
                                                                            "data: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-haiku-4-5-20251001\",\"id\":\"msg_01K2JbSUMYhez5RHoK9ZCj9U\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":849,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":0},\"output_tokens\":10,\"service_tier\":\"standard\"}}}\n\n"
                                                                            "event: content_block_start\n"
                                                                            "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
                                                                            "event: content_block_delta\n"
                                                                            "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Sunny.\"}}\n\n"
                                                                            "event: content_block_stop\n"
                                                                            "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
                                                                            "event: message_delta\n"
                                                                            "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"input_tokens\":900,\"cache_creation_input_tokens\":30,\"cache_read_input_tokens\":20,\"output_tokens\":47}}\n\n"
                                                                            "event: message_stop\n"
                                                                            "data: {\"type\":\"message_stop\"}\n\n",
                                                                            4096);
  TgUsage *usage = &stream->result->usage;

  g_assert_no_error (stream->error);
  g_assert_true (stream->result->done);
  g_assert_cmpstr (stream->result->text->str, ==, "Sunny.");
  g_assert_cmpint (usage->input_tokens, ==, 900 + 30 + 20);
  g_assert_cmpint (usage->cached_tokens, ==, 20);
  g_assert_cmpint (usage->cache_write_tokens, ==, 30);
  g_assert_cmpint (usage->output_tokens, ==, 47);
}

static void
test_stream_without_event_lines (void)
{
  /* A proxy that drops event: lines; the data's type still says it all. */
  g_autoptr(TgProviderTestStream) stream = tg_provider_test_run_sse_stream (adapter (),
                                                                            "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n"
                                                                            "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Yo\"}}\n\n"
                                                                            "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}\n\n"
                                                                            "data: {\"type\":\"message_stop\"}\n\n",
                                                                            4096);

  g_assert_no_error (stream->error);
  g_assert_true (stream->result->done);
  g_assert_cmpstr (stream->result->text->str, ==, "Yo");
  g_assert_cmpint (stream->result->usage.input_tokens, ==, 5);
  g_assert_cmpint (stream->result->usage.output_tokens, ==, 2);
}

static void
test_stream_error_event (void)
{
  static const struct {
    const char   *type;
    TgErrorClass  expected;
  } errors[] = {
    { "overloaded_error", TG_ERROR_CLASS_OVERLOADED },
    { "rate_limit_error", TG_ERROR_CLASS_RATE_LIMITED },
    { "api_error", TG_ERROR_CLASS_SERVER },
    { "authentication_error", TG_ERROR_CLASS_AUTH },
    { "permission_error", TG_ERROR_CLASS_AUTH },
    { "invalid_request_error", TG_ERROR_CLASS_BAD_REQUEST },
    { "not_found_error", TG_ERROR_CLASS_BAD_REQUEST },
    { "request_too_large", TG_ERROR_CLASS_BAD_REQUEST },
    { "timeout_error", TG_ERROR_CLASS_TIMEOUT },
    { "something_new_error", TG_ERROR_CLASS_SERVER },
  };

  for (guint i = 0; i < G_N_ELEMENTS (errors); i++)
    {
      g_autofree char *wire = g_strdup_printf (
        "event: message_start\n"
        "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n"
        "event: content_block_start\n"
        "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
        "event: content_block_delta\n"
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Par\"}}\n\n"
        "event: error\n"
        "data: {\"type\": \"error\", \"error\": {\"type\": \"%s\", \"message\": \"Overloaded\"}}\n\n",
        errors[i].type);
      g_autoptr(TgProviderTestStream) stream = tg_provider_test_run_sse_stream (adapter (), wire, 4096);

      g_test_message ("error type %s", errors[i].type);
      g_assert_error (stream->error, TG_PROVIDER_ERROR, (gint) errors[i].expected);
      g_assert_nonnull (strstr (stream->error->message, "Overloaded"));
      g_assert_cmpstr (stream->result->text->str, ==, "Par");
      g_assert_false (stream->result->done);
      /* What was metered before the failure stays. */
      g_assert_cmpint (stream->result->usage.input_tokens, ==, 25);
    }
}

static void
test_stream_malformed (void)
{
  static const struct {
    const char *event, *data;
  } bad[] = {
    { "message_start", "{\"type\":\"message_start\",\"message\":[]}" },
    { "message_start", "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":-5}}}" },
    { "message_start", "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":\"5\"}}}" },
    { "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":5}}" },
    { "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":\"text\"}" },
    { "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":1},\"usage\":{\"output_tokens\":15}}" },
    { "message_delta", "{\"type\":\"message_delta\",\"delta\":{},\"usage\":{\"output_tokens\":1.25}}" },
    { "message_delta", "{\"type\":\"message_delta\",\"delta\":{},\"usage\":{\"output_tokens\":99999999999999999999}}" },
    { "message_stop", "{\"type\":\"message_stop\"" },
    { "ping", "" },
    { "message_start", "[\"message_start\"]" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(TgChatResult) result = tg_chat_result_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *delta = NULL;

      g_test_message ("event %s: %s", bad[i].event, bad[i].data);
      g_assert_false (adapter ()->parse_stream_event (bad[i].event, bad[i].data, result, &delta, &error));
      g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
      g_assert_null (delta);
      g_assert_false (result->usage.reported);
      g_assert_false (result->done);
    }
}

/* Errors */

typedef struct {
  guint         status;
  const char   *body;
  const char   *retry_after;
  TgErrorClass  expected;
  const char   *message_part;
  gint64        retry_ms;
} ErrorCase;

static const ErrorCase error_cases[] = {
  { 400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"messages: roles must alternate between \\\"user\\\" and \\\"assistant\\\", but found multiple \\\"user\\\" roles in a row\"},\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7Fy\"}",
    NULL, TG_ERROR_CLASS_BAD_REQUEST, "roles must alternate", -1 },
  { 400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.\"},\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7Fz\"}",
    NULL, TG_ERROR_CLASS_AUTH, "Your credit balance is too low", -1 },
  { 401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"},\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7G0\"}",
    NULL, TG_ERROR_CLASS_AUTH, "invalid x-api-key", -1 },
  { 402, "{\"type\":\"error\",\"error\":{\"type\":\"billing_error\",\"message\":\"Billing issue.\"}}",
    NULL, TG_ERROR_CLASS_AUTH, "Billing issue.", -1 },
  { 403, "{\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"Your API key does not have permission to use the specified resource.\"}}",
    NULL, TG_ERROR_CLASS_AUTH, "does not have permission", -1 },
  { 404, "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"model: claude-9\"},\"request_id\":\"req_1\"}",
    NULL, TG_ERROR_CLASS_BAD_REQUEST, "model: claude-9", -1 },
  { 413, "{\"type\":\"error\",\"error\":{\"type\":\"request_too_large\",\"message\":\"Request exceeds the maximum allowed number of bytes.\"}}",
    NULL, TG_ERROR_CLASS_BAD_REQUEST, "maximum allowed number of bytes", -1 },
  { 429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"This request would exceed the rate limit for your organization of 50 input tokens per minute.\"},\"request_id\":\"req_2\"}",
    "32", TG_ERROR_CLASS_RATE_LIMITED, "exceed the rate limit", 32000 },
  { 500, "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server error\"},\"request_id\":\"req_3\"}",
    NULL, TG_ERROR_CLASS_SERVER, "Internal server error", -1 },
  { 504, "{\"type\":\"error\",\"error\":{\"type\":\"timeout_error\",\"message\":\"Request timed out\"}}",
    NULL, TG_ERROR_CLASS_TIMEOUT, "Request timed out", -1 },
  { 529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"},\"request_id\":\"req_011CTNhV2sTLZd4vQZ2cxgfQ\"}",
    NULL, TG_ERROR_CLASS_OVERLOADED, "Overloaded", -1 },
  { 529, "", "Wed, 21 Oct 2015 07:28:00 GMT", TG_ERROR_CLASS_OVERLOADED, "529", 0 },
  { 503, "upstream connect error or disconnect/reset before headers", "garbage", TG_ERROR_CLASS_OVERLOADED, "503", -1 },
  { 502, "{\"type\":\"error\",\"error\":[]}", NULL, TG_ERROR_CLASS_SERVER, "502", -1 },
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
      if (c->retry_after != NULL)
        soup_message_headers_append (headers, "retry-after", c->retry_after);
      adapter ()->classify_error (c->status, headers, body, &retry_ms, &error);

      g_assert_error (error, TG_PROVIDER_ERROR, (gint) c->expected);
      g_assert_nonnull (strstr (error->message, c->message_part));
      g_assert_cmpint (retry_ms, ==, c->retry_ms);
    }
}

static void
test_classify_credit (void)
{
  g_autoptr(GBytes) body = g_bytes_new_static (error_cases[1].body, strlen (error_cases[1].body));
  g_autoptr(GError) error = NULL;
  gint64 retry_ms;

  adapter ()->classify_error (400, NULL, body, &retry_ms, &error);
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_AUTH);
  g_assert_nonnull (strstr (error->message, "credit"));
  g_assert_cmpint (retry_ms, ==, -1);
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/provider-anthropic/build-request/full", test_build_request);
  g_test_add_func ("/provider-anthropic/build-request/defaults", test_build_request_defaults);
  g_test_add_func ("/provider-anthropic/build-request/invalid", test_build_request_invalid);
  g_test_add_func ("/provider-anthropic/health-request", test_health_request);
  g_test_add_func ("/provider-anthropic/parse-response/cache", test_parse_response);
  g_test_add_func ("/provider-anthropic/parse-response/null-cache-fields", test_parse_response_no_cache_fields);
  g_test_add_func ("/provider-anthropic/parse-response/no-usage", test_parse_response_no_usage);
  g_test_add_func ("/provider-anthropic/parse-response/malformed", test_parse_response_malformed);
  g_test_add_func ("/provider-anthropic/stream/full", test_stream);
  g_test_add_func ("/provider-anthropic/stream/message-delta-input", test_stream_message_delta_input);
  g_test_add_func ("/provider-anthropic/stream/without-event-lines", test_stream_without_event_lines);
  g_test_add_func ("/provider-anthropic/stream/error-event", test_stream_error_event);
  g_test_add_func ("/provider-anthropic/stream/malformed", test_stream_malformed);
  g_test_add_func ("/provider-anthropic/classify-error/table", test_classify_error);
  g_test_add_func ("/provider-anthropic/classify-error/credit", test_classify_credit);

  return g_test_run ();
}
