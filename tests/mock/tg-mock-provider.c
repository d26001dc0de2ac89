/* tg-mock-provider.c: the scriptable mock of the four AI wire formats.
 *
 * Threading: the SoupServer, every SoupServerMessage and every Outgoing live
 * in the server thread and are only touched there.  Scripts, counters and
 * recorded requests are shared with the callers' threads under self->lock.
 *
 * Every reply, even an immediate one, goes out the same way: the handler
 * pauses the message, timeouts on the server's context append one piece
 * (a whole body or one stream event) at a time and unpause it, so delays
 * never block the thread and other requests keep being served.
 */
#include "tg-mock-provider.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define DEFAULT_N_CHUNKS 3

/* ------------------------------------------------------------------------
 * A JSON writer with byte-level control over the layout, because the
 * providers differ: OpenAI pretty-prints bodies with 2 spaces (errors with 4)
 * and sends compact stream chunks, Google pretty-prints bodies and writes
 * `"key": value` in stream chunks, Anthropic and Ollama are compact.
 * json-glib's generator writes `"key" : value` when pretty, so it won't do.
 */

typedef enum {
  JSON_COMPACT,  /* {"a":1,"b":[2]} */
  JSON_SPACED,   /* {"a": 1,"b": [2]} */
  JSON_PRETTY,   /* one member per line, `indent` spaces a level */
} JsonStyle;

typedef struct {
  GString  *out;
  JsonStyle style;
  guint     indent;
  guint     depth;
  guint64   has_items;  /* bit n: the container at depth n has an item */
  gboolean  after_key;
} JsonWriter;

static void
jw_init (JsonWriter *w,
         GString    *out,
         JsonStyle   style,
         guint       indent)
{
  *w = (JsonWriter) { .out = out, .style = style, .indent = indent };
}

static void
jw_newline (JsonWriter *w)
{
  g_string_append_c (w->out, '\n');
  for (guint i = 0; i < w->depth * w->indent; i++)
    g_string_append_c (w->out, ' ');
}

/* Separates a new array element or object member from the previous one. */
static void
jw_item (JsonWriter *w)
{
  guint64 bit;

  if (w->after_key)
    {
      w->after_key = FALSE;
      return;
    }
  if (w->depth == 0)
    return;

  bit = G_GUINT64_CONSTANT (1) << w->depth;
  if (w->has_items & bit)
    g_string_append_c (w->out, ',');
  w->has_items |= bit;
  if (w->style == JSON_PRETTY)
    jw_newline (w);
}

static void
jw_escaped (GString    *out,
            const char *s)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) s; *p; p++)
    {
      switch (*p)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

static void
jw_begin (JsonWriter *w,
          char        open)
{
  jw_item (w);
  g_string_append_c (w->out, open);
  w->depth++;
  g_assert (w->depth < 64);
  w->has_items &= ~(G_GUINT64_CONSTANT (1) << w->depth);
}

static void
jw_end (JsonWriter *w,
        char        close)
{
  gboolean had_items = (w->has_items & (G_GUINT64_CONSTANT (1) << w->depth)) != 0;

  w->depth--;
  if (w->style == JSON_PRETTY && had_items)
    jw_newline (w);
  g_string_append_c (w->out, close);
}

static void
jw_key (JsonWriter *w,
        const char *key)
{
  jw_item (w);
  jw_escaped (w->out, key);
  g_string_append (w->out, w->style == JSON_COMPACT ? ":" : ": ");
  w->after_key = TRUE;
}

static void
jw_str (JsonWriter *w,
        const char *value)
{
  jw_item (w);
  if (value)
    jw_escaped (w->out, value);
  else
    g_string_append (w->out, "null");
}

static void
jw_int (JsonWriter *w,
        gint64      value)
{
  jw_item (w);
  g_string_append_printf (w->out, "%" G_GINT64_FORMAT, value);
}

static void
jw_literal (JsonWriter *w,
            const char *literal)
{
  jw_item (w);
  g_string_append (w->out, literal);
}

static void jw_obj (JsonWriter *w) { jw_begin (w, '{'); }
static void jw_obj_end (JsonWriter *w) { jw_end (w, '}'); }
static void jw_arr (JsonWriter *w) { jw_begin (w, '['); }
static void jw_arr_end (JsonWriter *w) { jw_end (w, ']'); }
static void jw_kobj (JsonWriter *w, const char *k) { jw_key (w, k); jw_obj (w); }
static void jw_karr (JsonWriter *w, const char *k) { jw_key (w, k); jw_arr (w); }
static void jw_kstr (JsonWriter *w, const char *k, const char *v) { jw_key (w, k); jw_str (w, v); }
static void jw_kint (JsonWriter *w, const char *k, gint64 v) { jw_key (w, k); jw_int (w, v); }
static void jw_kbool (JsonWriter *w, const char *k, gboolean v) { jw_key (w, k); jw_literal (w, v ? "true" : "false"); }
static void jw_knull (JsonWriter *w, const char *k) { jw_key (w, k); jw_literal (w, "null"); }

/* ------------------------------------------------------------------------
 * Scripts: owned copies of TgMockReply.
 */

typedef struct {
  TgMockReply reply;  /* its pointers point into the fields below */
  TgMockUsage usage;
  char       *retry_after;
  char       *error_type;
  char       *error_code;
  char       *error_message;
  char       *text;
} Script;

static Script *
script_new (const TgMockReply *reply)
{
  Script *s = g_new0 (Script, 1);

  if (reply)
    s->reply = *reply;

  s->retry_after = g_strdup (s->reply.retry_after);
  s->error_type = g_strdup (s->reply.error_type);
  s->error_code = g_strdup (s->reply.error_code);
  s->error_message = g_strdup (s->reply.error_message);
  s->text = g_strdup (s->reply.text ? s->reply.text : TG_MOCK_DEFAULT_TEXT);
  if (s->reply.usage)
    s->usage = *s->reply.usage;
  else
    s->usage = (TgMockUsage) { TG_MOCK_DEFAULT_USAGE_INPUT, TG_MOCK_DEFAULT_USAGE_OUTPUT, 0, 0 };

  s->reply.retry_after = s->retry_after;
  s->reply.error_type = s->error_type;
  s->reply.error_code = s->error_code;
  s->reply.error_message = s->error_message;
  s->reply.text = s->text;
  s->reply.usage = &s->usage;
  if (s->reply.status == 0)
    s->reply.status = SOUP_STATUS_OK;
  if (s->reply.n_chunks == 0)
    s->reply.n_chunks = DEFAULT_N_CHUNKS;

  return s;
}

static void
script_free (Script *s)
{
  g_free (s->retry_after);
  g_free (s->error_type);
  g_free (s->error_code);
  g_free (s->error_message);
  g_free (s->text);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Script, script_free)

/* ------------------------------------------------------------------------
 * The object.
 */

typedef struct {
  char               *body;
  SoupMessageHeaders *headers;
  char               *path;
} Recorded;

typedef struct _Outgoing Outgoing;

struct _TgMockProvider
{
  GObject parent_instance;

  /* Guards everything down to `port`. */
  GMutex   lock;
  GQueue   queues[TG_MOCK_N_FORMATS][TG_MOCK_N_ENDPOINTS];
  Script  *defaults[TG_MOCK_N_FORMATS];
  GStrv    models[TG_MOCK_N_FORMATS];
  char    *keys[TG_MOCK_N_FORMATS];
  guint    counts[TG_MOCK_N_FORMATS][TG_MOCK_N_ENDPOINTS];
  Recorded last[TG_MOCK_N_FORMATS][TG_MOCK_N_ENDPOINTS];
  guint64  serial;
  GCond    started_cond;
  gboolean start_done;
  GError  *start_error;
  guint    port;

  /* Owned by the thread that calls start() and stop(). */
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  guint         requested_port;

  /* Server thread only. */
  GList *outgoing;
};

G_DEFINE_FINAL_TYPE (TgMockProvider, tg_mock_provider, G_TYPE_OBJECT)

static const char * const default_models[TG_MOCK_N_FORMATS][3] = {
  [TG_MOCK_FORMAT_OPENAI] = { "gpt-4o-mini", "gpt-4o", NULL },
  [TG_MOCK_FORMAT_ANTHROPIC] = { "claude-sonnet-4-20250514", "claude-3-5-haiku-20241022", NULL },
  [TG_MOCK_FORMAT_GEMINI] = { "gemini-2.0-flash", "gemini-1.5-pro", NULL },
  [TG_MOCK_FORMAT_OLLAMA] = { "llama3.2:latest", NULL, NULL },
};

const char *
tg_mock_format_to_string (TgMockFormat format)
{
  switch (format)
    {
    case TG_MOCK_FORMAT_OPENAI: return "openai";
    case TG_MOCK_FORMAT_ANTHROPIC: return "anthropic";
    case TG_MOCK_FORMAT_GEMINI: return "gemini";
    case TG_MOCK_FORMAT_OLLAMA: return "ollama";
    default: g_return_val_if_reached (NULL);
    }
}

static void
recorded_clear (Recorded *r)
{
  g_clear_pointer (&r->body, g_free);
  g_clear_pointer (&r->headers, soup_message_headers_unref);
  g_clear_pointer (&r->path, g_free);
}

/* Called with the lock held. */
static void
clear_scripts_locked (TgMockProvider *self)
{
  for (guint f = 0; f < TG_MOCK_N_FORMATS; f++)
    {
      for (guint e = 0; e < TG_MOCK_N_ENDPOINTS; e++)
        {
          g_queue_clear_full (&self->queues[f][e], (GDestroyNotify) script_free);
          recorded_clear (&self->last[f][e]);
          self->counts[f][e] = 0;
        }
      g_clear_pointer (&self->defaults[f], script_free);
      g_clear_pointer (&self->models[f], g_strfreev);
      g_clear_pointer (&self->keys[f], g_free);
    }
}

static void
tg_mock_provider_dispose (GObject *object)
{
  tg_mock_provider_stop (TG_MOCK_PROVIDER (object));

  G_OBJECT_CLASS (tg_mock_provider_parent_class)->dispose (object);
}

static void
tg_mock_provider_finalize (GObject *object)
{
  TgMockProvider *self = TG_MOCK_PROVIDER (object);

  clear_scripts_locked (self);
  g_clear_error (&self->start_error);
  g_cond_clear (&self->started_cond);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (tg_mock_provider_parent_class)->finalize (object);
}

static void
tg_mock_provider_class_init (TgMockProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tg_mock_provider_dispose;
  object_class->finalize = tg_mock_provider_finalize;
}

static void
tg_mock_provider_init (TgMockProvider *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->started_cond);
  for (guint f = 0; f < TG_MOCK_N_FORMATS; f++)
    for (guint e = 0; e < TG_MOCK_N_ENDPOINTS; e++)
      g_queue_init (&self->queues[f][e]);
}

