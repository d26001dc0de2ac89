/* tg-provider-anthropic.c: the Messages wire format.
 * https://docs.anthropic.com/en/api/messages
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tg-provider-adapter.h"

#define ANTHROPIC_VERSION "2023-06-01"

/* max_tokens is required by the Messages API; this fits every current model. */
#define DEFAULT_MAX_TOKENS 4096

static void
set_common_headers (SoupMessageHeaders *headers)
{
  soup_message_headers_replace (headers, "anthropic-version", ANTHROPIC_VERSION);
}

static SoupMessage *
anthropic_build_request (const TgCatalogProvider *provider,
                         const char              *api_key,
                         const TgChatRequest     *request,
                         GError                 **error)
{
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  SoupMessageHeaders *headers;

  if (!tg_provider_check_request (request, error))
    return NULL;

  message = tg_provider_new_message (SOUP_METHOD_POST, provider->base_url, "/v1/messages", error);
  if (message == NULL)
    return NULL;

  headers = soup_message_get_request_headers (message);
  if (!tg_provider_apply_auth (headers, provider->auth_style, api_key, error))
    return NULL;
  set_common_headers (headers);

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, request->model);

  json_builder_set_member_name (builder, "max_tokens");
  json_builder_add_int_value (builder, request->max_tokens > 0 ? request->max_tokens : DEFAULT_MAX_TOKENS);

  /* There is no "system" role in messages: the system prompt is top-level. */
  if (request->system != NULL && *request->system != '\0')
    {
      json_builder_set_member_name (builder, "system");
      json_builder_add_string_value (builder, request->system);
    }

  tg_provider_add_messages (builder, request, FALSE);

  if (request->temperature >= 0)
    {
      json_builder_set_member_name (builder, "temperature");
      json_builder_add_double_value (builder, request->temperature);
    }

  json_builder_set_member_name (builder, "stream");
  json_builder_add_boolean_value (builder, request->stream);

  json_builder_end_object (builder);
  tg_provider_set_json_body (message, builder);

  return g_steal_pointer (&message);
}

static SoupMessage *
anthropic_build_health_request (const TgCatalogProvider *provider,
                                const char              *api_key)
{
  g_autoptr(SoupMessage) message = NULL;
  SoupMessageHeaders *headers;
  const char *path = provider->health_path;

  if (path == NULL || *path == '\0')
    path = "/v1/models";

  message = tg_provider_new_message (SOUP_METHOD_GET, provider->base_url, path, NULL);
  if (message == NULL)
    return NULL;

  headers = soup_message_get_request_headers (message);
  /* An unusable key is left out: the check then fails with 401, an auth error. */
  tg_provider_apply_auth (headers, provider->auth_style, api_key, NULL);
  set_common_headers (headers);

  return g_steal_pointer (&message);
}

/* Usage. Anthropic's input_tokens leaves out the tokens read from and written
 * to the cache; TgUsage.input_tokens counts every prompt token. */

typedef struct {
  gint64 input;          /* uncached input, as Anthropic counts it */
  gint64 cache_read;
  gint64 cache_creation;
  gint64 output;
  gboolean has_input, has_cache_read, has_cache_creation, has_output;
} RawUsage;

static gboolean
read_usage (const TgJsonScanner *document,
            TgJsonValue         *object,
            RawUsage            *raw,
            GError             **error)
{
  enum { INPUT, CACHE_READ, CACHE_CREATION, OUTPUT, N_USAGE };
  static const char * const names[N_USAGE] = {
    "input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "output_tokens",
  };
  TgJsonValue values[N_USAGE];

  return tg_provider_scan_members (document, object, "usage", names, N_USAGE, values, error) &&
         tg_provider_scan_count (&values[INPUT], names[INPUT], &raw->input, &raw->has_input, error) &&
         tg_provider_scan_count (&values[CACHE_READ], names[CACHE_READ], &raw->cache_read, &raw->has_cache_read, error) &&
         tg_provider_scan_count (&values[CACHE_CREATION], names[CACHE_CREATION], &raw->cache_creation,
                                 &raw->has_cache_creation, error) &&
         tg_provider_scan_count (&values[OUTPUT], names[OUTPUT], &raw->output, &raw->has_output, error);
}

/* Every count is cumulative, so what a message carries replaces what was
 * known; what it leaves out stays. */
