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

/* Replies: read with the scanner (tg-json-scan.h), the errors in them with
 * json-glib. A reply or chunk is read once into these slots: the members of
 * the root, of the first choice, of its delta or message and of usage. */

enum {
  ROOT_ERROR, ROOT_CHOICES, ROOT_USAGE, ROOT_MODEL,
  CHOICE_INDEX, CHOICE_DELTA, CHOICE_MESSAGE, CHOICE_FINISH_REASON,
  DELTA_CONTENT, MESSAGE_CONTENT,
  USAGE_PROMPT, USAGE_COMPLETION, USAGE_DETAILS, USAGE_CACHE_HIT,
  DETAILS_CACHED,
  N_SLOTS
};

static const TgJsonWanted delta_wanted[] = { TG_JSON_WANTED ("content", DELTA_CONTENT) };
static const TgJsonWanted message_wanted[] = { TG_JSON_WANTED ("content", MESSAGE_CONTENT) };
static const TgJsonWanted choice_wanted[] = {
  TG_JSON_WANTED ("index", CHOICE_INDEX),
  TG_JSON_WANTED_IN ("delta", CHOICE_DELTA, FALSE, delta_wanted),
  TG_JSON_WANTED_IN ("message", CHOICE_MESSAGE, FALSE, message_wanted),
  TG_JSON_WANTED ("finish_reason", CHOICE_FINISH_REASON),
};
static const TgJsonWanted details_wanted[] = { TG_JSON_WANTED ("cached_tokens", DETAILS_CACHED) };
static const TgJsonWanted usage_wanted[] = {
  TG_JSON_WANTED ("prompt_tokens", USAGE_PROMPT),
  TG_JSON_WANTED ("completion_tokens", USAGE_COMPLETION),
  TG_JSON_WANTED_IN ("prompt_tokens_details", USAGE_DETAILS, FALSE, details_wanted),
  TG_JSON_WANTED ("prompt_cache_hit_tokens", USAGE_CACHE_HIT),
};
static const TgJsonWanted root_wanted[] = {
  TG_JSON_WANTED ("error", ROOT_ERROR),
  /* n = 1: one choice is the rule; several are read the long way. */
  TG_JSON_WANTED_IN ("choices", ROOT_CHOICES, TRUE, choice_wanted),
  TG_JSON_WANTED_IN ("usage", ROOT_USAGE, FALSE, usage_wanted),
  TG_JSON_WANTED ("model", ROOT_MODEL),
};

/* A reply as read. */
typedef struct {
  TgJsonScanner document;
  TgJsonValue   values[N_SLOTS];
  gboolean      found;        /* choices holds a first choice */
  gboolean      bad_choice;   /* an entry before it is no object */
} Reply;

/* The way a choice counts as the first one: only one is asked for (n = 1);
 * others, if any, are ignored. An index that is no integer does not rule a
 * choice out. */
static gboolean
is_first_choice (const TgJsonValue *index_value)
{
  gint64 index;

  return index_value->type != TG_JSON_NUMBER || !index_value->integer ||
         (tg_json_value_get_int64 (index_value, &index) && index == 0);
}

static gboolean
array_is_empty (const TgJsonValue *array)
{
  const char *p = array->start + 1;

  /* The array was read whole: it ends with its bracket. */
  while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
    p++;
  return *p == ']';
}

/* The slots of @wanted (and of their members, in objects) from @object, a
 * value of the document read before: the long way, for what
 * tg_json_scanner_capture() declines. */
static void
lookup_wanted (const TgJsonScanner *document,
               const TgJsonValue   *object,
               const TgJsonWanted  *wanted,
               guint                n_wanted,
               TgJsonValue         *values)
{
  const char *names[G_N_ELEMENTS (choice_wanted)];
  TgJsonValue found[G_N_ELEMENTS (choice_wanted)];
  TgJsonScanner scanner;

  g_assert (n_wanted <= G_N_ELEMENTS (names));
  for (guint i = 0; i < n_wanted; i++)
    names[i] = wanted[i].name;

  tg_json_scanner_init_at (&scanner, document, object);
  /* The document was read whole already: this cannot fail. */
  tg_json_scanner_lookup (&scanner, names, n_wanted, found);

  for (guint i = 0; i < n_wanted; i++)
    {
      values[wanted[i].slot] = found[i];
      if (wanted[i].members != NULL && !wanted[i].element && found[i].type == TG_JSON_OBJECT)
        lookup_wanted (document, &found[i], wanted[i].members, wanted[i].n_members, values);
    }
}

/* tg_provider_scan_check(), with the usual case, the type wanted, told
 * without a call. */
static inline gboolean
check_type (TgJsonValue  *value,
            TgJsonType    type,
            const char   *member,
            GError      **error)
{
  return value->type == type || tg_provider_scan_check (value, type, member, error);
}

/* Reads @data, one JSON object, into @reply: in one pass as a rule, else
 * validated first (the error says what is wrong) and looked up after. */