TgMockProvider *
tg_mock_provider_new (void)
{
  return g_object_new (TG_TYPE_MOCK_PROVIDER, NULL);
}

/* ------------------------------------------------------------------------
 * Sending: one piece at a time from timeouts.
 *
 * Normally libsoup writes: each piece is appended to the paused message's
 * body, which is then unpaused.  A cut reply is written by hand on the
 * stolen connection instead, because libsoup's own framing can't be cut
 * where it hurts: freeing its chunked body stream still writes the final
 * "0\r\n\r\n", and a libsoup client takes a close right after a whole chunk
 * for a clean end.  By hand the last chunk header promises the whole event
 * and only half of it follows, so every client sees the body end early.
 */

struct _Outgoing
{
  TgMockProvider    *self;
  SoupServerMessage *msg;
  GPtrArray         *pieces;  /* GBytes */
  guint              next;    /* the next piece to send */
  guint              chunk_delay_ms;
  gboolean           chunked;
  gboolean           cut;     /* send half of the last piece, then close */
  GIOStream         *raw;     /* the stolen connection of a cut reply */
  GSource           *timer;
  gulong             finished_id;
  gulong             disconnected_id;
};

static void
outgoing_disconnect (Outgoing *o)
{
  g_clear_signal_handler (&o->finished_id, o->msg);
  g_clear_signal_handler (&o->disconnected_id, o->msg);
}

static void
outgoing_free (Outgoing *o)
{
  if (o->timer)
    {
      g_source_destroy (o->timer);
      g_clear_pointer (&o->timer, g_source_unref);
    }
  outgoing_disconnect (o);
  if (o->raw)
    g_io_stream_close (o->raw, NULL, NULL);
  g_clear_object (&o->raw);
  o->self->outgoing = g_list_remove (o->self->outgoing, o);
  g_ptr_array_unref (o->pieces);
  g_object_unref (o->msg);
  g_free (o);
}

static gboolean outgoing_step (gpointer data);

static void
outgoing_schedule (Outgoing *o,
                   guint     delay_ms)
{
  o->timer = g_timeout_source_new (delay_ms);
  g_source_set_callback (o->timer, outgoing_step, o, NULL);
  g_source_attach (o->timer, o->self->context);
}

static void
append_header_line (const char *name,
                    const char *value,
                    gpointer    user_data)
{
  g_string_append_printf (user_data, "%s: %s\r\n", name, value);
}

static gboolean
raw_write (Outgoing   *o,
           const void *data,
           gsize       size)
{
  GOutputStream *out = g_io_stream_get_output_stream (o->raw);

  /* Blocking is fine: pieces are small and the peer is on loopback. */
  return g_output_stream_write_all (out, data, size, NULL, NULL, NULL) &&
         g_output_stream_flush (out, NULL, NULL);
}

/* Takes the connection from libsoup and writes the status line and headers
 * libsoup would have written. */
static gboolean
outgoing_go_raw (Outgoing *o)
{
  guint status = soup_server_message_get_status (o->msg);
  g_autoptr(GString) head = g_string_new (NULL);

  /* SoupServer has put Date in the headers already. */
  g_string_append_printf (head, "HTTP/1.1 %u %s\r\n", status, soup_status_get_phrase (status));
  soup_message_headers_foreach (soup_server_message_get_response_headers (o->msg),
                                append_header_line, head);
  g_string_append (head, "\r\n");

  /* The steal emits "disconnected", which is not an end for us. */
  outgoing_disconnect (o);
  o->raw = soup_server_message_steal_connection (o->msg);

  return o->raw && raw_write (o, head->str, head->len);
}

/* Returns FALSE once the reply is over. */
static gboolean
outgoing_step_raw (Outgoing *o)
{
  GBytes *piece = g_ptr_array_index (o->pieces, o->next);
  gsize size = g_bytes_get_size (piece);
  gboolean last = o->next + 1 == o->pieces->len;
  gsize send = last ? MAX (size / 2, 1) : size;

  if (o->chunked)
    {
      g_autofree char *chunk_size = g_strdup_printf ("%" G_GSIZE_MODIFIER "x\r\n", size);

      if (!raw_write (o, chunk_size, strlen (chunk_size)))
        return FALSE;
    }
  if (!raw_write (o, g_bytes_get_data (piece, NULL), send))
    return FALSE;
  if (o->chunked && !last && !raw_write (o, "\r\n", 2))
    return FALSE;

  o->next++;
  return !last;
}

static gboolean
outgoing_step (gpointer data)
{
  Outgoing *o = data;
  SoupMessageBody *body;

  g_clear_pointer (&o->timer, g_source_unref);

  if (o->cut)
    {
      if ((o->raw || outgoing_go_raw (o)) && outgoing_step_raw (o))
        outgoing_schedule (o, o->chunk_delay_ms);
      else
        outgoing_free (o);  /* closes the connection */
      return G_SOURCE_REMOVE;
    }

  body = soup_server_message_get_response_body (o->msg);
  soup_message_body_append_bytes (body, g_ptr_array_index (o->pieces, o->next));
  o->next++;

  if (o->next < o->pieces->len)
    outgoing_schedule (o, o->chunk_delay_ms);
  else
    soup_message_body_complete (body);

  soup_server_message_unpause (o->msg);
  return G_SOURCE_REMOVE;
}

/* The message is over (written, or the client went away): no more unpausing. */
static void
outgoing_done (SoupServerMessage *msg,
               Outgoing          *o)
{
  outgoing_free (o);
}

/* Takes @pieces: sent chunked, or as one body whose Content-Length is their
 * total (even when @cut sends less). */
static void
outgoing_start (TgMockProvider    *self,
                SoupServerMessage *msg,
                GPtrArray         *pieces,
                gboolean           chunked,
                gboolean           cut,
                guint              first_byte_delay_ms,
                guint              chunk_delay_ms)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  Outgoing *o;

  g_assert (pieces->len > 0);

  if (chunked)
    soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  else
    {
      gsize length = 0;

      for (guint i = 0; i < pieces->len; i++)
        length += g_bytes_get_size (g_ptr_array_index (pieces, i));
      soup_message_headers_set_content_length (headers, length);
    }
  /* Long benchmark streams must not pile up in memory. */
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);

  o = g_new0 (Outgoing, 1);
  o->self = self;
  o->msg = g_object_ref (msg);
  o->pieces = pieces;
  o->chunk_delay_ms = chunk_delay_ms;
  o->chunked = chunked;
  o->cut = cut;
  o->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (outgoing_done), o);
  o->disconnected_id = g_signal_connect (msg, "disconnected", G_CALLBACK (outgoing_done), o);
  self->outgoing = g_list_prepend (self->outgoing, o);

  soup_server_message_pause (msg);
  outgoing_schedule (o, first_byte_delay_ms);
}