static void
merge_usage (TgUsage        *usage,
             const RawUsage *raw)
{
  gint64 input = usage->input_tokens - usage->cached_tokens - usage->cache_write_tokens;

  if (!raw->has_input && !raw->has_cache_read && !raw->has_cache_creation && !raw->has_output)
    return;

  if (raw->has_input)
    input = raw->input;
  if (raw->has_cache_read)
    usage->cached_tokens = raw->cache_read;
  if (raw->has_cache_creation)
    usage->cache_write_tokens = raw->cache_creation;
  if (raw->has_output)
    usage->output_tokens = raw->output;

  usage->input_tokens = input + usage->cached_tokens + usage->cache_write_tokens;
  usage->reported = TRUE;
}

/* Errors: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}} */

static gboolean
class_for_error_type (const char   *type,
                      TgErrorClass *out)
{
  static const struct {
    const char   *type;
    TgErrorClass  error_class;
  } map[] = {
    { "invalid_request_error", TG_ERROR_CLASS_BAD_REQUEST },
    { "not_found_error", TG_ERROR_CLASS_BAD_REQUEST },
    { "request_too_large", TG_ERROR_CLASS_BAD_REQUEST },
    { "authentication_error", TG_ERROR_CLASS_AUTH },
    { "permission_error", TG_ERROR_CLASS_AUTH },
    { "billing_error", TG_ERROR_CLASS_AUTH },
    { "rate_limit_error", TG_ERROR_CLASS_RATE_LIMITED },
    { "api_error", TG_ERROR_CLASS_SERVER },
    { "overloaded_error", TG_ERROR_CLASS_OVERLOADED },
    { "timeout_error", TG_ERROR_CLASS_TIMEOUT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    {
      if (g_strcmp0 (type, map[i].type) == 0)
        {
          *out = map[i].error_class;
          return TRUE;
        }
    }
  return FALSE;
}

static const char *
member_string (JsonObject *object,
               const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
member_object (JsonObject *object,
               const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

/* @status 0: an error event inside a stream. */
static void
set_error_from_object (JsonObject  *root,
                       guint        status,
                       GError     **error)
{
  JsonObject *error_object = member_object (root, "error");
  const char *type = member_string (error_object, "type");
  const char *message = member_string (error_object, "message");
  TgErrorClass error_class;

  /* An empty account is a billing_error, or a 400 invalid_request_error
   * ("Your credit balance is too low…"), which is no fault of the request. */
  if (g_strcmp0 (type, "billing_error") == 0 ||
      (message != NULL && strstr (message, "credit balance") != NULL))
    {
      tg_provider_set_error_full (error, TG_ERROR_CLASS_AUTH, status,
                                  _("The account has no credit left; add credit or raise its limit with the provider, as retrying will not help"),
                                  message);
      return;
    }

  if (!class_for_error_type (type, &error_class))
    error_class = status > 0 ? tg_provider_class_for_status (status) : TG_ERROR_CLASS_SERVER;

  tg_provider_set_error (error, error_class, status, message);
}

/* Replies: read with the scanner (tg-json-scan.h), the errors in them with json-glib. */

enum {
  ROOT_TYPE, ROOT_MESSAGE, ROOT_CONTENT_BLOCK, ROOT_DELTA, ROOT_USAGE,
  ROOT_CONTENT, ROOT_STOP_REASON, ROOT_MODEL, N_ROOT
};
static const char * const root_names[N_ROOT] = {
  "type", "message", "content_block", "delta", "usage", "content", "stop_reason", "model",
};

/* The error a 2xx reply or stream event holds (a rare path, read with json-glib). */
static void
error_from_body (const char  *data,
                 gsize        length,
                 GError     **error)
{
  g_autoptr(JsonObject) root = tg_provider_parse_json_object (data, length, error);

  if (root != NULL)
    set_error_from_object (root, 0, error);
}

/* Appends the text of the text blocks in @content. */
static gboolean
append_content (const TgJsonScanner *document,
                const TgJsonValue   *content,
                GString             *text,
                GError             **error)
{
  enum { BLOCK_TYPE, BLOCK_TEXT, N_BLOCK };
  static const char * const block_names[N_BLOCK] = { "type", "text" };
  TgJsonScanner blocks;

  tg_provider_scan_array (&blocks, document, content);
  for (;;)
    {
      TgJsonValue block[N_BLOCK];
      gboolean more;

      if (!tg_provider_scan_next_object (&blocks, "content", block_names, N_BLOCK, block, &more, error))
        return FALSE;
      if (!more)
        break;
      if (!tg_provider_scan_check (&block[BLOCK_TYPE], TG_JSON_STRING, "type", error))
        return FALSE;
      /* Thinking, tool use and the like are not the answer's text. */
      if (!tg_json_value_equal (&block[BLOCK_TYPE], "text"))
        continue;
      if (!tg_provider_scan_check (&block[BLOCK_TEXT], TG_JSON_STRING, "text", error))
        return FALSE;
      tg_json_value_append (&block[BLOCK_TEXT], text);
    }
  return TRUE;
}

static gboolean
anthropic_parse_response (GBytes        *body,
                          TgChatResult  *result,
                          GError       **error)
{
  TgJsonScanner document;
  TgJsonValue root[N_ROOT];
  RawUsage raw = { 0 };
  TgUsage usage = { 0 };
  gsize length = 0, from = result->text->len;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  if (!tg_provider_scan_object (&document, data, length, root_names, N_ROOT, root, error) ||
      !tg_provider_scan_check (&root[ROOT_TYPE], TG_JSON_STRING, "type", error))
    return FALSE;
  if (tg_json_value_equal (&root[ROOT_TYPE], "error"))
    {
      error_from_body (data, length, error);
      return FALSE;
    }

  if (!tg_provider_scan_check (&root[ROOT_CONTENT], TG_JSON_ARRAY, "content", error) ||
      !tg_provider_scan_check (&root[ROOT_STOP_REASON], TG_JSON_STRING, "stop_reason", error) ||
      !tg_provider_scan_check (&root[ROOT_MODEL], TG_JSON_STRING, "model", error) ||
      !tg_provider_scan_check (&root[ROOT_USAGE], TG_JSON_OBJECT, "usage", error))
    return FALSE;

  if (root[ROOT_CONTENT].type == TG_JSON_NONE)
    {
      g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                   _("The provider’s reply has no “%s”"), "content");
      return FALSE;
    }

  if (!append_content (&document, &root[ROOT_CONTENT], result->text, error) ||
      !read_usage (&document, &root[ROOT_USAGE], &raw, error))
    {
      g_string_truncate (result->text, from);
      return FALSE;
    }
  merge_usage (&usage, &raw);

  result->usage = usage;
  tg_provider_scan_replace_string (&result->finish_reason, &root[ROOT_STOP_REASON]);
  tg_provider_scan_replace_string (&result->model, &root[ROOT_MODEL]);
  result->done = TRUE;
  return TRUE;
}

/* The event's type: the SSE event name, else the data's "type". */
static gboolean
is_type (const char        *event_name,
         const TgJsonValue *type,
         const char        *name)
{
  return event_name != NULL ? g_str_equal (event_name, name) : tg_json_value_equal (type, name);
}

static gboolean
anthropic_parse_stream_event (const char    *event_type,
                              const char    *data,
                              TgChatResult  *result,
                              char         **delta,
                              GError       **error)
{
  TgJsonScanner document;
  TgJsonValue root[N_ROOT];
  const char *event_name = NULL;

  if (delta != NULL)
    *delta = NULL;

  if (!tg_provider_scan_object (&document, data, data != NULL ? strlen (data) : 0, root_names, N_ROOT, root, error) ||
      !tg_provider_scan_check (&root[ROOT_TYPE], TG_JSON_STRING, "type", error))
    return FALSE;
  /* The SSE event name and the data's type agree; the name is missing when a
   * proxy dropped the event: lines. */
  if (event_type != NULL && *event_type != '\0' && g_strcmp0 (event_type, "message") != 0)
    event_name = event_type;

  if (is_type (event_name, &root[ROOT_TYPE], "message_start"))
    {
      enum { MESSAGE_USAGE, MESSAGE_MODEL, N_MESSAGE };
      static const char * const message_names[N_MESSAGE] = { "usage", "model" };
      TgJsonValue message[N_MESSAGE];
      RawUsage raw = { 0 };

      if (!tg_provider_scan_members (&document, &root[ROOT_MESSAGE], "message", message_names, N_MESSAGE,
                                     message, error) ||
          !tg_provider_scan_check (&message[MESSAGE_USAGE], TG_JSON_OBJECT, "usage", error) ||
          !tg_provider_scan_check (&message[MESSAGE_MODEL], TG_JSON_STRING, "model", error) ||
          !read_usage (&document, &message[MESSAGE_USAGE], &raw, error))
        return FALSE;

      merge_usage (&result->usage, &raw);
      tg_provider_scan_replace_string (&result->model, &message[MESSAGE_MODEL]);
      return TRUE;
    }

  if (is_type (event_name, &root[ROOT_TYPE], "content_block_start") ||
      is_type (event_name, &root[ROOT_TYPE], "content_block_delta"))
    {
      enum { BLOCK_TYPE, BLOCK_TEXT, N_BLOCK };
      static const char * const block_names[N_BLOCK] = { "type", "text" };
      gboolean is_start = is_type (event_name, &root[ROOT_TYPE], "content_block_start");
      TgJsonValue block[N_BLOCK];
      gsize from = result->text->len;

      if (!tg_provider_scan_members (&document, &root[is_start ? ROOT_CONTENT_BLOCK : ROOT_DELTA],
                                     is_start ? "content_block" : "delta", block_names, N_BLOCK, block, error) ||
          !tg_provider_scan_check (&block[BLOCK_TYPE], TG_JSON_STRING, "type", error))
        return FALSE;

      /* thinking_delta, signature_delta, input_json_delta carry no answer text. */
      if (!tg_json_value_equal (&block[BLOCK_TYPE], is_start ? "text" : "text_delta"))
        return TRUE;
      if (!tg_provider_scan_check (&block[BLOCK_TEXT], TG_JSON_STRING, "text", error))
        return FALSE;

      tg_json_value_append (&block[BLOCK_TEXT], result->text);
      tg_provider_set_delta (result, from, delta);
      return TRUE;
    }

  if (is_type (event_name, &root[ROOT_TYPE], "message_delta"))
    {
      static const char * const delta_names[] = { "stop_reason" };
      TgJsonValue stop_reason;
      RawUsage raw = { 0 };

      if (!tg_provider_scan_members (&document, &root[ROOT_DELTA], "delta", delta_names, 1, &stop_reason, error) ||
          !tg_provider_scan_check (&stop_reason, TG_JSON_STRING, "stop_reason", error) ||
          !tg_provider_scan_check (&root[ROOT_USAGE], TG_JSON_OBJECT, "usage", error) ||
          !read_usage (&document, &root[ROOT_USAGE], &raw, error))
        return FALSE;

      /* output_tokens here is the running total, not an increment. */
      merge_usage (&result->usage, &raw);
      tg_provider_scan_replace_string (&result->finish_reason, &stop_reason);
      return TRUE;
    }

  if (is_type (event_name, &root[ROOT_TYPE], "message_stop"))
    {
      result->done = TRUE;
      return TRUE;
    }

  if (is_type (event_name, &root[ROOT_TYPE], "error"))
    {
      error_from_body (data, strlen (data), error);
      return FALSE;
    }

  /* ping, content_block_stop, and event types added later: nothing to take. */
  return TRUE;
}

static void
anthropic_classify_error (guint               status,
                          SoupMessageHeaders *headers,
                          GBytes             *body,
                          gint64             *retry_after_ms,
                          GError            **error)
{
  g_autoptr(JsonObject) root = NULL;
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  *retry_after_ms = tg_provider_parse_retry_after (headers, g_get_real_time () / 1000);

  root = tg_provider_parse_json_object (data, length, NULL);
  if (root == NULL)
    {
      tg_provider_set_error (error, tg_provider_class_for_status (status), status, NULL);
      return;
    }

  set_error_from_object (root, status, error);
}

static const TgProviderAdapter anthropic_adapter = {
  .format = TG_WIRE_FORMAT_ANTHROPIC,
  .stream_framing = TG_STREAM_SSE,
  .build_request = anthropic_build_request,
  .build_health_request = anthropic_build_health_request,
  .parse_response = anthropic_parse_response,
  .parse_stream_event = anthropic_parse_stream_event,
  .classify_error = anthropic_classify_error,
};

const TgProviderAdapter *
tg_provider_anthropic_get_adapter (void)
{
  return &anthropic_adapter;
}