static gboolean
read_reply (const char  *data,
            gsize        length,
            Reply       *reply,
            GError     **error)
{
  TgJsonScanner *document = &reply->document;
  TgJsonValue *values = reply->values;
  TgJsonScanner scanner;

  reply->bad_choice = FALSE;
  tg_json_scanner_init (document, data, length);
  if (data != NULL && tg_json_scanner_capture (document, root_wanted, G_N_ELEMENTS (root_wanted),
                                               values, N_SLOTS))
    {
      /* choices is [] or holds one object, whose members are in the slots. */
      reply->found = values[ROOT_CHOICES].type == TG_JSON_ARRAY &&
                     !array_is_empty (&values[ROOT_CHOICES]) &&
                     is_first_choice (&values[CHOICE_INDEX]);
      return TRUE;
    }

  if (!tg_provider_scan_object (document, data, length, NULL, 0, NULL, error))
    return FALSE;

  for (guint i = 0; i < N_SLOTS; i++)
    values[i].type = TG_JSON_NONE;
  {
    TgJsonValue root = { 0 };

    tg_json_scanner_init (&scanner, data, length);
    tg_json_scanner_peek (&scanner);  /* past leading white space */
    root.type = TG_JSON_OBJECT;
    root.start = data + scanner.pos;
    root.length = length - scanner.pos;
    lookup_wanted (document, &root, root_wanted, G_N_ELEMENTS (root_wanted), values);
  }

  reply->found = FALSE;
  if (values[ROOT_CHOICES].type != TG_JSON_ARRAY)
    return TRUE;

  tg_provider_scan_array (&scanner, document, &values[ROOT_CHOICES]);
  while (tg_json_scanner_next_element (&scanner))
    {
      TgJsonValue choice;

      if (tg_json_scanner_peek (&scanner) != TG_JSON_OBJECT)
        {
          reply->bad_choice = TRUE;
          break;
        }
      tg_json_scanner_read (&scanner, &choice);
      for (guint i = CHOICE_INDEX; i <= MESSAGE_CONTENT; i++)
        values[i].type = TG_JSON_NONE;
      lookup_wanted (document, &choice, choice_wanted, G_N_ELEMENTS (choice_wanted), values);
      if (is_first_choice (&values[CHOICE_INDEX]))
        {
          reply->found = TRUE;
          break;
        }
    }
  return TRUE;
}

