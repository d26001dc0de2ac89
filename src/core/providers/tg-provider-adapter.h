/* tg-provider-adapter.h: what every wire format implements (DESIGN §3).
 *
 * An adapter only builds requests, parses replies and stream events, and
 * classifies errors. It holds no state between requests: selection, retries,
 * fallback, metering and recording live once, in TgAiClient. */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tg-catalog.h"
#include "tg-json-scan.h"

G_BEGIN_DECLS

/* Error classes; the string forms are the `outcome` values of ai_usage_analytics. */
typedef enum {
  TG_ERROR_CLASS_AUTH,          /* bad or missing key, no permission, no credit */
  TG_ERROR_CLASS_RATE_LIMITED,  /* 429: slow down, maybe with Retry-After */
  TG_ERROR_CLASS_OVERLOADED,    /* 503 / 529: the provider sheds load */
  TG_ERROR_CLASS_SERVER,        /* 5xx */
  TG_ERROR_CLASS_TIMEOUT,       /* connect, first byte or total timeout, 408/504 */
  TG_ERROR_CLASS_NETWORK,       /* DNS, refused, reset, TLS */
  TG_ERROR_CLASS_BAD_REQUEST,   /* 400/404/413/422: our request or the model id is wrong */
  TG_ERROR_CLASS_BAD_RESPONSE,  /* malformed JSON, truncated stream, missing fields */
  TG_ERROR_CLASS_CANCELLED,     /* the caller cancelled */
} TgErrorClass;

/* GError domain for request failures; the code is a TgErrorClass. */
#define TG_PROVIDER_ERROR (tg_provider_error_quark ())
GQuark       tg_provider_error_quark       (void);

const char  *tg_error_class_to_string      (TgErrorClass error_class); /* "auth", "rate-limited", … */
/* Worth another try (here or at a fallback): rate-limited, overloaded, server, timeout, network. */
gboolean     tg_error_class_is_retryable   (TgErrorClass error_class);

typedef struct {
  char *role;     /* "user" or "assistant" */
  char *content;
} TgChatMessage;

typedef struct {
  char      *model;
  char      *system;        /* nullable */
  GPtrArray *messages;      /* TgChatMessage*, oldest first, at least one */
  gint64     max_tokens;    /* 0: the adapter's default (Anthropic requires one) */
  double     temperature;   /* < 0: the provider's default */
  gboolean   stream;
} TgChatRequest;

TgChatRequest *tg_chat_request_new          (const char    *model,
                                             const char    *system,
                                             const char    *user_prompt);
void           tg_chat_request_free         (TgChatRequest *request);
void           tg_chat_request_add_message  (TgChatRequest *request,
                                             const char    *role,
                                             const char    *content);

/* Token counts normalised across formats. */
typedef struct {
  gint64   input_tokens;        /* every prompt token, cached ones included */
  gint64   cached_tokens;       /* of those, read from the provider's cache */
  gint64   cache_write_tokens;  /* of those, written to the cache (Anthropic) */
  gint64   output_tokens;       /* reply tokens, reasoning/thinking included */
  gboolean reported;            /* the provider sent usage numbers at all */
} TgUsage;

/* What a reply, whole or streamed so far, amounts to. */
typedef struct {
  GString *text;
  TgUsage  usage;
  char    *finish_reason;   /* nullable */
  char    *model;           /* as the provider reported it; nullable */
  gboolean done;            /* stream: the terminal event was seen */
} TgChatResult;

TgChatResult *tg_chat_result_new  (void);
void          tg_chat_result_free (TgChatResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgChatRequest, tg_chat_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgChatResult, tg_chat_result_free)

typedef enum {
  TG_STREAM_SSE,
  TG_STREAM_NDJSON,
} TgStreamFraming;

