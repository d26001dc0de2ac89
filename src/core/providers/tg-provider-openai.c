/* tg-provider-openai.c: the Chat Completions wire format, spoken by OpenAI and
 * by most others (OpenRouter, Groq, DeepSeek, Mistral, xAI, LM Studio,
 * llama.cpp, vLLM…). https://platform.openai.com/docs/api-reference/chat */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tg-provider-adapter.h"

/* Compatible servers differ in details; these are the ones handled:
 * - max_completion_tokens is OpenAI's; the others only know max_tokens.
 * - DeepSeek reports cache hits as usage.prompt_cache_hit_tokens.
 * - Some servers send no usage at all (reported stays FALSE).
 * - Error bodies come as {"error":{…}}, {"error":"…"}, vLLM's
 *   {"object":"error","message":…} or FastAPI's {"detail":"…"}. */

static SoupMessage *
openai_build_request (const TgCatalogProvider *provider,
                      const char              *api_key,
                      const TgChatRequest     *request,
                      GError                 **error)
{
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(JsonBuilder) builder = NULL;

  if (!tg_provider_check_request (request, error))
    return NULL;

  message = tg_provider_new_message (SOUP_METHOD_POST, provider->base_url, "/chat/completions", error);
  if (message == NULL)
    return NULL;

  if (!tg_provider_apply_auth (soup_message_get_request_headers (message),
                               provider->auth_style, api_key, error))
    return NULL;

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, request->model);

  tg_provider_add_messages (builder, request, TRUE);

  json_builder_set_member_name (builder, "stream");
  json_builder_add_boolean_value (builder, request->stream);

  /* Without it a stream carries no usage at all; it is only allowed with stream. */
  if (request->stream)
    {
      json_builder_set_member_name (builder, "stream_options");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "include_usage");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_end_object (builder);
    }

  if (request->max_tokens > 0)
    {
      /* OpenAI deprecated max_tokens (its reasoning models refuse it);
       * compatible servers mostly know only max_tokens. */
      json_builder_set_member_name (builder,
                                    g_strcmp0 (provider->id, "openai") == 0
                                      ? "max_completion_tokens" : "max_tokens");
      json_builder_add_int_value (builder, request->max_tokens);
    }

  if (request->temperature >= 0)
    {
      json_builder_set_member_name (builder, "temperature");
      json_builder_add_double_value (builder, request->temperature);
    }

  json_builder_end_object (builder);
  tg_provider_set_json_body (message, builder);

  return g_steal_pointer (&message);
}

static SoupMessage *
openai_build_health_request (const TgCatalogProvider *provider,
                             const char              *api_key)
{
  g_autoptr(SoupMessage) message = NULL;
  const char *path = provider->health_path;

  if (path == NULL || *path == '\0')
    path = "/models";

  message = tg_provider_new_message (SOUP_METHOD_GET, provider->base_url, path, NULL);
  if (message == NULL)
    return NULL;

  /* An unusable key is left out: the check then fails with 401, an auth error. */
  tg_provider_apply_auth (soup_message_get_request_headers (message),
                          provider->auth_style, api_key, NULL);

  return g_steal_pointer (&message);
}

/* Replies */

static gboolean
parse_usage (JsonObject  *object,
             TgUsage     *usage,
             GError     **error)
{
  JsonObject *details = NULL;
  gint64 prompt = 0, completion = 0, cached = 0, cache_hit = 0;
  gboolean has_prompt, has_completion, has_cached = FALSE, has_cache_hit;

  if (!tg_provider_json_get_count (object, "prompt_tokens", &prompt, &has_prompt, error) ||
      !tg_provider_json_get_count (object, "completion_tokens", &completion, &has_completion, error) ||
      !tg_provider_json_get_object (object, "prompt_tokens_details", &details, error) ||
      !tg_provider_json_get_count (details, "cached_tokens", &cached, &has_cached, error) ||
      !tg_provider_json_get_count (object, "prompt_cache_hit_tokens", &cache_hit, &has_cache_hit, error))
    return FALSE;

  /* A usage object without either count says nothing. */
  if (!has_prompt && !has_completion)
    return TRUE;

  usage->input_tokens = prompt;
  usage->output_tokens = completion;  /* reasoning tokens are part of it */
  /* DeepSeek's own field (prompt_tokens = hit + miss) wins where it exists. */
  usage->cached_tokens = has_cache_hit ? cache_hit : cached;
  usage->cache_write_tokens = 0;
  usage->reported = TRUE;
  return TRUE;
}

