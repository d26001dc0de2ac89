/* test-provider-openai.c: the Chat Completions adapter against payloads in the
 * shape of https://platform.openai.com/docs/api-reference/chat and of the
 * compatible servers' own documentation. */

#include "tg-provider-adapter.h"
#include "tg-provider-test-utils.h"
#include "tg-test-utils.h"

#include <string.h>

#define TEST_KEY "sk-proj-TESTKEY0123456789abcdefghijklmnopqrstuvwxyz"

static TgCatalogProvider openai_provider = {
  .id = (char *) "openai",
  .name = (char *) "OpenAI",
  .wire_format = TG_WIRE_FORMAT_OPENAI,
  .base_url = (char *) "https://api.openai.com/v1",
  .auth_style = TG_AUTH_STYLE_BEARER,
  .health_path = (char *) "/models",
};

static TgCatalogProvider groq_provider = {
  .id = (char *) "groq",
  .name = (char *) "Groq",
  .wire_format = TG_WIRE_FORMAT_OPENAI,
  .base_url = (char *) "https://api.groq.com/openai/v1/",
  .auth_style = TG_AUTH_STYLE_BEARER,
  .health_path = (char *) "/models",
};

static TgCatalogProvider lmstudio_provider = {
  .id = (char *) "lmstudio",
  .name = (char *) "LM Studio",
  .wire_format = TG_WIRE_FORMAT_OPENAI,
  .base_url = (char *) "http://localhost:1234/v1",
  .auth_style = TG_AUTH_STYLE_NONE,
  .health_path = NULL,
  .local = TRUE,
};

static const TgProviderAdapter *
adapter (void)
{
  return tg_provider_openai_get_adapter ();
}

/* Request building */

static void
test_build_request_openai_stream (void)
{
  g_autoptr(TgChatRequest) request = tg_chat_request_new ("gpt-4o-mini", "You are terse.", "Hello!");
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  SoupMessageHeaders *headers;
  JsonArray *messages;
  JsonObject *item;

  tg_chat_request_add_message (request, "assistant", "Hi. What do you need?");
  tg_chat_request_add_message (request, "user", "A haiku about rain.");
  request->stream = TRUE;
  request->max_tokens = 256;
  request->temperature = 0.2;

  message = adapter ()->build_request (&openai_provider, TEST_KEY, request, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);

  g_assert_cmpstr (soup_message_get_method (message), ==, "POST");
  url = tg_provider_test_message_url (message);
  g_assert_cmpstr (url, ==, "https://api.openai.com/v1/chat/completions");
  g_assert_null (strstr (url, "TESTKEY"));

  headers = soup_message_get_request_headers (message);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Authorization"), ==, "Bearer " TEST_KEY);
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "application/json");

  body = tg_provider_test_request_body (message);
  g_assert_nonnull (body);
  g_assert_cmpstr (json_object_get_string_member (body, "model"), ==, "gpt-4o-mini");
  g_assert_true (json_object_get_boolean_member (body, "stream"));
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (body, "stream_options"),
                                                 "include_usage"));
  /* OpenAI itself gets the current field name, not the deprecated one. */
  g_assert_cmpint (json_object_get_int_member (body, "max_completion_tokens"), ==, 256);
  g_assert_false (json_object_has_member (body, "max_tokens"));
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (body, "temperature"), 0.2, 1e-9);

  messages = json_object_get_array_member (body, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 4);
  item = json_array_get_object_element (messages, 0);
  g_assert_cmpstr (json_object_get_string_member (item, "role"), ==, "system");
  g_assert_cmpstr (json_object_get_string_member (item, "content"), ==, "You are terse.");
  item = json_array_get_object_element (messages, 1);
  g_assert_cmpstr (json_object_get_string_member (item, "role"), ==, "user");
  g_assert_cmpstr (json_object_get_string_member (item, "content"), ==, "Hello!");
  item = json_array_get_object_element (messages, 2);
  g_assert_cmpstr (json_object_get_string_member (item, "role"), ==, "assistant");
  g_assert_cmpstr (json_object_get_string_member (item, "content"), ==, "Hi. What do you need?");
  item = json_array_get_object_element (messages, 3);
  g_assert_cmpstr (json_object_get_string_member (item, "role"), ==, "user");
  g_assert_cmpstr (json_object_get_string_member (item, "content"), ==, "A haiku about rain.");
}

