/* tg-cost-dashboard.c: the Usage page.
 *
 * Cards for the selected range, cost over time stacked by provider, cost by
 * provider, the budget bar and the recommendations. Every service signal that
 * can change a figure queues a refresh; refreshes are coalesced to at most one
 * every REFRESH_INTERVAL_MS so a stream of requests does not redraw per row.
 *
 * The range queries run in a worker thread on a connection of their own: the
 * per-provider daily series and the recommendations read raw rows and take
 * well over 50 ms on a large history (docs/services.md). Only the budget
 * status, a roll-up read of about a millisecond, stays on the main thread. */

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "tg-budget-bar.h"
#include "tg-chart.h"
#include "tg-cost-dashboard.h"
#include "tg-cost-dashboard-private.h"
#include "tg-format.h"
#include "tg-money.h"

/* At most one refresh this often, however fast usage is recorded. */
#define REFRESH_INTERVAL_MS 250
/* Recommendations read 30 days of raw rows (600 ms on a million rows) and one
 * request hardly moves them: asked again at most this often. */
#define RECOMMENDATIONS_INTERVAL_US (60 * G_USEC_PER_SEC)

#define HOUR_MS G_GINT64_CONSTANT (3600000)

/* The worker thread's own view of the store. Only the refresh in flight
 * touches it (one at a time), so it needs no lock; it is shared with the
 * GTask by reference so a refresh outliving the widget still finds it. */
typedef struct {
  char               *db_path;
  /* A snapshot, for the recommendations' prices: the window's catalogue may
   * change on the main thread (a provider added in the preferences) while a
   * query runs here. */
  TgCatalog          *catalog;
  TgDb               *db;        /* opened in the worker on first use */
  TgAnalyticsService *service;
  gint64              now_ms;    /* the service's clock while a query runs */
} Worker;

/* One refresh: what to ask, and the answers. */
typedef struct {
  Worker            *worker;
  TgCatalog         *catalog;   /* a snapshot of the widget's, taken when asked; nullable */
  gint64             from_ms;
  gint64             to_ms;
  gint64             now_ms;
  TgTimeBucket       bucket;
  char             **keyed_ids;       /* nullable */
  gboolean           want_recommendations;
  gint64             started_us;

  gboolean           any_usage;
  TgUsageAggregate  *totals;
  GPtrArray         *by_provider;     /* TgUsageAggregate*, by cost */
  GPtrArray         *series;          /* TgUsageAggregate*, per bucket: the columns */
  GHashTable        *series_by_provider;
  GPtrArray         *recommendations; /* TgRecommendation* */
  double             elapsed_ms;
} Query;

typedef struct {
  GtkWidget *box;
  GtkLabel  *value;
  GtkLabel  *detail;
} Card;

struct _TgCostDashboard
{
  GtkWidget           parent_instance;

  TgAnalyticsService *analytics;
  TgConfigService    *config;
  TgCatalog          *catalog;
  TgSecretStore      *secret_store;
  TgClockFunc         clock_func;
  gpointer            clock_data;
  TgCostRange         range;

  GCancellable       *keys_cancellable;
  char              **keyed_ids;       /* NULL until the keyring answers */

  Worker             *worker;
  GCancellable       *query_cancellable;
  gboolean            query_running;
  gboolean            query_pending;   /* something changed while it ran */
  guint               refresh_source;
  gint64              last_refresh_us; /* monotonic */
  gint64              recommendations_us; /* monotonic; 0: ask at the next refresh */
  gboolean            stale;           /* a change came while the page was hidden */
  guint               n_refreshes;
  double              start_ms;        /* main thread, before the worker */
  double              last_main_ms;    /* main thread, start and apply */
  double              last_query_ms;   /* worker thread */

  char              **bucket_labels;
  Card                cards[TG_COST_N_CARDS];

  GtkFileChooserNative *chooser;
  GCancellable       *export_cancellable;

  /* Template children */
  GtkStack           *stack;
  AdwStatusPage      *error_page;
  GtkToggleButton    *range_day;
  GtkToggleButton    *range_week;
  GtkToggleButton    *range_month;
  GtkToggleButton    *range_period;
  GtkWidget          *cost_card;
  GtkLabel           *cost_value;
  GtkLabel           *cost_detail;
  GtkWidget          *requests_card;
  GtkLabel           *requests_value;
  GtkLabel           *requests_detail;
  GtkWidget          *tokens_card;
  GtkLabel           *tokens_value;
  GtkLabel           *tokens_detail;
  GtkWidget          *failures_card;
  GtkLabel           *failures_value;
  GtkLabel           *failures_detail;
  GtkLabel           *time_chart_heading;
  TgChart            *time_chart;
  TgChart            *provider_chart;
  TgBudgetBar        *budget_bar;
  GtkWidget          *budget_button;
  GtkWidget          *recommendations_box;
  GtkListBox         *recommendations_list;
};

