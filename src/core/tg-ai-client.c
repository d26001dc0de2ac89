/* tg-ai-client.c: the request path.
 *
 * One GTask per request walks: resolve provider and model and the fallback
 * chain → fetch the key → attempt (send, read, parse) → record the attempt →
 * move to the next provider of the chain, retry after a backoff, or finish.
 * Every step is asynchronous on the caller's main context; nothing blocks it.
 * Adapters know the wire formats; this file knows none of them. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tg-ai-client.h"
#include "tg-ndjson-reader.h"
#include "tg-sse-parser.h"
#include "tg-usage-writer.h"

#define READ_CHUNK           16384
#define MAX_ERROR_BODY       (64 * 1024)
/* Anthropic bills a 5-minute cache write at 1.25 × the input price. */
#define CACHE_WRITE_NUM      5
#define CACHE_WRITE_DEN      4

G_DEFINE_QUARK (tg-ai-client-error-quark, tg_ai_client_error)

struct _TgAiClient
{
  GObject        parent_instance;

  TgDb          *db;
  TgCatalog     *catalog;
  TgSecretStore *secret_store;
  SoupSession   *session;

  TgConfigService    *config;
  TgAnalyticsService *analytics;
  TgHealthMonitor    *health;

  guint          first_byte_ms;
  guint          idle_ms;
  guint          total_ms;
  gsize          max_reply_size;
  guint          max_attempts;
  guint          base_delay_ms;
  guint          max_delay_ms;
  guint          max_retry_after_ms;
};

G_DEFINE_FINAL_TYPE (TgAiClient, tg_ai_client, G_TYPE_OBJECT)

enum {
  ATTEMPT_RECORDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* One provider of the fallback chain and the model it is asked for. */
typedef struct {
  char *provider_id;
  char *model_id;
} Candidate;

static void
candidate_free (Candidate *candidate)
{
  g_free (candidate->provider_id);
  g_free (candidate->model_id);
  g_free (candidate);
}

typedef struct {
  /* What the request is resolved against, taken once when it is sent: a
   * snapshot, so a provider edited in the preferences meanwhile does not
   * free what data->provider points to, and one copy of the preferences for
   * every step. */
  TgCatalog                 *catalog;
  TgPreferences             *prefs;      /* nullable: no store, no config */

  /* The request, resolved: the candidate being tried. */
  const TgCatalogProvider   *provider;
  const TgProviderAdapter   *adapter;
  char                      *provider_id;
  char                      *model_id;
  TgModelCapabilities       *model;      /* prices; NULL for an unpriced custom model */
  TgChatRequest             *chat;
  char                      *api_key;
  TgUsageSource              source;
  char                      *requested_provider;
  char                      *requested_model;
  char                      *system;
  char                      *prompt;
  gboolean                   streamed;     /* the caller asked for a stream */
  gint64                     max_tokens;
  double                     temperature;
  TgAiDeltaFunc              delta_func;
  gpointer                   delta_data;

  /* The chain: the provider asked for first, then the user's fallbacks. */
  GPtrArray                 *chain;          /* Candidate* */
  guint                      chain_index;
  GStrv                      keyed;          /* providers with a key; NULL: not known */
  gboolean                   no_fallback;
  GError                    *fallback_error; /* why the previous provider was left */

  guint                      attempt;          /* over the whole chain */
  guint                      provider_attempt; /* on the current provider */
  gint64                     previous_record_id;
  GCancellable              *cancellable;  /* the caller's */

  /* The current attempt. */
  SoupMessage               *message;
  GInputStream              *stream;
  GCancellable              *attempt_cancellable;
  gulong                     cancel_handler;
  guint                      first_byte_source;
  guint                      idle_source;
  guint                      idle_ms;      /* of the attempt's idle timer */
  gint64                     last_read_us; /* when the last bytes came */
  guint                      total_source;
  guint                      retry_source;
  gboolean                   timed_out;
  gint64                     start_real_ms;
  gint64                     start_us;
  gint64                     first_token_us;
  gsize                      bytes_read;
  guint                      status;
  TgChatResult              *result;
  GByteArray                *body;
  guint8                    *read_buffer;  /* READ_CHUNK bytes, for every read of every attempt */
  TgSseParser               *sse;
  TgNdjsonReader            *ndjson;
  GError                    *stream_error;
  gboolean                   delivered;  /* some text reached the caller */

  /* A failed attempt whose row is being written (fail_attempt()). */
  GError                    *failure;
  gint64                     failure_retry_after_ms;
  gboolean                   failure_delivered;
} SendData;

/* Each takes over the caller's reference to @task. */
static void start_attempt (GTask *task);
static void try_candidate (GTask *task);

void
tg_ai_response_free (TgAiResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->provider_id);
  g_free (response->model_id);
  g_free (response->text);
  g_free (response->finish_reason);
  g_free (response->fallback_from);
  g_free (response);
}

static void
clear_attempt (SendData *data)
{
  g_clear_handle_id (&data->first_byte_source, g_source_remove);
  g_clear_handle_id (&data->idle_source, g_source_remove);
  g_clear_handle_id (&data->total_source, g_source_remove);
  g_clear_object (&data->message);
  g_clear_object (&data->stream);
  g_clear_object (&data->attempt_cancellable);
  g_clear_pointer (&data->result, tg_chat_result_free);
  g_clear_pointer (&data->body, g_byte_array_unref);
  g_clear_pointer (&data->sse, tg_sse_parser_free);
  g_clear_pointer (&data->ndjson, tg_ndjson_reader_free);
  g_clear_error (&data->stream_error);
  data->timed_out = FALSE;
  data->bytes_read = 0;
  data->status = 0;
  data->first_token_us = 0;
  data->delivered = FALSE;
}