/* Content is a string, or null (tool calls, refusals), or with some servers
 * (Mistral's reasoning models) an array of typed parts. */
static gboolean
append_content (JsonObject  *object,
                GString     *text,
                GError     **error)
{
  JsonNode *node = json_object_get_member (object, "content");
  JsonArray *parts;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_string_append (text, json_node_get_string (node));
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                           _("The provider’s reply has a value of the wrong type for “%s”"), "content");
      return FALSE;
    }

  parts = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (parts); i++)
    {
      JsonNode *part_node = json_array_get_element (parts, i);
      JsonObject *part;
      const char *type = NULL, *part_text = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (part_node))
        {
          g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                               _("The provider’s reply has a value of the wrong type for “%s”"), "content");
          return FALSE;
        }
      part = json_node_get_object (part_node);
      if (!tg_provider_json_get_string (part, "type", &type, error) ||
          !tg_provider_json_get_string (part, "text", &part_text, error))
        return FALSE;
      /* Thinking parts are not the answer. */
      if (g_strcmp0 (type, "text") == 0 && part_text != NULL)
        g_string_append (text, part_text);
    }
  return TRUE;
}

/* choices[] entry for the first (index 0) choice; NULL when there is none. */
static gboolean
first_choice (JsonObject  *root,
              JsonObject **out,
              gboolean    *has_choices,
              GError     **error)
{
  JsonArray *choices = NULL;

  *out = NULL;
  if (!tg_provider_json_get_array (root, "choices", &choices, error))
    return FALSE;
  *has_choices = choices != NULL;
  if (choices == NULL)
    return TRUE;

  for (guint i = 0; i < json_array_get_length (choices); i++)
    {
      JsonNode *node = json_array_get_element (choices, i);
      JsonObject *choice;
      JsonNode *index;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                               _("The provider’s reply has a value of the wrong type for “%s”"), "choices");
          return FALSE;
        }
      choice = json_node_get_object (node);
      index = json_object_get_member (choice, "index");
      /* Only one choice is asked for (n = 1); others, if any, are ignored. */
      if (index == NULL || !JSON_NODE_HOLDS_VALUE (index) ||
          json_node_get_value_type (index) != G_TYPE_INT64 || json_node_get_int (index) == 0)
        {
          *out = choice;
          return TRUE;
        }
    }
  return TRUE;
}

/* The error member's message, type and code, however the server shapes them. */
typedef struct {
  const char *message;
  const char *type;
  const char *code;      /* when a string */
  gint64      code_int;  /* when a number; 0 otherwise */
} ErrorInfo;

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

/* FALSE when @root holds no recognisable error. */
static gboolean
read_error (JsonObject *root,
            ErrorInfo  *info)
{
  JsonNode *node = json_object_get_member (root, "error");

  memset (info, 0, sizeof *info);

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *error = json_node_get_object (node);

      info->message = member_string (error, "message");
      info->type = member_string (error, "type");
      info->code = member_string (error, "code");
      info->code_int = member_int (error, "code");
      return TRUE;
    }

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      info->message = json_node_get_string (node);
      return TRUE;
    }

  if (g_strcmp0 (member_string (root, "object"), "error") == 0)
    {
      info->message = member_string (root, "message");
      info->type = member_string (root, "type");
      info->code = member_string (root, "code");
      info->code_int = member_int (root, "code");
      return TRUE;
    }

  info->message = member_string (root, "detail");
  if (info->message == NULL)
    info->message = member_string (root, "message");
  return info->message != NULL;
}