static void
test_build_request_compatible (void)
{
  g_autoptr(TgChatRequest) request = tg_chat_request_new ("llama-3.3-70b-versatile", NULL, "Hello!");
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *url = NULL;
  JsonArray *messages;

  request->max_tokens = 100;

  message = adapter ()->build_request (&groq_provider, "gsk_test", request, NULL);
  g_assert_nonnull (message);
  url = tg_provider_test_message_url (message);
  g_assert_cmpstr (url, ==, "https://api.groq.com/openai/v1/chat/completions");

  body = tg_provider_test_request_body (message);
  g_assert_false (json_object_get_boolean_member (body, "stream"));
  /* stream_options is only allowed with stream: true. */
  g_assert_false (json_object_has_member (body, "stream_options"));
  /* Compatible servers know only max_tokens. */
  g_assert_cmpint (json_object_get_int_member (body, "max_tokens"), ==, 100);
  g_assert_false (json_object_has_member (body, "max_completion_tokens"));
  g_assert_false (json_object_has_member (body, "temperature"));

  messages = json_object_get_array_member (body, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 0), "role"), ==, "user");
}

static void
test_build_request_keyless (void)
{
  g_autoptr(TgChatRequest) request = tg_chat_request_new ("qwen2.5-7b-instruct", "", "Hello!");
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *url = NULL;

  request->temperature = 0;

  message = adapter ()->build_request (&lmstudio_provider, NULL, request, NULL);
  g_assert_nonnull (message);
  url = tg_provider_test_message_url (message);
  g_assert_cmpstr (url, ==, "http://localhost:1234/v1/chat/completions");
  g_assert_null (soup_message_headers_get_one (soup_message_get_request_headers (message), "Authorization"));

  body = tg_provider_test_request_body (message);
  /* An empty system prompt is no system message; temperature 0 is a value. */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (body, "messages")), ==, 1);
  g_assert_cmpfloat (json_object_get_double_member (body, "temperature"), ==, 0.0);
  g_assert_false (json_object_has_member (body, "max_tokens"));
}

static void
test_build_request_invalid (void)
{
  g_autoptr(TgChatRequest) request = tg_chat_request_new ("gpt-4o-mini", NULL, "Hello!");
  g_autoptr(TgChatRequest) empty = tg_chat_request_new ("gpt-4o-mini", NULL, NULL);
  TgCatalogProvider broken = openai_provider;
  g_autoptr(GError) error = NULL;
  SoupMessage *message;

  broken.base_url = (char *) "api.openai.com/v1";
  message = adapter ()->build_request (&broken, TEST_KEY, request, &error);
  g_assert_null (message);
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_REQUEST);
  g_clear_error (&error);

  message = adapter ()->build_request (&openai_provider, "sk-pasted\nwith-newline", request, &error);
  g_assert_null (message);
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_AUTH);
  g_assert_null (strstr (error->message, "sk-pasted"));
  g_clear_error (&error);

  message = adapter ()->build_request (&openai_provider, TEST_KEY, empty, &error);
  g_assert_null (message);
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_REQUEST);
}

static void
test_health_request (void)
{
  g_autoptr(SoupMessage) message = adapter ()->build_health_request (&openai_provider, TEST_KEY);
  g_autoptr(SoupMessage) local = adapter ()->build_health_request (&lmstudio_provider, NULL);
  g_autoptr(SoupMessage) broken_key = adapter ()->build_health_request (&openai_provider, "bad key");
  TgCatalogProvider broken = openai_provider;
  g_autofree char *url = NULL;
  g_autofree char *local_url = NULL;

  g_assert_nonnull (message);
  g_assert_cmpstr (soup_message_get_method (message), ==, "GET");
  url = tg_provider_test_message_url (message);
  g_assert_cmpstr (url, ==, "https://api.openai.com/v1/models");
  g_assert_null (strstr (url, "completions"));
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_request_headers (message), "Authorization"),
                   ==, "Bearer " TEST_KEY);
  g_assert_null (tg_provider_get_request_body (message));

  /* No health_path in the catalogue: the list-models default. */
  g_assert_nonnull (local);
  local_url = tg_provider_test_message_url (local);
  g_assert_cmpstr (local_url, ==, "http://localhost:1234/v1/models");
  g_assert_null (soup_message_headers_get_one (soup_message_get_request_headers (local), "Authorization"));

  g_assert_nonnull (broken_key);
  g_assert_null (soup_message_headers_get_one (soup_message_get_request_headers (broken_key), "Authorization"));

  broken.base_url = (char *) "";
  g_assert_null (adapter ()->build_health_request (&broken, TEST_KEY));
}

/* Whole replies */

