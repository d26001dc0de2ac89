/* tg-health-monitor.c: is each provider up, slow or failing?
 *
 * Per provider: a ring of the last WINDOW_SIZE results that count, a circuit
 * breaker, and the status derived from both (rules in docs/health.md). Active
 * checks run on a timer per provider, interval ± jitter; every result, active
 * or passive, becomes a row of ai_provider_health and a ::check-completed.
 * Timers and network use GLib's clock; everything the rules judge (sample
 * ages, circuit waits, row times) uses the injectable one. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdlib.h>

#include "tg-health-monitor.h"
#include "tg-provider-adapter.h"

#define WINDOW_SIZE               20
#define DEFAULT_INTERVAL_S        300
#define MAX_INTERVAL_S            (7 * 24 * 3600)
#define DEFAULT_CHECK_TIMEOUT_MS  10000
#define DEFAULT_SLOW_MS           3000
/* A result is fresh for 3 intervals, and never less than an hour. */
#define FRESH_INTERVALS           3
#define FRESH_MIN_MS              (G_GINT64_CONSTANT (3600) * 1000)
#define DEGRADED_ERROR_PERCENT    20
#define JITTER_PERCENT            10
/* The first checks after start (or after the network returns) are spread
 * over this much, or the interval when that is shorter. */
#define FIRST_CHECK_SPREAD_MS     15000
#define DAY_MS                    (G_GINT64_CONSTANT (24) * 3600 * 1000)
#define RETENTION_MS              (30 * DAY_MS)
#define MAX_ERROR_BODY            (64 * 1024)

typedef struct {
  gint64   time_ms;
  gint64   latency_ms;  /* -1: none */
  gboolean ok;
  gboolean active;
} Sample;

typedef struct {
  char             *provider_id;
  TgCircuitBreaker *breaker;
  Sample            samples[WINDOW_SIZE];
  guint             n_samples;
  guint             next_sample;
  TgHealthStatus    status;
  gint64            last_check_ms;
  gint64            last_ok_ms;
  char             *last_error_class;
  char             *last_error;
  guint             timer;      /* the next periodic check */
  gboolean          in_flight;  /* a periodic check is out */
} ProviderState;

struct _TgHealthMonitor
{
  GObject                 parent_instance;

  TgDb                   *db;
  TgCatalog              *catalog;
  TgSecretStore          *secret_store;
  SoupSession            *session;
  GNetworkMonitor        *network;
  gulong                  network_handler;

  TgClockFunc             clock;
  gpointer                clock_data;
  guint                   interval_s;
  gboolean                paused;
  guint                   check_timeout_ms;
  guint                   slow_ms;
  TgCircuitBreakerConfig  circuit_config;
  GStrv                   enabled;

  GHashTable             *states;     /* provider id → ProviderState */
  GHashTable             *keyed;      /* provider ids with a key at the last look; NULL: not looked */
  gboolean                restored;
  gboolean                running;
  guint                   rescan_timer;
  GCancellable           *cancellable; /* cancelled by stop () */
  gint64                  last_prune_ms;
};