/* A whole (non-stream) body, with the script's delay and fault. */
static void
send_body (TgMockProvider    *self,
           SoupServerMessage *msg,
           const Script      *script,
           guint              status,
           const char        *content_type,
           GString           *body)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  GPtrArray *pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  TgMockFault fault = script ? script->reply.fault : TG_MOCK_FAULT_NONE;
  gsize half = MAX (body->len / 2, 1);

  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (headers, "Content-Type", content_type);
  if (script && script->reply.retry_after)
    soup_message_headers_replace (headers, "Retry-After", script->reply.retry_after);

  /* Half a JSON document never parses: unbalanced brackets. */
  g_ptr_array_add (pieces, g_bytes_new (body->str, fault == TG_MOCK_FAULT_MALFORMED ? half : body->len));

  outgoing_start (self, msg, pieces, FALSE, fault == TG_MOCK_FAULT_CUT,
                  script ? script->reply.first_byte_delay_ms : 0, 0);
}

/* ------------------------------------------------------------------------
 * Requests.
 */

typedef struct {
  TgMockFormat   format;
  TgMockEndpoint endpoint;
  char          *model;
  gboolean       stream;
  gboolean       include_usage;  /* OpenAI stream_options.include_usage */
  gboolean       sse;            /* Gemini ?alt=sse */
  guint64        serial;
  gint64         created;        /* Unix seconds */
  char          *id;             /* of the reply */
  char          *request_id;     /* the request-id header's, Anthropic's errors' */
} Request;

static void
request_clear (Request *req)
{
  g_clear_pointer (&req->model, g_free);
  g_clear_pointer (&req->id, g_free);
  g_clear_pointer (&req->request_id, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Request, request_clear)

static void
copy_header (const char *name,
             const char *value,
             gpointer    user_data)
{
  soup_message_headers_append (user_data, name, value);
}

static guint64
record_request (TgMockProvider    *self,
                SoupServerMessage *msg,
                TgMockFormat       format,
                TgMockEndpoint     endpoint)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);
  Recorded *r = &self->last[format][endpoint];
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  recorded_clear (r);
  r->body = g_strndup (body->data ? body->data : "", body->length);
  r->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  soup_message_headers_foreach (soup_server_message_get_request_headers (msg), copy_header, r->headers);
  r->path = query ? g_strconcat (g_uri_get_path (uri), "?", query, NULL) : g_strdup (g_uri_get_path (uri));
  self->counts[format][endpoint]++;

  return ++self->serial;
}

static Script *
take_script (TgMockProvider *self,
             TgMockFormat    format,
             TgMockEndpoint  endpoint)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Script *s = g_queue_pop_head (&self->queues[format][endpoint]);

  if (s)
    return s;
  return script_new (self->defaults[format] ? &self->defaults[format]->reply : NULL);
}

static char *
dup_expected_key (TgMockProvider *self,
                  TgMockFormat    format)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return g_strdup (self->keys[format]);
}

static GStrv
dup_models (TgMockProvider *self,
            TgMockFormat    format)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  if (self->models[format])
    return g_strdupv (self->models[format]);
  return g_strdupv ((GStrv) default_models[format]);
}

/* ------------------------------------------------------------------------
 * Errors.
 */

typedef struct {
  guint       status;
  const char *type;     /* OpenAI/Anthropic type, Gemini status */
  const char *code;     /* OpenAI code */
  char       *message;
} ErrorInfo;

static void
error_info_clear (ErrorInfo *e)
{
  g_clear_pointer (&e->message, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ErrorInfo, error_info_clear)

static const char *
gemini_status_for (guint status)
{
  switch (status)
    {
    case 400: return "INVALID_ARGUMENT";
    case 401: return "UNAUTHENTICATED";
    case 403: return "PERMISSION_DENIED";
    case 404: return "NOT_FOUND";
    case 409: return "ABORTED";
    case 429: return "RESOURCE_EXHAUSTED";
    case 499: return "CANCELLED";
    case 501: return "UNIMPLEMENTED";
    case 503: return "UNAVAILABLE";
    case 504: return "DEADLINE_EXCEEDED";
    default: return status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
    }
}

/* What the provider itself says for @status, overridden by the script. */
static void
error_info_init (ErrorInfo     *e,
                 const Request *req,
                 guint          status,
                 const Script  *script)
{
  const char *model = req->model ? req->model : "";
  const char *message = NULL;
  g_autofree char *owned = NULL;

  *e = (ErrorInfo) { .status = status };

  switch (req->format)
    {
    case TG_MOCK_FORMAT_OPENAI:
      e->type = status >= 500 ? "server_error" : "invalid_request_error";
      switch (status)
        {
        case 401:
          e->code = "invalid_api_key";
          message = "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.";
          break;
        case 404:
          e->code = "model_not_found";
          message = owned = g_strdup_printf ("The model `%s` does not exist or you do not have access to it.", model);
          break;
        case 429:
          e->type = "requests";
          e->code = "rate_limit_exceeded";
          message = "Rate limit reached for requests. Please try again later.";
          break;
        case 503:
          message = "The engine is currently overloaded, please try again later.";
          break;
        default:
          message = status >= 500
            ? "The server had an error while processing your request. Sorry about that!"
            : "Your request was invalid.";
        }
      break;

    case TG_MOCK_FORMAT_ANTHROPIC:
      switch (status)
        {
        case 401: e->type = "authentication_error"; message = "invalid x-api-key"; break;
        case 403: e->type = "permission_error"; message = "Your API key does not have permission to use the specified resource."; break;
        case 404: e->type = "not_found_error"; message = owned = g_strdup_printf ("model: %s", model); break;
        case 413: e->type = "request_too_large"; message = "Request exceeds the maximum allowed number of bytes."; break;
        case 429: e->type = "rate_limit_error"; message = "This request would exceed the rate limit for your organization."; break;
        case 529: e->type = "overloaded_error"; message = "Overloaded"; break;
        default:
          e->type = status >= 500 ? "api_error" : "invalid_request_error";
          message = status >= 500 ? "Internal server error" : "Your request was invalid.";
        }
      break;

    case TG_MOCK_FORMAT_GEMINI:
      e->type = gemini_status_for (status);
      switch (status)
        {
        case 403: message = "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."; break;
        case 404: message = owned = g_strdup_printf ("models/%s is not found for API version v1beta, or is not supported for generateContent.", model); break;
        case 429: message = "Resource has been exhausted (e.g. check quota)."; break;
        case 503: message = "The model is overloaded. Please try again later."; break;
        case 504: message = "Deadline expired before operation could complete."; break;
        default:
          message = status >= 500 ? "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"
                                  : "Request contains an invalid argument.";
        }
      break;

    case TG_MOCK_FORMAT_OLLAMA:
      switch (status)
        {
        case 404: message = owned = g_strdup_printf ("model \"%s\" not found, try pulling it first", model); break;
        case 503: message = "server busy, please try again.  maximum pending requests exceeded"; break;
        default: message = status >= 500 ? "llama runner process has terminated: exit status 2" : "invalid request";
        }
      break;

    default:
      g_assert_not_reached ();
    }

  if (script && script->reply.error_type)
    e->type = script->reply.error_type;
  if (script && script->reply.error_code)
    e->code = script->reply.error_code;
  e->message = g_strdup (script && script->reply.error_message ? script->reply.error_message : message);
}

/* The error object alone, as it appears in a body or an in-stream event. */
static void
write_error (JsonWriter      *w,
             const Request   *req,
             const ErrorInfo *e,
             gboolean         in_stream)
{
  jw_obj (w);
  switch (req->format)
    {
    case TG_MOCK_FORMAT_OPENAI:
      jw_kobj (w, "error");
      jw_kstr (w, "message", e->message);
      jw_kstr (w, "type", e->type);
      jw_knull (w, "param");
      jw_kstr (w, "code", e->code);
      jw_obj_end (w);
      break;
    case TG_MOCK_FORMAT_ANTHROPIC:
      jw_kstr (w, "type", "error");
      jw_kobj (w, "error");
      jw_kstr (w, "type", e->type);
      jw_kstr (w, "message", e->message);
      jw_obj_end (w);
      if (!in_stream)
        jw_kstr (w, "request_id", req->request_id);
      break;
    case TG_MOCK_FORMAT_GEMINI:
      jw_kobj (w, "error");
      jw_kint (w, "code", e->status);
      jw_kstr (w, "message", e->message);
      jw_kstr (w, "status", e->type);
      jw_obj_end (w);
      break;
    case TG_MOCK_FORMAT_OLLAMA:
      jw_kstr (w, "error", e->message);
      break;
    default:
      g_assert_not_reached ();
    }
  jw_obj_end (w);
}

static const char *
json_content_type (TgMockFormat format)
{
  switch (format)
    {
    case TG_MOCK_FORMAT_GEMINI: return "application/json; charset=UTF-8";
    case TG_MOCK_FORMAT_OLLAMA: return "application/json; charset=utf-8";
    default: return "application/json";
    }
}

static void
send_error (TgMockProvider    *self,
            SoupServerMessage *msg,
            const Request     *req,
            const Script      *script,
            guint              status,
            const char        *type,
            const char        *message)
{
  g_auto(ErrorInfo) e = { 0 };
  g_autoptr(GString) body = g_string_new (NULL);
  JsonWriter w;

  error_info_init (&e, req, status, script);
  if (type)
    e.type = type;
  if (message)
    {
      g_free (e.message);
      e.message = g_strdup (message);
      e.code = NULL;
    }

  switch (req->format)
    {
    case TG_MOCK_FORMAT_OPENAI: jw_init (&w, body, JSON_PRETTY, 4); break;
    case TG_MOCK_FORMAT_GEMINI: jw_init (&w, body, JSON_PRETTY, 2); break;
    default: jw_init (&w, body, JSON_COMPACT, 0); break;
    }
  write_error (&w, req, &e, FALSE);
  if (req->format == TG_MOCK_FORMAT_OLLAMA)
    g_string_append_c (body, '\n');

  send_body (self, msg, script, status, json_content_type (req->format), body);
}

/* TRUE when the request may pass; else FALSE with the status (and type and
 * message, when not the status's defaults) of the provider's complaint. */
static gboolean
check_auth (TgMockProvider    *self,
            SoupServerMessage *msg,
            const Request     *req,
            GHashTable        *query,
            guint             *status,
            const char       **type,
            const char       **message)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autofree char *expected = dup_expected_key (self, req->format);
  const char *got;

  switch (req->format)
    {
    case TG_MOCK_FORMAT_OPENAI:
      got = soup_message_headers_get_one (headers, "Authorization");
      if (!expected)
        return TRUE;
      *status = 401;
      if (!got)
        {
          *type = "invalid_request_error";
          *message = "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.";
          return FALSE;
        }
      if (!g_str_has_prefix (got, "Bearer ") || g_strcmp0 (got + strlen ("Bearer "), expected) != 0)
        return FALSE;  /* the 401 defaults: invalid_api_key */
      return TRUE;

    case TG_MOCK_FORMAT_ANTHROPIC:
      got = soup_message_headers_get_one (headers, "x-api-key");
      *type = NULL;
      if (!got)
        {
          *status = 401;
          *type = "authentication_error";
          *message = "x-api-key header is required";
          return FALSE;
        }
      if (!soup_message_headers_get_one (headers, "anthropic-version"))
        {
          /* What Anthropic really answers: 400, not 401. */
          *status = 400;
          *type = "invalid_request_error";
          *message = "anthropic-version: header is required";
          return FALSE;
        }
      if (expected && g_strcmp0 (got, expected) != 0)
        {
          *status = 401;
          return FALSE;
        }
      return TRUE;

    case TG_MOCK_FORMAT_GEMINI:
      got = soup_message_headers_get_one (headers, "x-goog-api-key");
      if (!got && query)
        got = g_hash_table_lookup (query, "key");
      if (!expected)
        return TRUE;
      if (!got)
        {
          *status = 403;
          return FALSE;
        }
      if (g_strcmp0 (got, expected) != 0)
        {
          *status = 400;
          *message = "API key not valid. Please pass a valid API key.";
          return FALSE;
        }
      return TRUE;

    case TG_MOCK_FORMAT_OLLAMA:
    default:
      return TRUE;
    }
}