static const char openai_reply[] =
  "{\n"
  "  \"id\": \"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG\",\n"
  "  \"object\": \"chat.completion\",\n"
  "  \"created\": 1741570283,\n"
  "  \"model\": \"gpt-4o-2024-08-06\",\n"
  "  \"choices\": [\n"
  "    {\n"
  "      \"index\": 0,\n"
  "      \"message\": {\n"
  "        \"role\": \"assistant\",\n"
  "        \"content\": \"The image shows a wooden boardwalk path running through a lush green field or meadow.\",\n"
  "        \"refusal\": null,\n"
  "        \"annotations\": []\n"
  "      },\n"
  "      \"logprobs\": null,\n"
  "      \"finish_reason\": \"stop\"\n"
  "    }\n"
  "  ],\n"
  "  \"usage\": {\n"
  "    \"prompt_tokens\": 1117,\n"
  "    \"completion_tokens\": 46,\n"
  "    \"total_tokens\": 1163,\n"
  "    \"prompt_tokens_details\": {\n"
  "      \"cached_tokens\": 1024,\n"
  "      \"audio_tokens\": 0\n"
  "    },\n"
  "    \"completion_tokens_details\": {\n"
  "      \"reasoning_tokens\": 0,\n"
  "      \"audio_tokens\": 0,\n"
  "      \"accepted_prediction_tokens\": 0,\n"
  "      \"rejected_prediction_tokens\": 0\n"
  "    }\n"
  "  },\n"
  "  \"service_tier\": \"default\",\n"
  "  \"system_fingerprint\": \"fp_fc9f1d7035\"\n"
  "}\n";

/* DeepSeek: https://api-docs.deepseek.com/api/create-chat-completion */
static const char deepseek_reply[] =
  "{\n"
  "  \"id\": \"930c60df-bf64-41c9-a88e-3ec75f81e00e\",\n"
  "  \"object\": \"chat.completion\",\n"
  "  \"created\": 1705651092,\n"
  "  \"model\": \"deepseek-chat\",\n"
  "  \"choices\": [\n"
  "    {\n"
  "      \"index\": 0,\n"
  "      \"message\": {\n"
  "        \"role\": \"assistant\",\n"
  "        \"content\": \"Hello! How can I help you today?\"\n"
  "      },\n"
  "      \"logprobs\": null,\n"
  "      \"finish_reason\": \"stop\"\n"
  "    }\n"
  "  ],\n"
  "  \"usage\": {\n"
  "    \"prompt_tokens\": 1088,\n"
  "    \"completion_tokens\": 10,\n"
  "    \"total_tokens\": 1098,\n"
  "    \"prompt_cache_hit_tokens\": 1024,\n"
  "    \"prompt_cache_miss_tokens\": 64\n"
  "  },\n"
  "  \"system_fingerprint\": \"fp_a49d71b8a1\"\n"
  "}\n";

/* An older llama.cpp server: no usage at all. */
static const char no_usage_reply[] =
  "{\"choices\":[{\"finish_reason\":\"length\",\"index\":0,"
  "\"message\":{\"content\":\"Once upon a time\",\"role\":\"assistant\"}}],"
  "\"created\":1717078946,\"model\":\"gpt-3.5-turbo\",\"object\":\"chat.completion\","
  "\"id\":\"chatcmpl-fBWpzFaHMr1Q5Fk4u6ABzYaOqfh7ClKf\"}";

static void
test_parse_response (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (), openai_reply, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (result->text->str, ==,
                   "The image shows a wooden boardwalk path running through a lush green field or meadow.");
  g_assert_cmpstr (result->finish_reason, ==, "stop");
  g_assert_cmpstr (result->model, ==, "gpt-4o-2024-08-06");
  g_assert_true (result->usage.reported);
  g_assert_cmpint (result->usage.input_tokens, ==, 1117);
  g_assert_cmpint (result->usage.cached_tokens, ==, 1024);
  g_assert_cmpint (result->usage.cache_write_tokens, ==, 0);
  g_assert_cmpint (result->usage.output_tokens, ==, 46);
}

static void
test_parse_response_deepseek (void)
{
  g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (), deepseek_reply, NULL);

  g_assert_nonnull (result);
  g_assert_cmpstr (result->text->str, ==, "Hello! How can I help you today?");
  g_assert_true (result->usage.reported);
  g_assert_cmpint (result->usage.input_tokens, ==, 1088);
  g_assert_cmpint (result->usage.cached_tokens, ==, 1024);
  g_assert_cmpint (result->usage.output_tokens, ==, 10);
}

