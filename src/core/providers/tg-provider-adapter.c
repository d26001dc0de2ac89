/* tg-provider-adapter.c: what the four wire formats share (DESIGN §3). */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tg-provider-adapter.h"

/* Long enough for any real provider message, short enough for a dialog. */
#define MAX_PROVIDER_MESSAGE 400

#define REQUEST_BODY_KEY "tg-provider-request-body"

G_DEFINE_QUARK (tg-provider-error-quark, tg_provider_error)

static const char * const error_class_names[] = {
  [TG_ERROR_CLASS_AUTH] = "auth",
  [TG_ERROR_CLASS_RATE_LIMITED] = "rate-limited",
  [TG_ERROR_CLASS_OVERLOADED] = "overloaded",
  [TG_ERROR_CLASS_SERVER] = "server",
  [TG_ERROR_CLASS_TIMEOUT] = "timeout",
  [TG_ERROR_CLASS_NETWORK] = "network",
  [TG_ERROR_CLASS_BAD_REQUEST] = "bad-request",
  [TG_ERROR_CLASS_BAD_RESPONSE] = "bad-response",
  [TG_ERROR_CLASS_CANCELLED] = "cancelled",
};

const char *
tg_error_class_to_string (TgErrorClass error_class)
{
  if ((guint) error_class >= G_N_ELEMENTS (error_class_names))
    return NULL;
  return error_class_names[error_class];
}

