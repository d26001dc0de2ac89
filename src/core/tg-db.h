/* tg-db.h: the SQLite store (DESIGN §2). One connection, statements prepared once. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TG_DB_ERROR (tg_db_error_quark ())

typedef enum {
  TG_DB_ERROR_NOT_A_DATABASE,  /* the file exists but is not an SQLite database (or is corrupt) */
  TG_DB_ERROR_NOT_WRITABLE,    /* the folder or file cannot be created or written */
  TG_DB_ERROR_LOCKED,          /* another process held the database past the busy timeout */
  TG_DB_ERROR_SCHEMA_TOO_NEW,  /* written by a newer Tollgate: refused, nothing changed */
  TG_DB_ERROR_MIGRATION,       /* a migration failed and was rolled back */
  TG_DB_ERROR_NOT_FOUND,       /* no such row */
  TG_DB_ERROR_INVALID,         /* a value the schema rejects (constraint) */
  TG_DB_ERROR_FAILED,          /* any other SQLite failure */
} TgDbError;

GQuark tg_db_error_quark (void);

typedef enum {
  TG_DB_OPEN_DEFAULT = 0,         /* migrate up to the newest schema */
  TG_DB_OPEN_NO_MIGRATE = 1 << 0, /* leave the schema as it is (for `tollgate db migrate --to`) */
} TgDbOpenFlags;

typedef enum {
  TG_BUDGET_PERIOD_DAILY,
  TG_BUDGET_PERIOD_WEEKLY,
  TG_BUDGET_PERIOD_MONTHLY,
} TgBudgetPeriod;

typedef enum {
  TG_CAPABILITY_NONE      = 0,
  TG_CAPABILITY_STREAMING = 1 << 0,
  TG_CAPABILITY_TOOLS     = 1 << 1,
  TG_CAPABILITY_VISION    = 1 << 2,
  TG_CAPABILITY_JSON      = 1 << 3,
} TgCapabilities;

typedef enum {
  TG_CAPABILITY_SOURCE_CATALOG,
  TG_CAPABILITY_SOURCE_USER,
} TgCapabilitySource;

typedef enum {
  TG_USAGE_SOURCE_APP,
  TG_USAGE_SOURCE_GATEWAY,
  TG_USAGE_SOURCE_CLI,
} TgUsageSource;

typedef enum {
  TG_HEALTH_CHECK_ACTIVE,
  TG_HEALTH_CHECK_PASSIVE,
} TgHealthCheckKind;

typedef enum {
  TG_CIRCUIT_CLOSED,
  TG_CIRCUIT_OPEN,
  TG_CIRCUIT_HALF_OPEN,
} TgCircuitState;

typedef enum {
  TG_USAGE_GROUP_NONE,      /* one row: the totals */
  TG_USAGE_GROUP_PROVIDER,
  TG_USAGE_GROUP_MODEL,     /* key is "provider/model" */
  TG_USAGE_GROUP_HOUR,      /* local time, bucket_start_ms set */
  TG_USAGE_GROUP_DAY,       /* local time (TZ of the process), bucket_start_ms set */
} TgUsageGroup;

/* Money is always integer micro-dollars (1 USD = 1 000 000). Prices are
 * micro-dollars per one million tokens, so $2.50 / 1M tokens is 2 500 000. */

#define TG_MAX_ALERT_THRESHOLDS 8

typedef struct {
  char           *profile;                 /* "default" */
  char           *default_provider;        /* nullable */
  char           *default_model;           /* nullable */
  char          **fallback_order;          /* NULL-terminated provider ids, never NULL */
  gint64          budget_micros;           /* 0: no budget */
  TgBudgetPeriod  budget_period;
  guint           alert_thresholds[TG_MAX_ALERT_THRESHOLDS]; /* percent, ascending */
  guint           n_alert_thresholds;
  gboolean        hard_limit;
  guint           health_check_interval_s;
  char          **enabled_providers;       /* NULL-terminated, never NULL; empty: all with a key */
  GHashTable     *fallback_models;         /* provider id -> model id the user chose for fallbacks; never NULL */
  gboolean        health_checks_paused;
  gint64          created_at_ms;           /* set by the store */
  gint64          updated_at_ms;           /* set by the store */
} TgPreferences;

typedef struct {
  char               *provider_id;
  char               *model_id;
  char               *display_name;
  gint64              context_window;      /* tokens */
  gint64              max_output;          /* tokens */
  gint64              price_input_micros;  /* per 1M tokens */
  gint64              price_output_micros; /* per 1M tokens */
  gint64              price_cached_input_micros; /* per 1M tokens; equals input when no discount */
  TgCapabilities      capabilities;
  TgCapabilitySource  source;
  char               *catalog_date;        /* YYYY-MM-DD the price was read; nullable for user rows */
  gint64              updated_at_ms;       /* set by the store */
} TgModelCapabilities;

