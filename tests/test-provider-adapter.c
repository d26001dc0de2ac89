/* test-provider-adapter.c: what the four wire formats share. */

#include "tg-provider-adapter.h"
#include "tg-test-utils.h"

#include <string.h>

/* 2015-10-21 07:28:00 UTC, the example date of RFC 9110. */
#define EXAMPLE_DATE_MS G_GINT64_CONSTANT (1445412480000)

static void
test_error_class_strings (void)
{
  static const struct {
    TgErrorClass  error_class;
    const char   *name;
    gboolean      retryable;
  } classes[] = {
    { TG_ERROR_CLASS_AUTH, "auth", FALSE },
    { TG_ERROR_CLASS_RATE_LIMITED, "rate-limited", TRUE },
    { TG_ERROR_CLASS_OVERLOADED, "overloaded", TRUE },
    { TG_ERROR_CLASS_SERVER, "server", TRUE },
    { TG_ERROR_CLASS_TIMEOUT, "timeout", TRUE },
    { TG_ERROR_CLASS_NETWORK, "network", TRUE },
    { TG_ERROR_CLASS_BAD_REQUEST, "bad-request", FALSE },
    { TG_ERROR_CLASS_BAD_RESPONSE, "bad-response", FALSE },
    { TG_ERROR_CLASS_CANCELLED, "cancelled", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    {
      TgErrorClass back = -1;

      g_assert_cmpstr (tg_error_class_to_string (classes[i].error_class), ==, classes[i].name);
      g_assert_cmpint (tg_error_class_is_retryable (classes[i].error_class), ==, classes[i].retryable);
      g_assert_true (tg_error_class_from_string (classes[i].name, &back));
      g_assert_cmpint (back, ==, classes[i].error_class);
    }

  g_assert_null (tg_error_class_to_string ((TgErrorClass) 99));
  g_assert_false (tg_error_class_is_retryable ((TgErrorClass) 99));
  g_assert_false (tg_error_class_from_string ("ok", NULL));
  g_assert_false (tg_error_class_from_string (NULL, NULL));
  g_assert_false (tg_error_class_from_string ("AUTH", NULL));
}

static void
test_request_and_result (void)
{
  g_autoptr(TgChatRequest) request = tg_chat_request_new ("gpt-4o-mini", "Be brief.", "Hello");
  g_autoptr(TgChatRequest) bare = tg_chat_request_new ("m", NULL, NULL);
  g_autoptr(TgChatResult) result = tg_chat_result_new ();
  const TgChatMessage *message;

  g_assert_cmpstr (request->model, ==, "gpt-4o-mini");
  g_assert_cmpstr (request->system, ==, "Be brief.");
  g_assert_cmpint (request->max_tokens, ==, 0);
  g_assert_cmpfloat (request->temperature, <, 0);
  g_assert_false (request->stream);
  g_assert_cmpuint (request->messages->len, ==, 1);
  message = g_ptr_array_index (request->messages, 0);
  g_assert_cmpstr (message->role, ==, "user");
  g_assert_cmpstr (message->content, ==, "Hello");

  tg_chat_request_add_message (request, "assistant", "Hi!");
  tg_chat_request_add_message (request, "user", NULL);
  g_assert_cmpuint (request->messages->len, ==, 3);
  message = g_ptr_array_index (request->messages, 2);
  g_assert_cmpstr (message->content, ==, "");

  g_assert_null (bare->system);
  g_assert_cmpuint (bare->messages->len, ==, 0);

  g_assert_nonnull (result->text);
  g_assert_cmpuint (result->text->len, ==, 0);
  g_assert_false (result->usage.reported);
  g_assert_null (result->finish_reason);
  g_assert_null (result->model);
  g_assert_false (result->done);

  tg_chat_request_free (NULL);
  tg_chat_result_free (NULL);
}

static void
test_check_request (void)
{
  g_autoptr(TgChatRequest) good = tg_chat_request_new ("m", NULL, "hi");
  g_autoptr(TgChatRequest) no_model = tg_chat_request_new ("", NULL, "hi");
  g_autoptr(TgChatRequest) no_messages = tg_chat_request_new ("m", NULL, NULL);
  g_autoptr(TgChatRequest) bad_role = tg_chat_request_new ("m", NULL, "hi");
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_provider_check_request (good, NULL));

  g_assert_false (tg_provider_check_request (no_model, &error));
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_REQUEST);
  g_clear_error (&error);

  g_assert_false (tg_provider_check_request (no_messages, &error));
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_REQUEST);
  g_clear_error (&error);

  tg_chat_request_add_message (bad_role, "system", "sneaky");
  g_assert_false (tg_provider_check_request (bad_role, &error));
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_REQUEST);
  g_assert_nonnull (strstr (error->message, "system"));
}