gboolean
tg_error_class_from_string (const char   *str,
                            TgErrorClass *out)
{
  if (str == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (error_class_names); i++)
    {
      if (g_strcmp0 (str, error_class_names[i]) == 0)
        {
          if (out != NULL)
            *out = (TgErrorClass) i;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
tg_error_class_is_retryable (TgErrorClass error_class)
{
  switch (error_class)
    {
    case TG_ERROR_CLASS_RATE_LIMITED:
    case TG_ERROR_CLASS_OVERLOADED:
    case TG_ERROR_CLASS_SERVER:
    case TG_ERROR_CLASS_TIMEOUT:
    case TG_ERROR_CLASS_NETWORK:
      return TRUE;
    case TG_ERROR_CLASS_AUTH:
    case TG_ERROR_CLASS_BAD_REQUEST:
    case TG_ERROR_CLASS_BAD_RESPONSE:
    case TG_ERROR_CLASS_CANCELLED:
    default:
      return FALSE;
    }
}

/* Requests and results */

static void
chat_message_free (gpointer data)
{
  TgChatMessage *message = data;

  g_free (message->role);
  g_free (message->content);
  g_free (message);
}

TgChatRequest *
tg_chat_request_new (const char *model,
                     const char *system,
                     const char *user_prompt)
{
  TgChatRequest *request = g_new0 (TgChatRequest, 1);

  request->model = g_strdup (model);
  request->system = g_strdup (system);
  request->messages = g_ptr_array_new_with_free_func (chat_message_free);
  request->max_tokens = 0;
  request->temperature = -1.0;
  request->stream = FALSE;

  if (user_prompt != NULL)
    tg_chat_request_add_message (request, "user", user_prompt);

  return request;
}

void
tg_chat_request_add_message (TgChatRequest *request,
                             const char    *role,
                             const char    *content)
{
  TgChatMessage *message;

  g_return_if_fail (request != NULL);
  g_return_if_fail (role != NULL);

  message = g_new0 (TgChatMessage, 1);
  message->role = g_strdup (role);
  message->content = g_strdup (content != NULL ? content : "");
  g_ptr_array_add (request->messages, message);
}

void
tg_chat_request_free (TgChatRequest *request)
{
  if (request == NULL)
    return;

  g_free (request->model);
  g_free (request->system);
  g_clear_pointer (&request->messages, g_ptr_array_unref);
  g_free (request);
}

TgChatResult *
tg_chat_result_new (void)
{
  TgChatResult *result = g_new0 (TgChatResult, 1);

  result->text = g_string_new (NULL);
  return result;
}

void
tg_chat_result_free (TgChatResult *result)
{
  if (result == NULL)
    return;

  g_string_free (result->text, TRUE);
  g_free (result->finish_reason);
  g_free (result->model);
  g_free (result);
}

const TgProviderAdapter *
tg_provider_adapter_for_format (TgWireFormat format)
{
  switch (format)
    {
    case TG_WIRE_FORMAT_OPENAI:
      return tg_provider_openai_get_adapter ();
    case TG_WIRE_FORMAT_ANTHROPIC:
      return tg_provider_anthropic_get_adapter ();
    case TG_WIRE_FORMAT_GEMINI:
      return tg_provider_gemini_get_adapter ();
    case TG_WIRE_FORMAT_OLLAMA:
      return tg_provider_ollama_get_adapter ();
    default:
      return NULL;
    }
}

/* HTTP */

gint64
tg_provider_parse_retry_after (SoupMessageHeaders *headers,
                               gint64              now_ms)
{
  g_autofree char *value = NULL;
  g_autoptr(GDateTime) date = NULL;
  const char *raw;
  guint64 seconds;

  if (headers == NULL)
    return -1;

  raw = soup_message_headers_get_one (headers, "Retry-After");
  if (raw == NULL)
    return -1;

  value = g_strstrip (g_strdup (raw));
  if (*value == '\0')
    return -1;

  /* delta-seconds is 1*DIGIT: no sign, no fraction (RFC 9110 §10.2.3). */
  if (g_ascii_isdigit (*value))
    {
      if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT64 / 1000, &seconds, NULL))
        return -1;
      return (gint64) seconds * 1000;
    }

  date = soup_date_time_new_from_http_string (value);
  if (date == NULL)
    return -1;

  {
    gint64 when_ms = g_date_time_to_unix (date) * 1000;

    /* A date in the past means "now", never a negative wait. */
    return when_ms > now_ms ? when_ms - now_ms : 0;
  }
}

TgErrorClass
tg_provider_class_for_status (guint status)
{
  switch (status)
    {
    case 401: /* Unauthorized */
    case 402: /* Payment Required: out of credit (OpenRouter, Anthropic billing_error) */
    case 403: /* Forbidden */
      return TG_ERROR_CLASS_AUTH;
    case 408: /* Request Timeout */
    case 504: /* Gateway Timeout */
    case 524: /* Cloudflare "a timeout occurred", in front of several providers */
      return TG_ERROR_CLASS_TIMEOUT;
    case 429:
      return TG_ERROR_CLASS_RATE_LIMITED;
    case 503: /* Service Unavailable */
    case 529: /* Anthropic: overloaded */
      return TG_ERROR_CLASS_OVERLOADED;
    default:
      break;
    }

  if (status >= 400 && status < 500)
    return TG_ERROR_CLASS_BAD_REQUEST;
  if (status >= 500 && status < 600)
    return TG_ERROR_CLASS_SERVER;

  /* 1xx, 3xx (redirects are followed by libsoup) or nonsense: not an HTTP error we know. */
  return TG_ERROR_CLASS_BAD_RESPONSE;
}

TgErrorClass
tg_provider_class_for_transport_error (const GError *error)
{
  if (error == NULL)
    return TG_ERROR_CLASS_NETWORK;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return TG_ERROR_CLASS_CANCELLED;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return TG_ERROR_CLASS_TIMEOUT;

  /* The server spoke, but not HTTP we can read. */
  if (g_error_matches (error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_PARSING) ||
      g_error_matches (error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_ENCODING) ||
      g_error_matches (error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_TOO_MANY_REDIRECTS) ||
      g_error_matches (error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_REDIRECT_NO_LOCATION) ||
      g_error_matches (error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_REDIRECT_BAD_URI))
    return TG_ERROR_CLASS_BAD_RESPONSE;

  /* DNS, refused, reset, unreachable, TLS, proxy. */
  return TG_ERROR_CLASS_NETWORK;
}

char *
tg_provider_join_url (const char *base_url,
                      const char *path)
{
  gsize base_len;

  if (base_url == NULL)
    base_url = "";
  if (path == NULL)
    path = "";

  base_len = strlen (base_url);
  while (base_len > 0 && base_url[base_len - 1] == '/')
    base_len--;
  while (*path == '/')
    path++;

  if (*path == '\0')
    return g_strndup (base_url, base_len);

  return g_strdup_printf ("%.*s/%s", (int) base_len, base_url, path);
}

SoupMessage *
tg_provider_new_message (const char  *method,
                         const char  *base_url,
                         const char  *path,
                         GError     **error)
{
  g_autofree char *url = tg_provider_join_url (base_url, path);
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  const char *scheme;
  const char *host;

  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  host = uri != NULL ? g_uri_get_host (uri) : NULL;

  if (uri == NULL ||
      (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0) ||
      host == NULL || *host == '\0')
    {
      /* The base URL comes from the catalogue or the user, never with a key in it. */
      g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_REQUEST,
                   _("The provider’s address “%s” is not an http or https URL"),
                   base_url != NULL ? base_url : "");
      return NULL;
    }

  return soup_message_new_from_uri (method, uri);
}

