/* test-provider-gemini.c: the Gemini adapter against payloads in the shape of
 * https://ai.google.dev/api/generate-content and
 * https://ai.google.dev/gemini-api/docs/troubleshooting. */

#include "tg-provider-adapter.h"
#include "tg-provider-test-utils.h"
#include "tg-test-utils.h"

#include <string.h>

#define TEST_KEY "AIzaSyTESTKEY0123456789abcdefghijklmno"

static TgCatalogProvider gemini_provider = {
  .id = (char *) "gemini",
  .name = (char *) "Google Gemini",
  .wire_format = TG_WIRE_FORMAT_GEMINI,
  .base_url = (char *) "https://generativelanguage.googleapis.com",
  .auth_style = TG_AUTH_STYLE_X_GOOG_API_KEY,
  .health_path = (char *) "/v1beta/models",
};

static const TgProviderAdapter *
adapter (void)
{
  return tg_provider_gemini_get_adapter ();
}

/* Request building */

static void
check_no_key_in_url (SoupMessage *message)
{
  g_autofree char *url = tg_provider_test_message_url (message);

  g_assert_null (strstr (url, "key="));
  g_assert_null (strstr (url, "TESTKEY"));
}

static void
test_build_request_stream (void)
{
  g_autoptr(TgChatRequest) request = tg_chat_request_new ("gemini-2.5-flash", "You are a cat. Your name is Neko.", "Hello there");
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  SoupMessageHeaders *headers;
  JsonArray *contents;
  JsonObject *item, *config, *system;

  tg_chat_request_add_message (request, "assistant", "Meow.");
  tg_chat_request_add_message (request, "user", "What do you eat?");
  request->stream = TRUE;
  request->max_tokens = 800;
  request->temperature = 0.1;

  message = adapter ()->build_request (&gemini_provider, TEST_KEY, request, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);

  g_assert_cmpstr (soup_message_get_method (message), ==, "POST");
  url = tg_provider_test_message_url (message);
  g_assert_cmpstr (url, ==,
                   "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  check_no_key_in_url (message);

  headers = soup_message_get_request_headers (message);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "x-goog-api-key"), ==, TEST_KEY);
  g_assert_null (soup_message_headers_get_one (headers, "Authorization"));
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "application/json");

  body = tg_provider_test_request_body (message);
  contents = json_object_get_array_member (body, "contents");
  g_assert_cmpuint (json_array_get_length (contents), ==, 3);
  item = json_array_get_object_element (contents, 0);
  g_assert_cmpstr (json_object_get_string_member (item, "role"), ==, "user");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (item, "parts"), 0),
                                                  "text"), ==, "Hello there");
  item = json_array_get_object_element (contents, 1);
  g_assert_cmpstr (json_object_get_string_member (item, "role"), ==, "model");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (item, "parts"), 0),
                                                  "text"), ==, "Meow.");
  item = json_array_get_object_element (contents, 2);
  g_assert_cmpstr (json_object_get_string_member (item, "role"), ==, "user");

  system = json_object_get_object_member (body, "systemInstruction");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (system, "parts"), 0),
                                                  "text"), ==, "You are a cat. Your name is Neko.");

  config = json_object_get_object_member (body, "generationConfig");
  g_assert_cmpint (json_object_get_int_member (config, "maxOutputTokens"), ==, 800);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (config, "temperature"), 0.1, 1e-9);

  /* Gemini takes no stream flag: the method name says it. */
  g_assert_false (json_object_has_member (body, "stream"));
  g_assert_false (json_object_has_member (body, "model"));
}