static void
test_adapter_for_format (void)
{
  static const struct {
    TgWireFormat    format;
    TgStreamFraming framing;
  } formats[] = {
    { TG_WIRE_FORMAT_OPENAI, TG_STREAM_SSE },
    { TG_WIRE_FORMAT_ANTHROPIC, TG_STREAM_SSE },
    { TG_WIRE_FORMAT_GEMINI, TG_STREAM_SSE },
    { TG_WIRE_FORMAT_OLLAMA, TG_STREAM_NDJSON },
  };

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      const TgProviderAdapter *adapter = tg_provider_adapter_for_format (formats[i].format);

      g_assert_nonnull (adapter);
      g_assert_cmpint (adapter->format, ==, formats[i].format);
      g_assert_cmpint (adapter->stream_framing, ==, formats[i].framing);
      g_assert_nonnull (adapter->build_request);
      g_assert_nonnull (adapter->build_health_request);
      g_assert_nonnull (adapter->parse_response);
      g_assert_nonnull (adapter->parse_stream_event);
      g_assert_nonnull (adapter->classify_error);
    }

  g_assert_true (tg_provider_adapter_for_format (TG_WIRE_FORMAT_OPENAI) == tg_provider_openai_get_adapter ());
  g_assert_true (tg_provider_adapter_for_format (TG_WIRE_FORMAT_ANTHROPIC) == tg_provider_anthropic_get_adapter ());
  g_assert_true (tg_provider_adapter_for_format (TG_WIRE_FORMAT_GEMINI) == tg_provider_gemini_get_adapter ());
  g_assert_true (tg_provider_adapter_for_format (TG_WIRE_FORMAT_OLLAMA) == tg_provider_ollama_get_adapter ());
  g_assert_null (tg_provider_adapter_for_format ((TgWireFormat) 42));
}

static gint64
retry_after (const char *value,
             gint64      now_ms)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);

  if (value != NULL)
    soup_message_headers_append (headers, "Retry-After", value);
  return tg_provider_parse_retry_after (headers, now_ms);
}

static void
test_retry_after (void)
{
  /* delta-seconds */
  g_assert_cmpint (retry_after ("120", 0), ==, 120000);
  g_assert_cmpint (retry_after ("0", 0), ==, 0);
  g_assert_cmpint (retry_after ("  7 ", 0), ==, 7000);
  g_assert_cmpint (retry_after ("86400", EXAMPLE_DATE_MS), ==, 86400000);

  /* HTTP-date in each of the three forms RFC 9110 lets a recipient accept */
  g_assert_cmpint (retry_after ("Wed, 21 Oct 2015 07:28:00 GMT", EXAMPLE_DATE_MS - 90000), ==, 90000);
  g_assert_cmpint (retry_after ("Wednesday, 21-Oct-15 07:28:00 GMT", EXAMPLE_DATE_MS - 1000), ==, 1000);
  g_assert_cmpint (retry_after ("Wed Oct 21 07:28:00 2015", EXAMPLE_DATE_MS - 30000), ==, 30000);
  /* a date already past is "now", never negative */
  g_assert_cmpint (retry_after ("Wed, 21 Oct 2015 07:28:00 GMT", EXAMPLE_DATE_MS + 5000), ==, 0);
  g_assert_cmpint (retry_after ("Wed, 21 Oct 2015 07:28:00 GMT", EXAMPLE_DATE_MS), ==, 0);

  /* absent or unreadable */
  g_assert_cmpint (retry_after (NULL, 0), ==, -1);
  g_assert_cmpint (tg_provider_parse_retry_after (NULL, 0), ==, -1);
  g_assert_cmpint (retry_after ("", 0), ==, -1);
  g_assert_cmpint (retry_after ("soon", 0), ==, -1);
  g_assert_cmpint (retry_after ("-5", 0), ==, -1);
  g_assert_cmpint (retry_after ("1.5", 0), ==, -1);
  g_assert_cmpint (retry_after ("10s", 0), ==, -1);
  g_assert_cmpint (retry_after ("0x10", 0), ==, -1);
  g_assert_cmpint (retry_after ("99999999999999999999999", 0), ==, -1);
  g_assert_cmpint (retry_after ("Wed, 32 Oct 2015 07:28:00 GMT", 0), ==, -1);
}

