/* tg-provider-gemini.c: the Gemini API's generateContent.
 * https://ai.google.dev/api/generate-content
 * https://ai.google.dev/gemini-api/docs/troubleshooting (errors) */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "tg-provider-adapter.h"

/* The longest RetryInfo delay taken at its word; beyond it is nonsense. */
#define MAX_RETRY_DELAY_S (24.0 * 60 * 60)

static SoupMessage *
gemini_build_request (const TgCatalogProvider *provider,
                      const char              *api_key,
                      const TgChatRequest     *request,
                      GError                 **error)
{
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *model = NULL;
  g_autofree char *path = NULL;
  const char *model_id;

  if (!tg_provider_check_request (request, error))
    return NULL;

  /* The API's own resource names are "models/…"; people write either form. */
  model_id = request->model;
  if (g_str_has_prefix (model_id, "models/"))
    model_id += strlen ("models/");
  model = g_uri_escape_string (model_id, NULL, FALSE);

  /* The key goes in a header, never in the URL: URLs end up in logs. */
  path = g_strdup_printf ("/v1beta/models/%s:%s", model,
                          request->stream ? "streamGenerateContent?alt=sse" : "generateContent");

  message = tg_provider_new_message (SOUP_METHOD_POST, provider->base_url, path, error);
  if (message == NULL)
    return NULL;

  if (!tg_provider_apply_auth (soup_message_get_request_headers (message),
                               provider->auth_style, api_key, error))
    return NULL;

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "contents");
  json_builder_begin_array (builder);
  for (guint i = 0; i < request->messages->len; i++)
    {
      const TgChatMessage *chat_message = g_ptr_array_index (request->messages, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "role");
      /* Gemini calls the assistant "model". */
      json_builder_add_string_value (builder,
                                     g_strcmp0 (chat_message->role, "assistant") == 0 ? "model" : "user");
      json_builder_set_member_name (builder, "parts");
      json_builder_begin_array (builder);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, chat_message->content);
      json_builder_end_object (builder);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  if (request->system != NULL && *request->system != '\0')
    {
      json_builder_set_member_name (builder, "systemInstruction");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "parts");
      json_builder_begin_array (builder);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, request->system);
      json_builder_end_object (builder);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }

  if (request->max_tokens > 0 || request->temperature >= 0)
    {
      json_builder_set_member_name (builder, "generationConfig");
      json_builder_begin_object (builder);
      if (request->max_tokens > 0)
        {
          json_builder_set_member_name (builder, "maxOutputTokens");
          json_builder_add_int_value (builder, request->max_tokens);
        }
      if (request->temperature >= 0)
        {
          json_builder_set_member_name (builder, "temperature");
          json_builder_add_double_value (builder, request->temperature);
        }
      json_builder_end_object (builder);
    }

  json_builder_end_object (builder);
  tg_provider_set_json_body (message, builder);

  return g_steal_pointer (&message);
}

static SoupMessage *
gemini_build_health_request (const TgCatalogProvider *provider,
                             const char              *api_key)
{
  g_autoptr(SoupMessage) message = NULL;
  const char *path = provider->health_path;

  if (path == NULL || *path == '\0')
    path = "/v1beta/models";

  message = tg_provider_new_message (SOUP_METHOD_GET, provider->base_url, path, NULL);
  if (message == NULL)
    return NULL;

  /* An unusable key is left out: the check then fails, as an auth error. */
  tg_provider_apply_auth (soup_message_get_request_headers (message),
                          provider->auth_style, api_key, NULL);

  return g_steal_pointer (&message);
}

/* Errors: {"error":{"code":400,"message":"…","status":"INVALID_ARGUMENT","details":[…]}} */