G_DEFINE_FINAL_TYPE (TgHealthMonitor, tg_health_monitor, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (TgProviderHealth, tg_provider_health, tg_provider_health_copy, tg_provider_health_free)

enum {
  PROP_0,
  PROP_INTERVAL,
  PROP_PAUSED,
  PROP_CHECK_TIMEOUT,
  PROP_SLOW_THRESHOLD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  STATUS_CHANGED,
  CHECK_COMPLETED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void rescan (TgHealthMonitor *self);

/* Status */

static const char * const status_names[] = { "unknown", "healthy", "degraded", "down" };

const char *
tg_health_status_to_string (TgHealthStatus status)
{
  if ((guint) status >= G_N_ELEMENTS (status_names))
    return NULL;
  return status_names[status];
}

const char *
tg_health_status_get_label (TgHealthStatus status)
{
  switch (status)
    {
    case TG_HEALTH_STATUS_HEALTHY:  return _("Healthy");
    case TG_HEALTH_STATUS_DEGRADED: return _("Degraded");
    case TG_HEALTH_STATUS_DOWN:     return _("Down");
    case TG_HEALTH_STATUS_UNKNOWN:
    default:                        return _("Unknown");
    }
}

TgProviderHealth *
tg_provider_health_copy (const TgProviderHealth *self)
{
  TgProviderHealth *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->provider_id = g_strdup (self->provider_id);
  copy->last_error_class = g_strdup (self->last_error_class);
  copy->last_error = g_strdup (self->last_error);
  return copy;
}

void
tg_provider_health_free (TgProviderHealth *self)
{
  if (self == NULL)
    return;
  g_free (self->provider_id);
  g_free (self->last_error_class);
  g_free (self->last_error);
  g_free (self);
}

/* Helpers */

static gint64
now_ms (TgHealthMonitor *self)
{
  return self->clock (self->clock_data);
}

static gint64
fresh_since (TgHealthMonitor *self,
             gint64           now)
{
  return now - MAX (FRESH_MIN_MS, (gint64) FRESH_INTERVALS * self->interval_s * 1000);
}

/* Failures that are the caller's or the key's, not the provider's, say
 * nothing about its health. */
static gboolean
class_counts (const char *error_class)
{
  TgErrorClass error_class_value;

  if (error_class == NULL || !tg_error_class_from_string (error_class, &error_class_value))
    return TRUE;
  return error_class_value != TG_ERROR_CLASS_AUTH &&
         error_class_value != TG_ERROR_CLASS_BAD_REQUEST &&
         error_class_value != TG_ERROR_CLASS_CANCELLED;
}

static void
replace_str (char       **dest,
             const char  *src)
{
  char *copy = g_strdup (src);

  g_free (*dest);
  *dest = copy;
}

static void
provider_state_free (gpointer user_data)
{
  ProviderState *state = user_data;

  g_clear_handle_id (&state->timer, g_source_remove);
  g_clear_pointer (&state->breaker, tg_circuit_breaker_free);
  g_free (state->provider_id);
  g_free (state->last_error_class);
  g_free (state->last_error);
  g_free (state);
}

static ProviderState *
lookup_state (TgHealthMonitor *self,
              const char      *provider_id)
{
  return g_hash_table_lookup (self->states, provider_id);
}

static ProviderState *
ensure_state (TgHealthMonitor *self,
              const char      *provider_id)
{
  ProviderState *state = lookup_state (self, provider_id);

  if (state == NULL)
    {
      state = g_new0 (ProviderState, 1);
      state->provider_id = g_strdup (provider_id);
      state->breaker = tg_circuit_breaker_new (&self->circuit_config);
      g_hash_table_insert (self->states, state->provider_id, state);
    }
  return state;
}

static void
push_sample (ProviderState *state,
             gint64         time_ms,
             gboolean       ok,
             gint64         latency_ms,
             gboolean       active)
{
  state->samples[state->next_sample] = (Sample) { time_ms, latency_ms, ok, active };
  state->next_sample = (state->next_sample + 1) % WINDOW_SIZE;
  state->n_samples = MIN (state->n_samples + 1, WINDOW_SIZE);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least @percent of them at or below it. */
static gint64
percentile (const gint64 *sorted,
            guint         n,
            guint         percent)
{
  guint rank;

  if (n == 0)
    return -1;
  rank = (n * percent + 99) / 100;
  return sorted[CLAMP (rank, 1, n) - 1];
}

typedef struct {
  guint  n;
  guint  failures;
  gint64 p50;
  gint64 p95;
} WindowStats;

/* Latency percentiles are of successful active checks only: a list-models
 * round trip measures the provider, a completion's latency measures the
 * length of the answer and the model's thinking. */
static void
window_stats (TgHealthMonitor *self,
              ProviderState   *state,
              gint64           now,
              WindowStats     *stats)
{
  gint64 since = fresh_since (self, now);
  gint64 latencies[WINDOW_SIZE];
  guint n_latencies = 0;

  *stats = (WindowStats) { 0, 0, -1, -1 };
  for (guint i = 0; i < state->n_samples; i++)
    {
      const Sample *sample = &state->samples[i];

      if (sample->time_ms < since)
        continue;
      stats->n++;
      if (!sample->ok)
        stats->failures++;
      else if (sample->active && sample->latency_ms >= 0)
        latencies[n_latencies++] = sample->latency_ms;
    }

  qsort (latencies, n_latencies, sizeof (gint64), compare_gint64);
  stats->p50 = percentile (latencies, n_latencies, 50);
  stats->p95 = percentile (latencies, n_latencies, 95);
}

static TgHealthStatus
compute_status (TgHealthMonitor *self,
                ProviderState   *state,
                gint64           now)
{
  WindowStats stats;

  if (tg_circuit_breaker_get_state (state->breaker, now) != TG_CIRCUIT_CLOSED)
    return TG_HEALTH_STATUS_DOWN;

  window_stats (self, state, now, &stats);
  if (stats.n == 0)
    return TG_HEALTH_STATUS_UNKNOWN;
  if (stats.failures * 100 >= DEGRADED_ERROR_PERCENT * stats.n)
    return TG_HEALTH_STATUS_DEGRADED;
  if (stats.p95 >= (gint64) self->slow_ms)
    return TG_HEALTH_STATUS_DEGRADED;
  return TG_HEALTH_STATUS_HEALTHY;
}

static void
update_status (TgHealthMonitor *self,
               ProviderState   *state,
               gint64           now)
{
  TgHealthStatus old = state->status;
  TgHealthStatus status = compute_status (self, state, now);
  g_autofree char *provider_id = NULL;

  if (status == old)
    return;
  state->status = status;
  /* A handler may remove the provider's state; the id must outlive it. */
  provider_id = g_strdup (state->provider_id);
  g_signal_emit (self, signals[STATUS_CHANGED], 0, provider_id, (int) old, (int) status);
}

static void
maybe_prune (TgHealthMonitor *self,
             gint64           now)
{
  g_autoptr(GError) error = NULL;

  if (self->db == NULL || (self->last_prune_ms != 0 && now - self->last_prune_ms < DAY_MS))
    return;
  self->last_prune_ms = now;
  if (tg_db_prune_health (self->db, now - RETENTION_MS, &error) < 0)
    g_debug ("Could not prune the health history: %s", error->message);
}

/* The circuits and windows as the store left them. Deferred to the first
 * use, so that a clock set after construction decides what is fresh. */
static void
ensure_restored (TgHealthMonitor *self)
{
  g_autoptr(GPtrArray) latest = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now, since;

  if (self->restored)
    return;
  self->restored = TRUE;
  if (self->db == NULL)
    return;

  now = now_ms (self);
  since = fresh_since (self, now);
  latest = tg_db_latest_health (self->db, &error);
  if (latest == NULL)
    {
      g_debug ("Could not read the health history: %s", error->message);
      return;
    }

  for (guint i = 0; i < latest->len; i++)
    {
      const TgHealthRecord *newest = g_ptr_array_index (latest, i);
      g_autoptr(GPtrArray) rows = NULL;
      ProviderState *state;

      /* Stale news: the provider starts afresh. */
      if (newest->time_ms < since)
        continue;

      state = ensure_state (self, newest->provider_id);
      tg_circuit_breaker_restore (state->breaker, newest->circuit_state, newest->time_ms);

      rows = tg_db_list_health (self->db, newest->provider_id, since, G_MAXINT64, WINDOW_SIZE, &error);
      if (rows == NULL)
        {
          g_debug ("Could not read the health history of %s: %s", newest->provider_id, error->message);
          g_clear_error (&error);
          continue;
        }
      /* Newest first from the store; the window wants them in order. */
      for (guint j = rows->len; j > 0; j--)
        {
          const TgHealthRecord *row = g_ptr_array_index (rows, j - 1);

          state->last_check_ms = MAX (state->last_check_ms, row->time_ms);
          if (row->ok)
            state->last_ok_ms = MAX (state->last_ok_ms, row->time_ms);
          else
            replace_str (&state->last_error_class, row->error_class);
          if (class_counts (row->error_class))
            push_sample (state, row->time_ms, row->ok, row->latency_ms, row->kind == TG_HEALTH_CHECK_ACTIVE);
        }
      state->status = compute_status (self, state, now);
    }
}

/* One result, active or passive: the window, the circuit, the row, the signals. */
static void
record_result (TgHealthMonitor   *self,
               const char        *provider_id,
               TgHealthCheckKind  kind,
               gboolean           ok,
               gint64             latency_ms,
               guint              http_status,
               const char        *error_class,
               const char        *message)
{
  g_autoptr(TgHealthRecord) record = tg_health_record_new ();
  g_autoptr(GError) error = NULL;
  ProviderState *state = ensure_state (self, provider_id);
  gint64 now = now_ms (self);

  if (class_counts (error_class))
    {
      TgCircuitState before = tg_circuit_breaker_get_state (state->breaker, now);

      if (ok)
        tg_circuit_breaker_record_success (state->breaker, now);
      else
        tg_circuit_breaker_record_failure (state->breaker, now);

      /* The outage is over: the window starts again with this success, as
       * the circuit's does, instead of reading "degraded" until the
       * outage's failures have slid out. */
      if (before != TG_CIRCUIT_CLOSED && tg_circuit_breaker_get_state (state->breaker, now) == TG_CIRCUIT_CLOSED)
        {
          state->n_samples = 0;
          state->next_sample = 0;
        }
      push_sample (state, now, ok, latency_ms, kind == TG_HEALTH_CHECK_ACTIVE);
    }

  state->last_check_ms = now;
  if (ok)
    state->last_ok_ms = now;
  else
    {
      replace_str (&state->last_error_class, error_class);
      replace_str (&state->last_error, message);
    }

  record->time_ms = now;
  record->provider_id = g_strdup (provider_id);
  record->kind = kind;
  record->ok = ok;
  record->latency_ms = latency_ms;
  record->http_status = http_status;
  record->error_class = ok ? NULL : g_strdup (error_class);
  record->circuit_state = tg_circuit_breaker_get_state (state->breaker, now);

  if (self->db != NULL)
    {
      if (!tg_db_insert_health (self->db, record, &error))
        g_debug ("Could not record a health check of %s: %s", provider_id, error->message);
      maybe_prune (self, now);
    }

  g_signal_emit (self, signals[CHECK_COMPLETED], 0, provider_id, record);
  /* The handler may have done anything; look the state up again. */
  if ((state = lookup_state (self, provider_id)) != NULL)
    update_status (self, state, now);
}

static gboolean
network_available (TgHealthMonitor *self)
{
  if (self->network == NULL)
    tg_health_monitor_set_network_monitor (self, g_network_monitor_get_default ());
  return g_network_monitor_get_network_available (self->network);
}

/* Needs no key: a keyless server. */
static gboolean
is_keyless (const TgCatalogProvider *provider)
{
  return provider->auth_style == TG_AUTH_STYLE_NONE;
}

static gboolean
is_eligible (TgHealthMonitor         *self,
             const TgCatalogProvider *provider)
{
  if (self->enabled != NULL && self->enabled[0] != NULL &&
      !g_strv_contains ((const char * const *) self->enabled, provider->id))
    return FALSE;
  if (is_keyless (provider))
    return TRUE;
  return self->keyed != NULL && g_hash_table_contains (self->keyed, provider->id);
}

static void
set_keyed (TgHealthMonitor *self,
           GStrv            ids)
{
  g_clear_pointer (&self->keyed, g_hash_table_unref);
  self->keyed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    g_hash_table_add (self->keyed, g_strdup (ids[i]));
}

/* One active check */

typedef struct {
  char                    *provider_id;
  const TgProviderAdapter *adapter;
  SoupMessage             *message;
  GInputStream            *stream;
  GByteArray              *body;
  GCancellable            *cancellable;     /* this check's: timeout, caller and stop () cancel it */
  GCancellable            *caller;
  gulong                   caller_handler;
  GCancellable            *monitor;
  gulong                   monitor_handler;
  guint                    timeout_source;
  gboolean                 timed_out;
  gint64                   start_us;
  gint64                   latency_ms;
  guint                    status;
} CheckData;

static void
check_data_free (gpointer user_data)
{
  CheckData *data = user_data;

  g_clear_handle_id (&data->timeout_source, g_source_remove);
  if (data->caller != NULL)
    g_cancellable_disconnect (data->caller, data->caller_handler);
  if (data->monitor != NULL)
    g_cancellable_disconnect (data->monitor, data->monitor_handler);
  g_clear_object (&data->caller);
  g_clear_object (&data->monitor);
  g_clear_object (&data->cancellable);
  g_clear_object (&data->message);
  g_clear_object (&data->stream);
  g_clear_pointer (&data->body, g_byte_array_unref);
  g_free (data->provider_id);
  g_free (data);
}

static void
chained_cancel_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  g_cancellable_cancel (user_data);
}

static gboolean
check_timeout_cb (gpointer user_data)
{
  CheckData *data = user_data;

  data->timeout_source = 0;
  data->timed_out = TRUE;
  g_cancellable_cancel (data->cancellable);
  return G_SOURCE_REMOVE;
}

static void
stream_closed_cb (GObject      *source,
                  GAsyncResult *res,
                  gpointer      user_data)
{
  g_input_stream_close_finish (G_INPUT_STREAM (source), res, NULL);
}

/* A reply stream must be closed asynchronously: a body stream left to its
 * dispose would be closed synchronously, and libsoup then reads the rest of
 * the body blocking the main loop. The close keeps its own reference. */
static void
release_stream (CheckData *data)
{
  g_autoptr(GInputStream) stream = g_steal_pointer (&data->stream);

  if (stream != NULL && !g_input_stream_is_closed (stream))
    g_input_stream_close_async (stream, G_PRIORITY_DEFAULT, data->monitor, stream_closed_cb, NULL);
}

/* The check is over: record it (unless nobody should) and complete @task. */
static void
finish_check (GTask        *task,
              gboolean      ok,
              TgErrorClass  error_class,
              const char   *message)
{
  TgHealthMonitor *self = g_task_get_source_object (task);
  CheckData *data = g_task_get_task_data (task);
  const TgCatalogProvider *provider = tg_catalog_get_provider (self->catalog, data->provider_id);

  g_clear_handle_id (&data->timeout_source, g_source_remove);
  release_stream (data);

  if (!ok && error_class == TG_ERROR_CLASS_CANCELLED)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("The health check was cancelled."));
      return;
    }

  /* The network went away while the check was out: that is not the
   * provider's fault, and the check is dropped like the ones not sent. */
  if (!ok && (error_class == TG_ERROR_CLASS_NETWORK || error_class == TG_ERROR_CLASS_TIMEOUT) &&
      provider != NULL && !provider->local && !network_available (self))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  record_result (self, data->provider_id, TG_HEALTH_CHECK_ACTIVE, ok,
                 data->status != 0 ? data->latency_ms : -1,
                 data->status, ok ? NULL : tg_error_class_to_string (error_class), message);
  g_task_return_boolean (task, TRUE);
}