G_DEFINE_FINAL_TYPE (TgCostDashboard, tg_cost_dashboard, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE (TgCostRange, tg_cost_range,
  G_DEFINE_ENUM_VALUE (TG_COST_RANGE_DAY, "day"),
  G_DEFINE_ENUM_VALUE (TG_COST_RANGE_WEEK, "week"),
  G_DEFINE_ENUM_VALUE (TG_COST_RANGE_MONTH, "month"),
  G_DEFINE_ENUM_VALUE (TG_COST_RANGE_BUDGET_PERIOD, "budget-period"))

enum {
  PROP_0,
  PROP_RANGE,
  N_PROPS
};

enum {
  TOAST,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void queue_refresh (TgCostDashboard *self);

/* The worker */

static void
worker_free (Worker *worker)
{
  g_clear_object (&worker->service);
  g_clear_object (&worker->db);
  g_clear_object (&worker->catalog);
  g_free (worker->db_path);
}

static Worker *
worker_new (const char *db_path)
{
  Worker *worker = g_atomic_rc_box_new0 (Worker);

  worker->db_path = g_strdup (db_path);
  return worker;
}

static void
worker_unref (Worker *worker)
{
  g_atomic_rc_box_release_full (worker, (GDestroyNotify) worker_free);
}

static gint64
worker_clock (gpointer user_data)
{
  return ((Worker *) user_data)->now_ms;
}

static gboolean
worker_open (Worker     *worker,
             TgCatalog  *catalog,
             GError    **error)
{
  /* The catalogue changed since the service was made: one on the new snapshot.
   * Snapshots of an unchanged catalogue share its providers. */
  if (worker->service != NULL && catalog != NULL && worker->catalog != NULL &&
      tg_catalog_get_providers (catalog) != tg_catalog_get_providers (worker->catalog))
    g_clear_object (&worker->service);
  g_set_object (&worker->catalog, catalog);

  if (worker->service != NULL)
    return TRUE;

  worker->db = tg_db_open (worker->db_path, TG_DB_OPEN_NO_MIGRATE, error);
  if (worker->db == NULL)
    return FALSE;
  /* No config service: the budget is read on the main thread, and the
   * config's signals must not reach this thread. */
  worker->service = tg_analytics_service_new (worker->db, worker->catalog, NULL);
  tg_analytics_service_set_clock (worker->service, worker_clock, worker);
  return TRUE;
}

static void
query_free (Query *query)
{
  g_clear_pointer (&query->worker, worker_unref);
  g_clear_object (&query->catalog);
  g_clear_pointer (&query->keyed_ids, g_strfreev);
  g_clear_pointer (&query->totals, tg_usage_aggregate_free);
  g_clear_pointer (&query->by_provider, g_ptr_array_unref);
  g_clear_pointer (&query->series, g_ptr_array_unref);
  g_clear_pointer (&query->series_by_provider, g_hash_table_unref);
  g_clear_pointer (&query->recommendations, g_ptr_array_unref);
  g_free (query);
}

static void
query_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Query *query = task_data;
  Worker *worker = query->worker;
  g_autoptr(TgUsageAggregate) ever = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start_us = g_get_monotonic_time ();

  if (!worker_open (worker, query->catalog, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  worker->now_ms = query->now_ms;

  /* Empty means no request ever, not none in this range. */
  ever = tg_analytics_service_get_totals (worker->service, 0, G_MAXINT64, &error);
  if (ever == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  query->any_usage = ever->requests > 0;

  if (query->any_usage &&
      ((query->totals = tg_analytics_service_get_totals (worker->service, query->from_ms,
                                                          query->to_ms, &error)) == NULL ||
       (query->by_provider = tg_analytics_service_get_by_provider (worker->service, query->from_ms,
                                                                   query->to_ms, &error)) == NULL ||
       (query->series = tg_analytics_service_get_time_series (worker->service, query->from_ms,
                                                              query->to_ms, query->bucket,
                                                              &error)) == NULL ||
       (query->series_by_provider =
          tg_analytics_service_get_time_series_by_provider (worker->service, query->from_ms,
                                                            query->to_ms, query->bucket,
                                                            &error)) == NULL ||
       (query->want_recommendations &&
        (query->recommendations =
           tg_analytics_service_get_recommendations (worker->service,
                                                     (const char * const *) query->keyed_ids,
                                                     &error)) == NULL)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  query->elapsed_ms = (g_get_monotonic_time () - start_us) / 1000.0;
  g_task_return_boolean (task, TRUE);
}

/* Formatting */

static char *
format_count (gint64 count)
{
  return g_strdup_printf ("%'" G_GINT64_FORMAT, count);
}

/* Tokens on a card: exact while short, then as context windows are quoted
 * ("1.05M"), so the figure fits a narrow card. */
static char *
format_tokens (gint64 tokens)
{
  if (tokens < 100000)
    return format_count (tokens);
  return tg_format_token_count (tokens);
}

/* The range as the end of a sentence: "Cost per day" needs no more, the
 * cards' accessible descriptions do. */
static const char *
range_phrase (TgCostDashboard *self)
{
  switch (self->range)
    {
    case TG_COST_RANGE_DAY:
      return _("in the last 24 hours");
    case TG_COST_RANGE_WEEK:
      return _("in the last 7 days");
    case TG_COST_RANGE_MONTH:
      return _("in the last 30 days");
    case TG_COST_RANGE_BUDGET_PERIOD:
    default:
      break;
    }

  switch (self->config != NULL
          ? tg_config_service_get_preferences (self->config)->budget_period
          : TG_BUDGET_PERIOD_MONTHLY)
    {
    case TG_BUDGET_PERIOD_DAILY:
      return _("today");
    case TG_BUDGET_PERIOD_WEEKLY:
      return _("this week");
    case TG_BUDGET_PERIOD_MONTHLY:
    default:
      return _("this month");
    }
}

static char *
format_bucket_label (gint64       bucket_start_ms,
                     TgTimeBucket bucket)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (bucket_start_ms / 1000);

  if (time == NULL)
    return g_strdup ("");
  if (bucket == TG_TIME_BUCKET_HOUR)
    /* Translators: an hour on the cost chart's time axis, in
     * g_date_time_format() syntax, e.g. "14:00". xgettext:no-c-format */
    return g_date_time_format (time, _("%H:%M"));
  /* Translators: a day on the cost chart's time axis, in g_date_time_format()
   * syntax: the short weekday and the day of the month, e.g. "Mon 30".
   * xgettext:no-c-format */
  return g_date_time_format (time, _("%a %-d"));
}

/* Clock and range */

static gint64
now_ms (TgCostDashboard *self)
{
  return self->clock_func != NULL ? self->clock_func (self->clock_data) : tg_clock_real_ms (NULL);
}

/* [from, to) of the selected range at @now and its bucket size. The ranges
 * end just after now, so a request made this instant counts. */
static void
compute_range (TgCostDashboard *self,
               gint64           now,
               gint64          *from_ms,
               gint64          *to_ms,
               TgTimeBucket    *bucket)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (now / 1000);
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) midnight = NULL;
  TgBudgetPeriod period;
  int y, m, d;

  *to_ms = now + 1;
  g_date_time_get_ymd (local, &y, &m, &d);

  switch (self->range)
    {
    case TG_COST_RANGE_DAY:
      {
        g_autoptr(GDateTime) hour = g_date_time_new_local (y, m, d, g_date_time_get_hour (local), 0, 0);

        /* 24 buckets: this hour and the 23 before it. */
        start = g_date_time_add_hours (hour, -23);
        *bucket = TG_TIME_BUCKET_HOUR;
      }
      break;

    case TG_COST_RANGE_WEEK:
    case TG_COST_RANGE_MONTH:
      midnight = g_date_time_new_local (y, m, d, 0, 0, 0);
      /* Calendar days, so a daylight saving change keeps midnights. */
      start = g_date_time_add_days (midnight, self->range == TG_COST_RANGE_WEEK ? -6 : -29);
      *bucket = TG_TIME_BUCKET_DAY;
      break;

    case TG_COST_RANGE_BUDGET_PERIOD:
    default:
      period = self->config != NULL
               ? tg_config_service_get_preferences (self->config)->budget_period
               : TG_BUDGET_PERIOD_MONTHLY;
      /* The whole period, days still to come included: the chart then
       * shows how far into it we are. */
      tg_analytics_service_get_period_bounds (self->analytics, period, now, from_ms, to_ms);
      *bucket = period == TG_BUDGET_PERIOD_DAILY ? TG_TIME_BUCKET_HOUR : TG_TIME_BUCKET_DAY;
      return;
    }

  *from_ms = g_date_time_to_unix (start) * 1000;
}

/* Showing the answers */

static void
card_set (TgCostDashboard *self,
          TgCostCard       which,
          const char      *value,
          const char      *detail)
{
  Card *card = &self->cards[which];
  g_autofree char *description = NULL;

  gtk_label_set_label (card->value, value);
  gtk_label_set_label (card->detail, detail);
  /* Translators: a usage card read out: its figure and the line under it,
   * e.g. "$12.40, $0.01 per request" */
  description = g_strdup_printf (_("%s, %s"), value, detail);
  gtk_accessible_update_property (GTK_ACCESSIBLE (card->box),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
}

static void
update_cards (TgCostDashboard        *self,
              const TgUsageAggregate *totals)
{
  g_autofree char *cost = tg_money_format_cents (totals->cost_micros);
  g_autofree char *cost_value = NULL;
  g_autofree char *cost_detail = NULL;
  g_autofree char *requests = format_count (totals->requests);
  g_autofree char *succeeded = format_count (totals->requests - totals->failures);
  g_autofree char *requests_detail = NULL;
  g_autofree char *tokens = format_tokens (totals->input_tokens + totals->output_tokens);
  g_autofree char *tokens_in = format_tokens (totals->input_tokens);
  g_autofree char *tokens_out = format_tokens (totals->output_tokens);
  g_autofree char *tokens_cached = format_tokens (totals->cached_tokens);
  g_autofree char *tokens_detail = NULL;
  g_autofree char *failures = format_count (totals->failures);
  g_autofree char *failures_detail = NULL;

  if (totals->estimated > 0)
    {
      g_autofree char *estimated = format_count (totals->estimated);
      g_autofree char *tooltip = NULL;

      /* Translators: the cost card when some token counts are estimates:
       * "about" the amount, e.g. "~$12.40" */
      cost_value = g_strdup_printf (_("~%s"), cost);
      tooltip = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "Approximate: the provider did not report the tokens of %s request, so they were estimated",
                                              "Approximate: the provider did not report the tokens of %s requests, so they were estimated",
                                              totals->estimated),
                                 estimated);
      gtk_widget_set_tooltip_text (self->cards[TG_COST_CARD_COST].box, tooltip);
    }
  else
    {
      g_autofree char *exact = tg_money_format (totals->cost_micros);
      g_autofree char *tooltip = NULL;

      cost_value = g_strdup (cost);
      /* Translators: the cost card's tooltip: the amount to the micro-dollar */
      tooltip = g_strdup_printf (_("Exactly %s"), exact);
      gtk_widget_set_tooltip_text (self->cards[TG_COST_CARD_COST].box, tooltip);
    }

  if (totals->requests > 0)
    {
      g_autofree char *average = tg_money_format_cents (totals->cost_micros / totals->requests);

      /* Translators: under the cost: the average cost of one request */
      cost_detail = g_strdup_printf (_("%s per request"), average);
      /* Translators: under the number of requests: how many got an answer */
      requests_detail = g_strdup_printf (_("%s answered"), succeeded);
    }
  else
    {
      /* Translators: under the cost or the request count: e.g. "in the last 7 days" */
      cost_detail = g_strdup_printf (_("No requests %s"), range_phrase (self));
      requests_detail = g_strdup (cost_detail);
    }

  /* Translators: under the token total: prompt, answer and cache-read tokens */
  tokens_detail = g_strdup_printf (_("%s in · %s out · %s cached"), tokens_in, tokens_out, tokens_cached);

  if (totals->failures == 0)
    failures_detail = g_strdup (_("No failures"));
  else
    /* Translators: the share of requests that failed, e.g. "2.5 % of requests";
     * the space before % is U+202F NARROW NO-BREAK SPACE */
    failures_detail = g_strdup_printf (_("%.1f %% of requests"),
                                       100.0 * (double) totals->failures / (double) totals->requests);

  card_set (self, TG_COST_CARD_COST, cost_value, cost_detail);
  card_set (self, TG_COST_CARD_REQUESTS, requests, requests_detail);
  card_set (self, TG_COST_CARD_TOKENS, tokens, tokens_detail);
  card_set (self, TG_COST_CARD_FAILURES, failures, failures_detail);

  if (totals->failures > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->failures_value), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->failures_value), "warning");
}