/* ------------------------------------------------------------------------
 * Successful replies.
 */

static void
write_openai_usage (JsonWriter        *w,
                    const TgMockUsage *u)
{
  jw_kobj (w, "usage");
  jw_kint (w, "prompt_tokens", u->input);
  jw_kint (w, "completion_tokens", u->output);
  jw_kint (w, "total_tokens", (gint64) u->input + u->output);
  jw_kobj (w, "prompt_tokens_details");
  jw_kint (w, "cached_tokens", u->cached);
  jw_kint (w, "audio_tokens", 0);
  jw_obj_end (w);
  jw_kobj (w, "completion_tokens_details");
  jw_kint (w, "reasoning_tokens", 0);
  jw_kint (w, "audio_tokens", 0);
  jw_kint (w, "accepted_prediction_tokens", 0);
  jw_kint (w, "rejected_prediction_tokens", 0);
  jw_obj_end (w);
  jw_obj_end (w);
}

static void
write_anthropic_usage (JsonWriter        *w,
                       const TgMockUsage *u,
                       guint              output_tokens)
{
  jw_kobj (w, "usage");
  jw_kint (w, "input_tokens", u->input);
  jw_kint (w, "cache_creation_input_tokens", u->cache_creation);
  jw_kint (w, "cache_read_input_tokens", u->cached);
  jw_kint (w, "output_tokens", output_tokens);
  jw_obj_end (w);
}

static void
write_gemini_usage (JsonWriter        *w,
                    const TgMockUsage *u,
                    guint              candidates)
{
  jw_kobj (w, "usageMetadata");
  jw_kint (w, "promptTokenCount", u->input);
  jw_kint (w, "candidatesTokenCount", candidates);
  jw_kint (w, "totalTokenCount", (gint64) u->input + candidates);
  if (u->cached > 0)
    jw_kint (w, "cachedContentTokenCount", u->cached);
  jw_obj_end (w);
}

/* One GenerateContentResponse; @finish marks the last. */
static void
write_gemini_response (JsonWriter    *w,
                       const Request *req,
                       const Script  *script,
                       const char    *text,
                       gboolean       finish,
                       guint          candidates)
{
  jw_obj (w);
  jw_karr (w, "candidates");
  jw_obj (w);
  jw_kobj (w, "content");
  jw_karr (w, "parts");
  jw_obj (w);
  jw_kstr (w, "text", text);
  jw_obj_end (w);
  jw_arr_end (w);
  jw_kstr (w, "role", "model");
  jw_obj_end (w);
  if (finish)
    jw_kstr (w, "finishReason", "STOP");
  jw_kint (w, "index", 0);
  jw_obj_end (w);
  jw_arr_end (w);
  if (!script->reply.omit_usage)
    write_gemini_usage (w, &script->usage, candidates);
  jw_kstr (w, "modelVersion", req->model);
  jw_kstr (w, "responseId", req->id);
  jw_obj_end (w);
}

static char *
ollama_timestamp (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
}

/* Ollama's final counters; durations are nanoseconds. */
static void
write_ollama_counts (JsonWriter        *w,
                     const TgMockUsage *u)
{
  gint64 load = 1000000;
  gint64 prompt_eval = (gint64) u->input * 1000000;
  gint64 eval = (gint64) u->output * 10000000;

  jw_kint (w, "total_duration", load + prompt_eval + eval);
  jw_kint (w, "load_duration", load);
  jw_kint (w, "prompt_eval_count", u->input);
  jw_kint (w, "prompt_eval_duration", prompt_eval);
  jw_kint (w, "eval_count", u->output);
  jw_kint (w, "eval_duration", eval);
}