static void
test_class_for_status (void)
{
  static const struct {
    guint        status;
    TgErrorClass error_class;
  } statuses[] = {
    { 400, TG_ERROR_CLASS_BAD_REQUEST },
    { 401, TG_ERROR_CLASS_AUTH },
    { 402, TG_ERROR_CLASS_AUTH },
    { 403, TG_ERROR_CLASS_AUTH },
    { 404, TG_ERROR_CLASS_BAD_REQUEST },
    { 408, TG_ERROR_CLASS_TIMEOUT },
    { 409, TG_ERROR_CLASS_BAD_REQUEST },
    { 413, TG_ERROR_CLASS_BAD_REQUEST },
    { 422, TG_ERROR_CLASS_BAD_REQUEST },
    { 429, TG_ERROR_CLASS_RATE_LIMITED },
    { 500, TG_ERROR_CLASS_SERVER },
    { 502, TG_ERROR_CLASS_SERVER },
    { 503, TG_ERROR_CLASS_OVERLOADED },
    { 504, TG_ERROR_CLASS_TIMEOUT },
    { 524, TG_ERROR_CLASS_TIMEOUT },
    { 529, TG_ERROR_CLASS_OVERLOADED },
    { 599, TG_ERROR_CLASS_SERVER },
    { 0, TG_ERROR_CLASS_BAD_RESPONSE },
    { 302, TG_ERROR_CLASS_BAD_RESPONSE },
    { 999, TG_ERROR_CLASS_BAD_RESPONSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_test_message ("status %u", statuses[i].status);
      g_assert_cmpint (tg_provider_class_for_status (statuses[i].status), ==, statuses[i].error_class);
    }
}

static void
test_class_for_transport_error (void)
{
  static const struct {
    guint        domain;  /* index into domains[] below */
    gint         code;
    TgErrorClass error_class;
  } errors[] = {
    { 0, G_IO_ERROR_CANCELLED, TG_ERROR_CLASS_CANCELLED },
    { 0, G_IO_ERROR_TIMED_OUT, TG_ERROR_CLASS_TIMEOUT },
    { 0, G_IO_ERROR_CONNECTION_REFUSED, TG_ERROR_CLASS_NETWORK },
    { 0, G_IO_ERROR_HOST_UNREACHABLE, TG_ERROR_CLASS_NETWORK },
    { 0, G_IO_ERROR_CONNECTION_CLOSED, TG_ERROR_CLASS_NETWORK },
    { 1, G_RESOLVER_ERROR_NOT_FOUND, TG_ERROR_CLASS_NETWORK },
    { 2, G_TLS_ERROR_BAD_CERTIFICATE, TG_ERROR_CLASS_NETWORK },
    { 3, SOUP_SESSION_ERROR_PARSING, TG_ERROR_CLASS_BAD_RESPONSE },
    { 3, SOUP_SESSION_ERROR_TOO_MANY_REDIRECTS, TG_ERROR_CLASS_BAD_RESPONSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (errors); i++)
    {
      GQuark domains[] = { G_IO_ERROR, G_RESOLVER_ERROR, G_TLS_ERROR, SOUP_SESSION_ERROR };
      g_autoptr(GError) error = g_error_new_literal (domains[errors[i].domain], errors[i].code, "x");

      g_assert_cmpint (tg_provider_class_for_transport_error (error), ==, errors[i].error_class);
    }
  g_assert_cmpint (tg_provider_class_for_transport_error (NULL), ==, TG_ERROR_CLASS_NETWORK);
}

static void
test_join_url (void)
{
  static const struct {
    const char *base, *path, *expected;
  } cases[] = {
    { "https://api.openai.com/v1", "/chat/completions", "https://api.openai.com/v1/chat/completions" },
    { "https://api.openai.com/v1/", "/chat/completions", "https://api.openai.com/v1/chat/completions" },
    { "https://api.openai.com/v1", "chat/completions", "https://api.openai.com/v1/chat/completions" },
    { "https://api.openai.com/v1//", "//models", "https://api.openai.com/v1/models" },
    { "http://localhost:11434", "/api/tags", "http://localhost:11434/api/tags" },
    { "http://localhost:11434/", "", "http://localhost:11434" },
    { "http://localhost:11434", NULL, "http://localhost:11434" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *url = tg_provider_join_url (cases[i].base, cases[i].path);

      g_assert_cmpstr (url, ==, cases[i].expected);
    }
}

static void
test_new_message (void)
{
  const char *bad[] = { NULL, "", "api.openai.com/v1", "ftp://example.com", "http://", "not a url", "file:///etc" };
  g_autoptr(SoupMessage) message = NULL;
  g_autofree char *uri = NULL;

  message = tg_provider_new_message (SOUP_METHOD_GET, "https://api.example.com/v1/", "/models", NULL);
  g_assert_nonnull (message);
  g_assert_cmpstr (soup_message_get_method (message), ==, "GET");
  uri = g_uri_to_string (soup_message_get_uri (message));
  g_assert_cmpstr (uri, ==, "https://api.example.com/v1/models");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SoupMessage) bad_message = tg_provider_new_message (SOUP_METHOD_POST, bad[i], "/x", &error);

      g_assert_null (bad_message);
      g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_REQUEST);
    }
}

