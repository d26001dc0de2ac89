/* tg-analytics-service.c: usage, cost aggregates, budgets and alerts (DESIGN §4).
 *
 * Everything is read from and written to TgDb on the calling (main) thread,
 * which is the project's pattern for fast SQLite calls; the aggregates come
 * from the store's roll-ups, so most are a few thousand rows at most (the
 * per-provider series and the latency percentiles also read raw rows, see
 * docs/services.md). Only the CSV export, which reads every row of a range,
 * runs in a worker thread on a connection of its own (a TgDb is
 * single-threaded).
 *
 * Budget periods are local: a day runs from local midnight to the next (23 or
 * 25 hours across a DST change), a week from local midnight of its first day,
 * a month from local midnight of the 1st. Which alerts already fired is kept
 * in the store (budget_alerts), keyed by the period's start and the budget
 * amount, so each fires once per period and amount, also across restarts and
 * across processes: the insert that takes an alert is atomic.
 */

#include "config.h"

#include "tg-analytics-service.h"
#include "tg-usage-writer.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#ifdef __GLIBC__
#include <langinfo.h>
#endif

#include "tg-money.h"

#define BUCKET_MS           G_GINT64_CONSTANT (900000)     /* 15 minutes: every UTC offset is a multiple */
#define HOUR_MS             G_GINT64_CONSTANT (3600000)
#define DAY_MS              G_GINT64_CONSTANT (86400000)
/* No local day is shorter than this (the largest DST shift in use is 2 hours),
 * so the next day's start is searched from here on. */
#define MIN_DAY_MS          (20 * HOUR_MS)
/* A bound on the buckets of one time series: 11 years of hours. */
#define MAX_SERIES_BUCKETS  100000
#define CSV_FLUSH_BYTES     (64 * 1024)

G_DEFINE_QUARK (tg-analytics-error-quark, tg_analytics_error)

/* What check_alerts() knows of the current period, so that recording an
 * attempt does not read the period's spend and alerts again each time (see
 * refresh_memory()). Which alerts fired is only a shortcut: the store's
 * atomic insert decides, so a stale memory can never fire an alert twice. */
typedef struct {
  gboolean        valid;
  TgBudgetPeriod  period;
  gint64          start_ms;
  gint64          end_ms;
  gint64          budget_micros;
  gint64          spent_micros;
  gint64          last_id;         /* the newest usage row counted */
  guint64         fired[2];        /* bit p - 1: the p % threshold alert is taken */
  gboolean        exceeded_fired;
} BudgetMemory;

/* TgBudgetStatus */

TgBudgetStatus *
tg_budget_status_copy (const TgBudgetStatus *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_memdup2 (self, sizeof *self);
}

void
tg_budget_status_free (TgBudgetStatus *self)
{
  g_free (self);
}

G_DEFINE_BOXED_TYPE (TgBudgetStatus, tg_budget_status, tg_budget_status_copy, tg_budget_status_free)

/* TgAnalyticsService */

struct _TgAnalyticsService
{
  GObject          parent_instance;

  TgDb            *db;
  TgCatalog       *catalog;
  TgConfigService *config;
  gulong           config_changed_id;

  TgClockFunc      clock_func;
  gpointer         clock_data;
  GTimeZone       *tz;
  guint            week_start;  /* GDateWeekday; 0: the locale's */
  BudgetMemory     memory;
  /* The cost of rows queued by record_async() and not written yet: counted
   * as spent, so a hard limit holds while the writer catches up. */
  gint64           pending_micros;
};