static void
send_completion (TgMockProvider    *self,
                 SoupServerMessage *msg,
                 const Request     *req,
                 const Script      *script)
{
  g_autoptr(GString) body = g_string_new (NULL);
  const TgMockUsage *u = &script->usage;
  const char *text = script->reply.text;
  JsonWriter w;

  switch (req->format)
    {
    case TG_MOCK_FORMAT_OPENAI:
      jw_init (&w, body, JSON_PRETTY, 2);
      jw_obj (&w);
      jw_kstr (&w, "id", req->id);
      jw_kstr (&w, "object", "chat.completion");
      jw_kint (&w, "created", req->created);
      jw_kstr (&w, "model", req->model);
      jw_karr (&w, "choices");
      jw_obj (&w);
      jw_kint (&w, "index", 0);
      jw_kobj (&w, "message");
      jw_kstr (&w, "role", "assistant");
      jw_kstr (&w, "content", text);
      jw_knull (&w, "refusal");
      jw_karr (&w, "annotations");
      jw_arr_end (&w);
      jw_obj_end (&w);
      jw_knull (&w, "logprobs");
      jw_kstr (&w, "finish_reason", "stop");
      jw_obj_end (&w);
      jw_arr_end (&w);
      if (!script->reply.omit_usage)
        write_openai_usage (&w, u);
      jw_kstr (&w, "service_tier", "default");
      jw_kstr (&w, "system_fingerprint", "fp_mock");
      jw_obj_end (&w);
      g_string_append_c (body, '\n');
      break;

    case TG_MOCK_FORMAT_ANTHROPIC:
      jw_init (&w, body, JSON_COMPACT, 0);
      jw_obj (&w);
      jw_kstr (&w, "id", req->id);
      jw_kstr (&w, "type", "message");
      jw_kstr (&w, "role", "assistant");
      jw_kstr (&w, "model", req->model);
      jw_karr (&w, "content");
      jw_obj (&w);
      jw_kstr (&w, "type", "text");
      jw_kstr (&w, "text", text);
      jw_obj_end (&w);
      jw_arr_end (&w);
      jw_kstr (&w, "stop_reason", "end_turn");
      jw_knull (&w, "stop_sequence");
      if (!script->reply.omit_usage)
        write_anthropic_usage (&w, u, u->output);
      jw_obj_end (&w);
      break;

    case TG_MOCK_FORMAT_GEMINI:
      jw_init (&w, body, JSON_PRETTY, 2);
      write_gemini_response (&w, req, script, text, TRUE, u->output);
      g_string_append_c (body, '\n');
      break;

    case TG_MOCK_FORMAT_OLLAMA:
      {
        g_autofree char *created_at = ollama_timestamp ();

        jw_init (&w, body, JSON_COMPACT, 0);
        jw_obj (&w);
        jw_kstr (&w, "model", req->model);
        jw_kstr (&w, "created_at", created_at);
        jw_kobj (&w, "message");
        jw_kstr (&w, "role", "assistant");
        jw_kstr (&w, "content", text);
        jw_obj_end (&w);
        jw_kstr (&w, "done_reason", "stop");
        jw_kbool (&w, "done", TRUE);
        if (!script->reply.omit_usage)
          write_ollama_counts (&w, u);
        jw_obj_end (&w);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  send_body (self, msg, script, script->reply.status, json_content_type (req->format), body);
}

/* ------------------------------------------------------------------------
 * Streams: a list of events, faults applied, then framed into pieces.
 */

typedef struct {
  char    *name;  /* Anthropic's `event:` line, else NULL */
  GString *data;  /* the JSON (or OpenAI's [DONE]) */
  gboolean text;  /* carries a piece of the reply text */
} Event;

static void
event_free (Event *e)
{
  g_free (e->name);
  g_string_free (e->data, TRUE);
  g_free (e);
}

static GString *
event_add (GPtrArray  *events,
           const char *name,
           gboolean    text)
{
  Event *e = g_new0 (Event, 1);

  e->name = g_strdup (name);
  e->data = g_string_new (NULL);
  e->text = text;
  g_ptr_array_add (events, e);
  return e->data;
}

/* Splits @text into at most @n pieces of about equal character counts. */
static GStrv
split_text (const char *text,
            guint       n)
{
  glong n_chars = g_utf8_strlen (text, -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char *p = text;

  n = (guint) CLAMP ((glong) n, 1, MAX (n_chars, 1));
  for (guint i = 0; i < n; i++)
    {
      glong take = n_chars * (i + 1) / n - n_chars * i / n;
      const char *end = g_utf8_offset_to_pointer (p, take);
      g_autofree char *piece = g_strndup (p, end - p);

      g_strv_builder_add (builder, piece);
      p = end;
    }
  return g_strv_builder_end (builder);
}

static void
openai_chunk_begin (JsonWriter    *w,
                    const Request *req)
{
  jw_obj (w);
  jw_kstr (w, "id", req->id);
  jw_kstr (w, "object", "chat.completion.chunk");
  jw_kint (w, "created", req->created);
  jw_kstr (w, "model", req->model);
  jw_kstr (w, "service_tier", "default");
  jw_kstr (w, "system_fingerprint", "fp_mock");
}

/* A chunk with one choice; @content NULL gives an empty delta. */
static void
openai_chunk (GPtrArray     *events,
              const Request *req,
              gboolean       omit_usage,
              gboolean       role,
              const char    *content,
              const char    *finish_reason)
{
  JsonWriter w;

  jw_init (&w, event_add (events, NULL, content && !role), JSON_COMPACT, 0);
  openai_chunk_begin (&w, req);
  jw_karr (&w, "choices");
  jw_obj (&w);
  jw_kint (&w, "index", 0);
  jw_kobj (&w, "delta");
  if (role)
    {
      jw_kstr (&w, "role", "assistant");
      jw_kstr (&w, "content", content);
      jw_knull (&w, "refusal");
    }
  else if (content)
    jw_kstr (&w, "content", content);
  jw_obj_end (&w);
  jw_knull (&w, "logprobs");
  jw_kstr (&w, "finish_reason", finish_reason);
  jw_obj_end (&w);
  jw_arr_end (&w);
  /* With include_usage OpenAI sends "usage":null in every other chunk;
   * servers that omit usage send neither. */
  if (req->include_usage && !omit_usage)
    jw_knull (&w, "usage");
  jw_obj_end (&w);
}

static void
build_events (GPtrArray     *events,
              const Request *req,
              const Script  *script)
{
  g_auto(GStrv) parts = split_text (script->reply.text, script->reply.n_chunks);
  guint n = g_strv_length (parts);
  const TgMockUsage *u = &script->usage;
  JsonWriter w;

  switch (req->format)
    {
    case TG_MOCK_FORMAT_OPENAI:
      openai_chunk (events, req, script->reply.omit_usage, TRUE, "", NULL);
      for (guint i = 0; i < n; i++)
        openai_chunk (events, req, script->reply.omit_usage, FALSE, parts[i], NULL);
      openai_chunk (events, req, script->reply.omit_usage, FALSE, NULL, "stop");
      if (req->include_usage && !script->reply.omit_usage)
        {
          jw_init (&w, event_add (events, NULL, FALSE), JSON_COMPACT, 0);
          openai_chunk_begin (&w, req);
          jw_karr (&w, "choices");
          jw_arr_end (&w);
          write_openai_usage (&w, u);
          jw_obj_end (&w);
        }
      g_string_append (event_add (events, NULL, FALSE), "[DONE]");
      break;

    case TG_MOCK_FORMAT_ANTHROPIC:
      jw_init (&w, event_add (events, "message_start", FALSE), JSON_COMPACT, 0);
      jw_obj (&w);
      jw_kstr (&w, "type", "message_start");
      jw_kobj (&w, "message");
      jw_kstr (&w, "id", req->id);
      jw_kstr (&w, "type", "message");
      jw_kstr (&w, "role", "assistant");
      jw_kstr (&w, "model", req->model);
      jw_karr (&w, "content");
      jw_arr_end (&w);
      jw_knull (&w, "stop_reason");
      jw_knull (&w, "stop_sequence");
      if (!script->reply.omit_usage)
        write_anthropic_usage (&w, u, 1);
      jw_obj_end (&w);
      jw_obj_end (&w);

      jw_init (&w, event_add (events, "content_block_start", FALSE), JSON_COMPACT, 0);
      jw_obj (&w);
      jw_kstr (&w, "type", "content_block_start");
      jw_kint (&w, "index", 0);
      jw_kobj (&w, "content_block");
      jw_kstr (&w, "type", "text");
      jw_kstr (&w, "text", "");
      jw_obj_end (&w);
      jw_obj_end (&w);

      /* Byte for byte what Anthropic sends, space included. */
      g_string_append (event_add (events, "ping", FALSE), "{\"type\": \"ping\"}");

      for (guint i = 0; i < n; i++)
        {
          jw_init (&w, event_add (events, "content_block_delta", TRUE), JSON_COMPACT, 0);
          jw_obj (&w);
          jw_kstr (&w, "type", "content_block_delta");
          jw_kint (&w, "index", 0);
          jw_kobj (&w, "delta");
          jw_kstr (&w, "type", "text_delta");
          jw_kstr (&w, "text", parts[i]);
          jw_obj_end (&w);
          jw_obj_end (&w);
        }

      jw_init (&w, event_add (events, "content_block_stop", FALSE), JSON_COMPACT, 0);
      jw_obj (&w);
      jw_kstr (&w, "type", "content_block_stop");
      jw_kint (&w, "index", 0);
      jw_obj_end (&w);

      jw_init (&w, event_add (events, "message_delta", FALSE), JSON_COMPACT, 0);
      jw_obj (&w);
      jw_kstr (&w, "type", "message_delta");
      jw_kobj (&w, "delta");
      jw_kstr (&w, "stop_reason", "end_turn");
      jw_knull (&w, "stop_sequence");
      jw_obj_end (&w);
      if (!script->reply.omit_usage)
        {
          jw_kobj (&w, "usage");
          jw_kint (&w, "output_tokens", u->output);
          jw_obj_end (&w);
        }
      jw_obj_end (&w);

      g_string_append (event_add (events, "message_stop", FALSE), "{\"type\":\"message_stop\"}");
      break;

    case TG_MOCK_FORMAT_GEMINI:
      for (guint i = 0; i < n; i++)
        {
          /* usageMetadata in every chunk, candidates counted cumulatively. */
          guint candidates = (guint) ((guint64) u->output * (i + 1) / n);

          jw_init (&w, event_add (events, NULL, TRUE), req->sse ? JSON_SPACED : JSON_PRETTY, 2);
          write_gemini_response (&w, req, script, parts[i], i == n - 1, candidates);
        }
      break;

    case TG_MOCK_FORMAT_OLLAMA:
      {
        g_autofree char *created_at = ollama_timestamp ();

        for (guint i = 0; i < n; i++)
          {
            jw_init (&w, event_add (events, NULL, TRUE), JSON_COMPACT, 0);
            jw_obj (&w);
            jw_kstr (&w, "model", req->model);
            jw_kstr (&w, "created_at", created_at);
            jw_kobj (&w, "message");
            jw_kstr (&w, "role", "assistant");
            jw_kstr (&w, "content", parts[i]);
            jw_obj_end (&w);
            jw_kbool (&w, "done", FALSE);
            jw_obj_end (&w);
          }
        jw_init (&w, event_add (events, NULL, FALSE), JSON_COMPACT, 0);
        jw_obj (&w);
        jw_kstr (&w, "model", req->model);
        jw_kstr (&w, "created_at", created_at);
        jw_kobj (&w, "message");
        jw_kstr (&w, "role", "assistant");
        jw_kstr (&w, "content", "");
        jw_obj_end (&w);
        jw_kstr (&w, "done_reason", "stop");
        jw_kbool (&w, "done", TRUE);
        if (!script->reply.omit_usage)
          write_ollama_counts (&w, u);
        jw_obj_end (&w);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Where text event @k sits, or just past the last text event when there
 * are fewer than @k + 1 of them. */
static guint
text_event_position (GPtrArray *events,
                     guint      k)
{
  guint seen = 0, after_last_text = 0;

  for (guint i = 0; i < events->len; i++)
    {
      Event *e = g_ptr_array_index (events, i);

      if (!e->text)
        continue;
      if (seen++ == k)
        return i;
      after_last_text = i + 1;
    }
  return after_last_text;
}

static guint
count_text_events (GPtrArray *events)
{
  guint n = 0;

  for (guint i = 0; i < events->len; i++)
    n += ((Event *) g_ptr_array_index (events, i))->text ? 1 : 0;
  return n;
}

static GBytes *
frame_event (const Request *req,
             const Event   *e,
             guint          index)
{
  GString *s = g_string_new (NULL);

  switch (req->format)
    {
    case TG_MOCK_FORMAT_ANTHROPIC:
      g_string_append_printf (s, "event: %s\ndata: %s\n\n", e->name, e->data->str);
      break;
    case TG_MOCK_FORMAT_GEMINI:
      /* Google ends SSE lines with CRLF; without alt=sse it streams one JSON
       * array instead. */
      if (req->sse)
        g_string_append_printf (s, "data: %s\r\n\r\n", e->data->str);
      else
        g_string_append_printf (s, "%s%s", index == 0 ? "[" : ",\r\n", e->data->str);
      break;
    case TG_MOCK_FORMAT_OLLAMA:
      g_string_append_printf (s, "%s\n", e->data->str);
      break;
    case TG_MOCK_FORMAT_OPENAI:
    default:
      g_string_append_printf (s, "data: %s\n\n", e->data->str);
      break;
    }
  return g_string_free_to_bytes (s);
}

static void
send_stream (TgMockProvider    *self,
             SoupServerMessage *msg,
             const Request     *req,
             const Script      *script)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
  GPtrArray *pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  TgMockFault fault = script->reply.fault;
  const char *content_type;
  guint at;

  build_events (events, req, script);
  at = text_event_position (events, script->reply.fault_chunk);

  if (fault == TG_MOCK_FAULT_MALFORMED)
    {
      guint k = MIN (script->reply.fault_chunk, count_text_events (events) - 1);
      Event *e = g_ptr_array_index (events, text_event_position (events, k));

      /* Keep the framing, break the JSON: half a document never parses. */
      g_string_truncate (e->data, MAX (e->data->len / 2, 1));
    }
  else if (fault == TG_MOCK_FAULT_STREAM_ERROR)
    {
      g_auto(ErrorInfo) info = { 0 };
      JsonWriter w;

      /* The error takes the place of everything from text event k on. */
      g_ptr_array_set_size (events, at);
      error_info_init (&info, req, req->format == TG_MOCK_FORMAT_ANTHROPIC ? 529 : 500, script);
      jw_init (&w, event_add (events, "error", FALSE),
               req->format == TG_MOCK_FORMAT_GEMINI && req->sse ? JSON_SPACED : JSON_COMPACT, 2);
      write_error (&w, req, &info, TRUE);
    }
  else if (fault == TG_MOCK_FAULT_CUT)
    {
      g_ptr_array_set_size (events, MIN (at + 1, events->len));
    }

  for (guint i = 0; i < events->len; i++)
    g_ptr_array_add (pieces, frame_event (req, g_ptr_array_index (events, i), i));
  if (req->format == TG_MOCK_FORMAT_GEMINI && !req->sse && fault != TG_MOCK_FAULT_CUT)
    g_ptr_array_add (pieces, g_bytes_new_static ("]", 1));

  switch (req->format)
    {
    case TG_MOCK_FORMAT_GEMINI: content_type = req->sse ? "text/event-stream" : "application/json; charset=UTF-8"; break;
    case TG_MOCK_FORMAT_OLLAMA: content_type = "application/x-ndjson"; break;
    default: content_type = "text/event-stream; charset=utf-8"; break;
    }

  soup_server_message_set_status (msg, script->reply.status, NULL);
  soup_message_headers_replace (headers, "Content-Type", content_type);
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  if (script->reply.retry_after)
    soup_message_headers_replace (headers, "Retry-After", script->reply.retry_after);

  outgoing_start (self, msg, pieces, TRUE, fault == TG_MOCK_FAULT_CUT,
                  script->reply.first_byte_delay_ms, script->reply.chunk_delay_ms);
}

static void
send_models (TgMockProvider    *self,
             SoupServerMessage *msg,
             const Request     *req,
             const Script      *script)
{
  g_auto(GStrv) models = dup_models (self, req->format);
  guint n = g_strv_length (models);
  g_autoptr(GString) body = g_string_new (NULL);
  JsonWriter w;

  switch (req->format)
    {
    case TG_MOCK_FORMAT_OPENAI:
      jw_init (&w, body, JSON_PRETTY, 2);
      jw_obj (&w);
      jw_kstr (&w, "object", "list");
      jw_karr (&w, "data");
      for (guint i = 0; i < n; i++)
        {
          jw_obj (&w);
          jw_kstr (&w, "id", models[i]);
          jw_kstr (&w, "object", "model");
          jw_kint (&w, "created", 1721172741);
          jw_kstr (&w, "owned_by", "system");
          jw_obj_end (&w);
        }
      jw_arr_end (&w);
      jw_obj_end (&w);
      g_string_append_c (body, '\n');
      break;

    case TG_MOCK_FORMAT_ANTHROPIC:
      jw_init (&w, body, JSON_COMPACT, 0);
      jw_obj (&w);
      jw_karr (&w, "data");
      for (guint i = 0; i < n; i++)
        {
          jw_obj (&w);
          jw_kstr (&w, "type", "model");
          jw_kstr (&w, "id", models[i]);
          jw_kstr (&w, "display_name", models[i]);
          jw_kstr (&w, "created_at", "2025-05-22T00:00:00Z");
          jw_obj_end (&w);
        }
      jw_arr_end (&w);
      jw_kbool (&w, "has_more", FALSE);
      jw_kstr (&w, "first_id", n > 0 ? models[0] : NULL);
      jw_kstr (&w, "last_id", n > 0 ? models[n - 1] : NULL);
      jw_obj_end (&w);
      break;

    case TG_MOCK_FORMAT_GEMINI:
      jw_init (&w, body, JSON_PRETTY, 2);
      jw_obj (&w);
      jw_karr (&w, "models");
      for (guint i = 0; i < n; i++)
        {
          g_autofree char *name = g_strconcat ("models/", models[i], NULL);

          jw_obj (&w);
          jw_kstr (&w, "name", name);
          jw_kstr (&w, "version", "001");
          jw_kstr (&w, "displayName", models[i]);
          jw_kstr (&w, "description", "A model of the Tollgate mock provider.");
          jw_kint (&w, "inputTokenLimit", 1048576);
          jw_kint (&w, "outputTokenLimit", 8192);
          jw_karr (&w, "supportedGenerationMethods");
          jw_str (&w, "generateContent");
          jw_str (&w, "countTokens");
          jw_arr_end (&w);
          jw_obj_end (&w);
        }
      jw_arr_end (&w);
      jw_obj_end (&w);
      g_string_append_c (body, '\n');
      break;

    case TG_MOCK_FORMAT_OLLAMA:
      jw_init (&w, body, JSON_COMPACT, 0);
      jw_obj (&w);
      jw_karr (&w, "models");
      for (guint i = 0; i < n; i++)
        {
          g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, models[i], -1);

          jw_obj (&w);
          jw_kstr (&w, "name", models[i]);
          jw_kstr (&w, "model", models[i]);
          jw_kstr (&w, "modified_at", "2025-01-15T10:00:00.000000000Z");
          jw_kint (&w, "size", 2019393189);
          jw_kstr (&w, "digest", digest);
          jw_kobj (&w, "details");
          jw_kstr (&w, "parent_model", "");
          jw_kstr (&w, "format", "gguf");
          jw_kstr (&w, "family", "llama");
          jw_karr (&w, "families");
          jw_str (&w, "llama");
          jw_arr_end (&w);
          jw_kstr (&w, "parameter_size", "3.2B");
          jw_kstr (&w, "quantization_level", "Q4_K_M");
          jw_obj_end (&w);
          jw_obj_end (&w);
        }
      jw_arr_end (&w);
      jw_obj_end (&w);
      break;

    default:
      g_assert_not_reached ();
    }

  send_body (self, msg, script, script->reply.status, json_content_type (req->format), body);
}

/* ------------------------------------------------------------------------
 * Routing.
 */

static gboolean
route (SoupServerMessage *msg,
       const char        *path,
       GHashTable        *query,
       Request           *req)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  gboolean post = g_strcmp0 (method, "POST") == 0;
  gboolean get = g_strcmp0 (method, "GET") == 0;

  if (post && g_str_equal (path, "/v1/chat/completions"))
    {
      req->format = TG_MOCK_FORMAT_OPENAI;
      req->endpoint = TG_MOCK_ENDPOINT_COMPLETION;
    }
  else if (post && g_str_equal (path, "/v1/messages"))
    {
      req->format = TG_MOCK_FORMAT_ANTHROPIC;
      req->endpoint = TG_MOCK_ENDPOINT_COMPLETION;
    }
  else if (get && g_str_equal (path, "/v1/models"))
    {
      /* Both OpenAI and Anthropic list models here; Anthropic's clients
       * always send their own headers. */
      gboolean anthropic = soup_message_headers_get_one (headers, "x-api-key") ||
                           soup_message_headers_get_one (headers, "anthropic-version");

      req->format = anthropic ? TG_MOCK_FORMAT_ANTHROPIC : TG_MOCK_FORMAT_OPENAI;
      req->endpoint = TG_MOCK_ENDPOINT_LIST_MODELS;
    }
  else if (post && g_str_has_prefix (path, "/v1beta/models/"))
    {
      const char *model = path + strlen ("/v1beta/models/");
      const char *colon = strrchr (model, ':');

      if (!colon || colon == model)
        return FALSE;
      if (g_str_equal (colon, ":generateContent"))
        req->stream = FALSE;
      else if (g_str_equal (colon, ":streamGenerateContent"))
        req->stream = TRUE;
      else
        return FALSE;
      req->format = TG_MOCK_FORMAT_GEMINI;
      req->endpoint = TG_MOCK_ENDPOINT_COMPLETION;
      req->model = g_strndup (model, colon - model);
      req->sse = query && g_strcmp0 (g_hash_table_lookup (query, "alt"), "sse") == 0;
    }
  else if (get && g_str_equal (path, "/v1beta/models"))
    {
      req->format = TG_MOCK_FORMAT_GEMINI;
      req->endpoint = TG_MOCK_ENDPOINT_LIST_MODELS;
    }
  else if (post && g_str_equal (path, "/api/chat"))
    {
      req->format = TG_MOCK_FORMAT_OLLAMA;
      req->endpoint = TG_MOCK_ENDPOINT_COMPLETION;
    }
  else if (get && g_str_equal (path, "/api/tags"))
    {
      req->format = TG_MOCK_FORMAT_OLLAMA;
      req->endpoint = TG_MOCK_ENDPOINT_LIST_MODELS;
    }
  else
    return FALSE;

  return TRUE;
}

static gboolean
member_boolean (JsonObject *object,
                const char *name,
                gboolean    fallback)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);
  return fallback;
}

/* Reads model and stream flags from the body; FALSE if it is not JSON. */
static gboolean
parse_completion_body (SoupServerMessage *msg,
                       Request           *req)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *object;
  JsonNode *node;

  if (!json_parser_load_from_data (parser, body->data ? body->data : "", body->length, NULL))
    return FALSE;
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  object = json_node_get_object (root);

  if (req->format == TG_MOCK_FORMAT_GEMINI)
    return TRUE;

  node = json_object_get_member (object, "model");
  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    req->model = g_strdup (json_node_get_string (node));
  else
    req->model = g_strdup (default_models[req->format][0]);

  /* Ollama streams unless told not to; the others only when asked. */
  req->stream = member_boolean (object, "stream", req->format == TG_MOCK_FORMAT_OLLAMA);

  node = json_object_get_member (object, "stream_options");
  if (node && JSON_NODE_HOLDS_OBJECT (node))
    req->include_usage = req->stream && member_boolean (json_node_get_object (node), "include_usage", FALSE);

  return TRUE;
}