/* A provider's colour in both charts: its place in the catalogue; providers
 * the catalogue no longer lists come after, in the order given. */
static guint
provider_color_index (TgCostDashboard *self,
                      const char      *provider_id,
                      guint           *n_unknown)
{
  GPtrArray *providers = self->catalog != NULL ? tg_catalog_get_providers (self->catalog) : NULL;
  guint n = providers != NULL ? providers->len : 0;

  for (guint i = 0; i < n; i++)
    {
      const TgCatalogProvider *provider = g_ptr_array_index (providers, i);

      if (g_strcmp0 (provider->id, provider_id) == 0)
        return i;
    }
  return n + (*n_unknown)++;
}

static const char *
provider_name (TgCostDashboard *self,
               const char      *provider_id)
{
  const TgCatalogProvider *provider = self->catalog != NULL
                                      ? tg_catalog_get_provider (self->catalog, provider_id)
                                      : NULL;

  return provider != NULL && provider->name != NULL ? provider->name : provider_id;
}

static void
update_charts (TgCostDashboard *self,
               Query           *query)
{
  guint n_buckets = query->series->len;
  guint n_unknown = 0;

  g_clear_pointer (&self->bucket_labels, g_strfreev);
  self->bucket_labels = g_new0 (char *, n_buckets + 1);
  for (guint i = 0; i < n_buckets; i++)
    {
      const TgUsageAggregate *agg = g_ptr_array_index (query->series, i);

      self->bucket_labels[i] = format_bucket_label (agg->bucket_start_ms, query->bucket);
    }

  gtk_label_set_label (self->time_chart_heading,
                       query->bucket == TG_TIME_BUCKET_HOUR ? _("Cost per Hour") : _("Cost per Day"));
  tg_chart_set_title (self->time_chart,
                      query->bucket == TG_TIME_BUCKET_HOUR ? _("Cost per hour") : _("Cost per day"));
  tg_chart_clear (self->time_chart);
  tg_chart_clear (self->provider_chart);
  tg_chart_set_categories (self->time_chart, (const char * const *) self->bucket_labels);

  /* by_provider is by cost, biggest first: the biggest sits at the bottom of
   * each stack and the top of the breakdown, and the legend reads the same. */
  for (guint i = 0; i < query->by_provider->len; i++)
    {
      const TgUsageAggregate *agg = g_ptr_array_index (query->by_provider, i);
      GPtrArray *buckets = g_hash_table_lookup (query->series_by_provider, agg->key);
      const char *name = provider_name (self, agg->key);
      guint color = provider_color_index (self, agg->key, &n_unknown);
      g_autofree gint64 *values = g_new0 (gint64, MAX (n_buckets, 1));

      if (agg->cost_micros <= 0)
        continue;

      for (guint j = 0; buckets != NULL && j < buckets->len && j < n_buckets; j++)
        values[j] = ((TgUsageAggregate *) g_ptr_array_index (buckets, j))->cost_micros;

      tg_chart_add_series_full (self->time_chart, name, values, n_buckets, color);
      tg_chart_add_series_full (self->provider_chart, name, &agg->cost_micros, 1, color);
    }
}