static void
send_data_free (gpointer user_data)
{
  SendData *data = user_data;

  clear_attempt (data);
  g_clear_handle_id (&data->retry_source, g_source_remove);
  if (data->cancellable != NULL)
    g_cancellable_disconnect (data->cancellable, data->cancel_handler);
  g_clear_object (&data->cancellable);
  g_free (data->provider_id);
  g_free (data->model_id);
  g_free (data->requested_provider);
  g_free (data->requested_model);
  g_free (data->system);
  g_free (data->prompt);
  g_clear_pointer (&data->model, tg_model_capabilities_free);
  g_clear_pointer (&data->chat, tg_chat_request_free);
  g_clear_pointer (&data->api_key, tg_secret_store_free_key);
  g_clear_pointer (&data->chain, g_ptr_array_unref);
  g_clear_pointer (&data->keyed, g_strfreev);
  g_clear_error (&data->fallback_error);
  g_clear_error (&data->failure);
  g_free (data->read_buffer);
  g_clear_pointer (&data->prefs, tg_preferences_free);
  g_clear_object (&data->catalog);
  g_free (data);
}

gint64
tg_ai_client_estimate_tokens (const char *text)
{
  glong chars;

  if (text == NULL || *text == '\0')
    return 0;
  chars = g_utf8_strlen (text, -1);
  return (chars + 3) / 4;
}

gint64
tg_ai_client_cost_micros (const TgModelCapabilities *model,
                          const TgUsage             *usage)
{
  gint64 cached, written, uncached, numerator;

  g_return_val_if_fail (usage != NULL, 0);

  if (model == NULL)
    return 0;

  cached = CLAMP (usage->cached_tokens, 0, usage->input_tokens);
  written = CLAMP (usage->cache_write_tokens, 0, usage->input_tokens - cached);
  uncached = usage->input_tokens - cached - written;

  /* Summed in units of 1/(4·10⁶) µ$ and rounded once, so parts never round apart. */
  numerator = CACHE_WRITE_DEN * (uncached * model->price_input_micros +
                                 cached * model->price_cached_input_micros +
                                 MAX (usage->output_tokens, 0) * model->price_output_micros) +
              CACHE_WRITE_NUM * written * model->price_input_micros;
  return (numerator + CACHE_WRITE_DEN * 500000) / (CACHE_WRITE_DEN * G_GINT64_CONSTANT (1000000));
}

/* When the provider sent no usage the request is still never free: tokens are
 * estimated from the text we sent and received, and flagged as estimates. */
static gboolean
meter (SendData *data,
       TgUsage  *usage)
{
  const TgUsage *reported = data->result ? &data->result->usage : NULL;

  if (reported != NULL && reported->reported)
    {
      *usage = *reported;
      return FALSE;
    }

  memset (usage, 0, sizeof *usage);
  /* Nothing came back: nothing to estimate, as a provider bills no reply it never produced. */
  if (data->result == NULL || data->result->text->len == 0)
    return FALSE;

  /* About four tokens of chat framing per message, three to prime the reply. */
  usage->input_tokens = 3;
  if (data->chat->system != NULL)
    usage->input_tokens += 4 + tg_ai_client_estimate_tokens (data->chat->system);
  for (guint i = 0; i < data->chat->messages->len; i++)
    {
      const TgChatMessage *msg = g_ptr_array_index (data->chat->messages, i);
      usage->input_tokens += 4 + tg_ai_client_estimate_tokens (msg->content);
    }
  usage->output_tokens = tg_ai_client_estimate_tokens (data->result->text->str);
  return TRUE;
}

static gint64
elapsed_ms (SendData *data,
            gint64    until_us)
{
  return (until_us - data->start_us) / 1000;
}

/* A row on its way to the store; the request waits for it only when it
 * must know the row's id (a failed attempt, which the next one points to). */
typedef struct {
  TgAiClient *client;
  GTask      *task;     /* nullable: nobody waits */
  char       *provider_id;
} Recording;

static void decide_after_failure (GTask  *task,
                                  gint64  record_id);

static void
attempt_written_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Recording *recording = user_data;
  g_autoptr(TgUsageRecord) record = NULL;
  g_autoptr(GError) error = NULL;

  record = TG_IS_ANALYTICS_SERVICE (source)
             ? tg_analytics_service_record_finish (TG_ANALYTICS_SERVICE (source), result, &error)
             : tg_usage_writer_insert_finish (result, &error);
  /* The request goes on even if the store failed, and the log says so,
   * because the reply itself is not lost. */
  if (record == NULL)
    g_warning ("Could not record a request to %s: %s", recording->provider_id, error->message);
  else
    g_signal_emit (recording->client, signals[ATTEMPT_RECORDED], 0, record);

  if (recording->task != NULL)
    decide_after_failure (recording->task, record != NULL ? record->id : 0);

  g_clear_object (&recording->task);
  g_object_unref (recording->client);
  g_free (recording->provider_id);
  g_free (recording);
}

/* The attempt's row, metered. */
static TgUsageRecord *
build_record (TgAiClient *self,
              SendData   *data,
              const char *outcome,
              TgUsage    *usage,
              gboolean   *estimated,
              gint64     *cost)
{
  TgUsageRecord *record = tg_usage_record_new ();
  gint64 now_us = g_get_monotonic_time ();

  *estimated = meter (data, usage);
  *cost = tg_ai_client_cost_micros (data->model, usage);

  record->time_ms = data->start_real_ms;
  record->provider_id = g_strdup (data->provider_id);
  record->model_id = g_strdup (data->model_id);
  record->request_kind = g_strdup ("chat");
  record->input_tokens = usage->input_tokens;
  record->output_tokens = usage->output_tokens;
  record->cached_tokens = usage->cached_tokens;
  record->tokens_estimated = *estimated;
  record->cost_micros = *cost;
  record->latency_first_token_ms = data->first_token_us ? elapsed_ms (data, data->first_token_us) : -1;
  record->latency_total_ms = elapsed_ms (data, now_us);
  record->outcome = g_strdup (outcome);
  record->http_status = data->status;
  record->fallback_of = data->previous_record_id;
  record->source = data->source;

  /* Health learns from every attempt, whether or not the store takes it. */
  if (self->health != NULL)
    tg_health_monitor_report (self->health, record->provider_id, g_str_equal (outcome, "ok"),
                              record->latency_first_token_ms >= 0 ? record->latency_first_token_ms
                                                                  : record->latency_total_ms,
                              record->http_status, g_str_equal (outcome, "ok") ? NULL : outcome);
  return record;
}