static void
send_not_found (SoupServerMessage *msg,
                const char        *path)
{
  g_autofree char *text = NULL;

  text = g_strdup_printf ("404 page not found: %s %s\n", soup_server_message_get_method (msg), path);
  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text, strlen (text));
}

static void
handle_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  TgMockProvider *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_auto(Request) req = { 0 };
  g_autoptr(Script) script = NULL;
  guint status = 0;
  const char *type = NULL, *message = NULL;

  if (!route (msg, path, query, &req))
    {
      send_not_found (msg, path);
      return;
    }

  req.serial = record_request (self, msg, req.format, req.endpoint);
  req.created = g_get_real_time () / G_USEC_PER_SEC;
  req.request_id = g_strdup_printf ("req_mock%016" G_GINT64_MODIFIER "x", req.serial);
  switch (req.format)
    {
    case TG_MOCK_FORMAT_OPENAI:
      req.id = g_strdup_printf ("chatcmpl-mock%016" G_GINT64_MODIFIER "x", req.serial);
      soup_message_headers_replace (headers, "x-request-id", req.request_id);
      break;
    case TG_MOCK_FORMAT_ANTHROPIC:
      req.id = g_strdup_printf ("msg_mock%016" G_GINT64_MODIFIER "x", req.serial);
      soup_message_headers_replace (headers, "request-id", req.request_id);
      break;
    default:
      req.id = g_strdup_printf ("mock%016" G_GINT64_MODIFIER "x", req.serial);
      break;
    }

  if (!check_auth (self, msg, &req, query, &status, &type, &message))
    {
      send_error (self, msg, &req, NULL, status, type, message);
      return;
    }

  if (req.endpoint == TG_MOCK_ENDPOINT_COMPLETION && !parse_completion_body (msg, &req))
    {
      send_error (self, msg, &req, NULL, 400, NULL,
                  req.format == TG_MOCK_FORMAT_OPENAI
                  ? "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)"
                  : req.format == TG_MOCK_FORMAT_GEMINI ? "Invalid JSON payload received."
                  : req.format == TG_MOCK_FORMAT_OLLAMA ? "invalid character in request body"
                  : "There was an error parsing the body of your request as JSON.");
      return;
    }

  script = take_script (self, req.format, req.endpoint);

  if (script->reply.status >= 400)
    send_error (self, msg, &req, script, script->reply.status, NULL, NULL);
  else if (req.endpoint == TG_MOCK_ENDPOINT_LIST_MODELS)
    send_models (self, msg, &req, script);
  else if (req.stream)
    send_stream (self, msg, &req, script);
  else
    send_completion (self, msg, &req, script);
}