/* Leaves @usage alone when usage is absent or says nothing. */
static gboolean
parse_usage (Reply    *reply,
             TgUsage  *usage,
             GError  **error)
{
  TgJsonValue *values = reply->values;
  gint64 prompt = 0, completion = 0, cached = 0, cache_hit = 0;
  gboolean has_prompt, has_completion, has_cached = FALSE, has_cache_hit;

  /* Every chunk but the last has none. */
  if (values[ROOT_USAGE].type == TG_JSON_NONE)
    return TRUE;

  if (!tg_provider_scan_count (&values[USAGE_PROMPT], "prompt_tokens", &prompt, &has_prompt, error) ||
      !tg_provider_scan_count (&values[USAGE_COMPLETION], "completion_tokens", &completion, &has_completion, error) ||
      !check_type (&values[USAGE_DETAILS], TG_JSON_OBJECT, "prompt_tokens_details", error) ||
      (values[USAGE_DETAILS].type != TG_JSON_NONE &&
       !tg_provider_scan_count (&values[DETAILS_CACHED], "cached_tokens", &cached, &has_cached, error)) ||
      !tg_provider_scan_count (&values[USAGE_CACHE_HIT], "prompt_cache_hit_tokens", &cache_hit, &has_cache_hit, error))
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

/* The content member (@content, of a message or a delta), appended to @text.
 * Content is a string, or null (tool calls, refusals), or with some servers
 * (Mistral's reasoning models) an array of typed parts. */
static gboolean
append_content (const TgJsonScanner *document,
                const TgJsonValue   *content,
                GString             *text,
                GError             **error)
{
  enum { PART_TYPE, PART_TEXT, N_PART };
  static const char * const part_names[N_PART] = { "type", "text" };
  TgJsonScanner parts;

  if (content->type == TG_JSON_NONE || content->type == TG_JSON_NULL)
    return TRUE;
  if (content->type == TG_JSON_STRING)
    {
      tg_json_value_append (content, text);
      return TRUE;
    }
  if (content->type != TG_JSON_ARRAY)
    return tg_provider_scan_wrong_type ("content", error);

  tg_provider_scan_array (&parts, document, content);
  for (;;)
    {
      TgJsonValue part[N_PART];
      gboolean more;

      if (!tg_provider_scan_next_object (&parts, "content", part_names, N_PART, part, &more, error))
        return FALSE;
      if (!more)
        break;
      if (!check_type (&part[PART_TYPE], TG_JSON_STRING, "type", error) ||
          !check_type (&part[PART_TEXT], TG_JSON_STRING, "text", error))
        return FALSE;
      /* Thinking parts are not the answer. */
      if (tg_json_value_equal (&part[PART_TYPE], "text"))
        tg_json_value_append (&part[PART_TEXT], text);
    }
  return TRUE;
}

/* The choices member: an array, whose entries before the first choice are objects. */
static gboolean
check_choices (Reply   *reply,
               GError **error)
{
  if (!check_type (&reply->values[ROOT_CHOICES], TG_JSON_ARRAY, "choices", error))
    return FALSE;
  if (reply->bad_choice)
    return tg_provider_scan_wrong_type ("choices", error);
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

/* The error a 2xx reply or stream event holds, if it holds one (a rare
 * path, read with json-glib). */
static gboolean
body_error (const char  *data,
            gsize        length,
            GError     **error)
{
  g_autoptr(JsonObject) root = tg_provider_parse_json_object (data, length, NULL);
  ErrorInfo info;

  if (root == NULL || !read_error (root, &info))
    return FALSE;
  set_error_from_body (&info, error);
  return TRUE;
}

/* What a reply and a stream chunk share once choices is checked: the text of
 * the choice's @content (DELTA_CONTENT or MESSAGE_CONTENT, in @object,
 * CHOICE_DELTA or CHOICE_MESSAGE), appended to result->text, the usage into
 * *@usage, and the members' types. */
static gboolean
parse_choice (Reply         *reply,
              guint          object,
              guint          content,
              TgChatResult  *result,
              TgUsage       *usage,
              GError       **error)
{
  TgJsonValue *values = reply->values;

  if (reply->found &&
      (!check_type (&values[object], TG_JSON_OBJECT, object == CHOICE_DELTA ? "delta" : "message", error) ||
       !check_type (&values[CHOICE_FINISH_REASON], TG_JSON_STRING, "finish_reason", error)))
    return FALSE;

  return check_type (&values[ROOT_USAGE], TG_JSON_OBJECT, "usage", error) &&
         check_type (&values[ROOT_MODEL], TG_JSON_STRING, "model", error) &&
         (!reply->found || append_content (&reply->document, &values[content], result->text, error)) &&
         parse_usage (reply, usage, error);
}

/* The choice's finish reason and the model, which every reply may name. */
static void
apply_names (TgChatResult *result,
             const Reply  *reply)
{
  if (reply->found)
    tg_provider_scan_replace_string (&result->finish_reason, &reply->values[CHOICE_FINISH_REASON]);
  tg_provider_scan_replace_string (&result->model, &reply->values[ROOT_MODEL]);
}

static gboolean
openai_parse_response (GBytes        *body,
                       TgChatResult  *result,
                       GError       **error)
{
  Reply reply;
  TgUsage usage = { 0 };
  gsize length = 0, from = result->text->len;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  if (!read_reply (data, length, &reply, error) || !check_choices (&reply, error))
    return FALSE;

  if (reply.values[ROOT_CHOICES].type == TG_JSON_NONE)
    {
      if (!body_error (data, length, error))
        g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                     _("The provider’s reply has no “%s”"), "choices");
      return FALSE;
    }

  if (!reply.found)
    {
      g_set_error_literal (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                           _("The provider’s reply has no choice in “choices”"));
      return FALSE;
    }

  if (!check_type (&reply.values[CHOICE_MESSAGE], TG_JSON_OBJECT, "message", error))
    return FALSE;
  if (reply.values[CHOICE_MESSAGE].type == TG_JSON_NONE)
    {
      g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                   _("The provider’s reply has no “%s”"), "message");
      return FALSE;
    }

  if (!parse_choice (&reply, CHOICE_MESSAGE, MESSAGE_CONTENT, result, &usage, error))
    {
      g_string_truncate (result->text, from);
      return FALSE;
    }

  result->usage = usage;
  apply_names (result, &reply);
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
  Reply reply;
  TgUsage usage = result->usage;
  gsize from = result->text->len;
  gsize start = 0, end = data != NULL ? strlen (data) : 0;

  if (delta != NULL)
    *delta = NULL;

  /* Trimmed in place, as g_strstrip() would: no copy per event. */
  while (start < end && g_ascii_isspace (data[start]))
    start++;
  while (end > start && g_ascii_isspace (data[end - 1]))
    end--;
  if (end - start == 6 && memcmp (data + start, "[DONE]", 6) == 0)
    {
      result->done = TRUE;
      return TRUE;
    }

  if (!read_reply (data + start, end - start, &reply, error))
    return FALSE;

  /* Errors after the 200 come as a chunk with an error member (OpenRouter
   * also sends a choice with finish_reason "error" alongside). */
  if (reply.values[ROOT_ERROR].type != TG_JSON_NONE && body_error (data + start, end - start, error))
    return FALSE;

  /* usage is null on every chunk but the last one (choices: []) when
   * include_usage is set. */
  if (!check_choices (&reply, error) ||
      !parse_choice (&reply, CHOICE_DELTA, DELTA_CONTENT, result, &usage, error))
    {
      g_string_truncate (result->text, from);
      return FALSE;
    }

  result->usage = usage;
  apply_names (result, &reply);
  tg_provider_set_delta (result, from, delta);
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