static void
update_recommendations (TgCostDashboard *self,
                        GPtrArray       *recommendations)
{
  GtkWidget *child;

  /* Kept as they were when this refresh did not ask again. */
  if (recommendations == NULL)
    return;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->recommendations_list))) != NULL)
    gtk_list_box_remove (self->recommendations_list, child);

  for (guint i = 0; i < recommendations->len; i++)
    {
      const TgRecommendation *rec = g_ptr_array_index (recommendations, i);
      g_autofree char *amount = tg_money_format_cents (rec->monthly_saving_micros);
      g_autofree char *saving = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *label;

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), rec->title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), rec->description);
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);

      /* Translators: an estimated saving per month, e.g. "−$12.40/month";
       * the sign is U+2212 MINUS SIGN */
      saving = g_strdup_printf (_("−%s/month"), amount);
      label = gtk_label_new (saving);
      gtk_widget_add_css_class (label, "success");
      gtk_widget_add_css_class (label, "numeric");
      gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
      gtk_list_box_append (self->recommendations_list, row);
    }

  gtk_widget_set_visible (self->recommendations_box, recommendations->len > 0);
}

static void
update_budget (TgCostDashboard *self)
{
  g_autoptr(TgBudgetStatus) status = NULL;
  g_autoptr(GError) error = NULL;

  status = tg_analytics_service_get_budget_status (self->analytics, &error);
  if (status == NULL)
    g_debug ("No budget status: %s", error->message);
  tg_budget_bar_set_status (self->budget_bar, status, now_ms (self));
  gtk_widget_set_visible (self->budget_button, status == NULL || status->budget_micros <= 0);
}