/* ------------------------------------------------------------------------
 * The server thread.
 */

static gpointer
server_thread (gpointer data)
{
  TgMockProvider *self = data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;
  guint port = 0;

  g_main_context_push_thread_default (self->context);

  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, handle_request, self, NULL);

  /* 127.0.0.1 only: a test's mock must never be reachable from elsewhere. */
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, self->requested_port);
  ok = soup_server_listen (server, address, 0, &error);
  if (ok)
    {
      /* Not soup_server_get_uris(): libsoup 3.2 leaks the address it caches. */
      GSList *listeners = soup_server_get_listeners (server);
      g_autoptr(GSocketAddress) bound = g_socket_get_local_address (listeners->data, NULL);

      port = bound ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)) : 0;
      g_slist_free (listeners);
    }

  g_mutex_lock (&self->lock);
  self->port = port;
  self->start_error = g_steal_pointer (&error);
  self->start_done = TRUE;
  g_cond_signal (&self->started_cond);
  g_mutex_unlock (&self->lock);

  if (ok)
    g_main_loop_run (self->loop);

  while (self->outgoing)
    outgoing_free (self->outgoing->data);
  soup_server_disconnect (server);
  g_clear_object (&server);
  /* Let the closed connections' pending sources run out. */
  while (g_main_context_iteration (self->context, FALSE))
    ;

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