static void
test_apply_auth (void)
{
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GError) error = NULL;
  const char *bad_keys[] = { "sk-abc\r\nX-Evil: 1", "sk abc", "sk-\tabc", "sk-ключ" };

  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_assert_true (tg_provider_apply_auth (headers, TG_AUTH_STYLE_BEARER, "sk-test-123", NULL));
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Authorization"), ==, "Bearer sk-test-123");
  g_clear_pointer (&headers, soup_message_headers_unref);

  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_assert_true (tg_provider_apply_auth (headers, TG_AUTH_STYLE_X_API_KEY, "sk-ant-test", NULL));
  g_assert_cmpstr (soup_message_headers_get_one (headers, "x-api-key"), ==, "sk-ant-test");
  g_assert_null (soup_message_headers_get_one (headers, "Authorization"));
  g_clear_pointer (&headers, soup_message_headers_unref);

  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_assert_true (tg_provider_apply_auth (headers, TG_AUTH_STYLE_X_GOOG_API_KEY, "AIzaTest", NULL));
  g_assert_cmpstr (soup_message_headers_get_one (headers, "x-goog-api-key"), ==, "AIzaTest");
  g_assert_null (soup_message_headers_get_one (headers, "Authorization"));
  g_clear_pointer (&headers, soup_message_headers_unref);

  /* A keyless style with a key: the key is for a proxy in front. */
  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_assert_true (tg_provider_apply_auth (headers, TG_AUTH_STYLE_NONE, "proxy-token", NULL));
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Authorization"), ==, "Bearer proxy-token");
  g_clear_pointer (&headers, soup_message_headers_unref);

  /* No key, no header. */
  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_assert_true (tg_provider_apply_auth (headers, TG_AUTH_STYLE_BEARER, NULL, NULL));
  g_assert_true (tg_provider_apply_auth (headers, TG_AUTH_STYLE_X_API_KEY, "", NULL));
  g_assert_null (soup_message_headers_get_one (headers, "Authorization"));
  g_assert_null (soup_message_headers_get_one (headers, "x-api-key"));

  for (guint i = 0; i < G_N_ELEMENTS (bad_keys); i++)
    {
      g_assert_false (tg_provider_apply_auth (headers, TG_AUTH_STYLE_BEARER, bad_keys[i], &error));
      g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_AUTH);
      g_assert_null (strstr (error->message, "abc"));
      g_assert_null (strstr (error->message, "ключ"));
      g_assert_null (soup_message_headers_get_one (headers, "Authorization"));
      g_clear_error (&error);
    }
}