static void
test_parse_response_no_usage (void)
{
  g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (), no_usage_reply, NULL);

  g_assert_nonnull (result);
  g_assert_cmpstr (result->text->str, ==, "Once upon a time");
  g_assert_cmpstr (result->finish_reason, ==, "length");
  g_assert_false (result->usage.reported);
  g_assert_cmpint (result->usage.input_tokens, ==, 0);
  g_assert_cmpint (result->usage.output_tokens, ==, 0);
}

static void
test_parse_response_content_parts (void)
{
  /* Mistral's reasoning models answer with typed parts. */
  g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (),
                                                                 "{\"id\":\"a1\",\"object\":\"chat.completion\",\"model\":\"magistral-medium-2507\","
                                                                 "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":["
                                                                 "{\"type\":\"thinking\",\"thinking\":[{\"type\":\"text\",\"text\":\"Let me think.\"}]},"
                                                                 "{\"type\":\"text\",\"text\":\"42\"}]},\"finish_reason\":\"stop\"}],"
                                                                 "\"usage\":{\"prompt_tokens\":10,\"total_tokens\":60,\"completion_tokens\":50}}", NULL);

  g_assert_nonnull (result);
  g_assert_cmpstr (result->text->str, ==, "42");
  g_assert_cmpint (result->usage.output_tokens, ==, 50);
}

static void
test_parse_response_malformed (void)
{
  const char *bad[] = {
    "",
    "not json",
    "[{\"choices\":[]}]",
    "{\"object\":\"chat.completion\"}",
    "{\"choices\":\"none\"}",
    "{\"choices\":[]}",
    "{\"choices\":[42]}",
    "{\"choices\":[{\"index\":0,\"finish_reason\":\"stop\"}]}",
    "{\"choices\":[{\"index\":0,\"message\":\"hi\"}]}",
    "{\"choices\":[{\"index\":0,\"message\":{\"content\":42}}]}",
    "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"hi\"},\"finish_reason\":1}]}",
    "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"hi\"}}],\"usage\":[]}",
    "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"hi\"}}],\"usage\":{\"prompt_tokens\":\"9\"}}",
    "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"hi\"}}],\"usage\":{\"prompt_tokens\":-9,\"completion_tokens\":1}}",
    "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"hi\"}}],\"usage\":{\"prompt_tokens\":99999999999999999999999,\"completion_tokens\":1}}",
    "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"hi\"}}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1.5}}",
    "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"hi\"}}],\"usage\":{\"prompt_tokens\":1,\"prompt_tokens_details\":7}}",
    "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"hi\"}}],\"model\":[]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (), bad[i], &error);

      g_test_message ("reply: %s", bad[i]);
      g_assert_null (result);
      g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
      g_assert_cmpstr (error->message, !=, "");
    }
}

static void
test_parse_response_error_body (void)
{
  /* Some servers answer 200 with an error object. */
  g_autoptr(GError) error = NULL;
  g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (),
                                                                 "{\"error\":{\"message\":\"Provider returned error\",\"code\":502}}", &error);

  g_assert_null (result);
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_SERVER);
  g_assert_nonnull (strstr (error->message, "Provider returned error"));
}

/* Streams */

static const char openai_stream[] =
  "data: {\"id\":\"chatcmpl-AyPNinnUqUDYo9SAdA52NobMflmj2\",\"object\":\"chat.completion.chunk\",\"created\":1738960610,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n"
  "\n"
  "data: {\"id\":\"chatcmpl-AyPNinnUqUDYo9SAdA52NobMflmj2\",\"object\":\"chat.completion.chunk\",\"created\":1738960610,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Rain\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n"
  "\n"
  "data: {\"id\":\"chatcmpl-AyPNinnUqUDYo9SAdA52NobMflmj2\",\"object\":\"chat.completion.chunk\",\"created\":1738960610,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" taps\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n"
  "\n"
  "data: {\"id\":\"chatcmpl-AyPNinnUqUDYo9SAdA52NobMflmj2\",\"object\":\"chat.completion.chunk\",\"created\":1738960610,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" the roof — \\u201cdrip\\u201d.\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n"
  "\n"
  "data: {\"id\":\"chatcmpl-AyPNinnUqUDYo9SAdA52NobMflmj2\",\"object\":\"chat.completion.chunk\",\"created\":1738960610,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n"
  "\n"
  "data: {\"id\":\"chatcmpl-AyPNinnUqUDYo9SAdA52NobMflmj2\",\"object\":\"chat.completion.chunk\",\"created\":1738960610,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[],\"usage\":{\"prompt_tokens\":1290,\"completion_tokens\":9,\"total_tokens\":1299,\"prompt_tokens_details\":{\"cached_tokens\":1152,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n"
  "\n"
  "data: [DONE]\n"
  "\n";