static void
finish_check_error (GTask  *task,
                    GError *error)
{
  finish_check (task, FALSE, (TgErrorClass) error->code, error->message);
  g_error_free (error);
}

static void
finish_transport_error (GTask        *task,
                        const GError *error)
{
  CheckData *data = g_task_get_task_data (task);
  g_autofree char *message = NULL;

  if (data->timed_out)
    {
      finish_check (task, FALSE, TG_ERROR_CLASS_TIMEOUT, _("The provider did not answer the health check in time."));
      return;
    }
  message = g_strdup_printf (_("Could not reach the provider: %s"), error->message);
  finish_check (task, FALSE, tg_provider_class_for_transport_error (error), message);
}

static void
classify_reply (GTask *task)
{
  CheckData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) body = g_byte_array_free_to_bytes (g_steal_pointer (&data->body));
  GError *error = NULL;
  gint64 retry_after_ms = -1;

  data->adapter->classify_error (data->status, soup_message_get_response_headers (data->message),
                                 body, &retry_after_ms, &error);
  if (error == NULL || error->domain != TG_PROVIDER_ERROR)
    {
      g_clear_error (&error);
      error = g_error_new_literal (TG_PROVIDER_ERROR, tg_provider_class_for_status (data->status),
                                   _("The provider refused the health check."));
    }
  finish_check_error (task, error);
}