static void
test_build_request_plain (void)
{
  g_autoptr(TgChatRequest) request = tg_chat_request_new ("models/gemini-2.5-pro", NULL, "Hi");
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *url = NULL;

  message = adapter ()->build_request (&gemini_provider, TEST_KEY, request, NULL);
  g_assert_nonnull (message);
  url = tg_provider_test_message_url (message);
  g_assert_cmpstr (url, ==, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent");
  check_no_key_in_url (message);

  body = tg_provider_test_request_body (message);
  g_assert_false (json_object_has_member (body, "systemInstruction"));
  g_assert_false (json_object_has_member (body, "generationConfig"));
}

static void
test_build_request_odd_model (void)
{
  /* A model id cannot break out of its path segment. */
  g_autoptr(TgChatRequest) request = tg_chat_request_new ("../../evil?key=x#", NULL, "Hi");
  g_autoptr(SoupMessage) message = adapter ()->build_request (&gemini_provider, TEST_KEY, request, NULL);
  GUri *uri;

  g_assert_nonnull (message);
  uri = soup_message_get_uri (message);
  g_assert_true (g_str_has_prefix (g_uri_get_path (uri), "/v1beta/models/"));
  g_assert_true (g_str_has_suffix (g_uri_get_path (uri), ":generateContent"));
  g_assert_null (g_uri_get_query (uri));
  g_assert_null (g_uri_get_fragment (uri));
}

static void
test_health_request (void)
{
  g_autoptr(SoupMessage) message = adapter ()->build_health_request (&gemini_provider, TEST_KEY);
  g_autofree char *url = NULL;

  g_assert_nonnull (message);
  g_assert_cmpstr (soup_message_get_method (message), ==, "GET");
  url = tg_provider_test_message_url (message);
  g_assert_cmpstr (url, ==, "https://generativelanguage.googleapis.com/v1beta/models");
  g_assert_null (strstr (url, "generateContent"));
  check_no_key_in_url (message);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_request_headers (message), "x-goog-api-key"),
                   ==, TEST_KEY);
  g_assert_null (tg_provider_get_request_body (message));
}

/* Whole replies */

static const char thinking_reply[] =
  "{\n"
  "  \"candidates\": [\n"
  "    {\n"
  "      \"content\": {\n"
  "        \"parts\": [\n"
  "          {\n"
  "            \"text\": \"**Greeting the user**\\n\\nA simple hello calls for a friendly reply.\",\n"
  "            \"thought\": true\n"
  "          },\n"
  "          {\n"
  "            \"text\": \"Hello! How can I help you today?\"\n"
  "          }\n"
  "        ],\n"
  "        \"role\": \"model\"\n"
  "      },\n"
  "      \"finishReason\": \"STOP\",\n"
  "      \"index\": 0\n"
  "    }\n"
  "  ],\n"
  "  \"usageMetadata\": {\n"
  "    \"promptTokenCount\": 2048,\n"
  "    \"candidatesTokenCount\": 9,\n"
  "    \"totalTokenCount\": 2157,\n"
  "    \"cachedContentTokenCount\": 1536,\n"
  "    \"promptTokensDetails\": [\n"
  "      {\n"
  "        \"modality\": \"TEXT\",\n"
  "        \"tokenCount\": 2048\n"
  "      }\n"
  "    ],\n"
  "    \"cacheTokensDetails\": [\n"
  "      {\n"
  "        \"modality\": \"TEXT\",\n"
  "        \"tokenCount\": 1536\n"
  "      }\n"
  "    ],\n"
  "    \"thoughtsTokenCount\": 100\n"
  "  },\n"
  "  \"modelVersion\": \"gemini-2.5-flash\",\n"
  "  \"responseId\": \"mAitaLmkHPPlz7IPvtfUqQ4\"\n"
  "}\n";

static void
test_parse_response (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (), thinking_reply, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (result->text->str, ==, "Hello! How can I help you today?");
  g_assert_cmpstr (result->finish_reason, ==, "STOP");
  g_assert_cmpstr (result->model, ==, "gemini-2.5-flash");
  g_assert_true (result->usage.reported);
  g_assert_cmpint (result->usage.input_tokens, ==, 2048);
  g_assert_cmpint (result->usage.cached_tokens, ==, 1536);
  g_assert_cmpint (result->usage.cache_write_tokens, ==, 0);
  /* Thinking is output: 9 + 100. */
  g_assert_cmpint (result->usage.output_tokens, ==, 109);
}