gboolean
tg_mock_provider_start (TgMockProvider  *self,
                        guint            port,
                        GError         **error)
{
  gboolean ok;

  g_return_val_if_fail (TG_IS_MOCK_PROVIDER (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);
  g_return_val_if_fail (port <= G_MAXUINT16, FALSE);

  self->requested_port = port;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->start_done = FALSE;
  self->thread = g_thread_new ("tg-mock-provider", server_thread, self);

  g_mutex_lock (&self->lock);
  while (!self->start_done)
    g_cond_wait (&self->started_cond, &self->lock);
  ok = self->start_error == NULL;
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&self->start_error));
  g_mutex_unlock (&self->lock);

  if (!ok)
    tg_mock_provider_stop (self);
  return ok;
}

void
tg_mock_provider_stop (TgMockProvider *self)
{
  g_return_if_fail (TG_IS_MOCK_PROVIDER (self));

  if (!self->thread)
    return;

  g_main_loop_quit (self->loop);
  g_thread_join (g_steal_pointer (&self->thread));
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  g_mutex_lock (&self->lock);
  self->port = 0;
  g_mutex_unlock (&self->lock);
}

guint
tg_mock_provider_get_port (TgMockProvider *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (TG_IS_MOCK_PROVIDER (self), 0);

  locker = g_mutex_locker_new (&self->lock);
  return self->port;
}

char *
tg_mock_provider_get_base_url (TgMockProvider *self,
                               TgMockFormat    format)
{
  guint port;

  g_return_val_if_fail (TG_IS_MOCK_PROVIDER (self), NULL);
  g_return_val_if_fail (format < TG_MOCK_N_FORMATS, NULL);

  port = tg_mock_provider_get_port (self);
  g_return_val_if_fail (port != 0, NULL);

  if (format == TG_MOCK_FORMAT_OPENAI)
    return g_strdup_printf ("http://127.0.0.1:%u/v1", port);
  return g_strdup_printf ("http://127.0.0.1:%u", port);
}

/* ------------------------------------------------------------------------
 * Scripting and introspection.
 */

static void
enqueue (TgMockProvider    *self,
         TgMockFormat       format,
         TgMockEndpoint     endpoint,
         const TgMockReply *reply)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (TG_IS_MOCK_PROVIDER (self));
  g_return_if_fail (format < TG_MOCK_N_FORMATS);
  g_return_if_fail (reply != NULL);

  locker = g_mutex_locker_new (&self->lock);
  g_queue_push_tail (&self->queues[format][endpoint], script_new (reply));
}

void
tg_mock_provider_enqueue (TgMockProvider    *self,
                          TgMockFormat       format,
                          const TgMockReply *reply)
{
  enqueue (self, format, TG_MOCK_ENDPOINT_COMPLETION, reply);
}

void
tg_mock_provider_enqueue_list_models (TgMockProvider    *self,
                                      TgMockFormat       format,
                                      const TgMockReply *reply)
{
  enqueue (self, format, TG_MOCK_ENDPOINT_LIST_MODELS, reply);
}

void
tg_mock_provider_set_default_reply (TgMockProvider    *self,
                                    TgMockFormat       format,
                                    const TgMockReply *reply)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (TG_IS_MOCK_PROVIDER (self));
  g_return_if_fail (format < TG_MOCK_N_FORMATS);

  locker = g_mutex_locker_new (&self->lock);
  g_clear_pointer (&self->defaults[format], script_free);
  if (reply)
    self->defaults[format] = script_new (reply);
}

void
tg_mock_provider_set_models (TgMockProvider     *self,
                             TgMockFormat        format,
                             const char * const *model_ids)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (TG_IS_MOCK_PROVIDER (self));
  g_return_if_fail (format < TG_MOCK_N_FORMATS);

  locker = g_mutex_locker_new (&self->lock);
  g_clear_pointer (&self->models[format], g_strfreev);
  self->models[format] = g_strdupv ((GStrv) model_ids);
}

void
tg_mock_provider_set_expected_key (TgMockProvider *self,
                                   TgMockFormat    format,
                                   const char     *key)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (TG_IS_MOCK_PROVIDER (self));
  g_return_if_fail (format < TG_MOCK_N_FORMATS);

  locker = g_mutex_locker_new (&self->lock);
  g_free (self->keys[format]);
  self->keys[format] = g_strdup (key);
}

void
tg_mock_provider_reset (TgMockProvider *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (TG_IS_MOCK_PROVIDER (self));

  locker = g_mutex_locker_new (&self->lock);
  clear_scripts_locked (self);
}

guint
tg_mock_provider_get_request_count (TgMockProvider *self,
                                    TgMockFormat    format,
                                    TgMockEndpoint  endpoint)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (TG_IS_MOCK_PROVIDER (self), 0);
  g_return_val_if_fail (format < TG_MOCK_N_FORMATS, 0);
  g_return_val_if_fail (endpoint < TG_MOCK_N_ENDPOINTS, 0);

  locker = g_mutex_locker_new (&self->lock);
  return self->counts[format][endpoint];
}

char *
tg_mock_provider_get_last_request_body (TgMockProvider *self,
                                        TgMockFormat    format,
                                        TgMockEndpoint  endpoint)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (TG_IS_MOCK_PROVIDER (self), NULL);
  g_return_val_if_fail (format < TG_MOCK_N_FORMATS, NULL);
  g_return_val_if_fail (endpoint < TG_MOCK_N_ENDPOINTS, NULL);

  locker = g_mutex_locker_new (&self->lock);
  return g_strdup (self->last[format][endpoint].body);
}

SoupMessageHeaders *
tg_mock_provider_get_last_request_headers (TgMockProvider *self,
                                           TgMockFormat    format,
                                           TgMockEndpoint  endpoint)
{
  g_autoptr(GMutexLocker) locker = NULL;
  SoupMessageHeaders *copy;

  g_return_val_if_fail (TG_IS_MOCK_PROVIDER (self), NULL);
  g_return_val_if_fail (format < TG_MOCK_N_FORMATS, NULL);
  g_return_val_if_fail (endpoint < TG_MOCK_N_ENDPOINTS, NULL);

  locker = g_mutex_locker_new (&self->lock);
  if (!self->last[format][endpoint].headers)
    return NULL;
  copy = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  soup_message_headers_foreach (self->last[format][endpoint].headers, copy_header, copy);
  return copy;
}

char *
tg_mock_provider_get_last_request_path (TgMockProvider *self,
                                        TgMockFormat    format,
                                        TgMockEndpoint  endpoint)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (TG_IS_MOCK_PROVIDER (self), NULL);
  g_return_val_if_fail (format < TG_MOCK_N_FORMATS, NULL);
  g_return_val_if_fail (endpoint < TG_MOCK_N_ENDPOINTS, NULL);

  locker = g_mutex_locker_new (&self->lock);
  return g_strdup (self->last[format][endpoint].path);
}