typedef struct {
  gint64          id;                      /* set by tg_db_insert_usage() */
  gint64          time_ms;                 /* UTC, ms since the epoch */
  char           *provider_id;
  char           *model_id;
  char           *request_kind;            /* "chat", … */
  gint64          input_tokens;
  gint64          output_tokens;
  gint64          cached_tokens;
  gboolean        tokens_estimated;        /* the provider reported no usage: counts are estimates */
  gint64          cost_micros;
  gint64          latency_first_token_ms;  /* -1: none (failed before a token) */
  gint64          latency_total_ms;
  char           *outcome;                 /* "ok" or an error class, see tg_db_outcome_is_valid() */
  guint           http_status;             /* 0: no HTTP response */
  gint64          fallback_of;             /* id of the attempt this one replaced, 0: none */
  TgUsageSource   source;
} TgUsageRecord;

typedef struct {
  char   *key;              /* provider id, "provider/model", or NULL for totals and time buckets */
  gint64  bucket_start_ms;  /* time groups: start of the local hour or day, UTC ms */
  gint64  requests;
  gint64  failures;         /* outcome != "ok" */
  gint64  estimated;        /* rows whose tokens are estimates */
  gint64  input_tokens;
  gint64  output_tokens;
  gint64  cached_tokens;
  gint64  cost_micros;
} TgUsageAggregate;

typedef struct {
  gint64             id;
  gint64             time_ms;
  char              *provider_id;
  TgHealthCheckKind  kind;
  gboolean           ok;
  gint64             latency_ms;     /* -1: no answer */
  guint              http_status;    /* 0: no HTTP response */
  char              *error_class;    /* NULL when ok */
  TgCircuitState     circuit_state;  /* the provider's circuit after this check */
} TgHealthRecord;

typedef enum {
  TG_BUDGET_ALERT_THRESHOLD,   /* a percentage of the budget was passed */
  TG_BUDGET_ALERT_EXCEEDED,    /* the whole budget was spent */
} TgBudgetAlertKind;

/* One fired budget alert (budget_alerts): the memory that makes each alert
 * fire once per period and budget amount. */
typedef struct {
  char              *profile;
  TgBudgetPeriod     budget_period;
  gint64             period_start_ms;  /* local start of the day / week / month, UTC ms */
  gint64             budget_micros;    /* > 0 */
  TgBudgetAlertKind  kind;
  guint              percent;          /* 1–100; EXCEEDED: 100 */
  gint64             spent_micros;     /* spend when it fired */
  gint64             time_ms;          /* when it fired */
} TgBudgetAlert;

#define TG_TYPE_PREFERENCES         (tg_preferences_get_type ())
#define TG_TYPE_MODEL_CAPABILITIES  (tg_model_capabilities_get_type ())
#define TG_TYPE_USAGE_RECORD        (tg_usage_record_get_type ())
#define TG_TYPE_USAGE_AGGREGATE     (tg_usage_aggregate_get_type ())
#define TG_TYPE_HEALTH_RECORD       (tg_health_record_get_type ())
#define TG_TYPE_BUDGET_ALERT        (tg_budget_alert_get_type ())

GType                tg_preferences_get_type        (void) G_GNUC_CONST;
TgPreferences       *tg_preferences_new             (void); /* the defaults: profile "default", monthly, 50/80/100, 300 s */
TgPreferences       *tg_preferences_copy            (const TgPreferences *self);
void                 tg_preferences_free            (TgPreferences *self);

GType                tg_model_capabilities_get_type (void) G_GNUC_CONST;
TgModelCapabilities *tg_model_capabilities_new      (void);
TgModelCapabilities *tg_model_capabilities_copy     (const TgModelCapabilities *self);
void                 tg_model_capabilities_free     (TgModelCapabilities *self);

GType                tg_usage_record_get_type       (void) G_GNUC_CONST;
TgUsageRecord       *tg_usage_record_new            (void);
TgUsageRecord       *tg_usage_record_copy           (const TgUsageRecord *self);
void                 tg_usage_record_free           (TgUsageRecord *self);

GType                tg_usage_aggregate_get_type    (void) G_GNUC_CONST;
TgUsageAggregate    *tg_usage_aggregate_copy        (const TgUsageAggregate *self);
void                 tg_usage_aggregate_free        (TgUsageAggregate *self);

GType                tg_health_record_get_type      (void) G_GNUC_CONST;
TgHealthRecord      *tg_health_record_new           (void);
TgHealthRecord      *tg_health_record_copy          (const TgHealthRecord *self);
void                 tg_health_record_free          (TgHealthRecord *self);