static void
test_set_error (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *long_message = NULL;

  tg_provider_set_error (&error, TG_ERROR_CLASS_RATE_LIMITED, 429, "Rate limit reached for requests");
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_RATE_LIMITED);
  g_assert_nonnull (strstr (error->message, "429"));
  g_assert_nonnull (strstr (error->message, "Rate limit reached for requests"));
  g_clear_error (&error);

  tg_provider_set_error (&error, TG_ERROR_CLASS_SERVER, 500, NULL);
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_SERVER);
  g_assert_nonnull (strstr (error->message, "500"));
  g_clear_error (&error);

  tg_provider_set_error (&error, TG_ERROR_CLASS_OVERLOADED, 0, "Overloaded");
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_OVERLOADED);
  g_assert_null (strstr (error->message, "HTTP"));
  g_assert_nonnull (strstr (error->message, "Overloaded"));
  g_clear_error (&error);

  tg_provider_set_error_full (&error, TG_ERROR_CLASS_AUTH, 429, "No money.", "quota");
  g_assert_true (g_str_has_prefix (error->message, "No money."));
  g_clear_error (&error);

  /* Keys echoed by providers, masked or not, never reach the message. */
  tg_provider_set_error (&error, TG_ERROR_CLASS_AUTH, 401,
                         "Incorrect API key provided: sk-proj-AbCd************************************wXyZ. "
                         "You can find your API key at https://platform.openai.com/account/api-keys.");
  g_assert_null (strstr (error->message, "sk-proj"));
  g_assert_null (strstr (error->message, "wXyZ"));
  g_assert_nonnull (strstr (error->message, "Incorrect API key provided"));
  g_assert_nonnull (strstr (error->message, "https://platform.openai.com/account/api-keys"));
  g_clear_error (&error);

  tg_provider_set_error (&error, TG_ERROR_CLASS_AUTH, 400,
                         "Key AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe and a5f3c2d1e4b6a7f8c9d0e1f2a3b4c5d6e7 are bad; "
                         "model claude-3-5-sonnet-20241022 is fine, req_011CSHoEeqs5C35K2UUqR7Fy too");
  g_assert_null (strstr (error->message, "AIza"));
  g_assert_null (strstr (error->message, "a5f3c2d1"));
  g_assert_nonnull (strstr (error->message, "claude-3-5-sonnet-20241022"));
  g_assert_nonnull (strstr (error->message, "req_011CSHoEeqs5C35K2UUqR7Fy"));
  g_clear_error (&error);

  /* One line, not a page. */
  long_message = g_strnfill (5000, 'x');
  long_message[10] = '\n';
  tg_provider_set_error (&error, TG_ERROR_CLASS_SERVER, 500, long_message);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_cmpuint (strlen (error->message), <, 600);
  g_clear_error (&error);

  tg_provider_set_error (&error, TG_ERROR_CLASS_SERVER, 0, "bad \xff utf-8");
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_parse_json_object (void)
{
  const char *bad[] = { "", "   ", "[1,2]", "\"text\"", "42", "null", "{\"a\":", "nul", "{\"a\":1,}" };
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  object = tg_provider_parse_json_object ("{\"a\":1}", 7, &error);
  g_assert_no_error (error);
  g_assert_nonnull (object);
  g_assert_cmpint (json_object_get_int_member (object, "a"), ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonObject) bad_object = tg_provider_parse_json_object (bad[i], strlen (bad[i]), &error);

      g_assert_null (bad_object);
      g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
      g_clear_error (&error);
    }

  g_assert_null (tg_provider_parse_json_object (NULL, 0, &error));
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
  g_clear_error (&error);

  g_assert_null (tg_provider_parse_json_object ("{\"a\":\"\xff\"}", 9, &error));
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
  g_clear_error (&error);

  /* A million open brackets would overflow the parser's stack. */
  g_string_append_c (deep, '{');
  g_string_append (deep, "\"a\":");
  for (guint i = 0; i < 1000000; i++)
    g_string_append_c (deep, '[');
  g_assert_null (tg_provider_parse_json_object (deep->str, deep->len, &error));
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
  g_clear_error (&error);

  /* Brackets inside strings are text. */
  g_clear_pointer (&object, json_object_unref);
  g_string_assign (deep, "{\"a\":\"");
  for (guint i = 0; i < 1000; i++)
    g_string_append (deep, "[{");
  g_string_append (deep, "\\\"\"}");
  object = tg_provider_parse_json_object (deep->str, deep->len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (object);
}

