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

/* Replies: read with the scanner (tg-json-scan.h). */

enum {
  ROOT_ERROR, ROOT_MESSAGE, ROOT_DONE, ROOT_DONE_REASON, ROOT_MODEL,
  ROOT_PROMPT_EVAL_COUNT, ROOT_EVAL_COUNT, N_ROOT
};
static const char * const root_names[N_ROOT] = {
  "error", "message", "done", "done_reason", "model", "prompt_eval_count", "eval_count",
};

/* One reply object: the whole reply (@whole), or one line of a stream. */
static gboolean
parse_object (const char    *data,
              gsize          length,
              gboolean       whole,
              TgChatResult  *result,
              char         **delta,
              GError       **error)
{
  static const char * const message_names[] = { "content" };
  TgJsonScanner document;
  TgJsonValue root[N_ROOT], content;
  gint64 prompt = 0, eval = 0;
  gboolean has_prompt, has_eval, done;
  gsize from = result->text->len;

  if (!tg_provider_scan_object (&document, data, length, root_names, N_ROOT, root, error))
    return FALSE;

  if (whole && root[ROOT_MESSAGE].type == TG_JSON_NONE && root[ROOT_ERROR].type == TG_JSON_NONE)
    {
      g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                   _("The provider’s reply has no “%s”"), "message");
      return FALSE;
    }

  if (root[ROOT_ERROR].type != TG_JSON_NONE && root[ROOT_ERROR].type != TG_JSON_NULL)
    {
      g_autofree char *error_message = tg_json_value_dup_string (&root[ROOT_ERROR]);

      set_error_from_message (error_message, 0, error);
      return FALSE;
    }

  if (!tg_provider_scan_members (&document, &root[ROOT_MESSAGE], "message", message_names, 1, &content, error) ||
      !tg_provider_scan_check (&content, TG_JSON_STRING, "content", error) ||
      !tg_provider_scan_check (&root[ROOT_DONE], TG_JSON_TRUE, "done", error) ||
      !tg_provider_scan_check (&root[ROOT_DONE_REASON], TG_JSON_STRING, "done_reason", error) ||
      !tg_provider_scan_check (&root[ROOT_MODEL], TG_JSON_STRING, "model", error) ||
      !tg_provider_scan_count (&root[ROOT_PROMPT_EVAL_COUNT], "prompt_eval_count", &prompt, &has_prompt, error) ||
      !tg_provider_scan_count (&root[ROOT_EVAL_COUNT], "eval_count", &eval, &has_eval, error))
    return FALSE;
  done = root[ROOT_DONE].type == TG_JSON_TRUE;

  if (root[ROOT_MESSAGE].type == TG_JSON_NONE && !done)
    {
      g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                   _("The provider’s reply has no “%s”"), "message");
      return FALSE;
    }

  tg_json_value_append (&content, result->text);
  tg_provider_set_delta (result, from, delta);

  /* prompt_eval_count is left out when the whole prompt came from the cache. */
  if (has_prompt || has_eval)
    {
      result->usage.input_tokens = prompt;
      result->usage.output_tokens = eval;
      result->usage.cached_tokens = 0;
      result->usage.cache_write_tokens = 0;
      result->usage.reported = TRUE;
    }
  tg_provider_scan_replace_string (&result->finish_reason, &root[ROOT_DONE_REASON]);
  tg_provider_scan_replace_string (&result->model, &root[ROOT_MODEL]);
  if (done || whole)
    result->done = TRUE;
  return TRUE;
}

static gboolean
ollama_parse_response (GBytes        *body,
                       TgChatResult  *result,
                       GError       **error)
{
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  return parse_object (data, length, TRUE, result, NULL, error);
}

static gboolean
ollama_parse_stream_event (const char    *event_type,
                           const char    *data,
                           TgChatResult  *result,
                           char         **delta,
                           GError       **error)
{
  if (delta != NULL)
    *delta = NULL;

  return parse_object (data, data != NULL ? strlen (data) : 0, FALSE, result, delta, error);
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