/* Queues @record, written off the main thread; @task (nullable) goes on in
 * decide_after_failure() once the row is in. */
static void
queue_record (TgAiClient          *self,
              const TgUsageRecord *record,
              GTask               *task)
{
  Recording *recording;

  if (self->analytics == NULL && self->db == NULL)
    {
      g_warning ("Could not record a request to %s: no store", record->provider_id);
      if (task != NULL)
        decide_after_failure (task, 0);
      return;
    }

  recording = g_new0 (Recording, 1);
  recording->client = g_object_ref (self);
  recording->task = task != NULL ? g_object_ref (task) : NULL;
  recording->provider_id = g_strdup (record->provider_id);
  if (self->analytics != NULL)
    tg_analytics_service_record_async (self->analytics, record, attempt_written_cb, recording);
  else
    tg_usage_writer_insert_async (tg_db_get_usage_writer (self->db), record, attempt_written_cb, recording);
}

static void
finish_success (GTask *task)
{
  TgAiClient *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  TgAiResponse *response = g_new0 (TgAiResponse, 1);
  g_autoptr(TgUsageRecord) record = NULL;
  gint64 now_us = g_get_monotonic_time ();

  /* A whole reply arrives at once: its first token is its last. */
  if (data->first_token_us == 0)
    data->first_token_us = now_us;

  /* The reply is the caller's now; its row follows (::attempt-recorded). */
  record = build_record (self, data, "ok", &response->usage, &response->tokens_estimated,
                         &response->cost_micros);
  queue_record (self, record, NULL);
  response->provider_id = g_strdup (data->provider_id);
  response->model_id = g_strdup (data->model_id);
  response->text = g_strdup (data->result->text->str);
  response->finish_reason = g_strdup (data->result->finish_reason);
  response->latency_first_token_ms = elapsed_ms (data, data->first_token_us);
  response->latency_total_ms = elapsed_ms (data, now_us);
  response->attempts = data->attempt;
  if (data->chain_index > 0)
    response->fallback_from = g_strdup (((Candidate *) g_ptr_array_index (data->chain, 0))->provider_id);

  clear_attempt (data);
  g_task_return_pointer (task, response, (GDestroyNotify) tg_ai_response_free);
}

static gboolean
retry_cb (gpointer user_data)
{
  GTask *task = user_data;
  SendData *data = g_task_get_task_data (task);

  data->retry_source = 0;
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("The request was cancelled."));
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }

  /* The timeout's reference passes on to the attempt. */
  start_attempt (task);
  return G_SOURCE_REMOVE;
}

static guint
backoff_ms (TgAiClient *self,
            guint       attempt,
            gint64      retry_after_ms)
{
  guint64 ceiling;

  if (retry_after_ms >= 0)
    return (guint) retry_after_ms;

  /* Full jitter (AWS architecture blog): spreads clients that failed together. */
  ceiling = (guint64) self->base_delay_ms << MIN (attempt - 1, 16u);
  ceiling = MIN (ceiling, self->max_delay_ms);
  return ceiling == 0 ? 0 : (guint) g_random_int_range (0, (gint32) ceiling + 1);
}

/* Whether a provider after the current one in the chain may be tried: its
 * circuit is not open. (Keys were checked when the chain was built.) */
static gboolean
has_next_candidate (TgAiClient *self,
                    SendData   *data)
{
  for (guint i = data->chain_index + 1; data->chain != NULL && i < data->chain->len; i++)
    {
      const Candidate *candidate = g_ptr_array_index (data->chain, i);

      if (self->health == NULL ||
          tg_health_monitor_get_status (self->health, candidate->provider_id) != TG_HEALTH_STATUS_DOWN)
        return TRUE;
    }
  return FALSE;
}

/* The attempt failed with @error (TG_PROVIDER_ERROR, code a TgErrorClass):
 * its row is queued, and what comes next is decided once the row is in,
 * since a retry or a fallback points to it. */
static void
fail_attempt (GTask  *task,
              GError *error,
              gint64  retry_after_ms)
{
  TgAiClient *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  g_autoptr(TgUsageRecord) record = NULL;
  TgUsage usage;
  gboolean estimated;
  gint64 cost;

  g_assert (error->domain == TG_PROVIDER_ERROR);

  record = build_record (self, data, tg_error_class_to_string (error->code), &usage, &estimated, &cost);
  g_clear_error (&data->failure);
  data->failure = error;
  data->failure_retry_after_ms = retry_after_ms;
  data->failure_delivered = data->delivered;
  /* Nothing of the attempt (timers, stream) may act while the row is written. */
  clear_attempt (data);
  queue_record (self, record, task);
}

/* After a failed attempt's row (@record_id, 0 if it could not be written):
 * fall back, retry, or fail. The caller keeps its reference to @task. */