static const char *
member_string (JsonObject *object,
               const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gint64
member_int (JsonObject *object,
            const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (node);
}

static gboolean
class_for_rpc_status (const char   *status,
                      TgErrorClass *out)
{
  static const struct {
    const char   *status;
    TgErrorClass  error_class;
  } map[] = {
    { "INVALID_ARGUMENT", TG_ERROR_CLASS_BAD_REQUEST },
    { "FAILED_PRECONDITION", TG_ERROR_CLASS_BAD_REQUEST },
    { "OUT_OF_RANGE", TG_ERROR_CLASS_BAD_REQUEST },
    { "NOT_FOUND", TG_ERROR_CLASS_BAD_REQUEST },
    { "UNAUTHENTICATED", TG_ERROR_CLASS_AUTH },
    { "PERMISSION_DENIED", TG_ERROR_CLASS_AUTH },
    { "RESOURCE_EXHAUSTED", TG_ERROR_CLASS_RATE_LIMITED },
    { "INTERNAL", TG_ERROR_CLASS_SERVER },
    { "UNKNOWN", TG_ERROR_CLASS_SERVER },
    { "UNAVAILABLE", TG_ERROR_CLASS_OVERLOADED },
    { "DEADLINE_EXCEEDED", TG_ERROR_CLASS_TIMEOUT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    {
      if (g_strcmp0 (status, map[i].status) == 0)
        {
          *out = map[i].error_class;
          return TRUE;
        }
    }
  return FALSE;
}

/* An invalid key is a 400 INVALID_ARGUMENT, told apart only by the
 * ErrorInfo reason (API_KEY_INVALID) or the message. */
static gboolean
is_api_key_error (JsonObject *error_object)
{
  JsonNode *details_node = json_object_get_member (error_object, "details");
  const char *message = member_string (error_object, "message");

  if (details_node != NULL && JSON_NODE_HOLDS_ARRAY (details_node))
    {
      JsonArray *details = json_node_get_array (details_node);

      for (guint i = 0; i < json_array_get_length (details); i++)
        {
          JsonNode *node = json_array_get_element (details, i);
          const char *reason;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          reason = member_string (json_node_get_object (node), "reason");
          if (reason != NULL && g_str_has_prefix (reason, "API_KEY_"))
            return TRUE;
        }
    }

  if (message != NULL)
    {
      g_autofree char *lower = g_ascii_strdown (message, -1);

      if (strstr (lower, "api key not valid") != NULL ||
          strstr (lower, "api key not found") != NULL ||
          strstr (lower, "api key expired") != NULL)
        return TRUE;
    }

  return FALSE;
}

/* google.rpc.RetryInfo's retryDelay ("37s", "0.5s") in ms, or -1. */
static gint64
retry_delay_ms (JsonObject *error_object)
{
  JsonNode *details_node = json_object_get_member (error_object, "details");
  JsonArray *details;

  if (details_node == NULL || !JSON_NODE_HOLDS_ARRAY (details_node))
    return -1;

  details = json_node_get_array (details_node);
  for (guint i = 0; i < json_array_get_length (details); i++)
    {
      JsonNode *node = json_array_get_element (details, i);
      const char *type, *delay;
      char *end = NULL;
      double seconds;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      type = member_string (json_node_get_object (node), "@type");
      delay = member_string (json_node_get_object (node), "retryDelay");
      if (type == NULL || !g_str_has_suffix (type, "google.rpc.RetryInfo") || delay == NULL)
        continue;

      seconds = g_ascii_strtod (delay, &end);
      if (end == delay || g_strcmp0 (end, "s") != 0 ||
          !isfinite (seconds) || seconds < 0 || seconds > MAX_RETRY_DELAY_S)
        return -1;
      return (gint64) (seconds * 1000 + 0.5);
    }
  return -1;
}

/* @status 0: an error inside a 2xx reply or stream; error.code stands in for it. */
static void
set_error_from_object (JsonObject  *error_object,
                       guint        status,
                       GError     **error)
{
  const char *message = member_string (error_object, "message");
  gint64 code = member_int (error_object, "code");
  TgErrorClass error_class;

  if (status == 0 && code >= 400 && code < 600)
    status = (guint) code;

  if (is_api_key_error (error_object))
    error_class = TG_ERROR_CLASS_AUTH;
  else if (!class_for_rpc_status (member_string (error_object, "status"), &error_class))
    error_class = status > 0 ? tg_provider_class_for_status (status) : TG_ERROR_CLASS_SERVER;

  tg_provider_set_error (error, error_class, status, message);
}

/* A GenerateContentResponse: a whole reply, or one chunk of a stream. */
typedef struct {
  GString    *text;
  const char *finish_reason;
  const char *model;
  TgUsage     usage;
} Chunk;

static gboolean
parse_usage (JsonObject  *object,
             TgUsage     *usage,
             GError     **error)
{
  gint64 prompt = 0, candidates = 0, cached = 0, thoughts = 0;
  gboolean has_prompt, has_candidates, has_cached, has_thoughts;

  if (!tg_provider_json_get_count (object, "promptTokenCount", &prompt, &has_prompt, error) ||
      !tg_provider_json_get_count (object, "candidatesTokenCount", &candidates, &has_candidates, error) ||
      !tg_provider_json_get_count (object, "cachedContentTokenCount", &cached, &has_cached, error) ||
      !tg_provider_json_get_count (object, "thoughtsTokenCount", &thoughts, &has_thoughts, error))
    return FALSE;

  if (!has_prompt && !has_candidates && !has_cached && !has_thoughts)
    return TRUE;

  /* promptTokenCount already includes the cached content. */
  usage->input_tokens = prompt;
  usage->cached_tokens = cached;
  usage->cache_write_tokens = 0;
  /* Thinking is billed as output but not counted in candidatesTokenCount. */
  usage->output_tokens = candidates + thoughts;
  usage->reported = TRUE;
  return TRUE;
}

static gboolean
parse_chunk (JsonObject  *root,
             Chunk       *chunk,
             GError     **error)
{
  JsonObject *error_object = NULL, *feedback = NULL, *usage_object = NULL;
  JsonObject *candidate = NULL, *content = NULL;
  JsonArray *candidates = NULL, *parts = NULL;
  const char *block_reason = NULL;

  if (!tg_provider_json_get_object (root, "error", &error_object, error))
    return FALSE;
  if (error_object != NULL)
    {
      set_error_from_object (error_object, 0, error);
      return FALSE;
    }

  if (!tg_provider_json_get_array (root, "candidates", &candidates, error) ||
      !tg_provider_json_get_object (root, "promptFeedback", &feedback, error) ||
      !tg_provider_json_get_string (feedback, "blockReason", &block_reason, error) ||
      !tg_provider_json_get_object (root, "usageMetadata", &usage_object, error) ||
      !tg_provider_json_get_string (root, "modelVersion", &chunk->model, error))
    return FALSE;

  /* A blocked prompt gets no candidates, only the reason. */
  if (block_reason != NULL && (candidates == NULL || json_array_get_length (candidates) == 0))
    {
      tg_provider_set_error_full (error, TG_ERROR_CLASS_BAD_REQUEST, 0,
                                  _("The provider blocked the prompt"), block_reason);
      return FALSE;
    }

  if (candidates != NULL && json_array_get_length (candidates) > 0)
    {
      JsonNode *node = json_array_get_element (candidates, 0);

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                               _("The provider’s reply has a value of the wrong type for “%s”"), "candidates");
          return FALSE;
        }
      candidate = json_node_get_object (node);

      /* content is missing when the candidate was stopped for safety. */
      if (!tg_provider_json_get_object (candidate, "content", &content, error) ||
          !tg_provider_json_get_array (content, "parts", &parts, error) ||
          !tg_provider_json_get_string (candidate, "finishReason", &chunk->finish_reason, error))
        return FALSE;

      for (guint i = 0; parts != NULL && i < json_array_get_length (parts); i++)
        {
          JsonNode *part_node = json_array_get_element (parts, i);
          JsonObject *part;
          const char *text = NULL;
          gboolean thought = FALSE;

          if (!JSON_NODE_HOLDS_OBJECT (part_node))
            {
              g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                                   _("The provider’s reply has a value of the wrong type for “%s”"), "parts");
              return FALSE;
            }
          part = json_node_get_object (part_node);
          if (!tg_provider_json_get_boolean (part, "thought", &thought, NULL, error) ||
              !tg_provider_json_get_string (part, "text", &text, error))
            return FALSE;
          /* Thought summaries are not the answer. */
          if (!thought && text != NULL)
            g_string_append (chunk->text, text);
        }
    }

  if (usage_object != NULL && !parse_usage (usage_object, &chunk->usage, error))
    return FALSE;

  return TRUE;
}