gboolean
tg_provider_check_request (const TgChatRequest  *request,
                           GError              **error)
{
  if (request == NULL || request->model == NULL || *request->model == '\0')
    {
      g_set_error_literal (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_REQUEST,
                           _("No model was chosen for the request"));
      return FALSE;
    }

  if (request->messages == NULL || request->messages->len == 0)
    {
      g_set_error_literal (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_REQUEST,
                           _("The request has no message to send"));
      return FALSE;
    }

  for (guint i = 0; i < request->messages->len; i++)
    {
      const TgChatMessage *message = g_ptr_array_index (request->messages, i);

      if (g_strcmp0 (message->role, "user") != 0 && g_strcmp0 (message->role, "assistant") != 0)
        {
          g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_REQUEST,
                       _("A message has the role “%s”; only “user” and “assistant” are possible"),
                       message->role != NULL ? message->role : "");
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
api_key_is_valid (const char *api_key)
{
  /* Keys are printable ASCII. Anything else cannot be a header value, and
   * libsoup would print a rejected value, the key, in a warning. */
  for (const char *p = api_key; *p != '\0'; p++)
    {
      if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f)
        return FALSE;
    }
  return TRUE;
}

gboolean
tg_provider_apply_auth (SoupMessageHeaders *headers,
                        TgAuthStyle         style,
                        const char         *api_key,
                        GError            **error)
{
  g_autofree char *bearer = NULL;

  if (api_key == NULL || *api_key == '\0')
    return TRUE;

  if (!api_key_is_valid (api_key))
    {
      g_set_error_literal (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_AUTH,
                           _("The stored API key contains spaces, line breaks or other characters a key cannot have; store the key again"));
      return FALSE;
    }

  switch (style)
    {
    case TG_AUTH_STYLE_X_API_KEY:
      soup_message_headers_replace (headers, "x-api-key", api_key);
      break;
    case TG_AUTH_STYLE_X_GOOG_API_KEY:
      soup_message_headers_replace (headers, "x-goog-api-key", api_key);
      break;
    case TG_AUTH_STYLE_BEARER:
    case TG_AUTH_STYLE_NONE: /* a keyless server behind an authenticating proxy */
    default:
      bearer = g_strconcat ("Bearer ", api_key, NULL);
      soup_message_headers_replace (headers, "Authorization", bearer);
      /* libsoup keeps its own copy; ours need not linger on the heap. */
      explicit_bzero (bearer, strlen (bearer));
      break;
    }

  return TRUE;
}

/* Error messages */

static const char * const key_prefixes[] = {
  "sk-", "sk_", "AIza", "gsk_", "xai-",
};

static gboolean
is_key_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_' || c == '*' || c == '.';
}

static gboolean
looks_like_key (const char *token,
                gsize       length)
{
  gboolean digit = FALSE, alpha = FALSE, other = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (key_prefixes); i++)
    {
      gsize prefix_len = strlen (key_prefixes[i]);

      if (length >= prefix_len + 8 && strncmp (token, key_prefixes[i], prefix_len) == 0)
        return TRUE;
    }

  /* Unprefixed keys (Mistral, Together…) are long runs of letters and digits;
   * model ids and request ids are shorter or have dashes. */
  for (gsize i = 0; i < length; i++)
    {
      if (g_ascii_isdigit (token[i]))
        digit = TRUE;
      else if (g_ascii_isalpha (token[i]))
        alpha = TRUE;
      else
        other = TRUE;
    }
  return length >= 32 && digit && alpha && !other;
}

