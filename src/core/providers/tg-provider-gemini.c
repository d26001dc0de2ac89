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

/* Replies: read with the scanner (tg-json-scan.h), the errors in them with json-glib. */

enum { ROOT_ERROR, ROOT_CANDIDATES, ROOT_PROMPT_FEEDBACK, ROOT_USAGE, ROOT_MODEL, N_ROOT };
static const char * const root_names[N_ROOT] = {
  "error", "candidates", "promptFeedback", "usageMetadata", "modelVersion",
};

/* A GenerateContentResponse: a whole reply, or one chunk of a stream. Its
 * text goes straight to the result (and is taken back if the chunk fails). */
typedef struct {
  TgJsonValue finish_reason;
  TgUsage     usage;
} Chunk;

static gboolean
parse_usage (const TgJsonScanner *document,
             TgJsonValue         *object,
             TgUsage             *usage,
             GError             **error)
{
  enum { PROMPT, CANDIDATES, CACHED, THOUGHTS, N_USAGE };
  static const char * const names[N_USAGE] = {
    "promptTokenCount", "candidatesTokenCount", "cachedContentTokenCount", "thoughtsTokenCount",
  };
  TgJsonValue values[N_USAGE];
  gint64 prompt = 0, candidates = 0, cached = 0, thoughts = 0;
  gboolean has_prompt, has_candidates, has_cached, has_thoughts;

  if (!tg_provider_scan_members (document, object, "usageMetadata", names, N_USAGE, values, error) ||
      !tg_provider_scan_count (&values[PROMPT], names[PROMPT], &prompt, &has_prompt, error) ||
      !tg_provider_scan_count (&values[CANDIDATES], names[CANDIDATES], &candidates, &has_candidates, error) ||
      !tg_provider_scan_count (&values[CACHED], names[CACHED], &cached, &has_cached, error) ||
      !tg_provider_scan_count (&values[THOUGHTS], names[THOUGHTS], &thoughts, &has_thoughts, error))
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

/* The first candidate's text (appended to @text) and finish reason. */
static gboolean
parse_candidate (const TgJsonScanner *document,
                 TgJsonScanner       *candidates,
                 Chunk               *chunk,
                 GString             *text,
                 GError             **error)
{
  enum { CANDIDATE_CONTENT, CANDIDATE_FINISH_REASON, N_CANDIDATE };
  static const char * const candidate_names[N_CANDIDATE] = { "content", "finishReason" };
  static const char * const content_names[] = { "parts" };
  enum { PART_THOUGHT, PART_TEXT, N_PART };
  static const char * const part_names[N_PART] = { "thought", "text" };
  TgJsonValue candidate[N_CANDIDATE], parts_value;
  TgJsonScanner parts;

  if (tg_json_scanner_peek (candidates) != TG_JSON_OBJECT)
    return tg_provider_scan_wrong_type ("candidates", error);
  tg_json_scanner_lookup (candidates, candidate_names, N_CANDIDATE, candidate);

  /* content is missing when the candidate was stopped for safety. */
  if (!tg_provider_scan_members (document, &candidate[CANDIDATE_CONTENT], "content", content_names, 1,
                                 &parts_value, error) ||
      !tg_provider_scan_check (&parts_value, TG_JSON_ARRAY, "parts", error) ||
      !tg_provider_scan_check (&candidate[CANDIDATE_FINISH_REASON], TG_JSON_STRING, "finishReason", error))
    return FALSE;
  chunk->finish_reason = candidate[CANDIDATE_FINISH_REASON];

  if (parts_value.type == TG_JSON_NONE)
    return TRUE;

  tg_provider_scan_array (&parts, document, &parts_value);
  for (;;)
    {
      TgJsonValue part[N_PART];
      gboolean more;

      if (!tg_provider_scan_next_object (&parts, "parts", part_names, N_PART, part, &more, error))
        return FALSE;
      if (!more)
        break;
      if (!tg_provider_scan_check (&part[PART_THOUGHT], TG_JSON_TRUE, "thought", error) ||
          !tg_provider_scan_check (&part[PART_TEXT], TG_JSON_STRING, "text", error))
        return FALSE;
      /* Thought summaries are not the answer. */
      if (part[PART_THOUGHT].type != TG_JSON_TRUE)
        tg_json_value_append (&part[PART_TEXT], text);
    }
  return TRUE;
}

static gboolean
parse_chunk (const TgJsonScanner *document,
             TgJsonValue         *root,
             Chunk               *chunk,
             GString             *text,
             GError             **error)
{
  static const char * const feedback_names[] = { "blockReason" };
  TgJsonValue block_reason;
  TgJsonScanner candidates;
  gboolean has_candidate = FALSE;

  chunk->finish_reason.type = TG_JSON_NONE;

  if (!tg_provider_scan_check (&root[ROOT_ERROR], TG_JSON_OBJECT, "error", error))
    return FALSE;
  if (root[ROOT_ERROR].type == TG_JSON_OBJECT)
    {
      /* A rare path: json-glib reads the error's details. */
      g_autoptr(JsonObject) object = tg_provider_parse_json_object (document->data, document->length, error);

      if (object != NULL)
        set_error_from_object (json_object_get_object_member (object, "error"), 0, error);
      return FALSE;
    }

  if (!tg_provider_scan_check (&root[ROOT_CANDIDATES], TG_JSON_ARRAY, "candidates", error) ||
      !tg_provider_scan_members (document, &root[ROOT_PROMPT_FEEDBACK], "promptFeedback", feedback_names, 1,
                                 &block_reason, error) ||
      !tg_provider_scan_check (&block_reason, TG_JSON_STRING, "blockReason", error) ||
      !tg_provider_scan_check (&root[ROOT_USAGE], TG_JSON_OBJECT, "usageMetadata", error) ||
      !tg_provider_scan_check (&root[ROOT_MODEL], TG_JSON_STRING, "modelVersion", error))
    return FALSE;

  if (root[ROOT_CANDIDATES].type == TG_JSON_ARRAY)
    {
      tg_provider_scan_array (&candidates, document, &root[ROOT_CANDIDATES]);
      has_candidate = tg_json_scanner_next_element (&candidates);
    }

  /* A blocked prompt gets no candidates, only the reason. */
  if (block_reason.type == TG_JSON_STRING && !has_candidate)
    {
      g_autofree char *reason = tg_json_value_dup_string (&block_reason);

      tg_provider_set_error_full (error, TG_ERROR_CLASS_BAD_REQUEST, 0,
                                  _("The provider blocked the prompt"), reason);
      return FALSE;
    }

  if (has_candidate && !parse_candidate (document, &candidates, chunk, text, error))
    return FALSE;

  return parse_usage (document, &root[ROOT_USAGE], &chunk->usage, error);
}

/* Reads @data whole into @result. A whole reply (@whole) must have
 * candidates, even null ones. */
static gboolean
read_chunk (const char    *data,
            gsize          length,
            gboolean       whole,
            TgChatResult  *result,
            Chunk         *chunk,
            GError       **error)
{
  TgJsonScanner document;
  TgJsonValue root[N_ROOT];
  gboolean candidates_member;
  gsize from = result->text->len;

  memset (chunk, 0, sizeof *chunk);
  if (!tg_provider_scan_object (&document, data, length, root_names, N_ROOT, root, error))
    return FALSE;
  candidates_member = root[ROOT_CANDIDATES].type != TG_JSON_NONE;

  if (!parse_chunk (&document, root, chunk, result->text, error))
    {
      g_string_truncate (result->text, from);
      return FALSE;
    }
  if (whole && !candidates_member)
    {
      g_string_truncate (result->text, from);
      g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                   _("The provider’s reply has no “%s”"), "candidates");
      return FALSE;
    }

  /* Counts in stream chunks are running totals: the latest wins. */
  if (chunk->usage.reported)
    result->usage = chunk->usage;
  tg_provider_scan_replace_string (&result->finish_reason, &chunk->finish_reason);
  tg_provider_scan_replace_string (&result->model, &root[ROOT_MODEL]);
  return TRUE;
}

static gboolean
gemini_parse_response (GBytes        *body,
                       TgChatResult  *result,
                       GError       **error)
{
  Chunk chunk;
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  if (!read_chunk (data, length, TRUE, result, &chunk, error))
    return FALSE;
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
  gsize from = result->text->len;
  Chunk chunk;

  if (delta != NULL)
    *delta = NULL;

  if (!read_chunk (data, data != NULL ? strlen (data) : 0, FALSE, result, &chunk, error))
    return FALSE;

  tg_provider_set_delta (result, from, delta);
  /* There is no [DONE]: the chunk with a finishReason is the last. */
  if (chunk.finish_reason.type == TG_JSON_STRING)
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