static void
test_parse_json_two_values (void)
{
  /* A streamed reply read as a whole: two values. json-glib 1.6 leaks the
   * first one if it is asked to parse this, so it must be refused before. */
  static const char two[] = "{\"a\":1}\n{\"b\":2}\n";
  static const char one_with_space[] = "  {\"a\":\"}{\"}\n\t ";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) ok = NULL;
  JsonObject *refused = tg_provider_parse_json_object (two, strlen (two), &error);

  g_assert_null (refused);
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "more than one"));

  /* Nor may a scalar come first: json-glib would leak it the same way. */
  for (guint i = 0; i < 3; i++)
    {
      static const char *scalars[] = { "8{\"a\":1}", "null{\"a\":1}", "\"x\"{\"a\":1}" };
      g_autoptr(GError) scalar_error = NULL;

      g_assert_null (tg_provider_parse_json_object (scalars[i], strlen (scalars[i]), &scalar_error));
      g_assert_error (scalar_error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
    }

  /* Braces inside strings and trailing white space are fine. */
  ok = tg_provider_parse_json_object (one_with_space, strlen (one_with_space), NULL);
  g_assert_nonnull (ok);
  g_assert_cmpstr (json_object_get_string_member (ok, "a"), ==, "}{");
}

static void
test_scan_getters (void)
{
  static const char json[] =
    "{\"count\":12,\"double_count\":12.0,\"fraction\":12.5,\"negative\":-1,"
    "\"wrapped\":18446744073709551617,\"huge\":9223372036854775807,\"inf\":1e400,"
    "\"string\":\"s\",\"null\":null,\"bool\":true,\"object\":{\"a\":1},\"array\":[],"
    "\"exp_count\":1.5e3,\"minus_zero\":-0}";
  enum {
    COUNT, DOUBLE_COUNT, FRACTION, NEGATIVE, WRAPPED, HUGE, INF, STRING, NULL_, BOOL, OBJECT, ARRAY,
    EXP_COUNT, MINUS_ZERO, ABSENT, N
  };
  static const char * const names[N] = {
    "count", "double_count", "fraction", "negative", "wrapped", "huge", "inf", "string", "null", "bool",
    "object", "array", "exp_count", "minus_zero", "absent",
  };
  static const guint bad_counts[] = { FRACTION, NEGATIVE, WRAPPED, HUGE, INF, STRING, BOOL, OBJECT, ARRAY };
  static const char * const object_names[] = { "a" };
  g_autoptr(GError) error = NULL;
  g_autoptr(TgChatResult) result = tg_chat_result_new ();
  g_autofree char *delta = NULL;
  TgJsonScanner document;
  TgJsonValue values[N], member;
  gboolean present = FALSE;
  gint64 count = -1;
  char *model;

  g_assert_true (tg_provider_scan_object (&document, json, strlen (json), names, N, values, &error));
  g_assert_no_error (error);

  g_assert_true (tg_provider_scan_count (&values[COUNT], "count", &count, &present, NULL));
  g_assert_true (present);
  g_assert_cmpint (count, ==, 12);
  g_assert_true (tg_provider_scan_count (&values[DOUBLE_COUNT], "double_count", &count, &present, NULL));
  g_assert_cmpint (count, ==, 12);
  g_assert_true (tg_provider_scan_count (&values[EXP_COUNT], "exp_count", &count, &present, NULL));
  g_assert_cmpint (count, ==, 1500);
  g_assert_true (tg_provider_scan_count (&values[MINUS_ZERO], "minus_zero", &count, &present, NULL));
  g_assert_cmpint (count, ==, 0);

  count = 77;
  g_assert_true (tg_provider_scan_count (&values[NULL_], "null", &count, &present, NULL));
  g_assert_false (present);
  g_assert_cmpint (count, ==, 77);
  g_assert_true (tg_provider_scan_count (&values[ABSENT], "absent", &count, NULL, NULL));
  g_assert_cmpint (count, ==, 77);

  for (guint i = 0; i < G_N_ELEMENTS (bad_counts); i++)
    {
      g_assert_false (tg_provider_scan_count (&values[bad_counts[i]], names[bad_counts[i]], &count, &present, &error));
      g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
      g_assert_nonnull (strstr (error->message, names[bad_counts[i]]));
      g_assert_false (present);
      g_clear_error (&error);
    }

  g_assert_true (tg_provider_scan_check (&values[STRING], TG_JSON_STRING, "string", NULL));
  g_assert_true (tg_json_value_equal (&values[STRING], "s"));
  g_assert_true (tg_provider_scan_check (&values[NULL_], TG_JSON_STRING, "null", NULL));
  g_assert_cmpint (values[NULL_].type, ==, TG_JSON_NONE);
  g_assert_false (tg_provider_scan_check (&values[COUNT], TG_JSON_STRING, "count", &error));
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "count"));
  g_assert_cmpint (values[COUNT].type, ==, TG_JSON_NONE);
  g_clear_error (&error);

  g_assert_true (tg_provider_scan_check (&values[BOOL], TG_JSON_TRUE, "bool", NULL));
  g_assert_cmpint (values[BOOL].type, ==, TG_JSON_TRUE);
  g_assert_false (tg_provider_scan_check (&values[ARRAY], TG_JSON_OBJECT, "array", &error));
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
  g_clear_error (&error);

  g_assert_true (tg_provider_scan_members (&document, &values[OBJECT], "object", object_names, 1, &member, NULL));
  g_assert_true (tg_provider_scan_count (&member, "a", &count, &present, NULL));
  g_assert_cmpint (count, ==, 1);
  g_assert_true (tg_provider_scan_members (&document, &values[ABSENT], "absent", object_names, 1, &member, NULL));
  g_assert_cmpint (member.type, ==, TG_JSON_NONE);
  /* The model every event repeats is copied once. */
  tg_provider_scan_replace_string (&result->model, &values[STRING]);
  model = result->model;
  g_assert_cmpstr (model, ==, "s");
  tg_provider_scan_replace_string (&result->model, &values[STRING]);
  g_assert_true (result->model == model);
  tg_provider_scan_replace_string (&result->model, &values[ABSENT]);
  g_assert_cmpstr (result->model, ==, "s");

  g_assert_false (tg_provider_scan_members (&document, &values[STRING], "string", object_names, 1, &member, &error));
  g_assert_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE);
  g_clear_error (&error);

  g_string_append (result->text, "ab");
  tg_provider_set_delta (result, 2, &delta);
  g_assert_null (delta);
  g_string_append (result->text, "cd");
  tg_provider_set_delta (result, 2, &delta);
  g_assert_cmpstr (delta, ==, "cd");
  tg_provider_set_delta (result, 2, NULL);
}