GType                tg_budget_alert_get_type       (void) G_GNUC_CONST;
TgBudgetAlert       *tg_budget_alert_new            (void);
TgBudgetAlert       *tg_budget_alert_copy           (const TgBudgetAlert *self);
void                 tg_budget_alert_free           (TgBudgetAlert *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgPreferences, tg_preferences_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgModelCapabilities, tg_model_capabilities_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgUsageRecord, tg_usage_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgUsageAggregate, tg_usage_aggregate_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgHealthRecord, tg_health_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgBudgetAlert, tg_budget_alert_free)

const char          *tg_budget_period_to_string     (TgBudgetPeriod period);
gboolean             tg_budget_period_from_string   (const char *str, TgBudgetPeriod *out);
gboolean             tg_db_outcome_is_valid         (const char *outcome);

/* tg-usage-writer.h, which needs this header. */
typedef struct _TgUsageWriter TgUsageWriter;

#define TG_TYPE_DB (tg_db_get_type ())
G_DECLARE_FINAL_TYPE (TgDb, tg_db, TG, DB, GObject)

/* $TOLLGATE_DATA_DIR/tollgate.db, else $XDG_DATA_HOME/tollgate/tollgate.db */
char          *tg_db_get_default_path       (void);
char          *tg_db_get_data_dir           (void);

TgDb          *tg_db_open                   (const char     *path,
                                             TgDbOpenFlags   flags,
                                             GError        **error);
TgDb          *tg_db_open_default           (GError        **error);
const char    *tg_db_get_path               (TgDb           *self);
void           tg_db_set_busy_timeout       (TgDb           *self,
                                             guint           timeout_ms);
/* The writer that writes usage rows off the main thread, on a connection of
 * its own (tg-usage-writer.h); it takes the busy timeout in force when it is
 * first asked for. Finalizing @self waits for its rows. */
TgUsageWriter *tg_db_get_usage_writer       (TgDb           *self);

/* PRAGMA data_version: changes when another connection (another process,
 * or another TgDb here) commits, never for this one's own writes; -1 when it
 * cannot be read. */
gint64         tg_db_get_data_version       (TgDb           *self);

/* Schema versions: PRAGMA user_version. Latest is the highest migration shipped. */
int            tg_db_get_schema_version     (TgDb           *self);
int            tg_db_get_latest_version     (void);
/* Up or down to @target (-1: latest), one transaction per step. */
gboolean       tg_db_migrate                (TgDb           *self,
                                             int             target,
                                             GError        **error);

gboolean       tg_db_begin                  (TgDb *self, GError **error);
gboolean       tg_db_commit                 (TgDb *self, GError **error);
void           tg_db_rollback               (TgDb *self);

/* user_ai_preferences */
gboolean       tg_db_insert_preferences     (TgDb *self, TgPreferences *prefs, GError **error);
TgPreferences *tg_db_get_preferences        (TgDb *self, const char *profile, GError **error); /* NOT_FOUND */
gboolean       tg_db_update_preferences     (TgDb *self, TgPreferences *prefs, GError **error); /* NOT_FOUND */
gboolean       tg_db_delete_preferences     (TgDb *self, const char *profile, GError **error); /* NOT_FOUND */

/* ai_provider_capabilities */
gboolean       tg_db_upsert_capabilities    (TgDb *self, TgModelCapabilities *caps, GError **error);
TgModelCapabilities *tg_db_get_capabilities (TgDb *self, const char *provider_id, const char *model_id, GError **error);
/* provider_id NULL: all. Element type TgModelCapabilities, ordered by provider, model. */
GPtrArray     *tg_db_list_capabilities      (TgDb *self, const char *provider_id, GError **error);
gboolean       tg_db_delete_capabilities    (TgDb *self, const char *provider_id, const char *model_id, GError **error);

/* ai_usage_analytics */
gboolean       tg_db_insert_usage           (TgDb *self, TgUsageRecord *record, GError **error); /* sets record->id */
/* Rows with from_ms <= time_ms < to_ms, newest first, at most @limit (0: no limit). */
GPtrArray     *tg_db_list_usage             (TgDb *self, gint64 from_ms, gint64 to_ms, guint limit, GError **error);
GPtrArray     *tg_db_aggregate_usage        (TgDb *self, gint64 from_ms, gint64 to_ms, TgUsageGroup group, GError **error);
/* The same, with HOUR and DAY in @tz instead of the process's zone (NULL: local). */
GPtrArray     *tg_db_aggregate_usage_tz     (TgDb *self, gint64 from_ms, gint64 to_ms, TgUsageGroup group,
                                             GTimeZone *tz, GError **error);