static void
decide_after_failure (GTask  *task,
                      gint64  record_id)
{
  TgAiClient *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  GError *error = g_steal_pointer (&data->failure);
  gint64 retry_after_ms = data->failure_retry_after_ms;
  TgErrorClass error_class = error->code;
  gboolean cancelled = error_class == TG_ERROR_CLASS_CANCELLED;

  /* With a healthy fallback left, a retryable failure moves on at once: the
   * next provider is the retry, and the user waits for no backoff. Never once
   * text reached the caller: it would see a second reply after the first. */
  if (!cancelled && !data->failure_delivered &&
      tg_error_class_is_retryable (error_class) &&
      has_next_candidate (self, data))
    {
      g_debug ("%s failed (%s), falling back", data->provider_id, tg_error_class_to_string (error_class));
      g_prefix_error (&error, "%s: ", data->provider->name);
      g_clear_error (&data->fallback_error);
      data->fallback_error = error;
      data->previous_record_id = record_id;
      data->chain_index++;
      /* Our caller keeps its reference; the next attempt needs its own. */
      try_candidate (g_object_ref (task));
      return;
    }

  /* Retry only what may go better, and never once text reached the caller. */
  if (!cancelled && !data->failure_delivered &&
      tg_error_class_is_retryable (error_class) &&
      data->provider_attempt < self->max_attempts &&
      (retry_after_ms < 0 || retry_after_ms <= self->max_retry_after_ms))
    {
      guint delay = backoff_ms (self, data->provider_attempt, retry_after_ms);

      g_debug ("%s: attempt %u failed (%s), retrying in %u ms",
               data->provider_id, data->attempt, tg_error_class_to_string (error_class), delay);
      data->previous_record_id = record_id;
      g_error_free (error);
      data->retry_source = g_timeout_add (delay, retry_cb, g_object_ref (task));
      return;
    }

  if (cancelled)
    {
      g_error_free (error);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("The request was cancelled."));
    }
  else
    {
      g_prefix_error (&error, "%s: ", data->provider->name);
      if (retry_after_ms > (gint64) self->max_retry_after_ms)
        {
          /* Say why Tollgate gave up instead of waiting. */
          g_autofree char *wait = g_strdup_printf (_(" The provider asks to wait %" G_GINT64_FORMAT " s before trying again."),
                                                   (retry_after_ms + 999) / 1000);
          char *message = g_strconcat (error->message, wait, NULL);
          g_free (error->message);
          error->message = message;
        }
      if (data->fallback_error != NULL)
        {
          /* Say that the providers before this one failed as well. */
          g_autofree char *before = g_strdup_printf (_(" Before it: %s"), data->fallback_error->message);
          char *message = g_strconcat (error->message, before, NULL);
          g_free (error->message);
          error->message = message;
        }
      g_task_return_error (task, error);
    }
}

static void
fail_attempt_with_class (GTask        *task,
                         TgErrorClass  error_class,
                         const char   *message)
{
  fail_attempt (task, g_error_new_literal (TG_PROVIDER_ERROR, error_class, message), -1);
}

/* A transport error: which class depends on who cancelled. */
static void
fail_attempt_transport (GTask        *task,
                        const GError *error)
{
  SendData *data = g_task_get_task_data (task);

  if (data->timed_out)
    fail_attempt_with_class (task, TG_ERROR_CLASS_TIMEOUT, _("The provider took too long to answer."));
  else if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    fail_attempt_with_class (task, TG_ERROR_CLASS_CANCELLED, _("The request was cancelled."));
  else if (data->stream != NULL && data->status >= 200 && data->status < 300)
    {
      /* The connection broke inside a reply: it is cut short, which is the
       * provider's reply being bad rather than the network being down. */
      g_autofree char *message = g_strdup_printf (_("The reply was cut short: %s"), error->message);
      fail_attempt_with_class (task, TG_ERROR_CLASS_BAD_RESPONSE, message);
    }
  else
    {
      TgErrorClass error_class = tg_provider_class_for_transport_error (error);
      g_autofree char *message = g_strdup_printf (_("Could not reach the provider: %s"), error->message);
      fail_attempt_with_class (task, error_class, message);
    }
}

/* Whichever timer fires first ends the attempt; the others must not fire later. */
static gboolean
timeout_cb (gpointer user_data)
{
  SendData *data = user_data;
  guint fired = g_source_get_id (g_main_current_source ());
  guint *timers[] = { &data->first_byte_source, &data->idle_source, &data->total_source };

  data->timed_out = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (timers); i++)
    {
      if (*timers[i] == fired)
        *timers[i] = 0;
      else
        g_clear_handle_id (timers[i], g_source_remove);
    }
  g_cancellable_cancel (data->attempt_cancellable);
  return G_SOURCE_REMOVE;
}

/* The idle timer is armed once per attempt, not moved on every read (a
 * g_source_remove() and g_timeout_add() per read showed in profiles): a read
 * only notes its time, and a timer that fires while data is still coming
 * re-arms itself for what is left of the idle time. */
static gboolean
idle_timeout_cb (gpointer user_data)
{
  SendData *data = user_data;
  gint64 idle_us = g_get_monotonic_time () - data->last_read_us;
  gint64 limit_us = (gint64) data->idle_ms * 1000;

  if (idle_us < limit_us)
    {
      data->idle_source = g_timeout_add ((guint) ((limit_us - idle_us + 999) / 1000), idle_timeout_cb, data);
      return G_SOURCE_REMOVE;
    }
  return timeout_cb (user_data);
}

static void
start_idle_timer (TgAiClient *self,
                  SendData   *data)
{
  data->idle_ms = self->idle_ms;
  data->last_read_us = g_get_monotonic_time ();
  g_clear_handle_id (&data->idle_source, g_source_remove);
  data->idle_source = g_timeout_add (self->idle_ms, idle_timeout_cb, data);
}

/* New text, @length bytes at the end of result->text (so NUL-terminated). */
static void
deliver_delta (SendData   *data,
               const char *delta,
               gsize       length)
{
  if (length == 0)
    return;
  if (data->first_token_us == 0)
    data->first_token_us = g_get_monotonic_time ();
  data->delivered = TRUE;
  if (data->delta_func != NULL)
    data->delta_func (delta, data->delta_data);
}

static void
stream_event (SendData   *data,
              const char *event_type,
              const char *payload)
{
  g_autoptr(GError) error = NULL;
  gsize from;

  /* After an error event or the terminal event nothing more counts. */
  if (data->stream_error != NULL || data->result->done)
    return;

  /* The new text is read in place, past where the text ended: no copy per event. */
  from = data->result->text->len;
  if (!data->adapter->parse_stream_event (event_type, payload, data->result, NULL, &error))
    {
      data->stream_error = g_steal_pointer (&error);
      return;
    }
  deliver_delta (data, data->result->text->str + from, data->result->text->len - from);
}

