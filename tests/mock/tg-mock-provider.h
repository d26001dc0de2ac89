/* tg-mock-provider.h: a scriptable stand-in for the four AI wire formats.
 *
 * TgMockProvider is a SoupServer bound to 127.0.0.1 that answers like OpenAI
 * Chat Completions, Anthropic Messages, Gemini generateContent and Ollama
 * /api/chat, all on one port, told apart by path.  It runs in a thread of its
 * own with its own GMainContext, so it keeps serving while the test's thread
 * blocks (in a sync call, a subprocess wait, g_usleep ...).
 *
 * Every request takes the next scripted reply queued for its format and
 * endpoint; when that queue is empty, the format's default reply (see
 * tg_mock_provider_set_default_reply()), else a built-in successful reply.
 * Requests refused before that (missing or wrong key, a body that is not
 * JSON) get the provider's own error and take no script.
 * Everything here may be called from any thread.
 */
#pragma once

#include <glib-object.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef enum {
  TG_MOCK_FORMAT_OPENAI,     /* POST /v1/chat/completions, GET /v1/models */
  TG_MOCK_FORMAT_ANTHROPIC,  /* POST /v1/messages, GET /v1/models (with x-api-key or anthropic-version) */
  TG_MOCK_FORMAT_GEMINI,     /* POST /v1beta/models/M:generateContent | :streamGenerateContent, GET /v1beta/models */
  TG_MOCK_FORMAT_OLLAMA,     /* POST /api/chat, GET /api/tags */
} TgMockFormat;

#define TG_MOCK_N_FORMATS 4

typedef enum {
  TG_MOCK_ENDPOINT_COMPLETION,   /* the paid request */
  TG_MOCK_ENDPOINT_LIST_MODELS,  /* the free one health checks use */
} TgMockEndpoint;

#define TG_MOCK_N_ENDPOINTS 2

typedef enum {
  TG_MOCK_FAULT_NONE,
  /* Non-stream: the body is cut in half (still a well-framed HTTP body, but
   * not valid JSON).  Stream: text event number fault_chunk (clamped to the
   * last one) carries half of its JSON, framing intact. */
  TG_MOCK_FAULT_MALFORMED,
  /* Non-stream: half the body, then the connection is closed although the
   * Content-Length promised more.  Stream: the events before text event
   * fault_chunk go out whole, then a chunk header announcing that whole
   * event, half of it, and the connection closes: every client, libsoup's
   * included, sees the body end early (G_IO_ERROR_PARTIAL_INPUT). */
  TG_MOCK_FAULT_CUT,
  /* Stream only: after fault_chunk text events the format's in-stream error
   * (Anthropic `event: error`, OpenAI/Gemini `data: {"error":…}`, Ollama
   * `{"error":…}` line) and the stream ends.  Ignored for non-stream
   * requests. */
  TG_MOCK_FAULT_STREAM_ERROR,
} TgMockFault;

typedef struct {
  guint input;           /* prompt_tokens / input_tokens / promptTokenCount / prompt_eval_count */
  guint output;          /* completion_tokens / output_tokens / candidatesTokenCount / eval_count */
  guint cached;          /* cached_tokens / cache_read_input_tokens / cachedContentTokenCount */
  guint cache_creation;  /* cache_creation_input_tokens (Anthropic only) */
} TgMockUsage;

/* A scripted reply.  Zero-initialise it and set what matters: every zero or
 * NULL field means "the default".  The provider copies it. */
typedef struct {
  guint              status;               /* 0: 200.  >= 400 sends the format's error body */
  const char        *retry_after;          /* Retry-After header value, or NULL */
  const char        *error_type;           /* OpenAI/Anthropic error type, Gemini status; NULL: from status */
  const char        *error_code;           /* OpenAI "code"; NULL: from status */
  const char        *error_message;        /* NULL: a message like the provider's */
  const char        *text;                 /* NULL: TG_MOCK_DEFAULT_TEXT */
  guint              n_chunks;             /* stream text events; 0: 3 */
  const TgMockUsage *usage;                /* NULL: TG_MOCK_DEFAULT_USAGE_* */
  gboolean           omit_usage;           /* send no usage at all */
  guint              first_byte_delay_ms;  /* before the status line */
  guint              chunk_delay_ms;       /* between stream events */
  TgMockFault        fault;
  guint              fault_chunk;          /* see TgMockFault */
} TgMockReply;