static void
test_parse_response_no_usage (void)
{
  g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (),
                                                                 "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}],\"role\":\"model\"},\"finishReason\":\"MAX_TOKENS\",\"index\":0}]}",
                                                                 NULL);

  g_assert_nonnull (result);
  g_assert_cmpstr (result->text->str, ==, "Hi");
  g_assert_cmpstr (result->finish_reason, ==, "MAX_TOKENS");
  g_assert_false (result->usage.reported);
}

static void
test_parse_response_safety_stop (void)
{
  /* Stopped for safety: a candidate without content is a valid, empty answer. */
  g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (),
                                                                 "{\"candidates\":[{\"finishReason\":\"SAFETY\",\"index\":0,\"safetyRatings\":[{\"category\":\"HARM_CATEGORY_DANGEROUS_CONTENT\",\"probability\":\"HIGH\",\"blocked\":true}]}],"
                                                                 "\"usageMetadata\":{\"promptTokenCount\":12,\"totalTokenCount\":12},\"modelVersion\":\"gemini-2.0-flash\"}",
                                                                 NULL);

  g_assert_nonnull (result);
  g_assert_cmpstr (result->text->str, ==, "");
  g_assert_cmpstr (result->finish_reason, ==, "SAFETY");
  g_assert_cmpint (result->usage.input_tokens, ==, 12);
  g_assert_cmpint (result->usage.output_tokens, ==, 0);
}

static void
test_parse_response_blocked (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgChatResult) result = tg_provider_test_parse_reply (adapter (),
                                                                 "{\n"
                                                                 "  \"promptFeedback\": {\n"
                                                                 "    \"blockReason\": \"SAFETY\",\n"
                                                                 "    \"safetyRatings\": [\n"
                                                                 "      {\"category\": \"HARM_CATEGORY_SEXUALLY_EXPLICIT\", \"probability\": \"NEGLIGIBLE\"},\n"
                                                                 "      {\"category\": \"HARM_CATEGORY_HATE_SPEECH\", \"probability\": \"HIGH\"},\n"
                                                                 "      {\"category\": \"HARM_CATEGORY_HARASSMENT\", \"probability\": \"NEGLIGIBLE\"},\n"
                                                                 "      {\"category\": \"HARM_CATEGORY_DANGEROUS_CONTENT\", \"probability\": \"NEGLIGIBLE\"}\n"
                                                                 "    ]\n"
                                                                 "  },\n"
                                                                 "  \"usageMetadata\": {\"promptTokenCount\": 8, \"totalTokenCount\": 8},\n"
                                                                 "  \"modelVersion\": \"gemini-2.0-flash\"\n"
                                                                 "}\n", &error);

  g_assert_null (result);
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_REQUEST);
  g_assert_nonnull (strstr (error->message, "SAFETY"));
}

static void
test_parse_response_malformed (void)
{
  const char *bad[] = {
    "",
    "{\"candidates\":[",
    "[{\"candidates\":[]}]",
    "{\"modelVersion\":\"gemini-2.5-flash\"}",
    "{\"candidates\":{}}",
    "{\"candidates\":[\"Hello\"]}",
    "{\"candidates\":[{\"content\":\"Hello\"}]}",
    "{\"candidates\":[{\"content\":{\"parts\":{\"text\":\"Hello\"}}}]}",
    "{\"candidates\":[{\"content\":{\"parts\":[\"Hello\"]}}]}",
    "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":1}]}}]}",
    "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\",\"thought\":\"yes\"}]}}]}",
    "{\"candidates\":[{\"finishReason\":0}]}",
    "{\"candidates\":[],\"usageMetadata\":{\"promptTokenCount\":-8}}",
    "{\"candidates\":[],\"usageMetadata\":{\"promptTokenCount\":8,\"thoughtsTokenCount\":\"x\"}}",
    "{\"candidates\":[],\"usageMetadata\":{\"candidatesTokenCount\":1e19}}",
    "{\"candidates\":[],\"usageMetadata\":[]}",
    "{\"candidates\":[],\"promptFeedback\":{\"blockReason\":4}}",
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

/* Streams: alt=sse sends one GenerateContentResponse per event, CRLF-separated. */