/* ai_provider_health */
gboolean       tg_db_insert_health          (TgDb *self, TgHealthRecord *record, GError **error); /* sets record->id */
/* provider_id NULL: all providers. Newest first. */
GPtrArray     *tg_db_list_health            (TgDb *self, const char *provider_id, gint64 from_ms, gint64 to_ms, guint limit, GError **error);
/* The newest row per provider: the current circuit state. */
GPtrArray     *tg_db_latest_health          (TgDb *self, GError **error);
/* Retention: drop rows older than @before_ms; returns how many went. */
gint64         tg_db_prune_health           (TgDb *self, gint64 before_ms, GError **error);

/* recommendations */
/* What tg_recommendations_compute() needs of one provider+model's successful
 * attempts in a range. */
typedef struct {
  char   *provider_id;
  char   *model_id;
  gint64  requests;
  gint64  input_tokens;        /* sums over those attempts */
  gint64  cached_tokens;
  gint64  output_tokens;
  gint64  max_request_tokens;  /* the largest single attempt: input + output */
  gint64  max_output_tokens;   /* the longest single reply */
} TgModelUsageSummary;

/* The failed attempts of one provider in a range that cost money, per error class. */
typedef struct {
  char   *provider_id;
  char   *outcome;             /* an error class, never "ok" */
  gint64  attempts;            /* those with a cost */
  gint64  cost_micros;
} TgFailedSpend;

void           tg_model_usage_summary_free  (TgModelUsageSummary *self);
void           tg_failed_spend_free         (TgFailedSpend *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgModelUsageSummary, tg_model_usage_summary_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgFailedSpend, tg_failed_spend_free)

/* Successful attempts with from_ms <= time_ms < to_ms, per provider+model,
 * ordered by provider, model. Element type TgModelUsageSummary. */
GPtrArray     *tg_db_summarize_model_usage  (TgDb *self, gint64 from_ms, gint64 to_ms, GError **error);
/* Failed attempts in the range with a cost > 0, per provider and error class,
 * ordered by provider, class. Element type TgFailedSpend. */
GPtrArray     *tg_db_summarize_failed_spend (TgDb *self, gint64 from_ms, gint64 to_ms, GError **error);
/* The time of the oldest attempt before @before_ms, -1 when there is none. */
gboolean       tg_db_get_first_usage_time   (TgDb *self, gint64 before_ms, gint64 *out_ms, GError **error);

/* budget_alerts */
/* Remembers @alert unless the same one (profile, period, period start, budget,
 * kind, percent) is already there; *@inserted says which (nullable). The
 * check and the insert are one statement, so an alert is never taken twice. */
gboolean       tg_db_insert_budget_alert    (TgDb *self, const TgBudgetAlert *alert, gboolean *inserted, GError **error);
/* The alerts of @profile fired in the period starting at @period_start_ms
 * (-1: every period), oldest first. */
GPtrArray     *tg_db_list_budget_alerts     (TgDb *self, const char *profile, gint64 period_start_ms, GError **error);

/* Usage queries for the services */
/* Sums per provider per 15-minute UTC bucket over from_ms <= time < to_ms, from
 * the provider roll-up (raw rows only at the range's ragged ends): key =
 * provider id, bucket_start_ms = the bucket's UTC start; one row per provider
 * and bucket, in no particular order. Element type TgUsageAggregate. */
GPtrArray     *tg_db_aggregate_usage_provider_15min (TgDb *self, gint64 from_ms, gint64 to_ms, GError **error);
/* latency_total_ms of the successful ("ok") attempts in the range, ascending;
 * @provider_id NULL: all providers. Element type gint64. */
GArray        *tg_db_list_ok_latencies      (TgDb *self, gint64 from_ms, gint64 to_ms, const char *provider_id,
                                             GError **error);
/* Returning FALSE (with @error set) stops tg_db_foreach_usage(). */
typedef gboolean (*TgDbUsageFunc) (const TgUsageRecord *record, gpointer user_data, GError **error);
/* Calls @func for each row in the range, oldest first (ties by id), one row
 * in memory at a time. FALSE with @func's error when it stopped. */
gboolean       tg_db_foreach_usage          (TgDb *self, gint64 from_ms, gint64 to_ms, TgDbUsageFunc func,
                                             gpointer user_data, GError **error);
/* The start (UTC ms) of the local hour or day in @tz holding @utc_ms (>= 0):
 * the buckets tg_db_aggregate_usage_tz() returns for HOUR and DAY. */
gint64         tg_db_local_bucket_start     (GTimeZone *tz, gint64 utc_ms, TgUsageGroup group);

/* Internal, for tests and tools: runs @sql and sets the schema version to
 * @target_version in one transaction, exactly as each migration step does; on
 * failure everything is rolled back (TG_DB_ERROR_MIGRATION). */
gboolean       tg_db_apply_migration_sql    (TgDb *self, int target_version, const char *sql, GError **error);

G_END_DECLS