static gboolean
is_insufficient_quota (const ErrorInfo *info)
{
  return g_strcmp0 (info->code, "insufficient_quota") == 0 ||
         g_strcmp0 (info->type, "insufficient_quota") == 0;
}

static const char *
no_credit_sentence (void)
{
  return _("The account has no credit left; add credit or raise its limit with the provider, as retrying will not help");
}

/* An error that arrived inside a 2xx reply or stream, where there is no status to go by. */
static void
set_error_from_body (const ErrorInfo  *info,
                     GError          **error)
{
  TgErrorClass error_class = TG_ERROR_CLASS_SERVER;

  if (is_insufficient_quota (info))
    {
      tg_provider_set_error_full (error, TG_ERROR_CLASS_AUTH, 0, no_credit_sentence (), info->message);
      return;
    }

  /* OpenRouter puts the HTTP status it would have sent in code. */
  if (info->code_int >= 400 && info->code_int < 600)
    error_class = tg_provider_class_for_status ((guint) info->code_int);
  else if (g_strcmp0 (info->code, "rate_limit_exceeded") == 0 ||
           g_strcmp0 (info->type, "rate_limit_exceeded") == 0 ||
           g_strcmp0 (info->type, "tokens") == 0 ||
           g_strcmp0 (info->type, "requests") == 0)
    error_class = TG_ERROR_CLASS_RATE_LIMITED;
  else if (g_strcmp0 (info->type, "invalid_request_error") == 0)
    error_class = TG_ERROR_CLASS_BAD_REQUEST;
  else if (g_strcmp0 (info->type, "authentication_error") == 0)
    error_class = TG_ERROR_CLASS_AUTH;

  tg_provider_set_error (error, error_class, 0, info->message);
}

static gboolean
openai_parse_response (GBytes        *body,
                       TgChatResult  *result,
                       GError       **error)
{
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  JsonObject *choice = NULL, *message = NULL, *usage_object = NULL;
  const char *finish_reason = NULL, *model = NULL;
  gboolean has_choices = FALSE;
  TgUsage usage = { 0 };
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  root = tg_provider_parse_json_object (data, length, error);
  if (root == NULL)
    return FALSE;

  if (!first_choice (root, &choice, &has_choices, error))
    return FALSE;

  if (!has_choices)
    {
      ErrorInfo info;

      if (read_error (root, &info))
        set_error_from_body (&info, error);
      else
        g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                             _("The provider’s reply has no “%s”"), "choices");
      return FALSE;
    }

  if (choice == NULL)
    {
      g_set_error_literal (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                           _("The provider’s reply has no choice in “choices”"));
      return FALSE;
    }

  if (!tg_provider_json_get_object (choice, "message", &message, error) ||
      !tg_provider_json_get_string (choice, "finish_reason", &finish_reason, error) ||
      !tg_provider_json_get_string (root, "model", &model, error) ||
      !tg_provider_json_get_object (root, "usage", &usage_object, error))
    return FALSE;

  if (message == NULL)
    {
      g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                           _("The provider’s reply has no “%s”"), "message");
      return FALSE;
    }

  if (!append_content (message, text, error))
    return FALSE;
  if (usage_object != NULL && !parse_usage (usage_object, &usage, error))
    return FALSE;

  g_string_append_len (result->text, text->str, text->len);
  result->usage = usage;
  if (finish_reason != NULL)
    {
      g_free (result->finish_reason);
      result->finish_reason = g_strdup (finish_reason);
    }
  if (model != NULL)
    {
      g_free (result->model);
      result->model = g_strdup (model);
    }
  result->done = TRUE;
  return TRUE;
}