G_DEFINE_FINAL_TYPE (TgAnalyticsService, tg_analytics_service, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DB,
  PROP_CATALOG,
  PROP_CONFIG,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  USAGE_RECORDED,
  BUDGET_THRESHOLD_CROSSED,
  BUDGET_EXCEEDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean check_alerts (TgAnalyticsService   *self,
                              const TgUsageRecord  *record,
                              GError              **error);

static gint64
now_ms (TgAnalyticsService *self)
{
  return self->clock_func (self->clock_data);
}

static gboolean
require_store (TgAnalyticsService  *self,
               GError             **error)
{
  if (self->db != NULL)
    return TRUE;

  g_set_error_literal (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_NO_STORE,
                       _("Usage cannot be read or recorded because the database could not be opened."));
  return FALSE;
}

static gboolean
check_range (TgAnalyticsService  *self,
             gint64               from_ms,
             gint64               to_ms,
             GError             **error)
{
  if (!require_store (self, error))
    return FALSE;

  if (from_ms >= to_ms)
    {
      g_set_error_literal (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_INVALID_RANGE,
                           _("The start of the time range must be before its end."));
      return FALSE;
    }

  return TRUE;
}

/* The budget settings; a service without a config service has no budget. */
static const TgPreferences *
get_preferences (TgAnalyticsService *self)
{
  return self->config != NULL ? tg_config_service_get_preferences (self->config) : NULL;
}

static const char *
profile_of (const TgPreferences *prefs)
{
  return prefs->profile != NULL ? prefs->profile : "default";
}

static void
on_config_changed (TgConfigService    *config,
                   const char         *key,
                   TgAnalyticsService *self)
{
  g_autoptr(GError) error = NULL;

  /* A lowered budget or a lower threshold can be passed by what was already
   * spent: say so now rather than at the next request. (The hard limit alone
   * changes no alert.) */
  if (self->db == NULL ||
      !(g_strcmp0 (key, TG_CONFIG_KEY_BUDGET) == 0 ||
        g_strcmp0 (key, TG_CONFIG_KEY_BUDGET_PERIOD) == 0 ||
        g_strcmp0 (key, TG_CONFIG_KEY_ALERT_THRESHOLDS) == 0))
    return;

  self->memory.valid = FALSE;
  if (!check_alerts (self, NULL, &error))
    g_warning ("Budget check after a settings change failed: %s", error->message);
}

static void
tg_analytics_service_constructed (GObject *object)
{
  TgAnalyticsService *self = (TgAnalyticsService *) object;

  G_OBJECT_CLASS (tg_analytics_service_parent_class)->constructed (object);

  if (self->config != NULL)
    self->config_changed_id = g_signal_connect (self->config, "changed",
                                                G_CALLBACK (on_config_changed), self);
}

static void
tg_analytics_service_dispose (GObject *object)
{
  TgAnalyticsService *self = (TgAnalyticsService *) object;

  if (self->config != NULL)
    g_clear_signal_handler (&self->config_changed_id, self->config);
  g_clear_object (&self->config);
  g_clear_object (&self->catalog);
  g_clear_object (&self->db);

  G_OBJECT_CLASS (tg_analytics_service_parent_class)->dispose (object);
}

static void
tg_analytics_service_finalize (GObject *object)
{
  TgAnalyticsService *self = (TgAnalyticsService *) object;

  g_clear_pointer (&self->tz, g_time_zone_unref);

  G_OBJECT_CLASS (tg_analytics_service_parent_class)->finalize (object);
}

static void
tg_analytics_service_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TgAnalyticsService *self = (TgAnalyticsService *) object;

  switch (prop_id)
    {
    case PROP_DB:
      g_value_set_object (value, self->db);
      break;

    case PROP_CATALOG:
      g_value_set_object (value, self->catalog);
      break;

    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_analytics_service_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  TgAnalyticsService *self = (TgAnalyticsService *) object;

  switch (prop_id)
    {
    case PROP_DB:
      self->db = g_value_dup_object (value);
      break;

    case PROP_CATALOG:
      self->catalog = g_value_dup_object (value);
      break;

    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_analytics_service_class_init (TgAnalyticsServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tg_analytics_service_constructed;
  object_class->dispose = tg_analytics_service_dispose;
  object_class->finalize = tg_analytics_service_finalize;
  object_class->get_property = tg_analytics_service_get_property;
  object_class->set_property = tg_analytics_service_set_property;

  properties[PROP_DB] =
    g_param_spec_object ("db", NULL, NULL, TG_TYPE_DB,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CATALOG] =
    g_param_spec_object ("catalog", NULL, NULL, TG_TYPE_CATALOG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, TG_TYPE_CONFIG_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[USAGE_RECORDED] =
    g_signal_new ("usage-recorded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, TG_TYPE_USAGE_RECORD | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[BUDGET_THRESHOLD_CROSSED] =
    g_signal_new ("budget-threshold-crossed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, TG_TYPE_BUDGET_STATUS | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[BUDGET_EXCEEDED] =
    g_signal_new ("budget-exceeded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, TG_TYPE_BUDGET_STATUS | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
tg_analytics_service_init (TgAnalyticsService *self)
{
  self->clock_func = tg_clock_real_ms;
  self->tz = g_time_zone_new_local ();
}

TgAnalyticsService *
tg_analytics_service_new (TgDb            *db,
                          TgCatalog       *catalog,
                          TgConfigService *config)
{
  g_return_val_if_fail (db == NULL || TG_IS_DB (db), NULL);
  g_return_val_if_fail (catalog == NULL || TG_IS_CATALOG (catalog), NULL);
  g_return_val_if_fail (config == NULL || TG_IS_CONFIG_SERVICE (config), NULL);

  return g_object_new (TG_TYPE_ANALYTICS_SERVICE,
                       "db", db,
                       "catalog", catalog,
                       "config", config,
                       NULL);
}

void
tg_analytics_service_set_clock (TgAnalyticsService *self,
                                TgClockFunc         func,
                                gpointer            user_data)
{
  g_return_if_fail (TG_IS_ANALYTICS_SERVICE (self));

  self->clock_func = func != NULL ? func : tg_clock_real_ms;
  self->clock_data = func != NULL ? user_data : NULL;
}

void
tg_analytics_service_set_timezone (TgAnalyticsService *self,
                                   GTimeZone          *tz)
{
  g_return_if_fail (TG_IS_ANALYTICS_SERVICE (self));

  g_clear_pointer (&self->tz, g_time_zone_unref);
  self->tz = tz != NULL ? g_time_zone_ref (tz) : g_time_zone_new_local ();
  self->memory.valid = FALSE;
}

void
tg_analytics_service_set_week_start (TgAnalyticsService *self,
                                     guint               weekday)
{
  g_return_if_fail (TG_IS_ANALYTICS_SERVICE (self));
  g_return_if_fail (weekday <= G_DATE_SUNDAY);

  self->week_start = weekday;
  self->memory.valid = FALSE;
}

/* Periods */

/* The first day of the week in LC_TIME. glibc gives it as a day counted from
 * an origin date (_NL_TIME_WEEK_1STDAY, a Sunday in nearly every locale);
 * elsewhere, or with an origin we do not know, Monday (ISO 8601). */
static GDateWeekday
locale_week_start (void)
{
#ifdef __GLIBC__
  int first = nl_langinfo (_NL_TIME_FIRST_WEEKDAY)[0];
  guint origin = GPOINTER_TO_UINT (nl_langinfo (_NL_TIME_WEEK_1STDAY));
  GDateWeekday origin_day = origin == 19971130 ? G_DATE_SUNDAY
                          : origin == 19971201 ? G_DATE_MONDAY
                          : G_DATE_BAD_WEEKDAY;

  if (origin_day != G_DATE_BAD_WEEKDAY && first >= 1 && first <= 7)
    return (GDateWeekday) ((origin_day - 1 + first - 1) % 7 + 1);
#endif
  return G_DATE_MONDAY;
}

/* Local midnight of @date in @tz, UTC ms. Where midnight does not exist (a
 * clock change at 00:00) the day starts at the first instant after the gap;
 * where it exists twice, at the earlier one: the same rule as the day buckets
 * of tg_db_aggregate_usage_tz(). */
static gint64
local_midnight_ms (GTimeZone   *tz,
                   const GDate *date)
{
  g_autoptr(GDateTime) as_utc = g_date_time_new_utc (g_date_get_year (date), g_date_get_month (date),
                                                     g_date_get_day (date), 0, 0, 0);
  gint64 local_s = g_date_time_to_unix (as_utc);
  int interval = g_time_zone_adjust_time (tz, G_TIME_TYPE_DAYLIGHT, &local_s);

  return (local_s - (interval >= 0 ? g_time_zone_get_offset (tz, interval) : 0)) * 1000;
}

void
tg_analytics_service_get_period_bounds (TgAnalyticsService *self,
                                        TgBudgetPeriod      period,
                                        gint64              now_ms,
                                        gint64             *start_ms,
                                        gint64             *end_ms)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  GDate start, end;
  int y, m, d;

  g_return_if_fail (TG_IS_ANALYTICS_SERVICE (self));

  utc = g_date_time_new_from_unix_utc (now_ms / 1000 - (now_ms % 1000 < 0));
  local = g_date_time_to_timezone (utc, self->tz);
  g_date_time_get_ymd (local, &y, &m, &d);
  g_date_clear (&start, 1);
  g_date_set_dmy (&start, d, m, y);

  switch (period)
    {
    case TG_BUDGET_PERIOD_WEEKLY:
      {
        guint first = self->week_start != 0 ? self->week_start : locale_week_start ();

        g_date_subtract_days (&start, (g_date_get_weekday (&start) - first + 7) % 7);
        end = start;
        g_date_add_days (&end, 7);
      }
      break;

    case TG_BUDGET_PERIOD_MONTHLY:
      g_date_set_day (&start, 1);
      end = start;
      g_date_add_months (&end, 1);
      break;

    case TG_BUDGET_PERIOD_DAILY:
    default:
      end = start;
      g_date_add_days (&end, 1);
      break;
    }

  if (start_ms != NULL)
    *start_ms = local_midnight_ms (self->tz, &start);
  if (end_ms != NULL)
    *end_ms = local_midnight_ms (self->tz, &end);
}

/* Budget */

static gboolean
fired_has (const guint64 *fired,
           guint          percent)
{
  return percent >= 1 && percent <= 128 && ((fired[(percent - 1) / 64] >> ((percent - 1) % 64)) & 1) != 0;
}

static void
fired_add (guint64 *fired,
           guint    percent)
{
  if (percent >= 1 && percent <= 128)
    fired[(percent - 1) / 64] |= G_GUINT64_CONSTANT (1) << ((percent - 1) % 64);
}

/* The alerts already taken in the period starting at @start_ms for this
 * period kind and budget amount: a raised budget re-arms every threshold. */
static gboolean
load_fired (TgAnalyticsService   *self,
            const TgPreferences  *prefs,
            gint64                start_ms,
            guint64              *fired,
            gboolean             *exceeded_fired,
            GError              **error)
{
  g_autoptr(GPtrArray) alerts = NULL;

  fired[0] = fired[1] = 0;
  *exceeded_fired = FALSE;

  alerts = tg_db_list_budget_alerts (self->db, profile_of (prefs), start_ms, error);
  if (alerts == NULL)
    return FALSE;

  for (guint i = 0; i < alerts->len; i++)
    {
      const TgBudgetAlert *alert = g_ptr_array_index (alerts, i);

      if (alert->budget_period != prefs->budget_period || alert->budget_micros != prefs->budget_micros)
        continue;
      if (alert->kind == TG_BUDGET_ALERT_EXCEEDED)
        *exceeded_fired = TRUE;
      else
        fired_add (fired, alert->percent);
    }

  return TRUE;
}

/* The spend in [start_ms, end_ms), -1 on error. */
static gint64
read_spent (TgAnalyticsService  *self,
            gint64               start_ms,
            gint64               end_ms,
            GError             **error)
{
  g_autoptr(GPtrArray) totals = tg_db_aggregate_usage_tz (self->db, start_ms, end_ms, TG_USAGE_GROUP_NONE,
                                                          self->tz, error);

  return totals != NULL ? ((TgUsageAggregate *) g_ptr_array_index (totals, 0))->cost_micros : -1;
}

static TgBudgetStatus *
make_status (const TgPreferences *prefs,
             TgBudgetPeriod       period,
             gint64               start_ms,
             gint64               end_ms,
             gint64               spent_micros,
             const guint64       *fired)
{
  TgBudgetStatus *status = g_new0 (TgBudgetStatus, 1);

  status->period = period;
  status->period_start_ms = start_ms;
  status->period_end_ms = end_ms;
  status->spent_micros = spent_micros;
  if (prefs != NULL)
    {
      status->budget_micros = MAX (prefs->budget_micros, 0);
      status->hard_limit = prefs->hard_limit;
      status->n_thresholds = MIN (prefs->n_alert_thresholds, TG_MAX_ALERT_THRESHOLDS);
      memcpy (status->thresholds, prefs->alert_thresholds, status->n_thresholds * sizeof (guint));
    }

  if (status->budget_micros > 0)
    {
      status->fraction = (double) spent_micros / (double) status->budget_micros;
      status->exceeded = spent_micros >= status->budget_micros;
      for (guint i = 0; i < status->n_thresholds; i++)
        if (fired_has (fired, status->thresholds[i]))
          status->crossed_mask |= 1u << i;
    }

  return status;
}

/* The status at @now_ms, read afresh from the store. */
static TgBudgetStatus *
compute_status (TgAnalyticsService  *self,
                gint64               now_ms,
                GError             **error)
{
  const TgPreferences *prefs = get_preferences (self);
  TgBudgetPeriod period = prefs != NULL ? prefs->budget_period : TG_BUDGET_PERIOD_MONTHLY;
  guint64 fired[2] = { 0, 0 };
  gboolean exceeded_fired;
  gint64 start_ms, end_ms, spent;

  tg_analytics_service_get_period_bounds (self, period, now_ms, &start_ms, &end_ms);

  if ((spent = read_spent (self, start_ms, end_ms, error)) < 0)
    return NULL;
  /* Rows still on their way to the store are requests of the last moments. */
  spent += self->pending_micros;
  if (prefs != NULL && prefs->budget_micros > 0 &&
      !load_fired (self, prefs, start_ms, fired, &exceeded_fired, error))
    return NULL;

  return make_status (prefs, period, start_ms, end_ms, spent, fired);
}

/* Brings self->memory up to @now_ms and @record (nullable: the settings
 * changed). Counting the new row on top of what is known is exact while the
 * period and budget stay and the row is the one after the last counted; any
 * other row (another process's, an id gap) and everything is read again. */
static gboolean
refresh_memory (TgAnalyticsService   *self,
                const TgPreferences  *prefs,
                gint64                now_ms,
                const TgUsageRecord  *record,
                GError              **error)
{
  BudgetMemory *memory = &self->memory;
  gint64 start_ms, end_ms, spent;

  tg_analytics_service_get_period_bounds (self, prefs->budget_period, now_ms, &start_ms, &end_ms);

  if (memory->valid && memory->period == prefs->budget_period && memory->start_ms == start_ms &&
      memory->budget_micros == prefs->budget_micros &&
      record != NULL && record->id == memory->last_id + 1)
    {
      if (record->time_ms >= start_ms && record->time_ms < end_ms)
        memory->spent_micros += record->cost_micros;
      memory->last_id = record->id;
      return TRUE;
    }

  memory->valid = FALSE;
  if ((spent = read_spent (self, start_ms, end_ms, error)) < 0 ||
      !load_fired (self, prefs, start_ms, memory->fired, &memory->exceeded_fired, error))
    return FALSE;

  memory->valid = TRUE;
  memory->period = prefs->budget_period;
  memory->start_ms = start_ms;
  memory->end_ms = end_ms;
  memory->budget_micros = prefs->budget_micros;
  memory->spent_micros = spent;
  /* Without a record, the next one is read afresh. */
  memory->last_id = record != NULL ? record->id : -1;
  return TRUE;
}

/* Takes the alert in the store; *@inserted is FALSE when it had already fired
 * (in this process or another). */
static gboolean
take_alert (TgAnalyticsService    *self,
            const TgPreferences   *prefs,
            const TgBudgetStatus  *status,
            TgBudgetAlertKind      kind,
            guint                  percent,
            gint64                 now_ms,
            gboolean              *inserted,
            GError               **error)
{
  TgBudgetAlert alert = {
    .profile = (char *) profile_of (prefs),
    .budget_period = status->period,
    .period_start_ms = status->period_start_ms,
    .budget_micros = status->budget_micros,
    .kind = kind,
    .percent = percent,
    .spent_micros = status->spent_micros,
    .time_ms = MAX (now_ms, 0),
  };

  return tg_db_insert_budget_alert (self->db, &alert, inserted, error);
}

/* Fires every alert of the current period that the spend has reached and
 * that has not fired yet. @record: the attempt just stored, or NULL. */
static gboolean
check_alerts (TgAnalyticsService   *self,
              const TgUsageRecord  *record,
              GError              **error)
{
  const TgPreferences *prefs = get_preferences (self);
  BudgetMemory *memory = &self->memory;
  g_autoptr(TgBudgetStatus) status = NULL;
  gboolean inserted;
  gint64 now;

  if (prefs == NULL || prefs->budget_micros <= 0)
    return TRUE;

  now = now_ms (self);
  if (!refresh_memory (self, prefs, now, record, error))
    return FALSE;

  for (guint i = 0; i < MIN (prefs->n_alert_thresholds, TG_MAX_ALERT_THRESHOLDS); i++)
    {
      guint percent = prefs->alert_thresholds[i];

      /* Integer math: spent / budget >= percent / 100. */
      if (fired_has (memory->fired, percent) ||
          memory->spent_micros * 100 < memory->budget_micros * (gint64) percent)
        continue;

      if (status == NULL)
        status = make_status (prefs, memory->period, memory->start_ms, memory->end_ms,
                              memory->spent_micros, memory->fired);
      if (!take_alert (self, prefs, status, TG_BUDGET_ALERT_THRESHOLD, percent, now, &inserted, error))
        return FALSE;

      /* Taken now or by another process before: crossed either way. */
      fired_add (memory->fired, percent);
      status->crossed_mask |= 1u << i;
      if (inserted)
        g_signal_emit (self, signals[BUDGET_THRESHOLD_CROSSED], 0, percent, status);
    }

  if (memory->spent_micros >= memory->budget_micros && !memory->exceeded_fired)
    {
      if (status == NULL)
        status = make_status (prefs, memory->period, memory->start_ms, memory->end_ms,
                              memory->spent_micros, memory->fired);
      if (!take_alert (self, prefs, status, TG_BUDGET_ALERT_EXCEEDED, 100, now, &inserted, error))
        return FALSE;

      memory->exceeded_fired = TRUE;
      if (inserted)
        g_signal_emit (self, signals[BUDGET_EXCEEDED], 0, status);
    }

  return TRUE;
}

gboolean
tg_analytics_service_record (TgAnalyticsService  *self,
                             TgUsageRecord       *record,
                             GError             **error)
{
  g_return_val_if_fail (TG_IS_ANALYTICS_SERVICE (self), FALSE);
  g_return_val_if_fail (record != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!require_store (self, error))
    return FALSE;
  if (!tg_db_insert_usage (self->db, record, error))
    return FALSE;

  g_signal_emit (self, signals[USAGE_RECORDED], 0, record);

  /* The attempt stays recorded (record->id is set) even if this fails. */
  return check_alerts (self, record, error);
}

static void
row_written_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TgAnalyticsService *self = g_task_get_source_object (task);
  const gint64 *queued_cost = g_task_get_task_data (task);
  g_autoptr(TgUsageRecord) record = NULL;
  g_autoptr(GError) error = NULL;

  self->pending_micros -= *queued_cost;
  record = tg_usage_writer_insert_finish (result, &error);
  if (record == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_signal_emit (self, signals[USAGE_RECORDED], 0, record);
  /* The row is in the store whatever happens to its alerts. */
  if (!check_alerts (self, record, &error))
    g_warning ("Could not check the budget after a request: %s", error->message);
  g_task_return_pointer (task, g_steal_pointer (&record), (GDestroyNotify) tg_usage_record_free);
}

void
tg_analytics_service_record_async (TgAnalyticsService  *self,
                                   const TgUsageRecord *record,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (TG_IS_ANALYTICS_SERVICE (self));
  g_return_if_fail (record != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, tg_analytics_service_record_async);
  if (!require_store (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Only its cost is needed back: the writer keeps its own copy of the row. */
  g_task_set_task_data (task, g_memdup2 (&record->cost_micros, sizeof record->cost_micros), g_free);
  self->pending_micros += record->cost_micros;
  tg_usage_writer_insert_async (tg_db_get_usage_writer (self->db), record, row_written_cb,
                                g_steal_pointer (&task));
}

TgUsageRecord *
tg_analytics_service_record_finish (TgAnalyticsService  *self,
                                    GAsyncResult        *result,
                                    GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

TgBudgetStatus *
tg_analytics_service_get_budget_status (TgAnalyticsService  *self,
                                        GError             **error)
{
  g_return_val_if_fail (TG_IS_ANALYTICS_SERVICE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!require_store (self, error))
    return NULL;

  return compute_status (self, now_ms (self), error);
}

GPtrArray *
tg_analytics_service_get_recommendations (TgAnalyticsService  *self,
                                          const char * const  *keyed_provider_ids,
                                          GError             **error)
{
  g_return_val_if_fail (TG_IS_ANALYTICS_SERVICE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!require_store (self, error))
    return NULL;
  /* Without a catalogue there is no price to compare: nothing to recommend. */
  if (self->catalog == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) tg_recommendation_free);

  return tg_recommendations_compute (self->db, self->catalog, keyed_provider_ids, now_ms (self), error);
}

static char *
format_local_time (GTimeZone *tz,
                   gint64     utc_ms)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (utc_ms / 1000);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, tz);

  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

gboolean
tg_analytics_service_check_budget (TgAnalyticsService  *self,
                                   GError             **error)
{
  const TgPreferences *prefs;
  g_autoptr(TgBudgetStatus) status = NULL;
  g_autofree char *spent = NULL;
  g_autofree char *budget = NULL;
  g_autofree char *reset = NULL;

  g_return_val_if_fail (TG_IS_ANALYTICS_SERVICE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  prefs = get_preferences (self);
  if (prefs == NULL || !prefs->hard_limit || prefs->budget_micros <= 0)
    return TRUE;

  /* With a hard limit, a spend that cannot be read is not taken as zero. */
  if (!require_store (self, error))
    return FALSE;
  status = compute_status (self, now_ms (self), error);
  if (status == NULL)
    return FALSE;
  if (!status->exceeded)
    return TRUE;

  spent = tg_money_format (status->spent_micros);
  budget = tg_money_format (status->budget_micros);
  reset = format_local_time (self->tz, status->period_end_ms);

  switch (status->period)
    {
    case TG_BUDGET_PERIOD_DAILY:
      g_set_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_BUDGET_EXHAUSTED,
                   _("Today’s budget is used up: %s spent of %s. The hard limit refuses requests "
                     "until the budget starts again on %s, or until you raise the budget or turn "
                     "the hard limit off."), spent, budget, reset);
      break;

    case TG_BUDGET_PERIOD_WEEKLY:
      g_set_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_BUDGET_EXHAUSTED,
                   _("This week’s budget is used up: %s spent of %s. The hard limit refuses requests "
                     "until the budget starts again on %s, or until you raise the budget or turn "
                     "the hard limit off."), spent, budget, reset);
      break;

    case TG_BUDGET_PERIOD_MONTHLY:
    default:
      g_set_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_BUDGET_EXHAUSTED,
                   _("This month’s budget is used up: %s spent of %s. The hard limit refuses requests "
                     "until the budget starts again on %s, or until you raise the budget or turn "
                     "the hard limit off."), spent, budget, reset);
      break;
    }

  return FALSE;
}

/* Aggregates */

TgUsageAggregate *
tg_analytics_service_get_totals (TgAnalyticsService  *self,
                                 gint64               from_ms,
                                 gint64               to_ms,
                                 GError             **error)
{
  g_autoptr(GPtrArray) rows = NULL;

  g_return_val_if_fail (TG_IS_ANALYTICS_SERVICE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_range (self, from_ms, to_ms, error))
    return NULL;

  rows = tg_db_aggregate_usage_tz (self->db, from_ms, to_ms, TG_USAGE_GROUP_NONE, self->tz, error);
  if (rows == NULL)
    return NULL;

  return g_ptr_array_steal_index (rows, 0);
}

static int
compare_cost_desc (gconstpointer a,
                   gconstpointer b)
{
  const TgUsageAggregate *x = *(TgUsageAggregate * const *) a;
  const TgUsageAggregate *y = *(TgUsageAggregate * const *) b;

  if (x->cost_micros != y->cost_micros)
    return x->cost_micros < y->cost_micros ? 1 : -1;
  /* Equal costs (free local models) in a stable, readable order. */
  return g_strcmp0 (x->key, y->key);
}

static GPtrArray *
get_by_key (TgAnalyticsService  *self,
            gint64               from_ms,
            gint64               to_ms,
            TgUsageGroup         group,
            GError             **error)
{
  GPtrArray *rows;

  if (!check_range (self, from_ms, to_ms, error))
    return NULL;

  rows = tg_db_aggregate_usage_tz (self->db, from_ms, to_ms, group, self->tz, error);
  if (rows != NULL)
    g_ptr_array_sort (rows, compare_cost_desc);
  return rows;
}

GPtrArray *
tg_analytics_service_get_by_provider (TgAnalyticsService  *self,
                                      gint64               from_ms,
                                      gint64               to_ms,
                                      GError             **error)
{
  g_return_val_if_fail (TG_IS_ANALYTICS_SERVICE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return get_by_key (self, from_ms, to_ms, TG_USAGE_GROUP_PROVIDER, error);
}

GPtrArray *
tg_analytics_service_get_by_model (TgAnalyticsService  *self,
                                   gint64               from_ms,
                                   gint64               to_ms,
                                   GError             **error)
{
  g_return_val_if_fail (TG_IS_ANALYTICS_SERVICE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return get_by_key (self, from_ms, to_ms, TG_USAGE_GROUP_MODEL, error);
}

/* After checking the range: the starts of every local hour or day from the
 * one holding @from_ms to the one holding @to_ms - 1, ascending. Found by walking 15-minute steps (every
 * offset is a multiple of 15 minutes) with the store's own bucket rule, so a
 * DST day is 23 or 25 hours and the repeated hour of a fall-back change is two
 * buckets, exactly as tg_db_aggregate_usage_tz() groups them. */
static GArray *
series_starts (TgAnalyticsService  *self,
               gint64               from_ms,
               gint64               to_ms,
               TgUsageGroup         group,
               GError             **error)
{
  GTimeZone *tz = self->tz;
  gint64 unit_ms = group == TG_USAGE_GROUP_HOUR ? HOUR_MS : DAY_MS;
  gint64 skip_ms = group == TG_USAGE_GROUP_HOUR ? BUCKET_MS : MIN_DAY_MS;
  g_autoptr(GArray) starts = NULL;
  gint64 last;

  /* time_ms is never negative (schema CHECK). */
  if (!check_range (self, MAX (from_ms, 0), to_ms, error))
    return NULL;
  from_ms = MAX (from_ms, 0);
  if ((to_ms - from_ms) / unit_ms >= MAX_SERIES_BUCKETS)
    {
      g_set_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_INVALID_RANGE,
                   _("The time range is too long for a chart: it would have more than %d points."),
                   MAX_SERIES_BUCKETS);
      return NULL;
    }

  starts = g_array_new (FALSE, FALSE, sizeof (gint64));
  last = tg_db_local_bucket_start (tz, from_ms, group);
  g_array_append_val (starts, last);

  /* From a bucket's start, jump to where the next one can begin at the
   * earliest, then walk in 15-minute steps: no bucket is shorter than that,
   * so none is skipped. */
  for (gint64 t = last + skip_ms; t < to_ms; )
    {
      gint64 start = tg_db_local_bucket_start (tz, t, group);

      if (start > last)
        {
          g_array_append_val (starts, start);
          last = start;
          t = start + skip_ms;
        }
      else
        t += BUCKET_MS;
    }

  return g_steal_pointer (&starts);
}

/* Zero aggregates for @starts, and a map from each start to its index. */
static GPtrArray *
zero_series (GArray      *starts,
             GHashTable **out_index)
{
  GPtrArray *series = g_ptr_array_new_full (starts->len, (GDestroyNotify) tg_usage_aggregate_free);

  if (out_index != NULL)
    *out_index = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  for (guint i = 0; i < starts->len; i++)
    {
      TgUsageAggregate *agg = g_new0 (TgUsageAggregate, 1);

      agg->bucket_start_ms = g_array_index (starts, gint64, i);
      g_ptr_array_add (series, agg);
      if (out_index != NULL)
        g_hash_table_insert (*out_index, g_memdup2 (&agg->bucket_start_ms, sizeof (gint64)),
                             GUINT_TO_POINTER (i + 1));
    }

  return series;
}

/* @to += @sign × @from */
static void
add_aggregate (TgUsageAggregate       *to,
               const TgUsageAggregate *from,
               gint64                  sign)
{
  to->requests += sign * from->requests;
  to->failures += sign * from->failures;
  to->estimated += sign * from->estimated;
  to->input_tokens += sign * from->input_tokens;
  to->output_tokens += sign * from->output_tokens;
  to->cached_tokens += sign * from->cached_tokens;
  to->cost_micros += sign * from->cost_micros;
}

static TgUsageGroup
bucket_group (TgTimeBucket bucket)
{
  return bucket == TG_TIME_BUCKET_HOUR ? TG_USAGE_GROUP_HOUR : TG_USAGE_GROUP_DAY;
}

GPtrArray *
tg_analytics_service_get_time_series (TgAnalyticsService  *self,
                                      gint64               from_ms,
                                      gint64               to_ms,
                                      TgTimeBucket         bucket,
                                      GError             **error)
{
  TgUsageGroup group = bucket_group (bucket);
  g_autoptr(GArray) starts = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) series = NULL;
  g_autoptr(GHashTable) index = NULL;

  g_return_val_if_fail (TG_IS_ANALYTICS_SERVICE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(starts = series_starts (self, from_ms, to_ms, group, error)))
    return NULL;
  if (!(rows = tg_db_aggregate_usage_tz (self->db, from_ms, to_ms, group, self->tz, error)))
    return NULL;

  series = zero_series (starts, &index);
  for (guint i = 0; i < rows->len; i++)
    {
      const TgUsageAggregate *row = g_ptr_array_index (rows, i);
      guint at = GPOINTER_TO_UINT (g_hash_table_lookup (index, &row->bucket_start_ms));

      /* Both sides use the same bucket rule, so every row has its bucket. */
      g_return_val_if_fail (at > 0, NULL);
      add_aggregate (g_ptr_array_index (series, at - 1), row, 1);
    }

  return g_steal_pointer (&series);
}

static GPtrArray *
provider_series (GHashTable  *result,
                 const char  *provider_id,
                 GArray      *starts)
{
  GPtrArray *series = g_hash_table_lookup (result, provider_id);

  if (series == NULL)
    {
      series = zero_series (starts, NULL);
      g_hash_table_insert (result, g_strdup (provider_id), series);
    }
  return series;
}

/* The provider roll-up's 15-minute buckets, folded into local hours or days:
 * every UTC offset in use is a multiple of 15 minutes, so this is exact. */
static gboolean
fill_provider_series (TgAnalyticsService  *self,
                      GHashTable          *result,
                      GArray              *starts,
                      gint64               from_ms,
                      gint64               to_ms,
                      TgUsageGroup         group,
                      GError             **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GHashTable) index = NULL;
  g_autoptr(GPtrArray) template = zero_series (starts, &index);
  /* 15-minute bucket number -> series index + 1. Every provider repeats the
   * same buckets, and finding a bucket's local start walks the zone's
   * transitions: once per bucket, not once per row. */
  g_autoptr(GHashTable) by_bucket = g_hash_table_new (g_direct_hash, g_direct_equal);

  if (!(rows = tg_db_aggregate_usage_provider_15min (self->db, from_ms, to_ms, error)))
    return FALSE;

  for (guint i = 0; i < rows->len; i++)
    {
      const TgUsageAggregate *row = g_ptr_array_index (rows, i);
      gpointer bucket = GSIZE_TO_POINTER ((gsize) (row->bucket_start_ms / BUCKET_MS) + 1);
      guint at = GPOINTER_TO_UINT (g_hash_table_lookup (by_bucket, bucket));

      if (at == 0)
        {
          gint64 start = tg_db_local_bucket_start (self->tz, row->bucket_start_ms, group);

          at = GPOINTER_TO_UINT (g_hash_table_lookup (index, &start));
          g_hash_table_insert (by_bucket, bucket, GUINT_TO_POINTER (at));
        }

      /* Both sides use the same bucket rule, so every row has its bucket. */
      g_return_val_if_fail (at > 0, FALSE);
      add_aggregate (g_ptr_array_index (provider_series (result, row->key, starts), at - 1), row, 1);
    }

  return TRUE;
}

GHashTable *
tg_analytics_service_get_time_series_by_provider (TgAnalyticsService  *self,
                                                  gint64               from_ms,
                                                  gint64               to_ms,
                                                  TgTimeBucket         bucket,
                                                  GError             **error)
{
  g_autoptr(GArray) starts = NULL;
  g_autoptr(GHashTable) result = NULL;

  g_return_val_if_fail (TG_IS_ANALYTICS_SERVICE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(starts = series_starts (self, from_ms, to_ms, bucket_group (bucket), error)))
    return NULL;

  result = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  if (!fill_provider_series (self, result, starts, from_ms, to_ms, bucket_group (bucket), error))
    return NULL;

  return g_steal_pointer (&result);
}

gboolean
tg_analytics_service_get_latency (TgAnalyticsService  *self,
                                  gint64               from_ms,
                                  gint64               to_ms,
                                  const char          *provider_id,
                                  TgLatencyStats      *out,
                                  GError             **error)
{
  g_autoptr(GArray) samples = NULL;
  const guint percents[] = { 50, 95, 99 };
  gint64 *values[] = { &out->p50_ms, &out->p95_ms, &out->p99_ms };

  g_return_val_if_fail (TG_IS_ANALYTICS_SERVICE (self), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_range (self, from_ms, to_ms, error))
    return FALSE;
  if (!(samples = tg_db_list_ok_latencies (self->db, from_ms, to_ms, provider_id, error)))
    return FALSE;

  out->n_samples = samples->len;
  for (guint i = 0; i < G_N_ELEMENTS (percents); i++)
    {
      /* Nearest rank: the smallest sample with at least p % of the samples
       * at or below it, rank = ceil (p * n / 100). */
      guint64 rank = ((guint64) percents[i] * samples->len + 99) / 100;

      *values[i] = samples->len > 0 ? g_array_index (samples, gint64, rank - 1) : -1;
    }

  return TRUE;
}

/* CSV export */

typedef struct {
  char   *db_path;
  GFile  *file;
  gint64  from_ms;
  gint64  to_ms;
} ExportData;

static void
export_data_free (ExportData *data)
{
  g_free (data->db_path);
  g_clear_object (&data->file);
  g_free (data);
}

typedef struct {
  GOutputStream *stream;
  GCancellable  *cancellable;
  GString       *buffer;
  gint64         rows;
} CsvWriter;

static const char * const csv_columns[] = {
  "id", "time_utc", "provider", "model", "request_kind", "input_tokens", "output_tokens",
  "cached_tokens", "tokens_estimated", "cost_usd", "latency_first_token_ms", "latency_total_ms",
  "outcome", "http_status", "fallback_of", "source",
};

static const char * const csv_sources[] = { "app", "gateway", "cli" };

/* RFC 4180: a field with a comma, quote or line break is quoted, and its
 * quotes doubled. */
static void
csv_append_text (GString    *buffer,
                 const char *text)
{
  if (text == NULL)
    return;

  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      g_string_append (buffer, text);
      return;
    }

  g_string_append_c (buffer, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (buffer, '"');
      g_string_append_c (buffer, *p);
    }
  g_string_append_c (buffer, '"');
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
 * civil_from_days): formatting a million times through GDateTime would
 * dominate the export. */
static void
civil_from_days (gint64  days,
                 int    *year,
                 int    *month,
                 int    *day)
{
  gint64 z = days + 719468;
  gint64 era = (z >= 0 ? z : z - 146096) / 146097;
  gint64 doe = z - era * 146097;
  gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  gint64 mp = (5 * doy + 2) / 153;

  *day = (int) (doy - (153 * mp + 2) / 5 + 1);
  *month = (int) (mp < 10 ? mp + 3 : mp - 9);
  *year = (int) (yoe + era * 400 + (*month <= 2));
}

static void
csv_append_row (GString             *buffer,
                const TgUsageRecord *record)
{
  gint64 days = record->time_ms / DAY_MS;
  gint64 ms_of_day = record->time_ms % DAY_MS;
  int y, m, d;

  civil_from_days (days, &y, &m, &d);

  g_string_append_printf (buffer, "%" G_GINT64_FORMAT ",", record->id);
  g_string_append_printf (buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ,", y, m, d,
                          (int) (ms_of_day / HOUR_MS), (int) (ms_of_day / 60000 % 60),
                          (int) (ms_of_day / 1000 % 60), (int) (ms_of_day % 1000));
  csv_append_text (buffer, record->provider_id);
  g_string_append_c (buffer, ',');
  csv_append_text (buffer, record->model_id);
  g_string_append_c (buffer, ',');
  csv_append_text (buffer, record->request_kind);
  g_string_append_printf (buffer, ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%s,",
                          record->input_tokens, record->output_tokens, record->cached_tokens,
                          record->tokens_estimated ? "true" : "false");
  /* Dollars from integer micro-dollars: never through a double. */
  g_string_append_printf (buffer, "%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT ",",
                          record->cost_micros / TG_MICROS_PER_DOLLAR,
                          record->cost_micros % TG_MICROS_PER_DOLLAR);
  if (record->latency_first_token_ms >= 0)
    g_string_append_printf (buffer, "%" G_GINT64_FORMAT, record->latency_first_token_ms);
  g_string_append_printf (buffer, ",%" G_GINT64_FORMAT ",", record->latency_total_ms);
  csv_append_text (buffer, record->outcome);
  g_string_append_c (buffer, ',');
  if (record->http_status != 0)
    g_string_append_printf (buffer, "%u", record->http_status);
  g_string_append_c (buffer, ',');
  if (record->fallback_of != 0)
    g_string_append_printf (buffer, "%" G_GINT64_FORMAT, record->fallback_of);
  g_string_append_printf (buffer, ",%s\r\n",
                          (guint) record->source < G_N_ELEMENTS (csv_sources) ? csv_sources[record->source] : "");
}

static gboolean
csv_flush (CsvWriter  *writer,
           GError    **error)
{
  if (!g_output_stream_write_all (writer->stream, writer->buffer->str, writer->buffer->len,
                                  NULL, writer->cancellable, error))
    return FALSE;

  g_string_truncate (writer->buffer, 0);
  return TRUE;
}

static gboolean
csv_write_row (const TgUsageRecord  *record,
               gpointer              user_data,
               GError              **error)
{
  CsvWriter *writer = user_data;

  if (g_cancellable_set_error_if_cancelled (writer->cancellable, error))
    return FALSE;

  csv_append_row (writer->buffer, record);
  writer->rows++;

  return writer->buffer->len < CSV_FLUSH_BYTES || csv_flush (writer, error);
}

/* Writes the whole file; FALSE leaves @file as it was. */
static gboolean
export_to_file (const ExportData  *data,
                GCancellable      *cancellable,
                gint64            *out_rows,
                GError           **error)
{
  g_autoptr(TgDb) db = NULL;
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GString) buffer = g_string_new (NULL);
  g_autoptr(GCancellable) abandon = NULL;
  CsvWriter writer = { 0 };
  gboolean existed;

  db = tg_db_open (data->db_path, TG_DB_OPEN_NO_MIGRATE, error);
  if (db == NULL)
    return FALSE;

  /* Over an existing file, g_file_replace() writes a temporary file next to it
   * and renames it over @file on a successful close, so a reader never sees
   * half an export; a new file is written in place and removed on failure. */
  existed = g_file_query_exists (data->file, cancellable);
  out = g_file_replace (data->file, NULL, FALSE, G_FILE_CREATE_NONE, cancellable, error);
  if (out == NULL)
    return FALSE;

  writer.stream = G_OUTPUT_STREAM (out);
  writer.cancellable = cancellable;
  writer.buffer = buffer;

  for (guint i = 0; i < G_N_ELEMENTS (csv_columns); i++)
    g_string_append_printf (buffer, "%s%s", i > 0 ? "," : "", csv_columns[i]);
  g_string_append (buffer, "\r\n");

  if (tg_db_foreach_usage (db, data->from_ms, data->to_ms, csv_write_row, &writer, error) &&
      csv_flush (&writer, error) &&
      g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, error))
    {
      *out_rows = writer.rows;
      return TRUE;
    }

  /* Closing with a cancelled cancellable drops the temporary file instead of
   * renaming it. */
  abandon = g_cancellable_new ();
  g_cancellable_cancel (abandon);
  g_output_stream_close (G_OUTPUT_STREAM (out), abandon, NULL);
  if (!existed)
    g_file_delete (data->file, NULL, NULL);
  return FALSE;
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  const ExportData *data = task_data;
  g_autoptr(GError) error = NULL;
  gint64 rows = 0;

  if (export_to_file (data, cancellable, &rows, &error))
    {
      g_task_return_int (task, (gssize) rows);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    {
      g_autofree char *name = g_file_get_parse_name (data->file);

      g_task_return_new_error (task, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_EXPORT,
                               _("Could not export the usage to “%s”: %s"), name, error->message);
    }
}

void
tg_analytics_service_export_csv_async (TgAnalyticsService  *self,
                                       GFile               *file,
                                       gint64               from_ms,
                                       gint64               to_ms,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  ExportData *data;

  g_return_if_fail (TG_IS_ANALYTICS_SERVICE (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_analytics_service_export_csv_async);

  if (!check_range (self, from_ms, to_ms, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data = g_new0 (ExportData, 1);
  data->db_path = g_strdup (tg_db_get_path (self->db));
  data->file = g_object_ref (file);
  data->from_ms = from_ms;
  data->to_ms = to_ms;
  g_task_set_task_data (task, data, (GDestroyNotify) export_data_free);
  g_task_run_in_thread (task, export_thread);
}

gint64
tg_analytics_service_export_csv_finish (TgAnalyticsService  *self,
                                        GAsyncResult        *result,
                                        GError             **error)
{
  g_return_val_if_fail (TG_IS_ANALYTICS_SERVICE (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);

  return g_task_propagate_int (G_TASK (result), error);
}