static void
check_openai_stream (TgProviderTestStream *stream)
{
  g_assert_no_error (stream->error);
  g_assert_cmpuint (stream->events, ==, 7);
  g_assert_false (stream->done_before_last);
  g_assert_true (stream->result->done);
  g_assert_cmpstr (stream->result->text->str, ==, "Rain taps the roof — “drip”.");
  g_assert_cmpuint (stream->deltas->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (stream->deltas, 0), ==, "Rain");
  g_assert_cmpstr (g_ptr_array_index (stream->deltas, 1), ==, " taps");
  g_assert_cmpstr (g_ptr_array_index (stream->deltas, 2), ==, " the roof — “drip”.");
  g_assert_cmpstr (stream->result->finish_reason, ==, "stop");
  g_assert_cmpstr (stream->result->model, ==, "gpt-4o-mini-2024-07-18");
  g_assert_true (stream->result->usage.reported);
  g_assert_cmpint (stream->result->usage.input_tokens, ==, 1290);
  g_assert_cmpint (stream->result->usage.cached_tokens, ==, 1152);
  g_assert_cmpint (stream->result->usage.output_tokens, ==, 9);
}

static void
test_stream (void)
{
  const gsize chunks[] = { 4096, 1, 7, 100 };

  for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
    {
      g_autoptr(TgProviderTestStream) stream = tg_provider_test_run_sse_stream (adapter (), openai_stream, chunks[i]);

      check_openai_stream (stream);
    }
}

static void
test_stream_no_usage (void)
{
  /* A compatible server that ignores stream_options. */
  g_autoptr(TgProviderTestStream) stream = tg_provider_test_run_sse_stream (adapter (),
                                                                            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}],\"created\":1717078946,\"id\":\"chatcmpl-1\",\"model\":\"local\",\"object\":\"chat.completion.chunk\"}\r\n\r\n"
                                                                            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"created\":1717078946,\"id\":\"chatcmpl-1\",\"model\":\"local\",\"object\":\"chat.completion.chunk\"}\r\n\r\n"
                                                                            "data: [DONE]\r\n\r\n", 4096);

  g_assert_no_error (stream->error);
  g_assert_true (stream->result->done);
  g_assert_cmpstr (stream->result->text->str, ==, "Hi");
  g_assert_false (stream->result->usage.reported);
}

static void
test_stream_error_event (void)
{
  /* OpenRouter: https://openrouter.ai/docs/api-reference/errors (errors during streaming) */
  g_autoptr(TgProviderTestStream) stream = tg_provider_test_run_sse_stream (adapter (),
                                                                            ": OPENROUTER PROCESSING\n\n"
                                                                            "data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1740000000,\"model\":\"openai/gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Par\"},\"finish_reason\":null}]}\n\n"
                                                                            "data: {\"id\":\"cmpl-abc123\",\"object\":\"chat.completion.chunk\",\"created\":1234567890,\"model\":\"gpt-3.5-turbo\",\"provider\":\"openai\",\"error\":{\"code\":\"server_error\",\"message\":\"Provider disconnected unexpectedly\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\n",
                                                                            4096);

  g_assert_error (stream->error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_SERVER);
  g_assert_nonnull (strstr (stream->error->message, "Provider disconnected unexpectedly"));
  g_assert_cmpstr (stream->result->text->str, ==, "Par");
  g_assert_false (stream->result->done);
}

static void
test_stream_malformed (void)
{
  const char *bad[] = {
    "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}",
    "[\"choices\"]",
    "{\"choices\":{\"index\":0}}",
    "{\"choices\":[{\"index\":0,\"delta\":{\"content\":[1]}}]}",
    "{\"choices\":[{\"index\":0,\"delta\":\"Hi\"}]}",
    "{\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":-3}}",
    "{\"choices\":[],\"usage\":{\"prompt_tokens\":true}}",
    "DONE",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(TgChatResult) result = tg_chat_result_new ();
      g_autoptr(GError) error = NULL;
      char *delta = (char *) "untouched";

      g_test_message ("event: %s", bad[i]);
      g_assert_false (adapter ()->parse_stream_event ("message", bad[i], result, &delta, &error));
      g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
      g_assert_null (delta);
      g_assert_cmpuint (result->text->len, ==, 0);
      g_assert_false (result->usage.reported);
    }

  /* No delta wanted: fine too. */
  {
    g_autoptr(TgChatResult) result = tg_chat_result_new ();

    g_assert_true (adapter ()->parse_stream_event ("message",
                                                   "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}",
                                                   result, NULL, NULL));
    g_assert_cmpstr (result->text->str, ==, "x");
  }
}