#define TG_MOCK_DEFAULT_TEXT          "Hello from the Tollgate mock provider."
#define TG_MOCK_DEFAULT_USAGE_INPUT   12
#define TG_MOCK_DEFAULT_USAGE_OUTPUT  8

#define TG_TYPE_MOCK_PROVIDER (tg_mock_provider_get_type ())
G_DECLARE_FINAL_TYPE (TgMockProvider, tg_mock_provider, TG, MOCK_PROVIDER, GObject)

const char         *tg_mock_format_to_string              (TgMockFormat      format);

TgMockProvider     *tg_mock_provider_new                  (void);

/* Binds 127.0.0.1:port (0: a free port) and starts serving from its thread;
 * returns once it listens. */
gboolean            tg_mock_provider_start                (TgMockProvider   *self,
                                                           guint             port,
                                                           GError          **error);
/* Closes every connection and joins the thread.  Scripts and counters stay. */
void                tg_mock_provider_stop                 (TgMockProvider   *self);
guint               tg_mock_provider_get_port             (TgMockProvider   *self);
/* The base URL the app's catalogue would hold for @format:
 * openai "http://127.0.0.1:PORT/v1", the others "http://127.0.0.1:PORT". */
char               *tg_mock_provider_get_base_url         (TgMockProvider   *self,
                                                           TgMockFormat      format);

/* Scripted replies for completion requests, first in first out. */
void                tg_mock_provider_enqueue              (TgMockProvider    *self,
                                                           TgMockFormat       format,
                                                           const TgMockReply *reply);
/* The same for list-models (health check) requests. */
void                tg_mock_provider_enqueue_list_models  (TgMockProvider    *self,
                                                           TgMockFormat       format,
                                                           const TgMockReply *reply);
/* What both endpoints of @format answer while their queue is empty, until
 * changed or reset (e.g. a persistent 503 for health tests).  NULL restores
 * the built-in successful reply. */
void                tg_mock_provider_set_default_reply    (TgMockProvider    *self,
                                                           TgMockFormat       format,
                                                           const TgMockReply *reply);
/* The model ids list-models returns; NULL restores the built-in list. */
void                tg_mock_provider_set_models           (TgMockProvider     *self,
                                                           TgMockFormat        format,
                                                           const char * const *model_ids);
/* Requests of @format must carry this key (Authorization: Bearer, x-api-key,
 * x-goog-api-key or ?key=) or get the provider's authentication error.
 * NULL (the default) accepts any key.  Anthropic always requires x-api-key
 * and anthropic-version to be present; Ollama has no keys. */
void                tg_mock_provider_set_expected_key     (TgMockProvider    *self,
                                                           TgMockFormat       format,
                                                           const char        *key);
/* Forgets queues, default replies, models, keys, counters and recorded
 * requests. */
void                tg_mock_provider_reset                (TgMockProvider    *self);

/* Requests received, whatever their outcome (auth errors included). */
guint               tg_mock_provider_get_request_count    (TgMockProvider    *self,
                                                           TgMockFormat       format,
                                                           TgMockEndpoint     endpoint);
/* The last request's body (NULL if none arrived; "" for a GET), request
 * headers (a copy) and path with its query string. */
char               *tg_mock_provider_get_last_request_body    (TgMockProvider *self,
                                                               TgMockFormat    format,
                                                               TgMockEndpoint  endpoint);
SoupMessageHeaders *tg_mock_provider_get_last_request_headers (TgMockProvider *self,
                                                               TgMockFormat    format,
                                                               TgMockEndpoint  endpoint);
char               *tg_mock_provider_get_last_request_path    (TgMockProvider *self,
                                                               TgMockFormat    format,
                                                               TgMockEndpoint  endpoint);

G_END_DECLS