static const char gemini_stream[] =
  "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"**Explaining the color**\\n\\nRayleigh scattering.\",\"thought\": true}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 8,\"totalTokenCount\": 56,\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 8}],\"thoughtsTokenCount\": 48},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"mAitaLmkHPPlz7IPvtfUqQ4\"}\r\n"
  "\r\n"
  "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"The sky\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 8,\"candidatesTokenCount\": 2,\"totalTokenCount\": 58,\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 8}],\"thoughtsTokenCount\": 48},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"mAitaLmkHPPlz7IPvtfUqQ4\"}\r\n"
  "\r\n"
  "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" is blue because of Rayleigh scattering.\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 8,\"candidatesTokenCount\": 9,\"totalTokenCount\": 65,\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 8}],\"thoughtsTokenCount\": 48},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"mAitaLmkHPPlz7IPvtfUqQ4\"}\r\n"
  "\r\n"
  "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 8,\"candidatesTokenCount\": 10,\"totalTokenCount\": 66,\"cachedContentTokenCount\": 4,\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 8}],\"thoughtsTokenCount\": 48},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"mAitaLmkHPPlz7IPvtfUqQ4\"}\r\n"
  "\r\n";

static void
test_stream (void)
{
  const gsize chunks[] = { 8192, 1, 5 };

  for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
    {
      g_autoptr(TgProviderTestStream) stream = tg_provider_test_run_sse_stream (adapter (), gemini_stream, chunks[i]);

      g_assert_no_error (stream->error);
      g_assert_cmpuint (stream->events, ==, 4);
      g_assert_false (stream->done_before_last);
      g_assert_true (stream->result->done);
      g_assert_cmpstr (stream->result->text->str, ==, "The sky is blue because of Rayleigh scattering.");
      g_assert_cmpuint (stream->deltas->len, ==, 2);
      g_assert_cmpstr (g_ptr_array_index (stream->deltas, 0), ==, "The sky");
      g_assert_cmpstr (g_ptr_array_index (stream->deltas, 1), ==, " is blue because of Rayleigh scattering.");
      g_assert_cmpstr (stream->result->finish_reason, ==, "STOP");
      g_assert_cmpstr (stream->result->model, ==, "gemini-2.5-flash");
      /* The last chunk's running totals, not a sum over chunks. */
      g_assert_true (stream->result->usage.reported);
      g_assert_cmpint (stream->result->usage.input_tokens, ==, 8);
      g_assert_cmpint (stream->result->usage.cached_tokens, ==, 4);
      g_assert_cmpint (stream->result->usage.output_tokens, ==, 10 + 48);
    }
}

static void
test_stream_error_event (void)
{
  g_autoptr(TgProviderTestStream) stream = tg_provider_test_run_sse_stream (adapter (),
                                                                            "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Once\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 5,\"candidatesTokenCount\": 1,\"totalTokenCount\": 6},\"modelVersion\": \"gemini-2.5-pro\"}\r\n\r\n"
                                                                            "data: {\"error\": {\"code\": 503, \"message\": \"The model is overloaded. Please try again later.\", \"status\": \"UNAVAILABLE\"}}\r\n\r\n",
                                                                            4096);

  g_assert_error (stream->error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_OVERLOADED);
  g_assert_nonnull (strstr (stream->error->message, "The model is overloaded"));
  g_assert_cmpstr (stream->result->text->str, ==, "Once");
  g_assert_false (stream->result->done);
  g_assert_cmpint (stream->result->usage.output_tokens, ==, 1);
}

static void
test_stream_blocked (void)
{
  g_autoptr(TgProviderTestStream) stream = tg_provider_test_run_sse_stream (adapter (),
                                                                            "data: {\"promptFeedback\": {\"blockReason\": \"PROHIBITED_CONTENT\"},\"usageMetadata\": {\"promptTokenCount\": 9,\"totalTokenCount\": 9},\"modelVersion\": \"gemini-2.5-flash\"}\r\n\r\n",
                                                                            4096);

  g_assert_error (stream->error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_REQUEST);
  g_assert_nonnull (strstr (stream->error->message, "PROHIBITED_CONTENT"));
}