/* Some providers echo the key they were given, partly masked ("Incorrect API
 * key provided: sk-proj-****1234."). Messages end up in dialogs and logs, so
 * anything shaped like a key is replaced as a whole. */
static char *
mask_keys (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));
  const char *p = text;

  while (*p != '\0')
    {
      const char *end = p;
      gsize length;

      if (!is_key_char (*p))
        {
          g_string_append_c (out, *p++);
          continue;
        }

      while (is_key_char (*end))
        end++;
      length = end - p;
      /* A sentence's full stop is not part of the token. */
      while (length > 0 && p[length - 1] == '.')
        length--;

      if (looks_like_key (p, length))
        g_string_append (out, "***");
      else
        g_string_append_len (out, p, length);
      g_string_append_len (out, p + length, end - (p + length));
      p = end;
    }

  return g_string_free (out, FALSE);
}

static char *
tidy_provider_message (const char *message)
{
  g_autofree char *valid = NULL;
  g_autofree char *masked = NULL;
  GString *out;
  glong chars = 0;

  if (message == NULL)
    return NULL;

  valid = g_utf8_make_valid (message, -1);
  masked = mask_keys (valid);
  out = g_string_new (NULL);

  /* One line: control characters become spaces, runs of spaces one. */
  for (const char *p = masked; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || g_unichar_isspace (c))
        {
          if (out->len > 0 && out->str[out->len - 1] != ' ')
            g_string_append_c (out, ' ');
          continue;
        }
      if (chars++ >= MAX_PROVIDER_MESSAGE)
        {
          g_string_append (out, "…");
          break;
        }
      g_string_append_unichar (out, c);
    }

  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);

  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

static const char *
class_sentence (TgErrorClass error_class)
{
  switch (error_class)
    {
    case TG_ERROR_CLASS_AUTH:
      return _("The provider refused the API key or its permissions");
    case TG_ERROR_CLASS_RATE_LIMITED:
      return _("The provider is limiting the rate of requests");
    case TG_ERROR_CLASS_OVERLOADED:
      return _("The provider is overloaded");
    case TG_ERROR_CLASS_SERVER:
      return _("The provider had an internal error");
    case TG_ERROR_CLASS_TIMEOUT:
      return _("The provider timed out");
    case TG_ERROR_CLASS_NETWORK:
      return _("The provider could not be reached");
    case TG_ERROR_CLASS_BAD_REQUEST:
      return _("The provider refused the request");
    case TG_ERROR_CLASS_CANCELLED:
      return _("The request was cancelled");
    case TG_ERROR_CLASS_BAD_RESPONSE:
    default:
      return _("The provider sent a reply that could not be understood");
    }
}

void
tg_provider_set_error_full (GError       **error,
                            TgErrorClass   error_class,
                            guint          status,
                            const char    *sentence,
                            const char    *provider_message)
{
  g_autofree char *tidy = tidy_provider_message (provider_message);

  if (sentence == NULL)
    sentence = class_sentence (error_class);

  if (status > 0 && tidy != NULL)
    /* Translators: an error sentence, the HTTP status code, the provider's own message */
    g_set_error (error, TG_PROVIDER_ERROR, error_class, _("%s (HTTP %u): %s"), sentence, status, tidy);
  else if (status > 0)
    /* Translators: an error sentence and the HTTP status code */
    g_set_error (error, TG_PROVIDER_ERROR, error_class, _("%s (HTTP %u)"), sentence, status);
  else if (tidy != NULL)
    /* Translators: an error sentence and the provider's own message */
    g_set_error (error, TG_PROVIDER_ERROR, error_class, _("%s: %s"), sentence, tidy);
  else
    g_set_error_literal (error, TG_PROVIDER_ERROR, error_class, sentence);
}

void
tg_provider_set_error (GError       **error,
                       TgErrorClass   error_class,
                       guint          status,
                       const char    *provider_message)
{
  tg_provider_set_error_full (error, error_class, status, NULL, provider_message);
}

