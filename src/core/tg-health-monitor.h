/* tg-health-monitor.h: is each provider up, slow or failing? (DESIGN §4)
 *
 * Active checks call each provider's free endpoint (list models: never a paid
 * completion) on the preference's interval with jitter; passive results come
 * from every real request (TgAiClient reports them). Per provider it keeps a
 * sliding window of outcomes and latencies, a circuit breaker, and a status
 * derived from both. Every check is a row in ai_provider_health. */
#pragma once

#include <gio/gio.h>

#include "tg-catalog.h"
#include "tg-circuit-breaker.h"
#include "tg-clock.h"
#include "tg-db.h"
#include "tg-secret-store.h"

G_BEGIN_DECLS

typedef enum {
  TG_HEALTH_STATUS_UNKNOWN,   /* no result yet (or only stale ones) */
  TG_HEALTH_STATUS_HEALTHY,
  TG_HEALTH_STATUS_DEGRADED,  /* answering, but slow or failing part of the time */
  TG_HEALTH_STATUS_DOWN,      /* circuit open: requests go to the fallback */
} TgHealthStatus;

const char *tg_health_status_to_string (TgHealthStatus status); /* "unknown", "healthy", "degraded", "down" */
/* Translated, for people: "Healthy", "Degraded", … */
const char *tg_health_status_get_label (TgHealthStatus status);

typedef struct {
  char           *provider_id;
  TgHealthStatus  status;
  TgCircuitState  circuit;
  gint64          latency_p50_ms;   /* over the window; -1: no samples */
  gint64          latency_p95_ms;   /* -1: no samples */
  double          error_rate;       /* 0 … 1 over the window */
  guint           n_samples;        /* outcomes in the window */
  gint64          last_check_ms;    /* last result of any kind, UTC ms; 0: never */
  gint64          last_ok_ms;       /* 0: never */
  char           *last_error_class; /* nullable: "timeout", "server", … of the last failure */
  char           *last_error;       /* nullable: a sentence for people */
} TgProviderHealth;

#define TG_TYPE_PROVIDER_HEALTH (tg_provider_health_get_type ())
GType             tg_provider_health_get_type (void) G_GNUC_CONST;
TgProviderHealth *tg_provider_health_copy     (const TgProviderHealth *self);
void              tg_provider_health_free     (TgProviderHealth *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgProviderHealth, tg_provider_health_free)

#define TG_TYPE_HEALTH_MONITOR (tg_health_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TgHealthMonitor, tg_health_monitor, TG, HEALTH_MONITOR, GObject)

/* @db may be NULL (a broken store): everything works, nothing is kept. */
TgHealthMonitor  *tg_health_monitor_new                (TgDb            *db,
                                                        TgCatalog       *catalog,
                                                        TgSecretStore   *secret_store);
void              tg_health_monitor_set_clock          (TgHealthMonitor *self,
                                                        TgClockFunc      func,
                                                        gpointer         user_data);
/* The "interval" property, seconds between two active checks of a provider. */
void              tg_health_monitor_set_interval       (TgHealthMonitor *self,
                                                        guint            seconds);
guint             tg_health_monitor_get_interval       (TgHealthMonitor *self);
/* The "paused" property: no active checks while TRUE (passive results still count). */
void              tg_health_monitor_set_paused         (TgHealthMonitor *self,
                                                        gboolean         paused);
gboolean          tg_health_monitor_get_paused         (TgHealthMonitor *self);
/* Providers to check actively; empty or NULL: every provider with a key and
 * every keyless local one. */
void              tg_health_monitor_set_enabled_providers (TgHealthMonitor    *self,
                                                           const char * const *provider_ids);
/* Defaults to g_network_monitor_get_default (); tests pass their own. While
 * the network is down, checks pause instead of marking everything down. */
void              tg_health_monitor_set_network_monitor (TgHealthMonitor *self,
                                                         GNetworkMonitor *monitor);
void              tg_health_monitor_set_circuit_config (TgHealthMonitor              *self,
                                                        const TgCircuitBreakerConfig *config);
/* Timeout of one active check (default 10 s). */
void              tg_health_monitor_set_check_timeout  (TgHealthMonitor *self,
                                                        guint            timeout_ms);

/* Starts the periodic checks (the first ones soon, spread by jitter). */
void              tg_health_monitor_start              (TgHealthMonitor *self);
void              tg_health_monitor_stop               (TgHealthMonitor *self);

/* One active check now: of @provider_id, or of every eligible provider
 * (NULL). Completes when all are done; each one emits ::check-completed. */
void              tg_health_monitor_check_async        (TgHealthMonitor     *self,
                                                        const char          *provider_id,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gboolean          tg_health_monitor_check_finish       (TgHealthMonitor     *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);

/* A passive result from a real request. @error_class NULL when ok. Only
 * provider-side failures count: cancelled, bad-request and auth are the
 * caller's or the key's problem and do not make a provider unhealthy. */
void              tg_health_monitor_report             (TgHealthMonitor *self,
                                                        const char      *provider_id,
                                                        gboolean         ok,
                                                        gint64           latency_ms,
                                                        guint            http_status,
                                                        const char      *error_class);

/* Whether a request may go to @provider_id now (its circuit is not open). A
 * half-open circuit lets a limited number of probe requests through. */
gboolean          tg_health_monitor_allow_request      (TgHealthMonitor *self,
                                                        const char      *provider_id);

/* Transfer full; never NULL (UNKNOWN for a provider never seen). */
TgProviderHealth *tg_health_monitor_get_health         (TgHealthMonitor *self,
                                                        const char      *provider_id);
TgHealthStatus    tg_health_monitor_get_status         (TgHealthMonitor *self,
                                                        const char      *provider_id);
/* TgProviderHealth* for every catalogue provider, in catalogue order. */
GPtrArray        *tg_health_monitor_list               (TgHealthMonitor *self);
/* The last @limit checks of @provider_id (active and passive), newest first,
 * from the store: element type TgHealthRecord. Empty without a store or on a
 * store error (logged): history is for display only. @limit 0: all kept. */
GPtrArray        *tg_health_monitor_list_history       (TgHealthMonitor *self,
                                                        const char      *provider_id,
                                                        guint            limit);
/* The worst status over the eligible providers (for the tray): DOWN if any is
 * down, else DEGRADED if any is, else HEALTHY if any is healthy, else UNKNOWN. */
TgHealthStatus    tg_health_monitor_get_overall_status (TgHealthMonitor *self);

/* Signals:
 *   ::status-changed (const char *provider_id, TgHealthStatus old, TgHealthStatus new)
 *   ::check-completed (const char *provider_id, TgHealthRecord *record)  — active and passive */

G_END_DECLS
