/* tg-analytics-service.h: usage, cost aggregates, budgets, alerts and
 * recommendations (DESIGN §4).
 *
 * Every request attempt is recorded through tg_analytics_service_record()
 * or, off the main thread, tg_analytics_service_record_async() (TgAiClient
 * calls it). Aggregates come from TgDb's roll-ups; budget periods
 * are in the user's local time zone, weeks start on the locale's first day. */
#pragma once

#include <gio/gio.h>

#include "tg-catalog.h"
#include "tg-clock.h"
#include "tg-config-service.h"
#include "tg-db.h"
#include "tg-recommendations.h"

G_BEGIN_DECLS

#define TG_ANALYTICS_ERROR (tg_analytics_error_quark ())

typedef enum {
  TG_ANALYTICS_ERROR_BUDGET_EXHAUSTED, /* hard limit reached: the message states spend and limit */
  TG_ANALYTICS_ERROR_NO_STORE,         /* no usable database */
  TG_ANALYTICS_ERROR_INVALID_RANGE,    /* from >= to */
  TG_ANALYTICS_ERROR_EXPORT,           /* the CSV file could not be written */
} TgAnalyticsError;

GQuark tg_analytics_error_quark (void);

typedef enum {
  TG_TIME_BUCKET_HOUR,
  TG_TIME_BUCKET_DAY,
} TgTimeBucket;

typedef struct {
  TgBudgetPeriod period;
  gint64         period_start_ms;   /* local midnight (of the day, week or month), UTC ms */
  gint64         period_end_ms;     /* exclusive */
  gint64         budget_micros;     /* 0: no budget set */
  gint64         spent_micros;      /* in the period so far */
  double         fraction;          /* spent / budget; 0 without a budget */
  gboolean       hard_limit;
  guint          thresholds[TG_MAX_ALERT_THRESHOLDS];
  guint          n_thresholds;
  guint          crossed_mask;      /* bit i: thresholds[i] already crossed this period */
  gboolean       exceeded;          /* spent >= budget */
} TgBudgetStatus;

#define TG_TYPE_BUDGET_STATUS (tg_budget_status_get_type ())
GType           tg_budget_status_get_type (void) G_GNUC_CONST;
TgBudgetStatus *tg_budget_status_copy     (const TgBudgetStatus *self);
void            tg_budget_status_free     (TgBudgetStatus *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgBudgetStatus, tg_budget_status_free)

typedef struct {
  gint64 p50_ms;     /* -1: no samples */
  gint64 p95_ms;
  gint64 p99_ms;
  guint  n_samples;
} TgLatencyStats;


#define TG_TYPE_ANALYTICS_SERVICE (tg_analytics_service_get_type ())
G_DECLARE_FINAL_TYPE (TgAnalyticsService, tg_analytics_service, TG, ANALYTICS_SERVICE, GObject)

/* @db may be NULL (a broken store): queries fail with NO_STORE. Budget
 * settings come from @config and are followed live (::changed). */
TgAnalyticsService *tg_analytics_service_new          (TgDb            *db,
                                                       TgCatalog       *catalog,
                                                       TgConfigService *config);
void                tg_analytics_service_set_clock    (TgAnalyticsService *self,
                                                       TgClockFunc         func,
                                                       gpointer            user_data);
/* The zone periods and day/hour buckets use (NULL: local). */
void                tg_analytics_service_set_timezone (TgAnalyticsService *self,
                                                       GTimeZone          *tz);
/* The first day of a budget week, 1 = Monday … 7 = Sunday (GDateWeekday);
 * 0: the locale's (LC_TIME), Monday where it cannot be told. */
void                tg_analytics_service_set_week_start (TgAnalyticsService *self,
                                                         guint               weekday);

/* Records one attempt (sets record->id), emits ::usage-recorded, then checks
 * the budget and emits ::budget-threshold-crossed / ::budget-exceeded for
 * each threshold newly passed (once per threshold per period, remembered in
 * the store across restarts). */
gboolean            tg_analytics_service_record       (TgAnalyticsService *self,
                                                       TgUsageRecord      *record,
                                                       GError            **error);