/* Errors */

typedef struct {
  guint         status;
  const char   *body;
  const char   *retry_after;
  TgErrorClass  expected;
  const char   *message_part;   /* in the error message; NULL: not checked */
  gint64        retry_ms;
} ErrorCase;

static const ErrorCase error_cases[] = {
  { 401,
    "{\n    \"error\": {\n        \"message\": \"Incorrect API key provided: sk-proj-ab**************************************************************************************************************2xYz. You can find your API key at https://platform.openai.com/account/api-keys.\",\n        \"type\": \"invalid_request_error\",\n        \"param\": null,\n        \"code\": \"invalid_api_key\"\n    }\n}\n",
    NULL, TG_ERROR_CLASS_AUTH, "Incorrect API key provided", -1 },
  { 403,
    "{\"error\":{\"message\":\"Country, region, or territory not supported\",\"type\":\"request_forbidden\",\"param\":null,\"code\":\"unsupported_country_region_territory\"}}",
    NULL, TG_ERROR_CLASS_AUTH, "Country, region, or territory not supported", -1 },
  { 429,
    "{\n    \"error\": {\n        \"message\": \"You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.\",\n        \"type\": \"insufficient_quota\",\n        \"param\": null,\n        \"code\": \"insufficient_quota\"\n    }\n}\n",
    NULL, TG_ERROR_CLASS_AUTH, "You exceeded your current quota", -1 },
  { 429,
    "{\n    \"error\": {\n        \"message\": \"Rate limit reached for gpt-4o-mini in organization org-abc on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s. Visit https://platform.openai.com/account/rate-limits to learn more.\",\n        \"type\": \"requests\",\n        \"param\": null,\n        \"code\": \"rate_limit_exceeded\"\n    }\n}\n",
    "20", TG_ERROR_CLASS_RATE_LIMITED, "Rate limit reached", 20000 },
  { 402,
    "{\"error\":{\"code\":402,\"message\":\"Insufficient credits. Add more using https://openrouter.ai/settings/credits\"}}",
    NULL, TG_ERROR_CLASS_AUTH, "Insufficient credits", -1 },
  { 503,
    "{\"error\":{\"message\":\"The engine is currently overloaded, please try again later\",\"type\":\"server_error\",\"param\":null,\"code\":null}}",
    "3", TG_ERROR_CLASS_OVERLOADED, "The engine is currently overloaded", 3000 },
  { 500,
    "{\"error\":{\"message\":\"The server had an error while processing your request. Sorry about that!\",\"type\":\"server_error\",\"param\":null,\"code\":null}}",
    NULL, TG_ERROR_CLASS_SERVER, "The server had an error", -1 },
  { 502, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n",
    NULL, TG_ERROR_CLASS_SERVER, "502", -1 },
  { 400,
    "{\"error\":{\"message\":\"Unrecognized request argument supplied: foo\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}",
    NULL, TG_ERROR_CLASS_BAD_REQUEST, "Unrecognized request argument supplied: foo", -1 },
  { 404,
    "{\"error\":{\"message\":\"The model `gpt-9` does not exist or you do not have access to it.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"model_not_found\"}}",
    NULL, TG_ERROR_CLASS_BAD_REQUEST, "The model `gpt-9` does not exist", -1 },
  /* vLLM */
  { 400,
    "{\"object\":\"error\",\"message\":\"This model's maximum context length is 4096 tokens.\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}",
    NULL, TG_ERROR_CLASS_BAD_REQUEST, "maximum context length is 4096 tokens", -1 },
  /* FastAPI-based servers */
  { 422, "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"model\"],\"msg\":\"Field required\"}]}",
    NULL, TG_ERROR_CLASS_BAD_REQUEST, "422", -1 },
  /* LM Studio */
  { 404, "{\"error\":\"Model does not exist\"}",
    NULL, TG_ERROR_CLASS_BAD_REQUEST, "Model does not exist", -1 },
  { 408, "", NULL, TG_ERROR_CLASS_TIMEOUT, "408", -1 },
  { 504, "upstream request timeout", NULL, TG_ERROR_CLASS_TIMEOUT, "504", -1 },
  { 429, "{\"error\":{\"message\":\"slow down\",\"type\":\"tokens\",\"code\":\"rate_limit_exceeded\"}}",
    "Wed, 21 Oct 2099 07:28:00 GMT", TG_ERROR_CLASS_RATE_LIMITED, "slow down", G_MAXINT64 },
  { 429, "{\"error\":{\"message\":\"slow down\"}}", "whenever", TG_ERROR_CLASS_RATE_LIMITED, "slow down", -1 },
  { 429, "{\"error\":{\"message\":\"slow down\"}}", "Wed, 21 Oct 2015 07:28:00 GMT", TG_ERROR_CLASS_RATE_LIMITED, NULL, 0 },
};