static void
show_error (TgCostDashboard *self,
            const GError    *error)
{
  adw_status_page_set_description (self->error_page, error->message);
  gtk_stack_set_visible_child_name (self->stack, "error");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dashboard.export-csv", FALSE);
}

/* Refreshing */

static void
query_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  TgCostDashboard *self = TG_COST_DASHBOARD (source);
  Query *query = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gint64 start_us = g_get_monotonic_time ();

  /* Disposed, or services swapped: the answer is for nothing on screen. */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;

  self->query_running = FALSE;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    show_error (self, error);
  else
    {
      self->last_query_ms = query->elapsed_ms;
      g_debug ("Usage page queries took %.1f ms", query->elapsed_ms);

      if (!query->any_usage)
        gtk_stack_set_visible_child_name (self->stack, "empty");
      else
        {
          update_cards (self, query->totals);
          update_charts (self, query);
          update_recommendations (self, query->recommendations);
          if (query->recommendations != NULL)
            self->recommendations_us = query->started_us;
          gtk_stack_set_visible_child_name (self->stack, "usage");
        }
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "dashboard.export-csv", query->any_usage);
    }

  self->last_main_ms = self->start_ms + (g_get_monotonic_time () - start_us) / 1000.0;
  self->n_refreshes++;
  if (self->query_pending)
    {
      self->query_pending = FALSE;
      queue_refresh (self);
    }
}

static void
start_refresh (TgCostDashboard *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(TgDb) db = NULL;
  Query *query;

  if (self->analytics == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "dashboard.export-csv", FALSE);
      return;
    }

  if (self->query_running)
    {
      self->query_pending = TRUE;
      return;
    }

  self->last_refresh_us = g_get_monotonic_time ();
  update_budget (self);

  if (self->worker == NULL)
    {
      g_object_get (self->analytics, "db", &db, NULL);
      if (db == NULL)
        {
          g_autoptr(GError) error = g_error_new_literal (TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_NO_STORE,
                                                         _("The usage history could not be opened."));
          show_error (self, error);
          return;
        }
      self->worker = worker_new (tg_db_get_path (db));
    }

  query = g_new0 (Query, 1);
  query->worker = g_atomic_rc_box_acquire (self->worker);
  query->catalog = self->catalog != NULL ? tg_catalog_snapshot (self->catalog) : NULL;
  query->now_ms = now_ms (self);
  compute_range (self, query->now_ms, &query->from_ms, &query->to_ms, &query->bucket);
  query->keyed_ids = g_strdupv (self->keyed_ids);
  query->want_recommendations = self->catalog != NULL &&
                                 (self->recommendations_us == 0 ||
                                  self->last_refresh_us - self->recommendations_us >= RECOMMENDATIONS_INTERVAL_US);
  query->started_us = self->last_refresh_us;

  if (self->query_cancellable == NULL)
    self->query_cancellable = g_cancellable_new ();
  self->query_running = TRUE;

  task = g_task_new (self, self->query_cancellable, query_done, NULL);
  g_task_set_source_tag (task, start_refresh);
  g_task_set_task_data (task, query, (GDestroyNotify) query_free);
  g_task_run_in_thread (task, query_thread);
  self->start_ms = (g_get_monotonic_time () - self->last_refresh_us) / 1000.0;
}

static gboolean
refresh_cb (gpointer user_data)
{
  TgCostDashboard *self = user_data;

  self->refresh_source = 0;
  start_refresh (self);
  return G_SOURCE_REMOVE;
}

/* Runs a refresh soon: at once if the last was long enough ago, else when
 * REFRESH_INTERVAL_MS have passed since it. Further calls meanwhile join it. */
static void
queue_refresh (TgCostDashboard *self)
{
  gint64 since_ms = (g_get_monotonic_time () - self->last_refresh_us) / 1000;
  guint delay_ms = since_ms >= REFRESH_INTERVAL_MS ? 0 : (guint) (REFRESH_INTERVAL_MS - since_ms);

  /* In a window but not shown (another page is): nobody would see it, so
   * the queries wait until the page is shown. */
  if (gtk_widget_get_root (GTK_WIDGET (self)) != NULL && !gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->stale = TRUE;
      return;
    }
  self->stale = FALSE;

  if (self->refresh_source != 0)
    return;
  self->refresh_source = g_timeout_add (delay_ms, refresh_cb, self);
  g_source_set_name_by_id (self->refresh_source, "[tollgate] usage page refresh");
}

/* Forgets the queries in flight and the worker's connection. */
static void
cancel_queries (TgCostDashboard *self)
{
  g_cancellable_cancel (self->query_cancellable);
  g_clear_object (&self->query_cancellable);
  self->query_running = FALSE;
  self->query_pending = FALSE;
  self->recommendations_us = 0;
  g_clear_pointer (&self->worker, worker_unref);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
}

/* Signals */

static void
on_usage_changed (TgCostDashboard *self)
{
  queue_refresh (self);
}

static void
on_config_changed (TgCostDashboard *self,
                   const char      *key)
{
  if (g_strcmp0 (key, TG_CONFIG_KEY_BUDGET) == 0 ||
      g_strcmp0 (key, TG_CONFIG_KEY_BUDGET_PERIOD) == 0 ||
      g_strcmp0 (key, TG_CONFIG_KEY_ALERT_THRESHOLDS) == 0 ||
      g_strcmp0 (key, TG_CONFIG_KEY_HARD_LIMIT) == 0)
    queue_refresh (self);
}