static gboolean
openai_parse_stream_event (const char    *event_type,
                           const char    *data,
                           TgChatResult  *result,
                           char         **delta,
                           GError       **error)
{
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  JsonObject *choice = NULL, *delta_object = NULL, *usage_object = NULL;
  const char *finish_reason = NULL, *model = NULL;
  gboolean has_choices = FALSE;
  TgUsage usage = result->usage;
  g_autofree char *trimmed = NULL;

  if (delta != NULL)
    *delta = NULL;

  trimmed = g_strstrip (g_strdup (data != NULL ? data : ""));
  if (g_strcmp0 (trimmed, "[DONE]") == 0)
    {
      result->done = TRUE;
      return TRUE;
    }

  root = tg_provider_parse_json_object (trimmed, strlen (trimmed), error);
  if (root == NULL)
    return FALSE;

  /* Errors after the 200 come as a chunk with an error member (OpenRouter
   * also sends a choice with finish_reason "error" alongside). */
  if (json_object_has_member (root, "error"))
    {
      ErrorInfo info;

      if (read_error (root, &info))
        {
          set_error_from_body (&info, error);
          return FALSE;
        }
    }

  if (!first_choice (root, &choice, &has_choices, error))
    return FALSE;

  if (choice != NULL)
    {
      if (!tg_provider_json_get_object (choice, "delta", &delta_object, error) ||
          !tg_provider_json_get_string (choice, "finish_reason", &finish_reason, error))
        return FALSE;
      if (delta_object != NULL && !append_content (delta_object, text, error))
        return FALSE;
    }

  /* null on every chunk but the last one (choices: []) when include_usage is set. */
  if (!tg_provider_json_get_object (root, "usage", &usage_object, error) ||
      !tg_provider_json_get_string (root, "model", &model, error))
    return FALSE;
  if (usage_object != NULL && !parse_usage (usage_object, &usage, error))
    return FALSE;

  if (text->len > 0)
    {
      g_string_append_len (result->text, text->str, text->len);
      if (delta != NULL)
        *delta = g_strndup (text->str, text->len);
    }
  result->usage = usage;
  if (finish_reason != NULL)
    {
      g_free (result->finish_reason);
      result->finish_reason = g_strdup (finish_reason);
    }
  if (model != NULL)
    {
      g_free (result->model);
      result->model = g_strdup (model);
    }
  return TRUE;
}

static void
openai_classify_error (guint               status,
                       SoupMessageHeaders *headers,
                       GBytes             *body,
                       gint64             *retry_after_ms,
                       GError            **error)
{
  g_autoptr(JsonObject) root = NULL;
  TgErrorClass error_class = tg_provider_class_for_status (status);
  ErrorInfo info = { 0 };
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  const char *retry_ms_header;
  guint64 retry_ms;

  root = tg_provider_parse_json_object (data, length, NULL);
  if (root != NULL)
    read_error (root, &info);

  *retry_after_ms = tg_provider_parse_retry_after (headers, g_get_real_time () / 1000);
  /* OpenAI also sends the wait in milliseconds, which is more precise. */
  retry_ms_header = headers != NULL ? soup_message_headers_get_one (headers, "retry-after-ms") : NULL;
  if (retry_ms_header != NULL &&
      g_ascii_string_to_unsigned (retry_ms_header, 10, 0, G_MAXINT64, &retry_ms, NULL))
    *retry_after_ms = (gint64) retry_ms;

  /* A 429 for an empty account is no rate limit: waiting will not bring money. */
  if (is_insufficient_quota (&info) || status == 402)
    {
      tg_provider_set_error_full (error, TG_ERROR_CLASS_AUTH, status, no_credit_sentence (), info.message);
      return;
    }

  tg_provider_set_error (error, error_class, status, info.message);
}

static const TgProviderAdapter openai_adapter = {
  .format = TG_WIRE_FORMAT_OPENAI,
  .stream_framing = TG_STREAM_SSE,
  .build_request = openai_build_request,
  .build_health_request = openai_build_health_request,
  .parse_response = openai_parse_response,
  .parse_stream_event = openai_parse_stream_event,
  .classify_error = openai_classify_error,
};

const TgProviderAdapter *
tg_provider_openai_get_adapter (void)
{
  return &openai_adapter;
}