static void
sse_event_cb (const TgSseEvent *event,
              gpointer          user_data)
{
  stream_event (user_data, event->type, event->data);
}

static void
ndjson_line_cb (const char *line,
                gsize       length,
                gpointer    user_data)
{
  stream_event (user_data, NULL, line);
}

static void read_next (GTask *task);

static void
finish_reply (GTask *task)
{
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (data->status < 200 || data->status >= 300)
    {
      g_autoptr(GBytes) body = g_byte_array_free_to_bytes (g_steal_pointer (&data->body));
      gint64 retry_after_ms = -1;

      data->adapter->classify_error (data->status, soup_message_get_response_headers (data->message),
                                     body, &retry_after_ms, &error);
      fail_attempt (task, g_steal_pointer (&error), retry_after_ms);
      return;
    }

  if (data->sse != NULL || data->ndjson != NULL)
    {
      gboolean cut = data->sse ? tg_sse_parser_finish (data->sse) : FALSE;

      if (data->ndjson)
        tg_ndjson_reader_finish (data->ndjson);
      if (data->stream_error != NULL)
        {
          fail_attempt (task, g_steal_pointer (&data->stream_error), -1);
          return;
        }
      if (!data->result->done)
        {
          fail_attempt_with_class (task, TG_ERROR_CLASS_BAD_RESPONSE,
                                   cut ? _("The reply stream was cut off in the middle of an event.")
                                       : _("The reply stream ended before the provider said it was complete."));
          return;
        }
      finish_success (task);
      return;
    }

  {
    g_autoptr(GBytes) body = g_byte_array_free_to_bytes (g_steal_pointer (&data->body));

    if (!data->adapter->parse_response (body, data->result, &error))
      {
        fail_attempt (task, g_steal_pointer (&error), -1);
        return;
      }
  }
  finish_success (task);
}

static void
read_cb (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TgAiClient *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gssize n_read = g_input_stream_read_finish (G_INPUT_STREAM (source), res, &error);
  gboolean ok_status = data->status >= 200 && data->status < 300;
  const char *chunk = (const char *) data->read_buffer;
  gsize length;

  if (n_read < 0)
    {
      fail_attempt_transport (task, error);
      return;
    }
  if (n_read == 0)
    {
      finish_reply (task);
      return;
    }

  length = (gsize) n_read;
  data->last_read_us = g_get_monotonic_time ();
  data->bytes_read += length;

  if (!ok_status)
    {
      /* An error body only needs its start to be classified. */
      if (data->body->len < MAX_ERROR_BODY)
        g_byte_array_append (data->body, (const guint8 *) chunk, MIN (length, MAX_ERROR_BODY - data->body->len));
    }
  else if (data->bytes_read > self->max_reply_size)
    {
      g_autofree char *size = g_format_size (self->max_reply_size);
      g_autofree char *message = g_strdup_printf (_("The reply is larger than %s; it was abandoned."), size);
      fail_attempt_with_class (task, TG_ERROR_CLASS_BAD_RESPONSE, message);
      return;
    }
  else if (data->sse != NULL)
    {
      if (!tg_sse_parser_feed (data->sse, chunk, length, &error))
        {
          fail_attempt_with_class (task, TG_ERROR_CLASS_BAD_RESPONSE, error->message);
          return;
        }
    }
  else if (data->ndjson != NULL)
    {
      if (!tg_ndjson_reader_feed (data->ndjson, chunk, length, &error))
        {
          fail_attempt_with_class (task, TG_ERROR_CLASS_BAD_RESPONSE, error->message);
          return;
        }
    }
  else
    g_byte_array_append (data->body, (const guint8 *) chunk, length);

  if (data->stream_error != NULL)
    {
      fail_attempt (task, g_steal_pointer (&data->stream_error), -1);
      return;
    }

  read_next (g_steal_pointer (&task));
}

static void
read_next (GTask *task)
{
  SendData *data = g_task_get_task_data (task);

  /* Into the same buffer each time: g_input_stream_read_bytes_async() would
   * allocate READ_CHUNK bytes per read, for a few hundred bytes of events. */
  g_input_stream_read_async (data->stream, data->read_buffer, READ_CHUNK, G_PRIORITY_DEFAULT,
                             data->attempt_cancellable, read_cb, task);
}

static void
send_cb (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TgAiClient *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  data->stream = soup_session_send_finish (SOUP_SESSION (source), res, &error);
  g_clear_handle_id (&data->first_byte_source, g_source_remove);

  if (data->stream == NULL)
    {
      fail_attempt_transport (task, error);
      return;
    }

  data->status = soup_message_get_status (data->message);
  data->body = g_byte_array_new ();

  if (data->status >= 200 && data->status < 300 && data->chat->stream)
    {
      if (data->adapter->stream_framing == TG_STREAM_SSE)
        data->sse = tg_sse_parser_new (self->max_reply_size, sse_event_cb, data);
      else
        data->ndjson = tg_ndjson_reader_new (self->max_reply_size, ndjson_line_cb, data);
    }

  if (data->read_buffer == NULL)
    data->read_buffer = g_malloc (READ_CHUNK);
  start_idle_timer (self, data);
  read_next (g_steal_pointer (&task));
}

static void
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  GCancellable *attempt_cancellable = user_data;

  g_cancellable_cancel (attempt_cancellable);
}