/* JSON
 *
 * Replies and stream events are read with the scanner (tg-json-scan.h), which
 * validates strictly and allocates nothing. json-glib is left for the rare
 * error bodies, and only ever sees what the scanner accepted: json-glib 1.6
 * recurses once per level (a deep enough document overflows the stack) and
 * leaks the first value when a second follows it. */

gboolean
tg_provider_scan_object (TgJsonScanner      *scanner,
                         const char         *data,
                         gsize               length,
                         const char * const *names,
                         guint               n_names,
                         TgJsonValue        *values,
                         GError            **error)
{
  if (data == NULL || length == 0)
    {
      g_set_error_literal (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                           _("The provider sent an empty reply"));
      return FALSE;
    }

  tg_json_scanner_init (scanner, data, length);
  /* Only objects are wanted: a leading scalar ("8{…}") is refused as such. */
  if (tg_json_scanner_peek (scanner) != TG_JSON_OBJECT)
    {
      g_set_error_literal (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                           _("The provider’s reply is not a JSON object"));
      return FALSE;
    }

  if (tg_json_scanner_lookup (scanner, names, n_names, values) && tg_json_scanner_finish (scanner))
    return TRUE;

  switch (scanner->error)
    {
    case TG_JSON_SCAN_ERROR_DEPTH:
      g_set_error_literal (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                           _("The provider’s reply is nested too deeply to be a real reply"));
      break;
    case TG_JSON_SCAN_ERROR_TRAILING:
      g_set_error_literal (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                           _("The provider’s reply holds more than one JSON value"));
      break;
    default:
      /* Translators: the second is what is wrong ("an invalid escape sequence"), the third a byte offset */
      g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                   _("The provider’s reply is not valid JSON: %s at byte %" G_GSIZE_FORMAT),
                   tg_json_scan_error_describe (scanner->error), scanner->error_pos);
      break;
    }
  return FALSE;
}

JsonObject *
tg_provider_parse_json_object (const char  *data,
                               gsize        length,
                               GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  TgJsonScanner scanner;
  JsonNode *root;

  if (!tg_provider_scan_object (&scanner, data, length, NULL, 0, NULL, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      /* json-glib quotes the offending input: keep it to one line, with keys masked. */
      g_autofree char *detail = tidy_provider_message (local_error->message);

      g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                   _("The provider’s reply is not valid JSON: %s"), detail ? detail : "");
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                           _("The provider’s reply is not a JSON object"));
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

gboolean
tg_provider_scan_wrong_type (const char  *member,
                             GError     **error)
{
  g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
               _("The provider’s reply has a value of the wrong type for “%s”"), member);
  return FALSE;
}

gboolean
tg_provider_scan_check (TgJsonValue  *value,
                        TgJsonType    type,
                        const char   *member,
                        GError      **error)
{
  if (value->type == TG_JSON_NULL)
    value->type = TG_JSON_NONE;
  if (value->type == TG_JSON_NONE || value->type == type ||
      (type == TG_JSON_TRUE && value->type == TG_JSON_FALSE))
    return TRUE;

  value->type = TG_JSON_NONE;
  return tg_provider_scan_wrong_type (member, error);
}

gboolean
tg_provider_scan_members (const TgJsonScanner *document,
                          TgJsonValue         *object,
                          const char          *member,
                          const char * const  *names,
                          guint                n_names,
                          TgJsonValue         *values,
                          GError             **error)
{
  TgJsonScanner scanner;

  for (guint i = 0; i < n_names; i++)
    values[i].type = TG_JSON_NONE;
  if (!tg_provider_scan_check (object, TG_JSON_OBJECT, member, error))
    return FALSE;
  if (object->type == TG_JSON_NONE)
    return TRUE;

  tg_json_scanner_init_at (&scanner, document, object);
  /* The document was read whole already: this cannot fail. */
  return tg_json_scanner_lookup (&scanner, names, n_names, values) || tg_provider_scan_wrong_type (member, error);
}

void
tg_provider_scan_array (TgJsonScanner       *array,
                        const TgJsonScanner *document,
                        const TgJsonValue   *value)
{
  tg_json_scanner_init_at (array, document, value);
  tg_json_scanner_enter_array (array);
}