static void
classify (guint        status,
          const char  *body_text,
          const char  *retry_after,
          const char  *retry_after_ms,
          gint64      *retry_ms,
          GError     **error)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  g_autoptr(GBytes) body = body_text != NULL ? g_bytes_new_static (body_text, strlen (body_text)) : NULL;

  if (retry_after != NULL)
    soup_message_headers_append (headers, "Retry-After", retry_after);
  if (retry_after_ms != NULL)
    soup_message_headers_append (headers, "retry-after-ms", retry_after_ms);
  *retry_ms = -42;
  adapter ()->classify_error (status, headers, body, retry_ms, error);
}

/* Only one choice is asked for: the first with index 0 or with no integer
 * index counts, the others are ignored, and only the entries before it must
 * be objects. Pinned for chunks and replies alike, whichever way the event
 * is read (in one pass, or the long way for repeats, escapes and several
 * choices). */
static void
test_one_choice (void)
{
  static const struct {
    const char *choices;   /* the choices member, its entries use "%s" for delta or message */
    const char *text;      /* NULL: BAD_RESPONSE */
  } cases[] = {
    { "\"choices\":[{\"index\":0,\"%s\":{\"content\":\"one\"}}]", "one" },
    { "\"choices\":[{\"index\":1,\"%s\":{\"content\":\"no\"}},{\"index\":0,\"%s\":{\"content\":\"yes\"}}]", "yes" },
    { "\"choices\":[{\"index\":0,\"%s\":{\"content\":\"first\"}},{\"index\":0,\"%s\":{\"content\":\"second\"}}]", "first" },
    { "\"choices\":[{\"%s\":{\"content\":\"no index\"}}]", "no index" },
    { "\"choices\":[{\"index\":\"0\",\"%s\":{\"content\":\"string\"}}]", "string" },
    { "\"choices\":[{\"index\":1.0,\"%s\":{\"content\":\"fraction\"}}]", "fraction" },
    { "\"choices\":[{\"index\":null,\"%s\":{\"content\":\"null\"}}]", "null" },
    { "\"choices\":[{\"index\":0,\"%s\":{\"content\":\"then junk\"}},7,\"x\"]", "then junk" },
    { "\"choices\":[{\"index\":0,\"%s\":{\"content\":\"a\",\"content\":\"last\"}}]", "last" },
    { "\"choices\":[{\"index\":0,\"%s\":{\"content\":\"old\"}}],\"choices\":[{\"index\":0,\"%s\":{\"content\":\"new\"}}]", "new" },
    { "\"choic\\u0065s\":[{\"index\":0,\"%s\":{\"cont\\u0065nt\":\"escaped\"}}]", "escaped" },
    { "\"choices\":[{\"index\":1,\"%s\":{\"content\":\"x\"}},{\"index\":99999999999999999999,\"%s\":{\"content\":\"y\"}}]", "" },
    { "\"choices\":[7,{\"index\":0,\"%s\":{\"content\":\"x\"}}]", NULL },
    { "\"choices\":[{\"index\":1},[],{\"index\":0,\"%s\":{\"content\":\"x\"}}]", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) chunk = g_string_new (cases[i].choices);
      g_autoptr(GString) reply = g_string_new (cases[i].choices);
      g_autoptr(TgChatResult) result = tg_chat_result_new ();
      g_autoptr(TgChatResult) reply_result = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) reply_error = NULL;
      gboolean ok;

      g_string_replace (chunk, "%s", "delta", 0);
      g_string_prepend (chunk, "{\"model\":\"m\",");
      g_string_append (chunk, "}");
      g_test_message ("chunk: %s", chunk->str);
      ok = adapter ()->parse_stream_event ("message", chunk->str, result, NULL, &error);
      if (cases[i].text == NULL)
        {
          g_assert_false (ok);
          g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
          g_assert_cmpstr (error->message, ==, "The provider’s reply has a value of the wrong type for “choices”");
        }
      else
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpstr (result->text->str, ==, cases[i].text);
        }

      /* A reply without a choice is an error of its own. */
      g_string_replace (reply, "%s", "message", 0);
      g_string_prepend (reply, "{\"model\":\"m\",");
      g_string_append (reply, "}");
      g_test_message ("reply: %s", reply->str);
      reply_result = tg_provider_test_parse_reply (adapter (), reply->str, &reply_error);
      if (cases[i].text == NULL || *cases[i].text == '\0')
        {
          g_assert_null (reply_result);
          g_assert_error (reply_error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
        }
      else
        {
          g_assert_no_error (reply_error);
          g_assert_cmpstr (reply_result->text->str, ==, cases[i].text);
        }
    }
}