static void
list_keys_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TgCostDashboard *self;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = tg_secret_store_list_finish (TG_SECRET_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = TG_COST_DASHBOARD (user_data);
  /* Without the keyring, recommend among the providers already used. */
  if (ids == NULL)
    g_debug ("Which providers have a key is unknown: %s", error != NULL ? error->message : "");
  g_clear_pointer (&self->keyed_ids, g_strfreev);
  self->keyed_ids = g_steal_pointer (&ids);
  self->recommendations_us = 0;
  queue_refresh (self);
}

static void
list_keys (TgCostDashboard *self)
{
  g_cancellable_cancel (self->keys_cancellable);
  g_clear_object (&self->keys_cancellable);
  if (self->secret_store == NULL)
    return;

  self->keys_cancellable = g_cancellable_new ();
  tg_secret_store_list_async (self->secret_store, self->keys_cancellable, list_keys_cb, self);
}

static void
on_range_toggled (GtkToggleButton *button,
                  TgCostDashboard *self)
{
  if (!gtk_toggle_button_get_active (button))
    return;

  if (button == self->range_day)
    tg_cost_dashboard_set_range (self, TG_COST_RANGE_DAY);
  else if (button == self->range_week)
    tg_cost_dashboard_set_range (self, TG_COST_RANGE_WEEK);
  else if (button == self->range_month)
    tg_cost_dashboard_set_range (self, TG_COST_RANGE_MONTH);
  else
    tg_cost_dashboard_set_range (self, TG_COST_RANGE_BUDGET_PERIOD);
}

/* Export */

static void
export_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TgCostDashboard) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gint64 n_rows = tg_analytics_service_export_csv_finish (TG_ANALYTICS_SERVICE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (n_rows < 0)
    /* Translators: a toast; the reason follows, from the export */
    message = g_strdup_printf (_("Could not export: %s"), error->message);
  else
    {
      g_autofree char *count = format_count (n_rows);

      message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %s request", "Exported %s requests", n_rows),
                                 count);
    }
  g_signal_emit (self, signals[TOAST], 0, message);
}

void
tg_cost_dashboard_export_to_file (TgCostDashboard *self,
                                  GFile           *file)
{
  gint64 from_ms, to_ms;
  TgTimeBucket bucket;

  g_return_if_fail (TG_IS_COST_DASHBOARD (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->analytics == NULL)
    {
      g_signal_emit (self, signals[TOAST], 0, _("Could not export: there is no usage history"));
      return;
    }

  compute_range (self, now_ms (self), &from_ms, &to_ms, &bucket);
  g_cancellable_cancel (self->export_cancellable);
  g_clear_object (&self->export_cancellable);
  self->export_cancellable = g_cancellable_new ();
  tg_analytics_service_export_csv_async (self->analytics, file, from_ms, to_ms, self->export_cancellable,
                                         export_cb, g_object_ref (self));
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     TgCostDashboard *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        tg_cost_dashboard_export_to_file (self, file);
    }
  gtk_native_dialog_destroy (chooser);
  g_clear_object (&self->chooser);
}

static void
export_csv_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  TgCostDashboard *self = TG_COST_DASHBOARD (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autoptr(GDateTime) today = g_date_time_new_from_unix_local (now_ms (self) / 1000);
  g_autofree char *date = g_date_time_format (today, "%Y-%m-%d");
  g_autofree char *name = g_strdup_printf ("tollgate-usage-%s.csv", date);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;

  self->chooser = gtk_file_chooser_native_new (_("Export Usage"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE,
                                               _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  gtk_file_filter_set_name (filter, _("CSV Files"));
  gtk_file_filter_add_mime_type (filter, "text/csv");
  gtk_file_filter_add_pattern (filter, "*.csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* GObject */

static void
detach_services (TgCostDashboard *self)
{
  cancel_queries (self);
  g_cancellable_cancel (self->keys_cancellable);
  g_clear_object (&self->keys_cancellable);
  g_clear_pointer (&self->keyed_ids, g_strfreev);

  if (self->analytics != NULL)
    g_signal_handlers_disconnect_by_data (self->analytics, self);
  if (self->config != NULL)
    g_signal_handlers_disconnect_by_data (self->config, self);
  g_clear_object (&self->analytics);
  g_clear_object (&self->config);
  g_clear_object (&self->catalog);
  g_clear_object (&self->secret_store);
}

static void
tg_cost_dashboard_dispose (GObject *object)
{
  TgCostDashboard *self = (TgCostDashboard *) object;

  detach_services (self);
  g_cancellable_cancel (self->export_cancellable);
  g_clear_object (&self->export_cancellable);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_COST_DASHBOARD);

  G_OBJECT_CLASS (tg_cost_dashboard_parent_class)->dispose (object);
}

static void
tg_cost_dashboard_map (GtkWidget *widget)
{
  TgCostDashboard *self = (TgCostDashboard *) widget;

  GTK_WIDGET_CLASS (tg_cost_dashboard_parent_class)->map (widget);

  if (self->stale)
    queue_refresh (self);
}

static void
tg_cost_dashboard_finalize (GObject *object)
{
  TgCostDashboard *self = (TgCostDashboard *) object;

  g_clear_pointer (&self->bucket_labels, g_strfreev);

  G_OBJECT_CLASS (tg_cost_dashboard_parent_class)->finalize (object);
}

static void
tg_cost_dashboard_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  TgCostDashboard *self = TG_COST_DASHBOARD (object);

  switch (prop_id)
    {
    case PROP_RANGE:
      g_value_set_enum (value, self->range);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_cost_dashboard_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  TgCostDashboard *self = TG_COST_DASHBOARD (object);

  switch (prop_id)
    {
    case PROP_RANGE:
      tg_cost_dashboard_set_range (self, g_value_get_enum (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_cost_dashboard_class_init (TgCostDashboardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_cost_dashboard_dispose;
  object_class->finalize = tg_cost_dashboard_finalize;
  object_class->get_property = tg_cost_dashboard_get_property;
  object_class->set_property = tg_cost_dashboard_set_property;
  widget_class->map = tg_cost_dashboard_map;

  properties[PROP_RANGE] =
    g_param_spec_enum ("range", NULL, NULL,
                       TG_TYPE_COST_RANGE, TG_COST_RANGE_MONTH,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TgCostDashboard::toast:
   * @message: what to tell the user, e.g. "Exported 1,234 requests"
   *
   * Something worth a toast; the window shows it.
   */
  signals[TOAST] =
    g_signal_new ("toast",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "dashboard.export-csv", NULL, export_csv_action);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tollgate/Tollgate/ui/tg-cost-dashboard.ui");
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, stack);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, error_page);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, range_day);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, range_week);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, range_month);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, range_period);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, cost_card);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, cost_value);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, cost_detail);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, requests_card);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, requests_value);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, requests_detail);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, tokens_card);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, tokens_value);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, tokens_detail);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, failures_card);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, failures_value);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, failures_detail);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, time_chart_heading);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, time_chart);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, provider_chart);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, budget_bar);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, budget_button);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, recommendations_box);
  gtk_widget_class_bind_template_child (widget_class, TgCostDashboard, recommendations_list);
  gtk_widget_class_bind_template_callback (widget_class, on_range_toggled);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "costdashboard");
}