static void read_error_body (GTask *task);

static void
error_body_cb (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CheckData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res, &error);

  if (bytes == NULL)
    {
      /* The status is known already; a broken error body does not change its class. */
      if (!g_cancellable_is_cancelled (data->cancellable) || data->timed_out)
        {
          classify_reply (task);
          return;
        }
      finish_check (task, FALSE, TG_ERROR_CLASS_CANCELLED, NULL);
      return;
    }

  if (g_bytes_get_size (bytes) == 0 || data->body->len >= MAX_ERROR_BODY)
    {
      classify_reply (task);
      return;
    }
  g_byte_array_append (data->body, g_bytes_get_data (bytes, NULL),
                       MIN (g_bytes_get_size (bytes), MAX_ERROR_BODY - data->body->len));
  read_error_body (g_steal_pointer (&task));
}

static void
read_error_body (GTask *task)
{
  CheckData *data = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (data->stream, 16384, G_PRIORITY_DEFAULT, data->cancellable,
                                   error_body_cb, task);
}

static void
check_sent_cb (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CheckData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  data->stream = soup_session_send_finish (SOUP_SESSION (source), res, &error);
  if (data->stream == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !data->timed_out)
        finish_check (task, FALSE, TG_ERROR_CLASS_CANCELLED, NULL);
      else
        finish_transport_error (task, error);
      return;
    }

  /* Latency to the status line: what the provider takes to answer at all. */
  data->latency_ms = (g_get_monotonic_time () - data->start_us) / 1000;
  data->status = soup_message_get_status (data->message);

  if (data->status >= 200 && data->status < 300)
    {
      /* The list itself is of no interest (OpenRouter's runs to megabytes). */
      finish_check (task, TRUE, 0, NULL);
      return;
    }

  data->body = g_byte_array_new ();
  read_error_body (g_steal_pointer (&task));
}

static void
send_check (GTask      *task,
            const char *api_key)
{
  TgHealthMonitor *self = g_task_get_source_object (task);
  CheckData *data = g_task_get_task_data (task);
  const TgCatalogProvider *provider = tg_catalog_get_provider (self->catalog, data->provider_id);

  if (provider == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("Unknown provider “%s”."), data->provider_id);
      return;
    }

  data->adapter = tg_provider_adapter_for_format (provider->wire_format);
  data->message = data->adapter->build_health_request (provider, api_key);
  if (data->message == NULL)
    {
      /* A wrong address is the configuration's fault, not the provider's. */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("%s cannot be checked: its address “%s” is not a usable http(s) URL."),
                               provider->name, provider->base_url);
      return;
    }

  data->start_us = g_get_monotonic_time ();
  data->timeout_source = g_timeout_add (self->check_timeout_ms, check_timeout_cb, data);
  soup_session_send_async (self->session, data->message, G_PRIORITY_DEFAULT, data->cancellable,
                           check_sent_cb, g_object_ref (task));
}

static void
check_key_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TgHealthMonitor *self = g_task_get_source_object (task);
  CheckData *data = g_task_get_task_data (task);
  const TgCatalogProvider *provider = tg_catalog_get_provider (self->catalog, data->provider_id);
  g_autoptr(GError) error = NULL;
  char *key = tg_secret_store_lookup_finish (TG_SECRET_STORE (source), res, &error);

  if (g_cancellable_is_cancelled (data->cancellable))
    {
      tg_secret_store_free_key (key);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("The health check was cancelled."));
      return;
    }

  if (key == NULL && provider != NULL && !is_keyless (provider))
    {
      if (error != NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                 _("There is no API key for %s, so it is not checked."), provider->name);
      return;
    }

  send_check (task, key);
  /* The message holds its own copy in a header; ours goes now. */
  tg_secret_store_free_key (key);
}

/* Checks one provider; the task completes TRUE when the check ran (or was
 * dropped because the network went away), with an error when it could not
 * be sent at all. */