static void
start_attempt (GTask *task)
{
  TgAiClient *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GError) error = NULL;

  data->attempt++;
  data->provider_attempt++;
  data->result = tg_chat_result_new ();
  data->message = data->adapter->build_request (data->provider, data->api_key, data->chat, &error);
  if (data->message == NULL)
    {
      /* Nothing was sent: not an attempt to record. */
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  data->attempt_cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      /* The caller's cancellable outlives attempts; each attempt has its own
       * (timeouts cancel it too), chained to the caller's. */
      if (data->cancellable == NULL)
        data->cancellable = g_object_ref (cancellable);
      g_cancellable_disconnect (cancellable, data->cancel_handler);
      data->cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb),
                                                    g_object_ref (data->attempt_cancellable),
                                                    g_object_unref);
    }

  data->start_real_ms = g_get_real_time () / 1000;
  data->start_us = g_get_monotonic_time ();
  data->first_byte_source = g_timeout_add (self->first_byte_ms, timeout_cb, data);
  data->total_source = g_timeout_add (self->total_ms, timeout_cb, data);

  soup_session_send_async (self->session, data->message, G_PRIORITY_DEFAULT,
                           data->attempt_cancellable, send_cb, task);
}

/* The current candidate cannot be tried (no key, no keyring): a fallback is
 * skipped quietly; the provider asked for first says why. */