static void
tg_cost_dashboard_init (TgCostDashboard *self)
{
  struct {
    GtkWidget *box;
    GtkLabel  *value;
    GtkLabel  *detail;
  } parts[TG_COST_N_CARDS];

  g_type_ensure (TG_TYPE_CHART);
  g_type_ensure (TG_TYPE_BUDGET_BAR);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->range = TG_COST_RANGE_MONTH;
  gtk_toggle_button_set_active (self->range_month, TRUE);

  parts[TG_COST_CARD_COST].box = self->cost_card;
  parts[TG_COST_CARD_COST].value = self->cost_value;
  parts[TG_COST_CARD_COST].detail = self->cost_detail;
  parts[TG_COST_CARD_REQUESTS].box = self->requests_card;
  parts[TG_COST_CARD_REQUESTS].value = self->requests_value;
  parts[TG_COST_CARD_REQUESTS].detail = self->requests_detail;
  parts[TG_COST_CARD_TOKENS].box = self->tokens_card;
  parts[TG_COST_CARD_TOKENS].value = self->tokens_value;
  parts[TG_COST_CARD_TOKENS].detail = self->tokens_detail;
  parts[TG_COST_CARD_FAILURES].box = self->failures_card;
  parts[TG_COST_CARD_FAILURES].value = self->failures_value;
  parts[TG_COST_CARD_FAILURES].detail = self->failures_detail;
  for (guint i = 0; i < TG_COST_N_CARDS; i++)
    {
      self->cards[i].box = parts[i].box;
      self->cards[i].value = parts[i].value;
      self->cards[i].detail = parts[i].detail;
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dashboard.export-csv", FALSE);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

/* Public API */

GtkWidget *
tg_cost_dashboard_new (void)
{
  return g_object_new (TG_TYPE_COST_DASHBOARD, NULL);
}

void
tg_cost_dashboard_set_services (TgCostDashboard    *self,
                                TgAnalyticsService *analytics,
                                TgConfigService    *config,
                                TgCatalog          *catalog,
                                TgSecretStore      *secret_store)
{
  g_return_if_fail (TG_IS_COST_DASHBOARD (self));
  g_return_if_fail (analytics == NULL || TG_IS_ANALYTICS_SERVICE (analytics));
  g_return_if_fail (config == NULL || TG_IS_CONFIG_SERVICE (config));
  g_return_if_fail (catalog == NULL || TG_IS_CATALOG (catalog));
  g_return_if_fail (secret_store == NULL || TG_IS_SECRET_STORE (secret_store));

  detach_services (self);

  g_set_object (&self->analytics, analytics);
  g_set_object (&self->config, config);
  g_set_object (&self->catalog, catalog);
  g_set_object (&self->secret_store, secret_store);

  if (self->analytics != NULL)
    {
      g_signal_connect_swapped (self->analytics, "usage-recorded", G_CALLBACK (on_usage_changed), self);
      g_signal_connect_swapped (self->analytics, "budget-threshold-crossed", G_CALLBACK (on_usage_changed), self);
      g_signal_connect_swapped (self->analytics, "budget-exceeded", G_CALLBACK (on_usage_changed), self);
    }
  if (self->config != NULL)
    g_signal_connect_swapped (self->config, "changed", G_CALLBACK (on_config_changed), self);

  list_keys (self);
  queue_refresh (self);
}

void
tg_cost_dashboard_set_clock (TgCostDashboard *self,
                             TgClockFunc      func,
                             gpointer         user_data)
{
  g_return_if_fail (TG_IS_COST_DASHBOARD (self));

  self->clock_func = func;
  self->clock_data = user_data;
  queue_refresh (self);
}

TgCostRange
tg_cost_dashboard_get_range (TgCostDashboard *self)
{
  g_return_val_if_fail (TG_IS_COST_DASHBOARD (self), TG_COST_RANGE_MONTH);

  return self->range;
}

void
tg_cost_dashboard_set_range (TgCostDashboard *self,
                             TgCostRange      range)
{
  GtkToggleButton *button;

  g_return_if_fail (TG_IS_COST_DASHBOARD (self));
  g_return_if_fail (range <= TG_COST_RANGE_BUDGET_PERIOD);

  if (self->range == range)
    return;

  self->range = range;
  switch (range)
    {
    case TG_COST_RANGE_DAY:
      button = self->range_day;
      break;
    case TG_COST_RANGE_WEEK:
      button = self->range_week;
      break;
    case TG_COST_RANGE_MONTH:
      button = self->range_month;
      break;
    case TG_COST_RANGE_BUDGET_PERIOD:
    default:
      button = self->range_period;
      break;
    }
  gtk_toggle_button_set_active (button, TRUE);

  /* A new range is asked for by a click: no reason to wait. */
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  self->last_refresh_us = 0;
  queue_refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RANGE]);
}