gboolean
tg_provider_scan_next_object (TgJsonScanner      *array,
                              const char         *member,
                              const char * const *names,
                              guint               n_names,
                              TgJsonValue        *values,
                              gboolean           *more,
                              GError            **error)
{
  *more = tg_json_scanner_next_element (array);
  if (!*more)
    return TRUE;
  if (tg_json_scanner_peek (array) != TG_JSON_OBJECT)
    return tg_provider_scan_wrong_type (member, error);
  /* The document was read whole already: this cannot fail. */
  tg_json_scanner_lookup (array, names, n_names, values);
  return TRUE;
}

gboolean
tg_provider_scan_count (const TgJsonValue  *value,
                        const char         *member,
                        gint64             *out,
                        gboolean           *present,
                        GError            **error)
{
  gint64 count;

  if (present != NULL)
    *present = FALSE;
  if (value->type == TG_JSON_NONE || value->type == TG_JSON_NULL)
    return TRUE;
  if (value->type != TG_JSON_NUMBER)
    return tg_provider_scan_wrong_type (member, error);

  if (value->integer)
    {
      /* Past 64 bits is no count either (json-glib wrapped those). */
      if (!tg_json_value_get_int64 (value, &count))
        count = -1;
    }
  else
    {
      /* Some compatible servers write counts as 12.0; a fraction is not a count. */
      double d = 0;

      tg_json_value_get_double (value, &d);
      if (!(d >= 0 && d <= (double) TG_PROVIDER_MAX_TOKEN_COUNT) || d != (double) (gint64) d)
        count = -1;
      else
        count = (gint64) d;
    }

  if (count < 0 || count > TG_PROVIDER_MAX_TOKEN_COUNT)
    {
      g_set_error (error, TG_PROVIDER_ERROR, TG_ERROR_CLASS_BAD_RESPONSE,
                   _("The provider’s reply has an impossible token count for “%s”"), member);
      return FALSE;
    }

  *out = count;
  if (present != NULL)
    *present = TRUE;
  return TRUE;
}

void
tg_provider_scan_replace_string (char              **field,
                                 const TgJsonValue  *value)
{
  /* The same model arrives with every event: keep the copy there is. */
  if (value->type != TG_JSON_STRING || (*field != NULL && tg_json_value_equal (value, *field)))
    return;
  g_free (*field);
  *field = tg_json_value_dup_string (value);
}

void
tg_provider_set_delta (const TgChatResult  *result,
                       gsize                from,
                       char               **delta)
{
  if (delta == NULL)
    return;
  *delta = result->text->len > from ? g_strndup (result->text->str + from, result->text->len - from) : NULL;
}

static void
add_message (JsonBuilder *builder,
             const char  *role,
             const char  *content)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, role);
  json_builder_set_member_name (builder, "content");
  json_builder_add_string_value (builder, content);
  json_builder_end_object (builder);
}

void
tg_provider_add_messages (JsonBuilder         *builder,
                          const TgChatRequest *request,
                          gboolean             system_as_message)
{
  json_builder_set_member_name (builder, "messages");
  json_builder_begin_array (builder);
  if (system_as_message && request->system != NULL && *request->system != '\0')
    add_message (builder, "system", request->system);
  for (guint i = 0; i < request->messages->len; i++)
    {
      const TgChatMessage *chat_message = g_ptr_array_index (request->messages, i);

      add_message (builder, chat_message->role, chat_message->content);
    }
  json_builder_end_array (builder);
}

void
tg_provider_set_json_body (SoupMessage *message,
                           JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autoptr(GBytes) bytes = NULL;
  char *text;
  gsize length;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);
  bytes = g_bytes_new_take (text, length);
  soup_message_set_request_body_from_bytes (message, "application/json", bytes);
  g_object_set_data_full (G_OBJECT (message), REQUEST_BODY_KEY,
                          g_bytes_ref (bytes), (GDestroyNotify) g_bytes_unref);
}

GBytes *
tg_provider_get_request_body (SoupMessage *message)
{
  g_return_val_if_fail (SOUP_IS_MESSAGE (message), NULL);

  return g_object_get_data (G_OBJECT (message), REQUEST_BODY_KEY);
}