static void
start_check (TgHealthMonitor     *self,
             const char          *provider_id,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  const TgCatalogProvider *provider = tg_catalog_get_provider (self->catalog, provider_id);
  CheckData *data;

  g_task_set_source_tag (task, start_check);
  data = g_new0 (CheckData, 1);
  data->provider_id = g_strdup (provider_id);
  data->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, data, check_data_free);

  if (provider == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("Unknown provider “%s”."), provider_id);
      return;
    }
  if (!provider->local && !network_available (self))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                               _("%s is not checked while the network is down."), provider->name);
      return;
    }

  data->monitor = g_object_ref (self->cancellable);
  data->monitor_handler = g_cancellable_connect (data->monitor, G_CALLBACK (chained_cancel_cb),
                                                 g_object_ref (data->cancellable), g_object_unref);
  if (cancellable != NULL)
    {
      data->caller = g_object_ref (cancellable);
      data->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (chained_cancel_cb),
                                                    g_object_ref (data->cancellable), g_object_unref);
    }

  /* The catalogue's keyless servers never use a key: asking a locked keyring
   * for one would prompt for nothing. A keyless server the user added may sit
   * behind a proxy that wants one. */
  if (is_keyless (provider) && !provider->user_defined)
    {
      send_check (task, NULL);
      return;
    }

  tg_secret_store_lookup_async (self->secret_store, provider_id, data->cancellable,
                                check_key_cb, g_steal_pointer (&task));
}

static gboolean
start_check_finish (TgHealthMonitor  *self,
                    GAsyncResult     *result,
                    GError          **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Periodic checks */

typedef struct {
  TgHealthMonitor *self;
  char            *provider_id;
} TickData;

static void
tick_data_free (gpointer user_data)
{
  TickData *tick = user_data;

  g_free (tick->provider_id);
  g_free (tick);
}

static gboolean tick_cb (gpointer user_data);

static void
schedule (TgHealthMonitor *self,
          ProviderState   *state,
          guint            delay_ms)
{
  TickData *tick = g_new0 (TickData, 1);

  tick->self = self;
  tick->provider_id = g_strdup (state->provider_id);
  g_clear_handle_id (&state->timer, g_source_remove);
  state->timer = g_timeout_add_full (G_PRIORITY_DEFAULT, delay_ms, tick_cb, tick, tick_data_free);
}

static guint
next_delay_ms (TgHealthMonitor *self)
{
  gint64 interval_ms = (gint64) self->interval_s * 1000;
  gint64 jitter = interval_ms * JITTER_PERCENT / 100;

  /* ± jitter, so that checks of several providers (and several machines) drift apart. */
  if (jitter > 0)
    interval_ms += g_random_int_range (-(gint32) MIN (jitter, G_MAXINT32 / 2), (gint32) MIN (jitter, G_MAXINT32 / 2) + 1);
  return (guint) CLAMP (interval_ms, 1, G_MAXUINT);
}

static guint
first_delay_ms (TgHealthMonitor *self)
{
  gint64 spread = MIN ((gint64) self->interval_s * 1000, FIRST_CHECK_SPREAD_MS);

  return (guint) g_random_int_range (0, (gint32) spread);
}

static void
tick_done_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  TgHealthMonitor *self = TG_HEALTH_MONITOR (source);
  g_autofree char *provider_id = user_data;
  g_autoptr(GError) error = NULL;
  ProviderState *state;

  if (!start_check_finish (self, res, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Health check of %s not done: %s", provider_id, error->message);

  if ((state = lookup_state (self, provider_id)) == NULL)
    return;
  state->in_flight = FALSE;
  if (self->running && state->timer == 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    schedule (self, state, next_delay_ms (self));
}

static gboolean
tick_cb (gpointer user_data)
{
  TickData *tick = user_data;
  TgHealthMonitor *self = tick->self;
  ProviderState *state = lookup_state (self, tick->provider_id);
  const TgCatalogProvider *provider;

  if (state == NULL)
    return G_SOURCE_REMOVE;
  state->timer = 0;

  /* A sample may have gone stale since the last result. */
  update_status (self, state, now_ms (self));
  /* A handler may have stopped the monitor or reloaded the catalogue. */
  if (!self->running)
    return G_SOURCE_REMOVE;
  provider = tg_catalog_get_provider (self->catalog, tick->provider_id);

  /* Paused, or the network is away and the provider is not on this machine:
   * nothing is sent and nothing recorded, so nothing turns red. */
  if (self->paused || provider == NULL || state->in_flight ||
      (!provider->local && !network_available (self)))
    {
      schedule (self, state, next_delay_ms (self));
      return G_SOURCE_REMOVE;
    }

  state->in_flight = TRUE;
  start_check (self, tick->provider_id, NULL, tick_done_cb, g_strdup (tick->provider_id));
  return G_SOURCE_REMOVE;
}

static void
rescan_keys_cb (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  TgHealthMonitor *self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = tg_secret_store_list_finish (TG_SECRET_STORE (source), res, &error);
  GPtrArray *providers;
  gint64 now;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }
  /* Without a keyring only the keyless servers are checked. */
  if (error != NULL)
    g_debug ("No key list for the health checks: %s", error->message);
  set_keyed (self, ids);

  if (!self->running)
    {
      g_object_unref (self);
      return;
    }

  now = now_ms (self);
  providers = tg_catalog_get_providers (self->catalog);
  for (guint i = 0; i < providers->len; i++)
    {
      const TgCatalogProvider *provider = g_ptr_array_index (providers, i);
      ProviderState *state = lookup_state (self, provider->id);

      if (is_eligible (self, provider))
        {
          state = ensure_state (self, provider->id);
          if (state->timer == 0 && !state->in_flight)
            schedule (self, state, first_delay_ms (self));
        }
      else if (state != NULL)
        g_clear_handle_id (&state->timer, g_source_remove);
    }

  /* Stale results turn into UNKNOWN even where no check runs any more. A
   * handler may add providers, so the ids are taken first. */
  {
    g_autofree gpointer *ids_now = g_hash_table_get_keys_as_array (self->states, NULL);
    g_auto(GStrv) copies = g_strdupv ((char **) ids_now);

    for (guint i = 0; copies[i] != NULL; i++)
      {
        ProviderState *state = lookup_state (self, copies[i]);

        if (state != NULL)
          update_status (self, state, now);
      }
  }
  g_object_unref (self);
}

/* Which providers to check: keys come and go, and so do enabled providers. */
static void
rescan (TgHealthMonitor *self)
{
  if (!self->running)
    return;
  tg_secret_store_list_async (self->secret_store, self->cancellable, rescan_keys_cb, g_object_ref (self));
}

static gboolean
rescan_timer_cb (gpointer user_data)
{
  rescan (user_data);
  return G_SOURCE_CONTINUE;
}

static void
restart_rescan_timer (TgHealthMonitor *self)
{
  g_clear_handle_id (&self->rescan_timer, g_source_remove);
  if (self->running)
    self->rescan_timer = g_timeout_add_seconds (self->interval_s, rescan_timer_cb, self);
}

/* Every scheduled check moves to soon, spread out. */
static void
reschedule_all (TgHealthMonitor *self)
{
  GHashTableIter iter;
  ProviderState *state;

  g_hash_table_iter_init (&iter, self->states);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &state))
    if (state->timer != 0)
      schedule (self, state, first_delay_ms (self));
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    GParamSpec      *pspec,
                    gpointer         user_data)
{
  TgHealthMonitor *self = user_data;

  /* Back online: check soon rather than an interval later. */
  if (self->running && g_network_monitor_get_network_available (monitor))
    reschedule_all (self);
}