static void
skip_candidate (GTask  *task,
                GError *error)
{
  SendData *data = g_task_get_task_data (task);

  if (data->chain_index > 0)
    {
      g_debug ("Skipping fallback %s: %s", data->provider_id, error->message);
      g_error_free (error);
      data->chain_index++;
      try_candidate (task);
      return;
    }

  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
key_cb (GObject      *source,
        GAsyncResult *res,
        gpointer      user_data)
{
  GTask *task = user_data;
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  data->api_key = tg_secret_store_lookup_finish (TG_SECRET_STORE (source), res, &error);

  /* A keyless server takes a key when there is one (a proxy in front of it),
   * and goes without when there is none or no keyring at all. */
  if (data->provider->auth_style == TG_AUTH_STYLE_NONE)
    {
      start_attempt (task);
      return;
    }

  if (error != NULL)
    {
      skip_candidate (task, g_steal_pointer (&error));
      return;
    }
  if (data->api_key == NULL)
    {
      skip_candidate (task, g_error_new (TG_AI_CLIENT_ERROR, TG_AI_CLIENT_ERROR_NO_KEY,
                                         _("There is no API key for %s. Add one in Preferences or with “tollgate key set %s”."),
                                         data->provider->name, data->provider->id));
      return;
    }

  start_attempt (task);
}

/* The preferences in force: the config service's, else the store's; NULL when
 * none are set. */
static TgPreferences *
load_preferences (TgAiClient *self)
{
  if (self->config != NULL)
    return tg_preferences_copy (tg_config_service_get_preferences (self->config));
  return self->db != NULL ? tg_db_get_preferences (self->db, "default", NULL) : NULL;
}

/* Makes candidate @index the one the next attempt goes to. */
static void
select_candidate (TgAiClient *self,
                  SendData   *data,
                  guint       index)
{
  const Candidate *candidate = g_ptr_array_index (data->chain, index);
  const TgModelCapabilities *model;

  data->provider = tg_catalog_get_provider (data->catalog, candidate->provider_id);
  data->adapter = tg_provider_adapter_for_format (data->provider->wire_format);
  g_free (data->provider_id);
  data->provider_id = g_strdup (candidate->provider_id);
  g_free (data->model_id);
  data->model_id = g_strdup (candidate->model_id);
  model = tg_catalog_get_model (data->catalog, candidate->provider_id, candidate->model_id);
  g_clear_pointer (&data->model, tg_model_capabilities_free);
  data->model = model ? tg_model_capabilities_copy (model) : NULL;
  g_clear_pointer (&data->api_key, tg_secret_store_free_key);
  data->provider_attempt = 0;
  if (data->chat != NULL)
    {
      g_free (data->chat->model);
      data->chat->model = g_strdup (candidate->model_id);
    }
}

/* The user's fallback order after @primary, each with the model it would be
 * asked for (TgConfigService decides: the user's explicit choice, else one
 * with the same capabilities). Providers without a key are left out when the
 * keys are known; keyless local servers stay. */
static void
add_fallbacks (TgAiClient                *self,
               SendData                  *data,
               const TgPreferences       *prefs,
               const TgModelCapabilities *primary_model)
{
  for (guint i = 0; prefs->fallback_order[i] != NULL; i++)
    {
      const char *id = prefs->fallback_order[i];
      const TgCatalogProvider *provider = tg_catalog_get_provider (data->catalog, id);
      g_autofree char *model_id = NULL;
      Candidate *candidate;
      gboolean known = FALSE;

      if (provider == NULL)
        continue;
      for (guint j = 0; j < data->chain->len && !known; j++)
        known = g_str_equal (((Candidate *) g_ptr_array_index (data->chain, j))->provider_id, id);
      if (known)
        continue;
      if (data->keyed != NULL && provider->auth_style != TG_AUTH_STYLE_NONE &&
          !g_strv_contains ((const char * const *) data->keyed, id))
        continue;

      model_id = tg_config_service_get_fallback_model (self->config, id, primary_model, NULL);
      if (model_id == NULL)
        continue;

      candidate = g_new0 (Candidate, 1);
      candidate->provider_id = g_strdup (id);
      candidate->model_id = g_steal_pointer (&model_id);
      g_ptr_array_add (data->chain, candidate);
    }
}

/* Provider and model: explicit, else the preferences, else (@first_keyed) the
 * first catalogue provider with a key; the model, else the provider's default.
 * Then the chain of fallbacks behind them. */
static gboolean
resolve (TgAiClient  *self,
         SendData    *data,
         const char  *first_keyed,
         GError     **error)
{
  const TgPreferences *prefs = data->prefs;
  const char *provider_id = data->requested_provider;
  const char *model_id = data->requested_model;
  const TgCatalogProvider *provider;
  const TgModelCapabilities *model;
  Candidate *primary;

  if (provider_id == NULL && prefs != NULL && prefs->default_provider != NULL)
    {
      provider_id = prefs->default_provider;
      if (model_id == NULL)
        model_id = prefs->default_model;
    }
  if (provider_id == NULL)
    provider_id = first_keyed;
  if (provider_id == NULL)
    {
      g_set_error_literal (error, TG_AI_CLIENT_ERROR, TG_AI_CLIENT_ERROR_NO_PROVIDER,
                           _("No provider is set up yet. Add an API key with “tollgate key set PROVIDER” (“tollgate providers” lists them) or pass “--provider”."));
      return FALSE;
    }

  provider = tg_catalog_get_provider (data->catalog, provider_id);
  if (provider == NULL)
    {
      g_set_error (error, TG_AI_CLIENT_ERROR, TG_AI_CLIENT_ERROR_UNKNOWN_PROVIDER,
                   _("Unknown provider “%s”. “tollgate providers” lists them."), provider_id);
      return FALSE;
    }
  if (model_id == NULL)
    model_id = provider->default_model;

  model = tg_catalog_get_model (data->catalog, provider->id, model_id);
  if (model == NULL && !(provider->local || provider->user_defined))
    {
      /* Sending it would make a request whose cost nobody can tell. */
      g_set_error (error, TG_AI_CLIENT_ERROR, TG_AI_CLIENT_ERROR_UNKNOWN_MODEL,
                   _("%s has no model “%s” in the catalogue, so its price is unknown. Add it with its price in catalog-overrides.json."),
                   provider->name, model_id);
      return FALSE;
    }

  data->chain = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
  primary = g_new0 (Candidate, 1);
  primary->provider_id = g_strdup (provider->id);
  primary->model_id = g_strdup (model_id);
  g_ptr_array_add (data->chain, primary);

  if (!data->no_fallback && self->config != NULL && prefs != NULL)
    add_fallbacks (self, data, prefs, model);

  data->chain_index = 0;
  select_candidate (self, data, 0);
  return TRUE;
}

/* Starts on the candidate at data->chain_index, passing over providers whose
 * circuit is open. With none left, the request fails with why. */
static void
try_candidate (GTask *task)
{
  TgAiClient *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  const Candidate *first = g_ptr_array_index (data->chain, 0);

  for (; data->chain_index < data->chain->len; data->chain_index++)
    {
      const Candidate *candidate = g_ptr_array_index (data->chain, data->chain_index);

      if (self->health == NULL || tg_health_monitor_allow_request (self->health, candidate->provider_id))
        break;
      g_debug ("Skipping %s: its circuit is open", candidate->provider_id);
    }

  if (data->chain_index >= data->chain->len)
    {
      if (data->fallback_error != NULL)
        g_task_return_error (task, g_steal_pointer (&data->fallback_error));
      else
        {
          const TgCatalogProvider *provider = tg_catalog_get_provider (data->catalog, first->provider_id);

          g_task_return_new_error (task, TG_AI_CLIENT_ERROR, TG_AI_CLIENT_ERROR_PROVIDER_DOWN,
                                   data->chain->len > 1
                                     ? _("%s and its fallbacks are failing, so Tollgate is giving them a rest. Try again in a few minutes, or see “tollgate health”.")
                                     : _("%s is failing, so Tollgate is giving it a rest. Try again in a few minutes, see “tollgate health”, or add a fallback provider in Preferences."),
                                   provider->name);
        }
      g_object_unref (task);
      return;
    }

  select_candidate (self, data, data->chain_index);

  /* The catalogue's keyless servers (Ollama) never use a key: asking a locked
   * keyring for one would prompt for nothing. */
  if (data->provider->auth_style == TG_AUTH_STYLE_NONE && !data->provider->user_defined)
    {
      start_attempt (task);
      return;
    }

  tg_secret_store_lookup_async (self->secret_store, data->provider->id, g_task_get_cancellable (task),
                                key_cb, task);
}

/* Resolved: build the chat request, then try the chain. Takes over @task. */
static void
proceed (GTask      *task,
         const char *first_keyed)
{
  TgAiClient *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* A hard budget limit refuses before anything is sent or spent. */
  if ((self->analytics != NULL && !tg_analytics_service_check_budget (self->analytics, &error)) ||
      !resolve (self, data, first_keyed, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  data->chat = tg_chat_request_new (data->model_id, data->system, data->prompt);
  data->chat->stream = data->streamed;
  data->chat->max_tokens = data->max_tokens;
  data->chat->temperature = data->temperature;

  try_candidate (task);
}

static void
keyed_providers_cb (GObject      *source,
                    GAsyncResult *res,
                    gpointer      user_data)
{
  GTask *task = user_data;
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = tg_secret_store_list_finish (TG_SECRET_STORE (source), res, &error);
  GPtrArray *providers = tg_catalog_get_providers (data->catalog);
  gboolean need_first_keyed = data->requested_provider == NULL &&
                              (data->prefs == NULL || data->prefs->default_provider == NULL);

  if (!need_first_keyed)
    {
      /* Only the fallbacks wanted the list: without a keyring they are each
       * looked up (and skipped) in turn instead. */
      if (error == NULL)
        data->keyed = g_steal_pointer (&ids);
      proceed (task, NULL);
      return;
    }

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  data->keyed = g_strdupv (ids);

  /* First run, nothing chosen yet: the first provider, in catalogue order, the user has a key for. */
  for (guint i = 0; i < providers->len; i++)
    {
      const TgCatalogProvider *provider = g_ptr_array_index (providers, i);

      if (provider->auth_style != TG_AUTH_STYLE_NONE && ids != NULL &&
          g_strv_contains ((const char * const *) ids, provider->id))
        {
          proceed (task, provider->id);
          return;
        }
    }
  proceed (task, NULL);
}

void
tg_ai_client_send_async (TgAiClient          *self,
                         const TgAiRequest   *request,
                         TgAiDeltaFunc        delta_func,
                         gpointer             delta_data,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  const TgPreferences *prefs;
  SendData *data;

  g_return_if_fail (TG_IS_AI_CLIENT (self));
  g_return_if_fail (request != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_ai_client_send_async);
  data = g_new0 (SendData, 1);
  g_task_set_task_data (task, data, send_data_free);
  data->delta_func = delta_func;
  data->delta_data = delta_data;
  data->source = request->source;

  if (request->prompt == NULL || g_utf8_strlen (request->prompt, -1) == 0 ||
      strspn (request->prompt, " \t\r\n") == strlen (request->prompt))
    {
      g_task_return_new_error (task, TG_AI_CLIENT_ERROR, TG_AI_CLIENT_ERROR_INVALID,
                               "%s", _("The prompt is empty."));
      return;
    }

  data->requested_provider = g_strdup (request->provider_id);
  data->requested_model = g_strdup (request->model_id);
  data->system = g_strdup (request->system);
  data->prompt = g_strdup (request->prompt);
  data->streamed = request->stream;
  data->max_tokens = request->max_tokens;
  data->temperature = request->temperature;
  data->no_fallback = request->no_fallback;

  /* The keyring's list (no secret loaded) tells the first-run provider, and
   * which fallbacks have a key. */
  data->catalog = tg_catalog_snapshot (self->catalog);
  data->prefs = load_preferences (self);
  prefs = data->prefs;
  if ((request->provider_id == NULL && (prefs == NULL || prefs->default_provider == NULL)) ||
      (!data->no_fallback && self->config != NULL && prefs != NULL && prefs->fallback_order[0] != NULL))
    {
      tg_secret_store_list_async (self->secret_store, cancellable, keyed_providers_cb,
                                  g_steal_pointer (&task));
      return;
    }

  proceed (g_steal_pointer (&task), NULL);
}

TgAiResponse *
tg_ai_client_send_finish (TgAiClient    *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tg_ai_client_set_services (TgAiClient         *self,
                           TgConfigService    *config,
                           TgAnalyticsService *analytics,
                           TgHealthMonitor    *health)
{
  g_return_if_fail (TG_IS_AI_CLIENT (self));
  g_return_if_fail (config == NULL || TG_IS_CONFIG_SERVICE (config));
  g_return_if_fail (analytics == NULL || TG_IS_ANALYTICS_SERVICE (analytics));
  g_return_if_fail (health == NULL || TG_IS_HEALTH_MONITOR (health));

  g_set_object (&self->config, config);
  g_set_object (&self->analytics, analytics);
  g_set_object (&self->health, health);
}

void
tg_ai_client_set_timeouts (TgAiClient *self,
                           guint       first_byte_ms,
                           guint       idle_ms,
                           guint       total_ms)
{
  g_return_if_fail (TG_IS_AI_CLIENT (self));
  if (first_byte_ms)
    self->first_byte_ms = first_byte_ms;
  if (idle_ms)
    self->idle_ms = idle_ms;
  if (total_ms)
    self->total_ms = total_ms;
}

void
tg_ai_client_set_max_reply_size (TgAiClient *self,
                                 gsize       max_bytes)
{
  g_return_if_fail (TG_IS_AI_CLIENT (self));
  g_return_if_fail (max_bytes > 0);
  self->max_reply_size = max_bytes;
}

void
tg_ai_client_set_retry_policy (TgAiClient *self,
                               guint       max_attempts,
                               guint       base_delay_ms,
                               guint       max_delay_ms,
                               guint       max_retry_after_ms)
{
  g_return_if_fail (TG_IS_AI_CLIENT (self));
  g_return_if_fail (max_attempts >= 1);
  self->max_attempts = max_attempts;
  self->base_delay_ms = base_delay_ms;
  self->max_delay_ms = max_delay_ms;
  self->max_retry_after_ms = max_retry_after_ms;
}

TgAiClient *
tg_ai_client_new (TgDb          *db,
                  TgCatalog     *catalog,
                  TgSecretStore *secret_store)
{
  TgAiClient *self;

  g_return_val_if_fail (db == NULL || TG_IS_DB (db), NULL);
  g_return_val_if_fail (TG_IS_CATALOG (catalog), NULL);
  g_return_val_if_fail (TG_IS_SECRET_STORE (secret_store), NULL);

  self = g_object_new (TG_TYPE_AI_CLIENT, NULL);
  g_set_object (&self->db, db);
  g_set_object (&self->catalog, catalog);
  g_set_object (&self->secret_store, secret_store);
  return self;
}

static void
tg_ai_client_dispose (GObject *object)
{
  TgAiClient *self = TG_AI_CLIENT (object);

  g_clear_object (&self->session);
  g_clear_object (&self->db);
  g_clear_object (&self->catalog);
  g_clear_object (&self->secret_store);
  g_clear_object (&self->config);
  g_clear_object (&self->analytics);
  g_clear_object (&self->health);

  G_OBJECT_CLASS (tg_ai_client_parent_class)->dispose (object);
}

static void
tg_ai_client_class_init (TgAiClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tg_ai_client_dispose;

  /**
   * TgAiClient::attempt-recorded:
   * @record: the ai_usage_analytics row just written (TgUsageRecord)
   *
   * Emitted for every attempt, failed ones included, once it is in the store.
   */
  signals[ATTEMPT_RECORDED] =
    g_signal_new ("attempt-recorded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  TG_TYPE_USAGE_RECORD | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
tg_ai_client_init (TgAiClient *self)
{
  g_autofree char *user_agent = g_strdup_printf ("Tollgate/%s", PACKAGE_VERSION);

  self->first_byte_ms = 30000;
  self->idle_ms = 30000;
  self->total_ms = 600000;
  self->max_reply_size = 32 * 1024 * 1024;
  self->max_attempts = 3;
  self->base_delay_ms = 500;
  self->max_delay_ms = 8000;
  self->max_retry_after_ms = 60000;

  self->session = soup_session_new_with_options ("user-agent", user_agent, NULL);
}