static void
apply_chunk (const Chunk  *chunk,
             TgChatResult *result)
{
  g_string_append_len (result->text, chunk->text->str, chunk->text->len);
  /* Counts in stream chunks are running totals: the latest wins. */
  if (chunk->usage.reported)
    result->usage = chunk->usage;
  if (chunk->finish_reason != NULL)
    {
      g_free (result->finish_reason);
      result->finish_reason = g_strdup (chunk->finish_reason);
    }
  if (chunk->model != NULL)
    {
      g_free (result->model);
      result->model = g_strdup (chunk->model);
    }
}

static gboolean
gemini_parse_response (GBytes        *body,
                       TgChatResult  *result,
                       GError       **error)
{
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  Chunk chunk = { text, NULL, NULL, { 0 } };
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  root = tg_provider_parse_json_object (data, length, error);
  if (root == NULL)
    return FALSE;

  if (!parse_chunk (root, &chunk, error))
    return FALSE;

  if (!json_object_has_member (root, "candidates"))
    {
      g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                           _("The provider’s reply has no “%s”"), "candidates");
      return FALSE;
    }

  apply_chunk (&chunk, result);
  result->done = TRUE;
  return TRUE;
}

static gboolean
gemini_parse_stream_event (const char    *event_type,
                           const char    *data,
                           TgChatResult  *result,
                           char         **delta,
                           GError       **error)
{
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  Chunk chunk = { text, NULL, NULL, { 0 } };

  if (delta != NULL)
    *delta = NULL;

  root = tg_provider_parse_json_object (data, data != NULL ? strlen (data) : 0, error);
  if (root == NULL)
    return FALSE;

  if (!parse_chunk (root, &chunk, error))
    return FALSE;

  apply_chunk (&chunk, result);
  if (text->len > 0 && delta != NULL)
    *delta = g_strndup (text->str, text->len);
  /* There is no [DONE]: the chunk with a finishReason is the last. */
  if (chunk.finish_reason != NULL)
    result->done = TRUE;
  return TRUE;
}