/* Public API */

TgHealthMonitor *
tg_health_monitor_new (TgDb          *db,
                       TgCatalog     *catalog,
                       TgSecretStore *secret_store)
{
  TgHealthMonitor *self;

  g_return_val_if_fail (db == NULL || TG_IS_DB (db), NULL);
  g_return_val_if_fail (TG_IS_CATALOG (catalog), NULL);
  g_return_val_if_fail (TG_IS_SECRET_STORE (secret_store), NULL);

  self = g_object_new (TG_TYPE_HEALTH_MONITOR, NULL);
  g_set_object (&self->db, db);
  g_set_object (&self->catalog, catalog);
  g_set_object (&self->secret_store, secret_store);
  return self;
}

void
tg_health_monitor_set_clock (TgHealthMonitor *self,
                             TgClockFunc      func,
                             gpointer         user_data)
{
  g_return_if_fail (TG_IS_HEALTH_MONITOR (self));

  self->clock = func != NULL ? func : tg_clock_real_ms;
  self->clock_data = func != NULL ? user_data : NULL;
}

void
tg_health_monitor_set_interval (TgHealthMonitor *self,
                                guint            seconds)
{
  g_return_if_fail (TG_IS_HEALTH_MONITOR (self));

  seconds = CLAMP (seconds, 1, MAX_INTERVAL_S);
  if (self->interval_s == seconds)
    return;
  self->interval_s = seconds;
  if (self->running)
    {
      reschedule_all (self);
      restart_rescan_timer (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
}

guint
tg_health_monitor_get_interval (TgHealthMonitor *self)
{
  g_return_val_if_fail (TG_IS_HEALTH_MONITOR (self), 0);
  return self->interval_s;
}

void
tg_health_monitor_set_paused (TgHealthMonitor *self,
                              gboolean         paused)
{
  g_return_if_fail (TG_IS_HEALTH_MONITOR (self));

  paused = !!paused;
  if (self->paused == paused)
    return;
  self->paused = paused;
  if (!paused && self->running)
    reschedule_all (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

gboolean
tg_health_monitor_get_paused (TgHealthMonitor *self)
{
  g_return_val_if_fail (TG_IS_HEALTH_MONITOR (self), FALSE);
  return self->paused;
}

void
tg_health_monitor_set_enabled_providers (TgHealthMonitor    *self,
                                         const char * const *provider_ids)
{
  g_return_if_fail (TG_IS_HEALTH_MONITOR (self));

  g_clear_pointer (&self->enabled, g_strfreev);
  self->enabled = g_strdupv ((char **) provider_ids);
  rescan (self);
}

void
tg_health_monitor_set_network_monitor (TgHealthMonitor *self,
                                       GNetworkMonitor *monitor)
{
  g_return_if_fail (TG_IS_HEALTH_MONITOR (self));
  g_return_if_fail (monitor == NULL || G_IS_NETWORK_MONITOR (monitor));

  if (monitor == self->network)
    return;
  if (self->network != NULL)
    g_clear_signal_handler (&self->network_handler, self->network);
  g_set_object (&self->network, monitor);
  if (self->network != NULL)
    self->network_handler = g_signal_connect (self->network, "notify::network-available",
                                              G_CALLBACK (network_changed_cb), self);
}

void
tg_health_monitor_set_circuit_config (TgHealthMonitor              *self,
                                      const TgCircuitBreakerConfig *config)
{
  static const TgCircuitBreakerConfig defaults = TG_CIRCUIT_BREAKER_CONFIG_DEFAULT;
  GHashTableIter iter;
  ProviderState *state;
  gint64 now;

  g_return_if_fail (TG_IS_HEALTH_MONITOR (self));

  self->circuit_config = config != NULL ? *config : defaults;
  if (g_hash_table_size (self->states) == 0)
    return;

  /* Existing circuits keep their state under the new settings. */
  now = now_ms (self);
  g_hash_table_iter_init (&iter, self->states);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &state))
    {
      TgCircuitState circuit = tg_circuit_breaker_get_state (state->breaker, now);

      tg_circuit_breaker_free (state->breaker);
      state->breaker = tg_circuit_breaker_new (&self->circuit_config);
      tg_circuit_breaker_restore (state->breaker, circuit, now);
    }
}

void
tg_health_monitor_set_check_timeout (TgHealthMonitor *self,
                                     guint            timeout_ms)
{
  g_return_if_fail (TG_IS_HEALTH_MONITOR (self));

  timeout_ms = MAX (timeout_ms, 1);
  if (self->check_timeout_ms == timeout_ms)
    return;
  self->check_timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHECK_TIMEOUT]);
}

void
tg_health_monitor_start (TgHealthMonitor *self)
{
  g_return_if_fail (TG_IS_HEALTH_MONITOR (self));

  if (self->running)
    return;
  self->running = TRUE;
  ensure_restored (self);
  maybe_prune (self, now_ms (self));
  /* Subscribes to the default monitor unless one was given. */
  network_available (self);
  restart_rescan_timer (self);
  rescan (self);
}

void
tg_health_monitor_stop (TgHealthMonitor *self)
{
  GHashTableIter iter;
  ProviderState *state;

  g_return_if_fail (TG_IS_HEALTH_MONITOR (self));

  self->running = FALSE;
  g_clear_handle_id (&self->rescan_timer, g_source_remove);
  g_hash_table_iter_init (&iter, self->states);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &state))
    g_clear_handle_id (&state->timer, g_source_remove);

  /* Checks in flight end as cancelled; later ones get a fresh cancellable. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
}

typedef struct {
  guint    pending;
  gboolean single;  /* one provider: its failure is the task's */
  GError  *error;
} CheckAllData;