typedef struct {
  TgWireFormat    format;
  TgStreamFraming stream_framing;

  /* The completion request; @api_key is NULL for keyless providers. */
  SoupMessage *(*build_request)        (const TgCatalogProvider *provider,
                                        const char              *api_key,
                                        const TgChatRequest     *request,
                                        GError                 **error);
  /* The free endpoint health checks use (list models); never a paid call. */
  SoupMessage *(*build_health_request) (const TgCatalogProvider *provider,
                                        const char              *api_key);
  /* A whole 2xx reply body. BAD_RESPONSE when it is not what the format promises. */
  gboolean     (*parse_response)       (GBytes                  *body,
                                        TgChatResult            *result,
                                        GError                 **error);
  /* One stream event: an SSE event (@event_type set) or one NDJSON line
   * (@event_type NULL). Appends new text to result->text; updates usage; sets
   * result->done on the terminal event. An error event in the stream fails
   * with its class, and a refused event leaves @result as it was. When
   * @delta is not NULL, *@delta gets a copy of the new text (transfer full),
   * NULL when there is none. Called once per event on the hot path: a caller
   * that can read the new text in place (result->text past its length before
   * the call) passes NULL and saves the copy. */
  gboolean     (*parse_stream_event)   (const char              *event_type,
                                        const char              *data,
                                        TgChatResult            *result,
                                        char                   **delta,
                                        GError                 **error);
  /* A non-2xx reply: always sets @error (TG_PROVIDER_ERROR, a class, the
   * provider's own message when it gave one) and *@retry_after_ms (-1: none). */
  void         (*classify_error)       (guint                    status,
                                        SoupMessageHeaders      *headers,
                                        GBytes                  *body,
                                        gint64                  *retry_after_ms,
                                        GError                 **error);
} TgProviderAdapter;

const TgProviderAdapter *tg_provider_adapter_for_format (TgWireFormat format);

/* Shared by the adapters. */

/* Retry-After as delta-seconds or an HTTP-date (relative to @now_ms), in ms; -1 if absent or unreadable. */
gint64       tg_provider_parse_retry_after  (SoupMessageHeaders *headers,
                                             gint64              now_ms);
/* The class a bare HTTP status implies, before the body refines it. */
TgErrorClass tg_provider_class_for_status   (guint               status);
/* The class of a failure below HTTP (a GError from libsoup or GIO, not a
 * status): cancelled, timeout, bad-response for unparsable HTTP, else network. */
TgErrorClass tg_provider_class_for_transport_error (const GError *error);
/* base_url + path, with exactly one slash between. */
char        *tg_provider_join_url           (const char         *base_url,
                                             const char         *path);

/* The reverse of tg_error_class_to_string(), for outcomes read back from the store. */
gboolean     tg_error_class_from_string     (const char         *str,
                                             TgErrorClass       *out);

/* Token counts above this are refused as BAD_RESPONSE: no request comes near
 * it, and JSON integers past 64 bits reach us wrapped to garbage. */
#define TG_PROVIDER_MAX_TOKEN_COUNT G_GINT64_CONSTANT (1000000000000)

/* A request to base_url + path; NULL (BAD_REQUEST) unless it is an http(s) URL with a host. */
SoupMessage *tg_provider_new_message        (const char         *method,
                                             const char         *base_url,
                                             const char         *path,
                                             GError            **error);
/* BAD_REQUEST unless @request has a model and at least one message, each
 * with role "user" or "assistant". */
gboolean     tg_provider_check_request      (const TgChatRequest *request,
                                             GError            **error);
/* Sets the header @style calls for (NONE with a key: Bearer, for Ollama behind
 * a proxy). A NULL or empty key sets nothing. A key that cannot be a header
 * value (control characters, spaces, non-ASCII) fails with AUTH. */
gboolean     tg_provider_apply_auth         (SoupMessageHeaders *headers,
                                             TgAuthStyle         style,
                                             const char         *api_key,
                                             GError            **error);
/* Sets @error to @error_class with a sentence for the class, the HTTP status
 * (0: none, e.g. an error inside a stream) and the provider's own message
 * (nullable; shortened, made one line, anything key-like masked). */
void         tg_provider_set_error          (GError            **error,
                                             TgErrorClass        error_class,
                                             guint               status,
                                             const char         *provider_message);
/* The same with a sentence of the adapter's own instead of the class's
 * (e.g. "the account has no credit left" for an AUTH that is about money). */
void         tg_provider_set_error_full     (GError            **error,
                                             TgErrorClass        error_class,
                                             guint               status,
                                             const char         *sentence,
                                             const char         *provider_message);