/* The same, with the row written off the main thread (tg-usage-writer.h):
 * the signals and the budget check follow on the caller's main context once
 * it is in the store. Until then its cost counts as spent in the budget
 * status, so a hard limit is never passed by a row still on its way. The
 * result is the row as written, its id set. */
void                tg_analytics_service_record_async (TgAnalyticsService  *self,
                                                       const TgUsageRecord *record,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
TgUsageRecord      *tg_analytics_service_record_finish (TgAnalyticsService *self,
                                                        GAsyncResult       *result,
                                                        GError            **error);

/* Aggregates over from_ms <= time < to_ms. */
TgUsageAggregate   *tg_analytics_service_get_totals      (TgAnalyticsService *self, gint64 from_ms, gint64 to_ms, GError **error);
/* TgUsageAggregate*, key = provider id, by cost descending. */
GPtrArray          *tg_analytics_service_get_by_provider (TgAnalyticsService *self, gint64 from_ms, gint64 to_ms, GError **error);
/* TgUsageAggregate*, key = "provider/model", by cost descending. */
GPtrArray          *tg_analytics_service_get_by_model    (TgAnalyticsService *self, gint64 from_ms, gint64 to_ms, GError **error);
/* TgUsageAggregate*, one per local hour or day from the one holding from_ms to
 * the one holding to_ms - 1, in order; buckets without usage are zeros. */
GPtrArray          *tg_analytics_service_get_time_series (TgAnalyticsService *self, gint64 from_ms, gint64 to_ms,
                                                          TgTimeBucket bucket, GError **error);
/* The same split by provider: GHashTable provider id -> GPtrArray of
 * TgUsageAggregate with the same buckets (for stacked charts). */
GHashTable         *tg_analytics_service_get_time_series_by_provider (TgAnalyticsService *self, gint64 from_ms,
                                                                      gint64 to_ms, TgTimeBucket bucket,
                                                                      GError **error);
/* Total latency of successful attempts; @provider_id NULL: all. */
gboolean            tg_analytics_service_get_latency     (TgAnalyticsService *self, gint64 from_ms, gint64 to_ms,
                                                          const char *provider_id, TgLatencyStats *out,
                                                          GError **error);

/* The current budget period's bounds at @now_ms, in the service's zone. */
void                tg_analytics_service_get_period_bounds (TgAnalyticsService *self, TgBudgetPeriod period,
                                                            gint64 now_ms, gint64 *start_ms, gint64 *end_ms);
/* Transfer full; NULL only with an error. */
TgBudgetStatus     *tg_analytics_service_get_budget_status (TgAnalyticsService *self, GError **error);
/* FALSE with TG_ANALYTICS_ERROR_BUDGET_EXHAUSTED when the hard limit is on and
 * the period's spend has reached the budget. TgAiClient asks before sending. */
gboolean            tg_analytics_service_check_budget      (TgAnalyticsService *self, GError **error);

/* tg_recommendations_compute() over the service's store, catalogue and clock. */
GPtrArray          *tg_analytics_service_get_recommendations (TgAnalyticsService *self,
                                                              const char * const *keyed_provider_ids,
                                                              GError            **error);

/* Every attempt in the range as CSV (RFC 4180, header row, UTC ISO 8601
 * times, cost in dollars with six decimals), written to a temporary file and
 * renamed over @file. Runs in a worker thread on its own connection. */
void                tg_analytics_service_export_csv_async  (TgAnalyticsService  *self,
                                                            GFile               *file,
                                                            gint64               from_ms,
                                                            gint64               to_ms,
                                                            GCancellable        *cancellable,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
/* Returns the number of rows written, -1 on error. */
gint64              tg_analytics_service_export_csv_finish (TgAnalyticsService  *self,
                                                            GAsyncResult        *result,
                                                            GError             **error);

/* Signals:
 *   ::usage-recorded (TgUsageRecord *record)
 *   ::budget-threshold-crossed (guint percent, TgBudgetStatus *status)  once per threshold per period
 *   ::budget-exceeded (TgBudgetStatus *status)                          once per period */

G_END_DECLS