static void
check_all_data_free (gpointer user_data)
{
  CheckAllData *data = user_data;

  g_clear_error (&data->error);
  g_free (data);
}

/* One check fewer to wait for; the last one completes @task. */
static void
check_all_release (GTask *task)
{
  CheckAllData *data = g_task_get_task_data (task);

  if (--data->pending > 0)
    return;
  if (data->single && data->error != NULL)
    g_task_return_error (task, g_steal_pointer (&data->error));
  else if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);
}

static void
check_one_done_cb (GObject      *source,
                   GAsyncResult *res,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CheckAllData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!start_check_finish (TG_HEALTH_MONITOR (source), res, &error) && data->error == NULL)
    data->error = g_steal_pointer (&error);
  check_all_release (task);
}

static void
check_all_keys_cb (GObject      *source,
                   GAsyncResult *res,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TgHealthMonitor *self = g_task_get_source_object (task);
  CheckAllData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = tg_secret_store_list_finish (TG_SECRET_STORE (source), res, &error);
  GPtrArray *providers = tg_catalog_get_providers (self->catalog);
  gboolean online;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (error != NULL)
    g_debug ("No key list for the health checks: %s", error->message);
  set_keyed (self, ids);

  /* Held while the checks start, so that none completes the task early. */
  data->pending = 1;
  online = network_available (self);
  for (guint i = 0; i < providers->len; i++)
    {
      const TgCatalogProvider *provider = g_ptr_array_index (providers, i);

      if (!is_eligible (self, provider) || (!provider->local && !online))
        continue;
      data->pending++;
      start_check (self, provider->id, g_task_get_cancellable (task), check_one_done_cb, g_object_ref (task));
    }
  check_all_release (task);
}

void
tg_health_monitor_check_async (TgHealthMonitor     *self,
                               const char          *provider_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CheckAllData *data;

  g_return_if_fail (TG_IS_HEALTH_MONITOR (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_health_monitor_check_async);
  data = g_new0 (CheckAllData, 1);
  g_task_set_task_data (task, data, check_all_data_free);
  ensure_restored (self);

  if (provider_id != NULL)
    {
      data->single = TRUE;
      data->pending = 1;
      start_check (self, provider_id, cancellable, check_one_done_cb, g_steal_pointer (&task));
      return;
    }

  tg_secret_store_list_async (self->secret_store, cancellable, check_all_keys_cb, g_steal_pointer (&task));
}

gboolean
tg_health_monitor_check_finish (TgHealthMonitor  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tg_health_monitor_report (TgHealthMonitor *self,
                          const char      *provider_id,
                          gboolean         ok,
                          gint64           latency_ms,
                          guint            http_status,
                          const char      *error_class)
{
  g_return_if_fail (TG_IS_HEALTH_MONITOR (self));
  g_return_if_fail (provider_id != NULL && *provider_id != '\0');

  /* The caller's or the key's problem: not the provider's health, and
   * already in ai_usage_analytics. */
  if (!ok && !class_counts (error_class))
    return;

  ensure_restored (self);
  record_result (self, provider_id, TG_HEALTH_CHECK_PASSIVE, ok, MAX (latency_ms, -1),
                 http_status >= 100 && http_status <= 999 ? http_status : 0,
                 ok ? NULL : error_class, NULL);
}

gboolean
tg_health_monitor_allow_request (TgHealthMonitor *self,
                                 const char      *provider_id)
{
  ProviderState *state;

  g_return_val_if_fail (TG_IS_HEALTH_MONITOR (self), TRUE);
  g_return_val_if_fail (provider_id != NULL, TRUE);

  ensure_restored (self);
  state = lookup_state (self, provider_id);
  if (state == NULL)
    return TRUE;
  return tg_circuit_breaker_try_acquire (state->breaker, now_ms (self));
}

TgProviderHealth *
tg_health_monitor_get_health (TgHealthMonitor *self,
                              const char      *provider_id)
{
  TgProviderHealth *health;
  ProviderState *state;
  WindowStats stats;
  gint64 now;

  g_return_val_if_fail (TG_IS_HEALTH_MONITOR (self), NULL);
  g_return_val_if_fail (provider_id != NULL, NULL);

  ensure_restored (self);
  health = g_new0 (TgProviderHealth, 1);
  health->provider_id = g_strdup (provider_id);
  health->status = TG_HEALTH_STATUS_UNKNOWN;
  health->circuit = TG_CIRCUIT_CLOSED;
  health->latency_p50_ms = -1;
  health->latency_p95_ms = -1;

  state = lookup_state (self, provider_id);
  if (state == NULL)
    return health;

  now = now_ms (self);
  window_stats (self, state, now, &stats);
  health->status = state->status;
  health->circuit = tg_circuit_breaker_get_state (state->breaker, now);
  health->latency_p50_ms = stats.p50;
  health->latency_p95_ms = stats.p95;
  health->error_rate = stats.n > 0 ? (double) stats.failures / stats.n : 0.0;
  health->n_samples = stats.n;
  health->last_check_ms = state->last_check_ms;
  health->last_ok_ms = state->last_ok_ms;
  health->last_error_class = g_strdup (state->last_error_class);
  health->last_error = g_strdup (state->last_error);
  return health;
}

TgHealthStatus
tg_health_monitor_get_status (TgHealthMonitor *self,
                              const char      *provider_id)
{
  ProviderState *state;

  g_return_val_if_fail (TG_IS_HEALTH_MONITOR (self), TG_HEALTH_STATUS_UNKNOWN);
  g_return_val_if_fail (provider_id != NULL, TG_HEALTH_STATUS_UNKNOWN);

  ensure_restored (self);
  state = lookup_state (self, provider_id);
  return state != NULL ? state->status : TG_HEALTH_STATUS_UNKNOWN;
}

GPtrArray *
tg_health_monitor_list (TgHealthMonitor *self)
{
  GPtrArray *list;
  GPtrArray *providers;

  g_return_val_if_fail (TG_IS_HEALTH_MONITOR (self), NULL);

  providers = tg_catalog_get_providers (self->catalog);
  list = g_ptr_array_new_full (providers->len, (GDestroyNotify) tg_provider_health_free);
  for (guint i = 0; i < providers->len; i++)
    {
      const TgCatalogProvider *provider = g_ptr_array_index (providers, i);

      g_ptr_array_add (list, tg_health_monitor_get_health (self, provider->id));
    }
  return list;
}

GPtrArray *
tg_health_monitor_list_history (TgHealthMonitor *self,
                                const char      *provider_id,
                                guint            limit)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = NULL;

  g_return_val_if_fail (TG_IS_HEALTH_MONITOR (self), NULL);
  g_return_val_if_fail (provider_id != NULL, NULL);

  if (self->db != NULL)
    rows = tg_db_list_health (self->db, provider_id, 0, G_MAXINT64, limit, &error);
  if (rows == NULL)
    {
      if (error != NULL)
        g_warning ("Could not read the health history of %s: %s", provider_id, error->message);
      rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_health_record_free);
    }
  return rows;
}