static void
test_json_body (void)
{
  g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_POST, "https://example.com/x");
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonObject) object = NULL;
  GBytes *body;
  gsize length;
  const char *data;

  g_assert_null (tg_provider_get_request_body (message));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, "héllo \"world\"");
  json_builder_end_object (builder);
  tg_provider_set_json_body (message, builder);

  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_request_headers (message), NULL),
                   ==, "application/json");
  body = tg_provider_get_request_body (message);
  g_assert_nonnull (body);
  data = g_bytes_get_data (body, &length);
  g_assert_cmpint (soup_message_headers_get_content_length (soup_message_get_request_headers (message)), ==, length);
  object = tg_provider_parse_json_object (data, length, NULL);
  g_assert_cmpstr (json_object_get_string_member (object, "text"), ==, "héllo \"world\"");
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/provider-adapter/error-class-strings", test_error_class_strings);
  g_test_add_func ("/provider-adapter/request-and-result", test_request_and_result);
  g_test_add_func ("/provider-adapter/check-request", test_check_request);
  g_test_add_func ("/provider-adapter/adapter-for-format", test_adapter_for_format);
  g_test_add_func ("/provider-adapter/retry-after", test_retry_after);
  g_test_add_func ("/provider-adapter/class-for-status", test_class_for_status);
  g_test_add_func ("/provider-adapter/class-for-transport-error", test_class_for_transport_error);
  g_test_add_func ("/provider-adapter/join-url", test_join_url);
  g_test_add_func ("/provider-adapter/new-message", test_new_message);
  g_test_add_func ("/provider-adapter/apply-auth", test_apply_auth);
  g_test_add_func ("/provider-adapter/set-error", test_set_error);
  g_test_add_func ("/provider-adapter/parse-json-object", test_parse_json_object);
  g_test_add_func ("/provider-adapter/parse-json-two-values", test_parse_json_two_values);
  g_test_add_func ("/provider-adapter/scan-getters", test_scan_getters);
  g_test_add_func ("/provider-adapter/json-body", test_json_body);

  return g_test_run ();
}