static void
test_stream_malformed (void)
{
  const char *bad[] = {
    "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"The\"}]",
    "[]",
    "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": [\"The\"]}]}}]}",
    "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"The\"}]}}],\"usageMetadata\": {\"promptTokenCount\": 1.5}}",
    "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"The\"}]}}],\"usageMetadata\": {\"promptTokenCount\": -1}}",
    "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"The\"}]}}],\"modelVersion\": 2.5}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(TgChatResult) result = tg_chat_result_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *delta = NULL;

      g_test_message ("event: %s", bad[i]);
      g_assert_false (adapter ()->parse_stream_event ("message", bad[i], result, &delta, &error));
      g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
      g_assert_null (delta);
      /* Nothing of a refused chunk is taken. */
      g_assert_cmpuint (result->text->len, ==, 0);
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
  { 400,
    "{\n  \"error\": {\n    \"code\": 400,\n    \"message\": \"API key not valid. Please pass a valid API key.\",\n    \"status\": \"INVALID_ARGUMENT\",\n    \"details\": [\n      {\n        \"@type\": \"type.googleapis.com/google.rpc.ErrorInfo\",\n        \"reason\": \"API_KEY_INVALID\",\n        \"domain\": \"googleapis.com\",\n        \"metadata\": {\n          \"service\": \"generativelanguage.googleapis.com\"\n        }\n      },\n      {\n        \"@type\": \"type.googleapis.com/google.rpc.LocalizedMessage\",\n        \"locale\": \"en-US\",\n        \"message\": \"API key not valid. Please pass a valid API key.\"\n      }\n    ]\n  }\n}\n",
    NULL, TG_ERROR_CLASS_AUTH, "API key not valid", -1 },
  /* The reason alone is enough. */
  { 400,
    "{\"error\":{\"code\":400,\"message\":\"API Key not found. Please pass a valid API key.\",\"status\":\"INVALID_ARGUMENT\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\",\"domain\":\"googleapis.com\"}]}}",
    NULL, TG_ERROR_CLASS_AUTH, "API Key not found", -1 },
  { 400,
    "{\n  \"error\": {\n    \"code\": 400,\n    \"message\": \"* GenerateContentRequest.contents: contents is not specified\\n\",\n    \"status\": \"INVALID_ARGUMENT\"\n  }\n}\n",
    NULL, TG_ERROR_CLASS_BAD_REQUEST, "contents is not specified", -1 },
  { 400,
    "{\"error\":{\"code\":400,\"message\":\"User location is not supported for the API use.\",\"status\":\"FAILED_PRECONDITION\"}}",
    NULL, TG_ERROR_CLASS_BAD_REQUEST, "User location is not supported", -1 },
  { 403,
    "{\n  \"error\": {\n    \"code\": 403,\n    \"message\": \"Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.\",\n    \"status\": \"PERMISSION_DENIED\"\n  }\n}\n",
    NULL, TG_ERROR_CLASS_AUTH, "unregistered callers", -1 },
  { 404,
    "{\"error\":{\"code\":404,\"message\":\"models/gemini-9 is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.\",\"status\":\"NOT_FOUND\"}}",
    NULL, TG_ERROR_CLASS_BAD_REQUEST, "models/gemini-9 is not found", -1 },
  { 429,
    "{\n  \"error\": {\n    \"code\": 429,\n    \"message\": \"You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\",\n    \"status\": \"RESOURCE_EXHAUSTED\",\n    \"details\": [\n      {\n        \"@type\": \"type.googleapis.com/google.rpc.QuotaFailure\",\n        \"violations\": [\n          {\n            \"quotaMetric\": \"generativelanguage.googleapis.com/generate_content_free_tier_requests\",\n            \"quotaId\": \"GenerateRequestsPerMinutePerProjectPerModel-FreeTier\",\n            \"quotaDimensions\": {\n              \"location\": \"global\",\n              \"model\": \"gemini-2.5-flash\"\n            },\n            \"quotaValue\": \"10\"\n          }\n        ]\n      },\n      {\n        \"@type\": \"type.googleapis.com/google.rpc.Help\",\n        \"links\": [\n          {\n            \"description\": \"Learn more about Gemini API quotas\",\n            \"url\": \"https://ai.google.dev/gemini-api/docs/rate-limits\"\n          }\n        ]\n      },\n      {\n        \"@type\": \"type.googleapis.com/google.rpc.RetryInfo\",\n        \"retryDelay\": \"37s\"\n      }\n    ]\n  }\n}\n",
    NULL, TG_ERROR_CLASS_RATE_LIMITED, "You exceeded your current quota", 37000 },
  /* A Retry-After header wins over the body's RetryInfo. */
  { 429,
    "{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted (e.g. check quota).\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"0.5s\"}]}}",
    "2", TG_ERROR_CLASS_RATE_LIMITED, "Resource has been exhausted", 2000 },
  { 429,
    "{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted (e.g. check quota).\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"0.5s\"}]}}",
    NULL, TG_ERROR_CLASS_RATE_LIMITED, "Resource has been exhausted", 500 },
  { 429,
    "{\"error\":{\"code\":429,\"message\":\"Slow down.\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"-3s\"}]}}",
    NULL, TG_ERROR_CLASS_RATE_LIMITED, "Slow down.", -1 },
  { 500,
    "{\n  \"error\": {\n    \"code\": 500,\n    \"message\": \"An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting\",\n    \"status\": \"INTERNAL\"\n  }\n}\n",
    NULL, TG_ERROR_CLASS_SERVER, "An internal error has occurred", -1 },
  { 503,
    "{\n  \"error\": {\n    \"code\": 503,\n    \"message\": \"The model is overloaded. Please try again later.\",\n    \"status\": \"UNAVAILABLE\"\n  }\n}\n",
    NULL, TG_ERROR_CLASS_OVERLOADED, "The model is overloaded", -1 },
  { 504,
    "{\"error\":{\"code\":504,\"message\":\"Deadline expired before operation could complete.\",\"status\":\"DEADLINE_EXCEEDED\"}}",
    NULL, TG_ERROR_CLASS_TIMEOUT, "Deadline expired", -1 },
  { 502, "<!DOCTYPE html><html lang=en><title>Error 502 (Server Error)!!1</title></html>",
    NULL, TG_ERROR_CLASS_SERVER, "502", -1 },
  { 500, "{\"error\":\"flat\"}", NULL, TG_ERROR_CLASS_SERVER, "500", -1 },
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
        soup_message_headers_append (headers, "Retry-After", c->retry_after);
      adapter ()->classify_error (c->status, headers, body, &retry_ms, &error);

      g_assert_error (error, TG_PROVIDER_ERROR, (gint) c->expected);
      g_assert_nonnull (strstr (error->message, c->message_part));
      g_assert_cmpint (retry_ms, ==, c->retry_ms);
    }
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/provider-gemini/build-request/stream", test_build_request_stream);
  g_test_add_func ("/provider-gemini/build-request/plain", test_build_request_plain);
  g_test_add_func ("/provider-gemini/build-request/odd-model", test_build_request_odd_model);
  g_test_add_func ("/provider-gemini/health-request", test_health_request);
  g_test_add_func ("/provider-gemini/parse-response/thinking", test_parse_response);
  g_test_add_func ("/provider-gemini/parse-response/no-usage", test_parse_response_no_usage);
  g_test_add_func ("/provider-gemini/parse-response/safety-stop", test_parse_response_safety_stop);
  g_test_add_func ("/provider-gemini/parse-response/blocked", test_parse_response_blocked);
  g_test_add_func ("/provider-gemini/parse-response/malformed", test_parse_response_malformed);
  g_test_add_func ("/provider-gemini/stream/full", test_stream);
  g_test_add_func ("/provider-gemini/stream/error-event", test_stream_error_event);
  g_test_add_func ("/provider-gemini/stream/blocked", test_stream_blocked);
  g_test_add_func ("/provider-gemini/stream/malformed", test_stream_malformed);
  g_test_add_func ("/provider-gemini/classify-error/table", test_classify_error);

  return g_test_run ();
}