static void
gemini_classify_error (guint               status,
                       SoupMessageHeaders *headers,
                       GBytes             *body,
                       gint64             *retry_after_ms,
                       GError            **error)
{
  g_autoptr(JsonObject) root = NULL;
  JsonNode *error_node = NULL;
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  *retry_after_ms = tg_provider_parse_retry_after (headers, g_get_real_time () / 1000);

  root = tg_provider_parse_json_object (data, length, NULL);
  if (root != NULL)
    error_node = json_object_get_member (root, "error");

  if (error_node == NULL || !JSON_NODE_HOLDS_OBJECT (error_node))
    {
      tg_provider_set_error (error, tg_provider_class_for_status (status), status, NULL);
      return;
    }

  /* A 429 says how long to wait in its RetryInfo rather than a header. */
  if (*retry_after_ms < 0)
    *retry_after_ms = retry_delay_ms (json_node_get_object (error_node));

  set_error_from_object (json_node_get_object (error_node), status, error);
}

static const TgProviderAdapter gemini_adapter = {
  .format = TG_WIRE_FORMAT_GEMINI,
  .stream_framing = TG_STREAM_SSE,
  .build_request = gemini_build_request,
  .build_health_request = gemini_build_health_request,
  .parse_response = gemini_parse_response,
  .parse_stream_event = gemini_parse_stream_event,
  .classify_error = gemini_classify_error,
};

const TgProviderAdapter *
tg_provider_gemini_get_adapter (void)
{
  return &gemini_adapter;
}
