/* tg-ai-client.h: the one path every AI request takes (DESIGN §4): choose the
 * provider and model, send, stream, meter from the provider's own usage
 * fields, record every attempt, retry what is worth retrying. */
#pragma once

#include <gio/gio.h>

#include "tg-analytics-service.h"
#include "tg-catalog.h"
#include "tg-config-service.h"
#include "tg-db.h"
#include "tg-health-monitor.h"
#include "tg-provider-adapter.h"
#include "tg-secret-store.h"

G_BEGIN_DECLS

#define TG_AI_CLIENT_ERROR (tg_ai_client_error_quark ())

/* Refusals before anything is sent; failures of a sent request are TG_PROVIDER_ERROR. */
typedef enum {
  TG_AI_CLIENT_ERROR_NO_PROVIDER,       /* none given, none preferred, none with a key */
  TG_AI_CLIENT_ERROR_UNKNOWN_PROVIDER,
  TG_AI_CLIENT_ERROR_UNKNOWN_MODEL,     /* not in the catalogue: its price is unknown */
  TG_AI_CLIENT_ERROR_NO_KEY,            /* the provider needs a key and none is stored */
  TG_AI_CLIENT_ERROR_INVALID,           /* an empty prompt and the like */
  TG_AI_CLIENT_ERROR_PROVIDER_DOWN,     /* every provider that could answer has its circuit open */
} TgAiClientError;

GQuark tg_ai_client_error_quark (void);

typedef struct {
  const char    *provider_id;   /* NULL: the preferred one */
  const char    *model_id;      /* NULL: the preferred one, else the provider's default */
  const char    *system;        /* nullable */
  const char    *prompt;
  gboolean       stream;
  gint64         max_tokens;    /* 0: the adapter's default */
  double         temperature;   /* < 0: the provider's default */
  TgUsageSource  source;
  gboolean       no_fallback;   /* only this provider, even when it fails */
} TgAiRequest;

#define TG_AI_REQUEST_INIT { NULL, NULL, NULL, NULL, TRUE, 0, -1.0, TG_USAGE_SOURCE_APP, FALSE }

typedef struct {
  char     *provider_id;        /* the provider that answered */
  char     *model_id;
  char     *text;
  char     *finish_reason;      /* nullable */
  TgUsage   usage;
  gboolean  tokens_estimated;   /* the provider sent no usage: counts are our estimate */
  gint64    cost_micros;
  gint64    latency_first_token_ms;
  gint64    latency_total_ms;
  guint     attempts;           /* attempts in all, over every provider tried */
  char     *fallback_from;      /* the provider asked first when another one answered, else NULL */
} TgAiResponse;

void tg_ai_response_free (TgAiResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgAiResponse, tg_ai_response_free)

/* Called on the caller's main context for each piece of streamed text.
 * @delta is valid only during the call: copy it to keep it. */
typedef void (*TgAiDeltaFunc) (const char *delta,
                               gpointer    user_data);

#define TG_TYPE_AI_CLIENT (tg_ai_client_get_type ())
G_DECLARE_FINAL_TYPE (TgAiClient, tg_ai_client, TG, AI_CLIENT, GObject)

TgAiClient   *tg_ai_client_new                (TgDb           *db,
                                               TgCatalog      *catalog,
                                               TgSecretStore  *secret_store);

/* The services the client works with; each is optional (NULL: without it).
 * @config: the preferred provider and model, the fallback order and the
 * fallback models (without it the store's preferences are read, and there is
 * no fallback). @analytics: records every attempt (else the store directly)
 * and refuses when a hard budget limit is reached. @health: skips providers
 * whose circuit is open and learns from every attempt. */
void          tg_ai_client_set_services       (TgAiClient         *self,
                                               TgConfigService    *config,
                                               TgAnalyticsService *analytics,
                                               TgHealthMonitor    *health);

/* 0 keeps the current value. Defaults: 30 s to the response headers, 30 s
 * between two reads of a reply, 600 s in all. */
void          tg_ai_client_set_timeouts       (TgAiClient     *self,
                                               guint           first_byte_ms,
                                               guint           idle_ms,
                                               guint           total_ms);
/* Default 32 MiB: a reply past it is a bad-response. */
void          tg_ai_client_set_max_reply_size (TgAiClient     *self,
                                               gsize           max_bytes);
/* Attempts per request (default 3), backoff base and ceiling (default 500 ms,
 * 8 s; full jitter), and the longest Retry-After honoured (default 60 s; a
 * longer one ends the retries). */
void          tg_ai_client_set_retry_policy   (TgAiClient     *self,
                                               guint           max_attempts,
                                               guint           base_delay_ms,
                                               guint           max_delay_ms,
                                               guint           max_retry_after_ms);

/* Every attempt is recorded, failed ones included. A failed attempt's row is
 * written before the request goes on (the next attempt points to it); the
 * answering attempt's row is written after the reply is returned, off the
 * main thread: ::attempt-recorded says when it is in the store. */
void          tg_ai_client_send_async         (TgAiClient          *self,
                                               const TgAiRequest   *request,
                                               TgAiDeltaFunc        delta_func,
                                               gpointer             delta_data,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
TgAiResponse *tg_ai_client_send_finish        (TgAiClient          *self,
                                               GAsyncResult        *result,
                                               GError             **error);

/* The estimate used when a provider reports no usage (docs/providers.md):
 * one token per four characters, rounded up. */
gint64        tg_ai_client_estimate_tokens    (const char          *text);
/* The cost of @usage at @model's prices, in micro-dollars, rounded once:
 * uncached input at the input price, cache reads at the cached price, cache
 * writes at 1.25 × the input price, output at the output price. */
gint64        tg_ai_client_cost_micros        (const TgModelCapabilities *model,
                                               const TgUsage             *usage);

G_END_DECLS