/* Reading replies. Each fails with BAD_RESPONSE and a message naming what
 * is wrong; an absent or null member is not an error. */
/* Reads @data as exactly one JSON object (tg-json-scan.h, strict RFC 8259,
 * nested at most TG_JSON_SCAN_MAX_DEPTH) and looks up @names among its
 * members (tg_json_scanner_lookup()). */
gboolean     tg_provider_scan_object        (TgJsonScanner      *scanner,
                                             const char         *data,
                                             gsize               length,
                                             const char * const *names,
                                             guint               n_names,
                                             TgJsonValue        *values,
                                             GError            **error);
/* TRUE when @value is a @type (TG_JSON_TRUE: either boolean), or absent, or
 * null; the last two (and a refused value) become TG_JSON_NONE. */
gboolean     tg_provider_scan_check         (TgJsonValue        *value,
                                             TgJsonType          type,
                                             const char         *member,
                                             GError            **error);
/* Always FALSE: BAD_RESPONSE, @member has a value of the wrong type. */
gboolean     tg_provider_scan_wrong_type    (const char         *member,
                                             GError            **error);
/* Looks up @names in @object, a value found in @document: all absent when
 * @object is absent or null; BAD_RESPONSE naming @member when it is no object. */
gboolean     tg_provider_scan_members       (const TgJsonScanner *document,
                                             TgJsonValue        *object,
                                             const char         *member,
                                             const char * const *names,
                                             guint               n_names,
                                             TgJsonValue        *values,
                                             GError            **error);
/* Arrays of objects: @array becomes a scanner inside @value, an array found
 * in @document; then each next_object call moves to the next element and
 * looks @names up in it. *@more is FALSE past the last element; an element
 * that is no object is BAD_RESPONSE naming @member. */
void         tg_provider_scan_array         (TgJsonScanner      *array,
                                             const TgJsonScanner *document,
                                             const TgJsonValue  *value);
gboolean     tg_provider_scan_next_object   (TgJsonScanner      *array,
                                             const char         *member,
                                             const char * const *names,
                                             guint               n_names,
                                             TgJsonValue        *values,
                                             gboolean           *more,
                                             GError            **error);
/* A token count: a whole number from 0 to TG_PROVIDER_MAX_TOKEN_COUNT
 * (12.0 included); *@out is left alone when @value is absent or null. */
gboolean     tg_provider_scan_count         (const TgJsonValue  *value,
                                             const char         *member,
                                             gint64             *out,
                                             gboolean           *present,
                                             GError            **error);
/* *@field becomes a copy of @value when it is a string that differs. */
void         tg_provider_scan_replace_string (char             **field,
                                             const TgJsonValue  *value);
/* For parse_stream_event: *@delta (nullable) gets the text appended to
 * result->text past @from, or NULL when there is none. */
void         tg_provider_set_delta          (const TgChatResult *result,
                                             gsize               from,
                                             char              **delta);
/* The root object of @data for json-glib, after the same checks as
 * tg_provider_scan_object(): for error bodies, read once per failed
 * request. Transfer full. */
JsonObject  *tg_provider_parse_json_object  (const char         *data,
                                             gsize               length,
                                             GError            **error);
/* The "messages" member: {role, content} objects in order, led by the system
 * prompt as a "system" message when @system_as_message (OpenAI, Ollama;
 * Anthropic takes it as a top-level field instead). */
void         tg_provider_add_messages       (JsonBuilder          *builder,
                                             const TgChatRequest  *request,
                                             gboolean              system_as_message);
/* @builder's root as the request body, Content-Type application/json. */
void         tg_provider_set_json_body      (SoupMessage        *message,
                                             JsonBuilder        *builder);
/* The body tg_provider_set_json_body() set (libsoup has no getter), transfer
 * none; NULL if none. For tests and size accounting: it holds the user's
 * prompt, so never log it. */
GBytes      *tg_provider_get_request_body   (SoupMessage        *message);

const TgProviderAdapter *tg_provider_openai_get_adapter    (void);
const TgProviderAdapter *tg_provider_anthropic_get_adapter (void);
const TgProviderAdapter *tg_provider_gemini_get_adapter    (void);
const TgProviderAdapter *tg_provider_ollama_get_adapter    (void);

G_END_DECLS
