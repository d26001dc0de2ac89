/* tg-provider-ollama.c: Ollama's native chat API.
 * https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tg-provider-adapter.h"

static SoupMessage *
ollama_build_request (const TgCatalogProvider *provider,
                      const char              *api_key,
                      const TgChatRequest     *request,
                      GError                 **error)
{
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(JsonBuilder) builder = NULL;

  if (!tg_provider_check_request (request, error))
    return NULL;

  message = tg_provider_new_message (SOUP_METHOD_POST, provider->base_url, "/api/chat", error);
  if (message == NULL)
    return NULL;

  /* Ollama wants no key; one is sent only for a proxy in front of it. */
  if (!tg_provider_apply_auth (soup_message_get_request_headers (message),
                               provider->auth_style, api_key, error))
    return NULL;

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, request->model);

  tg_provider_add_messages (builder, request, TRUE);

  /* Always explicit: Ollama streams unless told not to. */
  json_builder_set_member_name (builder, "stream");
  json_builder_add_boolean_value (builder, request->stream);

  if (request->max_tokens > 0 || request->temperature >= 0)
    {
      json_builder_set_member_name (builder, "options");
      json_builder_begin_object (builder);
      if (request->max_tokens > 0)
        {
          json_builder_set_member_name (builder, "num_predict");
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
ollama_build_health_request (const TgCatalogProvider *provider,
                             const char              *api_key)
{
  g_autoptr(SoupMessage) message = NULL;
  const char *path = provider->health_path;

  if (path == NULL || *path == '\0')
    path = "/api/tags";

  message = tg_provider_new_message (SOUP_METHOD_GET, provider->base_url, path, NULL);
  if (message == NULL)
    return NULL;

  tg_provider_apply_auth (soup_message_get_request_headers (message),
                          provider->auth_style, api_key, NULL);

  return g_steal_pointer (&message);
}

/* Errors are {"error":"model \"x\" not found, try pulling it first"}, as a
 * whole reply or as one line of a stream. */
static void
set_error_from_message (const char  *message,
                        guint        status,
                        GError     **error)
{
  TgErrorClass error_class = status > 0 ? tg_provider_class_for_status (status) : TG_ERROR_CLASS_SERVER;

  /* A missing model is our request's fault whatever status came with it. */
  if (message != NULL && strstr (message, "not found") != NULL)
    error_class = TG_ERROR_CLASS_BAD_REQUEST;

  tg_provider_set_error (error, error_class, status, message);
}

/* One reply object: the whole reply, or one line of a stream. */
static gboolean
parse_object (JsonObject    *root,
              TgChatResult  *result,
              char         **delta,
              GError       **error)
{
  JsonObject *message = NULL;
  const char *error_message = NULL, *content = NULL, *done_reason = NULL, *model = NULL;
  gboolean done = FALSE;
  gint64 prompt = 0, eval = 0;
  gboolean has_prompt, has_eval;

  if (json_object_has_member (root, "error"))
    {
      JsonNode *node = json_object_get_member (root, "error");

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        error_message = json_node_get_string (node);
      if (!JSON_NODE_HOLDS_NULL (node))
        {
          set_error_from_message (error_message, 0, error);
          return FALSE;
        }
    }

  if (!tg_provider_json_get_object (root, "message", &message, error) ||
      !tg_provider_json_get_string (message, "content", &content, error) ||
      !tg_provider_json_get_boolean (root, "done", &done, NULL, error) ||
      !tg_provider_json_get_string (root, "done_reason", &done_reason, error) ||
      !tg_provider_json_get_string (root, "model", &model, error) ||
      !tg_provider_json_get_count (root, "prompt_eval_count", &prompt, &has_prompt, error) ||
      !tg_provider_json_get_count (root, "eval_count", &eval, &has_eval, error))
    return FALSE;

  if (message == NULL && !done)
    {
      g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                           _("The provider’s reply has no “%s”"), "message");
      return FALSE;
    }

  if (content != NULL && *content != '\0')
    {
      g_string_append (result->text, content);
      if (delta != NULL)
        *delta = g_strdup (content);
    }

  /* prompt_eval_count is left out when the whole prompt came from the cache. */
  if (has_prompt || has_eval)
    {
      result->usage.input_tokens = prompt;
      result->usage.output_tokens = eval;
      result->usage.cached_tokens = 0;
      result->usage.cache_write_tokens = 0;
      result->usage.reported = TRUE;
    }
  if (done_reason != NULL)
    {
      g_free (result->finish_reason);
      result->finish_reason = g_strdup (done_reason);
    }
  if (model != NULL)
    {
      g_free (result->model);
      result->model = g_strdup (model);
    }
  if (done)
    result->done = TRUE;
  return TRUE;
}

static gboolean
ollama_parse_response (GBytes        *body,
                       TgChatResult  *result,
                       GError       **error)
{
  g_autoptr(JsonObject) root = NULL;
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  root = tg_provider_parse_json_object (data, length, error);
  if (root == NULL)
    return FALSE;

  if (!json_object_has_member (root, "message") && !json_object_has_member (root, "error"))
    {
      g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                           _("The provider’s reply has no “%s”"), "message");
      return FALSE;
    }

  if (!parse_object (root, result, NULL, error))
    return FALSE;

  result->done = TRUE;
  return TRUE;
}

static gboolean
ollama_parse_stream_event (const char    *event_type,
                           const char    *data,
                           TgChatResult  *result,
                           char         **delta,
                           GError       **error)
{
  g_autoptr(JsonObject) root = NULL;

  if (delta != NULL)
    *delta = NULL;

  root = tg_provider_parse_json_object (data, data != NULL ? strlen (data) : 0, error);
  if (root == NULL)
    return FALSE;

  return parse_object (root, result, delta, error);
}

static void
ollama_classify_error (guint               status,
                       SoupMessageHeaders *headers,
                       GBytes             *body,
                       gint64             *retry_after_ms,
                       GError            **error)
{
  g_autoptr(JsonObject) root = NULL;
  const char *message = NULL;
  JsonNode *node = NULL;
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  *retry_after_ms = tg_provider_parse_retry_after (headers, g_get_real_time () / 1000);

  root = tg_provider_parse_json_object (data, length, NULL);
  if (root != NULL)
    node = json_object_get_member (root, "error");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    message = json_node_get_string (node);

  set_error_from_message (message, status, error);
}

static const TgProviderAdapter ollama_adapter = {
  .format = TG_WIRE_FORMAT_OLLAMA,
  .stream_framing = TG_STREAM_NDJSON,
  .build_request = ollama_build_request,
  .build_health_request = ollama_build_health_request,
  .parse_response = ollama_parse_response,
  .parse_stream_event = ollama_parse_stream_event,
  .classify_error = ollama_classify_error,
};

const TgProviderAdapter *
tg_provider_ollama_get_adapter (void)
{
  return &ollama_adapter;
}