TgHealthStatus
tg_health_monitor_get_overall_status (TgHealthMonitor *self)
{
  static const TgHealthStatus worst_first[] = { TG_HEALTH_STATUS_DOWN, TG_HEALTH_STATUS_DEGRADED,
                                                TG_HEALTH_STATUS_HEALTHY };
  GPtrArray *providers;
  gboolean seen[G_N_ELEMENTS (status_names)] = { FALSE };

  g_return_val_if_fail (TG_IS_HEALTH_MONITOR (self), TG_HEALTH_STATUS_UNKNOWN);

  ensure_restored (self);
  providers = tg_catalog_get_providers (self->catalog);
  for (guint i = 0; i < providers->len; i++)
    {
      const TgCatalogProvider *provider = g_ptr_array_index (providers, i);
      ProviderState *state = lookup_state (self, provider->id);

      /* Before the key list is known, every provider with results counts. */
      if (state == NULL || (self->keyed != NULL && !is_eligible (self, provider)))
        continue;
      seen[state->status] = TRUE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (worst_first); i++)
    if (seen[worst_first[i]])
      return worst_first[i];
  return TG_HEALTH_STATUS_UNKNOWN;
}

/* GObject */

static void
tg_health_monitor_dispose (GObject *object)
{
  TgHealthMonitor *self = TG_HEALTH_MONITOR (object);

  tg_health_monitor_stop (self);
  if (self->network != NULL)
    g_clear_signal_handler (&self->network_handler, self->network);
  g_clear_object (&self->network);
  g_clear_pointer (&self->states, g_hash_table_unref);
  g_clear_pointer (&self->keyed, g_hash_table_unref);
  g_clear_object (&self->session);
  g_clear_object (&self->db);
  g_clear_object (&self->catalog);
  g_clear_object (&self->secret_store);

  G_OBJECT_CLASS (tg_health_monitor_parent_class)->dispose (object);
}

static void
tg_health_monitor_finalize (GObject *object)
{
  TgHealthMonitor *self = TG_HEALTH_MONITOR (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->enabled, g_strfreev);

  G_OBJECT_CLASS (tg_health_monitor_parent_class)->finalize (object);
}

static void
tg_health_monitor_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  TgHealthMonitor *self = TG_HEALTH_MONITOR (object);

  switch (prop_id)
    {
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval_s);
      break;

    case PROP_PAUSED:
      g_value_set_boolean (value, self->paused);
      break;

    case PROP_CHECK_TIMEOUT:
      g_value_set_uint (value, self->check_timeout_ms);
      break;

    case PROP_SLOW_THRESHOLD:
      g_value_set_uint (value, self->slow_ms);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_health_monitor_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  TgHealthMonitor *self = TG_HEALTH_MONITOR (object);

  switch (prop_id)
    {
    case PROP_INTERVAL:
      tg_health_monitor_set_interval (self, g_value_get_uint (value));
      break;

    case PROP_PAUSED:
      tg_health_monitor_set_paused (self, g_value_get_boolean (value));
      break;

    case PROP_CHECK_TIMEOUT:
      tg_health_monitor_set_check_timeout (self, g_value_get_uint (value));
      break;

    case PROP_SLOW_THRESHOLD:
      if (self->slow_ms != g_value_get_uint (value))
        {
          self->slow_ms = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_health_monitor_class_init (TgHealthMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tg_health_monitor_dispose;
  object_class->finalize = tg_health_monitor_finalize;
  object_class->get_property = tg_health_monitor_get_property;
  object_class->set_property = tg_health_monitor_set_property;

  properties[PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL,
                       1, MAX_INTERVAL_S, DEFAULT_INTERVAL_S,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Milliseconds one active check may take. */
  properties[PROP_CHECK_TIMEOUT] =
    g_param_spec_uint ("check-timeout", NULL, NULL,
                       1, G_MAXUINT, DEFAULT_CHECK_TIMEOUT_MS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Milliseconds: a p95 of active checks at or above it is "degraded". */
  properties[PROP_SLOW_THRESHOLD] =
    g_param_spec_uint ("slow-threshold", NULL, NULL,
                       1, G_MAXUINT, DEFAULT_SLOW_MS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TgHealthMonitor::status-changed:
   * @provider_id: the provider
   * @old: the previous TgHealthStatus
   * @status: the new TgHealthStatus
   */
  signals[STATUS_CHANGED] =
    g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_INT, G_TYPE_INT);

  /**
   * TgHealthMonitor::check-completed:
   * @provider_id: the provider
   * @record: the ai_provider_health row (TgHealthRecord), active or passive
   *
   * Emitted for every result that was recorded.
   */
  signals[CHECK_COMPLETED] =
    g_signal_new ("check-completed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                  TG_TYPE_HEALTH_RECORD | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
tg_health_monitor_init (TgHealthMonitor *self)
{
  static const TgCircuitBreakerConfig defaults = TG_CIRCUIT_BREAKER_CONFIG_DEFAULT;
  g_autofree char *user_agent = g_strdup_printf ("Tollgate/%s", PACKAGE_VERSION);

  self->clock = tg_clock_real_ms;
  self->interval_s = DEFAULT_INTERVAL_S;
  self->check_timeout_ms = DEFAULT_CHECK_TIMEOUT_MS;
  self->slow_ms = DEFAULT_SLOW_MS;
  self->circuit_config = defaults;
  self->states = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, provider_state_free);
  self->cancellable = g_cancellable_new ();
  self->session = soup_session_new_with_options ("user-agent", user_agent, NULL);
}