static void
test_classify_error (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      const ErrorCase *c = &error_cases[i];
      g_autoptr(GError) error = NULL;
      gint64 retry_ms;

      g_test_message ("case %u: HTTP %u", i, c->status);
      classify (c->status, c->body, c->retry_after, NULL, &retry_ms, &error);

      g_assert_error (error, TG_PROVIDER_ERROR, (gint) c->expected);
      if (c->message_part != NULL)
        g_assert_nonnull (strstr (error->message, c->message_part));
      g_assert_null (strstr (error->message, "sk-proj"));
      if (c->retry_ms == G_MAXINT64)
        g_assert_cmpint (retry_ms, >, 0);
      else
        g_assert_cmpint (retry_ms, ==, c->retry_ms);
    }
}

static void
test_classify_insufficient_quota (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) by_type = NULL;
  gint64 retry_ms;

  classify (429, error_cases[2].body, NULL, NULL, &retry_ms, &error);
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_AUTH);
  g_assert_false (tg_error_class_is_retryable (error->code));
  /* It says what is wrong, not just "rate limited". */
  g_assert_nonnull (strstr (error->message, "credit"));

  classify (429, "{\"error\":{\"message\":\"quota\",\"type\":\"insufficient_quota\",\"code\":null}}",
            NULL, NULL, &retry_ms, &by_type);
  g_assert_error (by_type, TG_PROVIDER_ERROR, TG_ERROR_CLASS_AUTH);
}

static void
test_classify_retry_after_ms (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) garbage = NULL;
  gint64 retry_ms;

  classify (429, error_cases[3].body, "20", "19500", &retry_ms, &error);
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_RATE_LIMITED);
  g_assert_cmpint (retry_ms, ==, 19500);

  classify (429, error_cases[3].body, "20", "-1", &retry_ms, &garbage);
  g_assert_cmpint (retry_ms, ==, 20000);
}

static void
test_classify_no_body (void)
{
  g_autoptr(GError) error = NULL;
  gint64 retry_ms = 0;

  adapter ()->classify_error (503, NULL, NULL, &retry_ms, &error);
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_OVERLOADED);
  g_assert_cmpint (retry_ms, ==, -1);
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/provider-openai/build-request/openai-stream", test_build_request_openai_stream);
  g_test_add_func ("/provider-openai/build-request/compatible", test_build_request_compatible);
  g_test_add_func ("/provider-openai/build-request/keyless", test_build_request_keyless);
  g_test_add_func ("/provider-openai/build-request/invalid", test_build_request_invalid);
  g_test_add_func ("/provider-openai/health-request", test_health_request);
  g_test_add_func ("/provider-openai/parse-response/openai", test_parse_response);
  g_test_add_func ("/provider-openai/parse-response/deepseek", test_parse_response_deepseek);
  g_test_add_func ("/provider-openai/parse-response/no-usage", test_parse_response_no_usage);
  g_test_add_func ("/provider-openai/parse-response/content-parts", test_parse_response_content_parts);
  g_test_add_func ("/provider-openai/parse-response/malformed", test_parse_response_malformed);
  g_test_add_func ("/provider-openai/parse-response/error-body", test_parse_response_error_body);
  g_test_add_func ("/provider-openai/stream/openai", test_stream);
  g_test_add_func ("/provider-openai/stream/no-usage", test_stream_no_usage);
  g_test_add_func ("/provider-openai/stream/error-event", test_stream_error_event);
  g_test_add_func ("/provider-openai/stream/malformed", test_stream_malformed);
  g_test_add_func ("/provider-openai/one-choice", test_one_choice);
  g_test_add_func ("/provider-openai/classify-error/table", test_classify_error);
  g_test_add_func ("/provider-openai/classify-error/insufficient-quota", test_classify_insufficient_quota);
  g_test_add_func ("/provider-openai/classify-error/retry-after-ms", test_classify_retry_after_ms);
  g_test_add_func ("/provider-openai/classify-error/no-body", test_classify_no_body);

  return g_test_run ();
}