void
tg_cost_dashboard_refresh (TgCostDashboard *self)
{
  g_return_if_fail (TG_IS_COST_DASHBOARD (self));

  list_keys (self);
  self->recommendations_us = 0;
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  start_refresh (self);
}

/* Private API, for the tests */

void
tg_cost_dashboard_set_keyed_providers (TgCostDashboard    *self,
                                       const char * const *provider_ids)
{
  g_return_if_fail (TG_IS_COST_DASHBOARD (self));

  g_cancellable_cancel (self->keys_cancellable);
  g_clear_object (&self->keys_cancellable);
  g_clear_pointer (&self->keyed_ids, g_strfreev);
  self->keyed_ids = g_strdupv ((char **) provider_ids);
  self->recommendations_us = 0;
  queue_refresh (self);
}

const char *
tg_cost_dashboard_get_card_value (TgCostDashboard *self,
                                  TgCostCard       card)
{
  g_return_val_if_fail (TG_IS_COST_DASHBOARD (self), NULL);
  g_return_val_if_fail (card < TG_COST_N_CARDS, NULL);

  return gtk_label_get_label (self->cards[card].value);
}

const char *
tg_cost_dashboard_get_card_detail (TgCostDashboard *self,
                                   TgCostCard       card)
{
  g_return_val_if_fail (TG_IS_COST_DASHBOARD (self), NULL);
  g_return_val_if_fail (card < TG_COST_N_CARDS, NULL);

  return gtk_label_get_label (self->cards[card].detail);
}

const char *
tg_cost_dashboard_get_card_tooltip (TgCostDashboard *self,
                                    TgCostCard       card)
{
  g_return_val_if_fail (TG_IS_COST_DASHBOARD (self), NULL);
  g_return_val_if_fail (card < TG_COST_N_CARDS, NULL);

  return gtk_widget_get_tooltip_text (self->cards[card].box);
}

TgChart *
tg_cost_dashboard_get_time_chart (TgCostDashboard *self)
{
  g_return_val_if_fail (TG_IS_COST_DASHBOARD (self), NULL);

  return self->time_chart;
}

TgChart *
tg_cost_dashboard_get_provider_chart (TgCostDashboard *self)
{
  g_return_val_if_fail (TG_IS_COST_DASHBOARD (self), NULL);

  return self->provider_chart;
}

guint
tg_cost_dashboard_get_n_buckets (TgCostDashboard *self)
{
  g_return_val_if_fail (TG_IS_COST_DASHBOARD (self), 0);

  return self->bucket_labels != NULL ? g_strv_length (self->bucket_labels) : 0;
}

const char *
tg_cost_dashboard_get_bucket_label (TgCostDashboard *self,
                                    guint            index)
{
  g_return_val_if_fail (TG_IS_COST_DASHBOARD (self), NULL);
  g_return_val_if_fail (index < tg_cost_dashboard_get_n_buckets (self), NULL);

  return self->bucket_labels[index];
}

TgBudgetBar *
tg_cost_dashboard_get_budget_bar (TgCostDashboard *self)
{
  g_return_val_if_fail (TG_IS_COST_DASHBOARD (self), NULL);

  return self->budget_bar;
}

gboolean
tg_cost_dashboard_get_budget_button_visible (TgCostDashboard *self)
{
  g_return_val_if_fail (TG_IS_COST_DASHBOARD (self), FALSE);

  return gtk_widget_get_visible (self->budget_button);
}

guint
tg_cost_dashboard_get_n_recommendations (TgCostDashboard *self)
{
  guint n = 0;

  g_return_val_if_fail (TG_IS_COST_DASHBOARD (self), 0);

  if (!gtk_widget_get_visible (self->recommendations_box))
    return 0;
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->recommendations_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n++;
  return n;
}

gboolean
tg_cost_dashboard_get_empty_visible (TgCostDashboard *self)
{
  g_return_val_if_fail (TG_IS_COST_DASHBOARD (self), FALSE);

  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "empty") == 0;
}

const char *
tg_cost_dashboard_get_visible_page (TgCostDashboard *self)
{
  g_return_val_if_fail (TG_IS_COST_DASHBOARD (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

guint
tg_cost_dashboard_get_n_refreshes (TgCostDashboard *self)
{
  g_return_val_if_fail (TG_IS_COST_DASHBOARD (self), 0);

  return self->n_refreshes;
}

void
tg_cost_dashboard_get_last_timings (TgCostDashboard *self,
                                    double          *main_ms,
                                    double          *worker_ms)
{
  g_return_if_fail (TG_IS_COST_DASHBOARD (self));

  *main_ms = self->last_main_ms;
  *worker_ms = self->last_query_ms;
}
