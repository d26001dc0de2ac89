/* test-notifier.c: TgNotifier's rules (docs/notifications.md) with a clock the
 * test moves and a send step that records what would be shown.
 *
 * Health status changes are emitted on a real TgHealthMonitor (the notifier
 * only listens to the signal); one test drives the monitor itself into an
 * outage. Budget alerts come from a real TgAnalyticsService on a test store. */

#include <string.h>

#include "tg-notifier.h"
#include "tg-test-utils.h"
#include "tg-usage-test-utils.h"

#define T0     G_GINT64_CONSTANT (1800000000000)
#define MIN_MS G_GINT64_CONSTANT (60000)

typedef struct {
  char                 *id;
  char                 *title;   /* NULL: withdrawn */
  char                 *body;
  char                 *action;
  char                 *target;
  GNotificationPriority priority;
} Sent;

static void
sent_free (Sent *sent)
{
  g_free (sent->id);
  g_free (sent->title);
  g_free (sent->body);
  g_free (sent->action);
  g_free (sent->target);
  g_free (sent);
}

typedef struct {
  TgDb               *db;
  TgCatalog          *catalog;
  TgSecretStore      *secret_store;
  TgConfigService    *config;
  TgHealthMonitor    *health;
  TgAnalyticsService *analytics;
  TgNotifier         *notifier;
  gint64              now;       /* the time; with real_clock, an offset to the real time */
  gboolean            real_clock;
  GPtrArray          *sent;      /* Sent*, in order */
} Env;

static gint64
env_clock (gpointer user_data)
{
  Env *env = user_data;

  /* The timer test moves a real clock; the others a fixed one. */
  return env->real_clock ? g_get_real_time () / 1000 + env->now : env->now;
}

static void
record_send (const TgNotice *notice,
             gpointer        user_data)
{
  Env *env = user_data;
  Sent *sent = g_new0 (Sent, 1);

  g_assert_nonnull (notice->id);
  sent->id = g_strdup (notice->id);
  sent->title = g_strdup (notice->title);
  sent->body = g_strdup (notice->body);
  sent->action = g_strdup (notice->action);
  sent->target = g_strdup (notice->target);
  sent->priority = notice->priority;
  g_ptr_array_add (env->sent, sent);
}

static void
env_start_services (Env *env)
{
  env->config = tg_config_service_new (env->db, env->catalog);
  env->analytics = tg_analytics_service_new (env->db, env->catalog, env->config);
  tg_analytics_service_set_clock (env->analytics, env_clock, env);
  env->notifier = tg_notifier_new (NULL, env->catalog, env->config, env->health, env->analytics);
  tg_notifier_set_clock (env->notifier, env_clock, env);
  tg_notifier_set_send_func (env->notifier, record_send, env);
}

static void
env_init (Env *env)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(GError) error = NULL;

  memset (env, 0, sizeof *env);
  env->now = T0;
  env->sent = g_ptr_array_new_with_free_func ((GDestroyNotify) sent_free);
  env->db = tg_db_open_default (&error);
  g_assert_no_error (error);
  env->catalog = tg_catalog_new ();
  g_assert_true (tg_catalog_load_resource (env->catalog, &error));
  g_assert_no_error (error);
  g_assert_true (tg_catalog_sync_to_db (env->catalog, env->db, &error));
  g_assert_no_error (error);
  env->secret_store = tg_secret_store_new ();
  env->health = tg_health_monitor_new (env->db, env->catalog, env->secret_store);
  tg_health_monitor_set_clock (env->health, env_clock, env);
  env_start_services (env);
}

/* A restart: new services and notifier on the same store. */
static void
env_restart (Env *env)
{
  g_clear_object (&env->notifier);
  g_clear_object (&env->analytics);
  g_clear_object (&env->config);
  env_start_services (env);
}

static void
env_clear (Env *env)
{
  g_clear_object (&env->notifier);
  g_clear_object (&env->analytics);
  g_clear_object (&env->config);
  g_clear_object (&env->health);
  g_clear_object (&env->secret_store);
  g_clear_object (&env->catalog);
  g_clear_object (&env->db);
  g_ptr_array_unref (env->sent);
}

static void
set_fallback_order (Env        *env,
                    const char *first,
                    ...)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, first);
  for (const char *id = first; id != NULL; id = va_arg (args, const char *))
    g_ptr_array_add (ids, (char *) id);
  va_end (args);
  g_ptr_array_add (ids, NULL);

  g_assert_true (tg_config_service_set_fallback_order (env->config, (const char * const *) ids->pdata, &error));
  g_assert_no_error (error);
}

static void
change (Env            *env,
        const char     *provider_id,
        TgHealthStatus  old_status,
        TgHealthStatus  new_status)
{
  g_signal_emit_by_name (env->health, "status-changed", provider_id, (int) old_status, (int) new_status);
}

/* The titles sent since the last call, "|"-separated; withdrawals as "-id". */
static char *
take_titles (Env *env)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < env->sent->len; i++)
    {
      Sent *sent = g_ptr_array_index (env->sent, i);

      if (out->len > 0)
        g_string_append_c (out, '|');
      if (sent->title == NULL)
        g_string_append_printf (out, "-%s", sent->id);
      else
        g_string_append (out, sent->title);
    }
  g_ptr_array_set_size (env->sent, 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

#define assert_titles(env, expected) \
  G_STMT_START { \
    g_autofree char *titles_ = take_titles (env); \
    g_assert_cmpstr (titles_, ==, expected); \
  } G_STMT_END

static void
assert_sent (Sent                 *sent,
             const char           *id,
             const char           *title,
             const char           *body,
             const char           *target,
             GNotificationPriority priority)
{
  g_assert_cmpstr (sent->id, ==, id);
  g_assert_cmpstr (sent->title, ==, title);
  g_assert_cmpstr (sent->body, ==, body);
  g_assert_cmpstr (sent->action, ==, "app.show-page");
  g_assert_cmpstr (sent->target, ==, target);
  g_assert_cmpint (sent->priority, ==, priority);
}

/* Health */

static void
test_down_names_the_fallback (void)
{
  Env env;

  env_init (&env);
  set_fallback_order (&env, "openai", "anthropic", NULL);

  change (&env, "openai", TG_HEALTH_STATUS_HEALTHY, TG_HEALTH_STATUS_DOWN);
  g_assert_cmpuint (env.sent->len, ==, 1);
  assert_sent (g_ptr_array_index (env.sent, 0), "health-openai", "OpenAI is down",
               "Requests go to Anthropic instead.", "providers", G_NOTIFICATION_PRIORITY_NORMAL);
  g_ptr_array_set_size (env.sent, 0);

  /* The same state again tells nothing. */
  change (&env, "openai", TG_HEALTH_STATUS_DOWN, TG_HEALTH_STATUS_DOWN);
  assert_titles (&env, "");

  env_clear (&env);
}

static void
test_down_without_fallback (void)
{
  Env env;

  env_init (&env);

  /* No fallback order at all. */
  change (&env, "gemini", TG_HEALTH_STATUS_HEALTHY, TG_HEALTH_STATUS_DOWN);
  g_assert_cmpuint (env.sent->len, ==, 1);
  assert_sent (g_ptr_array_index (env.sent, 0), "health-gemini", "Google Gemini is down",
               "Tollgate will keep checking.", "providers", G_NOTIFICATION_PRIORITY_NORMAL);
  g_ptr_array_set_size (env.sent, 0);

  /* A fallback that is down itself is no fallback. */
  set_fallback_order (&env, "openai", "anthropic", NULL);
  change (&env, "anthropic", TG_HEALTH_STATUS_DEGRADED, TG_HEALTH_STATUS_DOWN);
  g_assert_cmpuint (env.sent->len, ==, 1);
  assert_sent (g_ptr_array_index (env.sent, 0), "health-anthropic", "Anthropic is down",
               "Requests go to OpenAI instead.", "providers", G_NOTIFICATION_PRIORITY_NORMAL);
  g_ptr_array_set_size (env.sent, 0);

  change (&env, "openai", TG_HEALTH_STATUS_HEALTHY, TG_HEALTH_STATUS_DOWN);
  g_assert_cmpuint (env.sent->len, ==, 1);
  assert_sent (g_ptr_array_index (env.sent, 0), "health-openai", "OpenAI is down",
               "Tollgate will keep checking.", "providers", G_NOTIFICATION_PRIORITY_NORMAL);

  env_clear (&env);
}

static void
test_back_after_down (void)
{
  Env env;

  env_init (&env);

  change (&env, "openai", TG_HEALTH_STATUS_HEALTHY, TG_HEALTH_STATUS_DOWN);
  assert_titles (&env, "OpenAI is down");

  /* Recovery after the provider's interval: told at once, same id. */
  env.now += TG_NOTIFIER_PROVIDER_INTERVAL_MS;
  change (&env, "openai", TG_HEALTH_STATUS_DOWN, TG_HEALTH_STATUS_DEGRADED);
  g_assert_cmpuint (env.sent->len, ==, 1);
  assert_sent (g_ptr_array_index (env.sent, 0), "health-openai", "OpenAI is back",
               "It answers requests again.", "providers", G_NOTIFICATION_PRIORITY_NORMAL);
  g_ptr_array_set_size (env.sent, 0);

  /* Degraded to healthy is not news. */
  env.now += TG_NOTIFIER_PROVIDER_INTERVAL_MS;
  change (&env, "openai", TG_HEALTH_STATUS_DEGRADED, TG_HEALTH_STATUS_HEALTHY);
  assert_titles (&env, "");

  env_clear (&env);
}

static void
test_back_only_after_a_sent_down (void)
{
  Env env;

  env_init (&env);

  change (&env, "openai", TG_HEALTH_STATUS_UNKNOWN, TG_HEALTH_STATUS_HEALTHY);
  change (&env, "openai", TG_HEALTH_STATUS_HEALTHY, TG_HEALTH_STATUS_DEGRADED);
  change (&env, "openai", TG_HEALTH_STATUS_DEGRADED, TG_HEALTH_STATUS_HEALTHY);
  assert_titles (&env, "");

  /* A down nobody was told about (notifications off) has no "back". */
  tg_notifier_set_enabled (env.notifier, FALSE);
  change (&env, "openai", TG_HEALTH_STATUS_HEALTHY, TG_HEALTH_STATUS_DOWN);
  change (&env, "openai", TG_HEALTH_STATUS_DOWN, TG_HEALTH_STATUS_HEALTHY);
  tg_notifier_set_enabled (env.notifier, TRUE);
  env.now += TG_NOTIFIER_PROVIDER_INTERVAL_MS;
  tg_notifier_flush (env.notifier);
  assert_titles (&env, "");

  env_clear (&env);
}

static void
test_unknown_is_never_news (void)
{
  Env env;

  env_init (&env);

  /* No results yet, or stale ones: nothing to say. */
  change (&env, "openai", TG_HEALTH_STATUS_HEALTHY, TG_HEALTH_STATUS_UNKNOWN);
  change (&env, "anthropic", TG_HEALTH_STATUS_UNKNOWN, TG_HEALTH_STATUS_DEGRADED);
  assert_titles (&env, "");

  /* Down, then unknown: the user is not told it is back ... */
  change (&env, "openai", TG_HEALTH_STATUS_UNKNOWN, TG_HEALTH_STATUS_DOWN);
  assert_titles (&env, "OpenAI is down");
  env.now += TG_NOTIFIER_PROVIDER_INTERVAL_MS;
  change (&env, "openai", TG_HEALTH_STATUS_DOWN, TG_HEALTH_STATUS_UNKNOWN);
  tg_notifier_flush (env.notifier);
  assert_titles (&env, "");

  /* ... until a result says so. */
  change (&env, "openai", TG_HEALTH_STATUS_UNKNOWN, TG_HEALTH_STATUS_HEALTHY);
  assert_titles (&env, "OpenAI is back");

  env_clear (&env);
}

static void
test_flapping_is_one_notification (void)
{
  Env env;

  env_init (&env);

  change (&env, "openai", TG_HEALTH_STATUS_HEALTHY, TG_HEALTH_STATUS_DOWN);
  assert_titles (&env, "OpenAI is down");

  /* Back and down again inside the interval: the user's picture ("down") is
   * right again, so nothing is sent, now or later. */
  env.now += 1 * MIN_MS;
  change (&env, "openai", TG_HEALTH_STATUS_DOWN, TG_HEALTH_STATUS_HEALTHY);
  env.now += 1 * MIN_MS;
  change (&env, "openai", TG_HEALTH_STATUS_HEALTHY, TG_HEALTH_STATUS_DOWN);
  env.now += 1 * MIN_MS;
  change (&env, "openai", TG_HEALTH_STATUS_DOWN, TG_HEALTH_STATUS_HEALTHY);
  env.now += 1 * MIN_MS;
  change (&env, "openai", TG_HEALTH_STATUS_HEALTHY, TG_HEALTH_STATUS_DOWN);
  assert_titles (&env, "");
  env.now = T0 + TG_NOTIFIER_PROVIDER_INTERVAL_MS;
  tg_notifier_flush (env.notifier);
  assert_titles (&env, "");

  /* Recovering for good after the interval is told at once. */
  env.now += 1 * MIN_MS;
  change (&env, "openai", TG_HEALTH_STATUS_DOWN, TG_HEALTH_STATUS_HEALTHY);
  assert_titles (&env, "OpenAI is back");

  /* And the next outage waits for the interval since that "back". */
  env.now += 2 * MIN_MS;
  change (&env, "openai", TG_HEALTH_STATUS_HEALTHY, TG_HEALTH_STATUS_DOWN);
  assert_titles (&env, "");
  env.now = T0 + 11 * MIN_MS + TG_NOTIFIER_PROVIDER_INTERVAL_MS - 1;
  tg_notifier_flush (env.notifier);
  assert_titles (&env, "");
  env.now += 1;
  tg_notifier_flush (env.notifier);
  assert_titles (&env, "OpenAI is down");

  env_clear (&env);
}

static void
test_held_back_recovery_is_told_later (void)
{
  Env env;

  env_init (&env);

  change (&env, "openai", TG_HEALTH_STATUS_HEALTHY, TG_HEALTH_STATUS_DOWN);
  assert_titles (&env, "OpenAI is down");

  env.now += 1 * MIN_MS;
  change (&env, "openai", TG_HEALTH_STATUS_DOWN, TG_HEALTH_STATUS_HEALTHY);
  assert_titles (&env, "");
  env.now += 4 * MIN_MS;
  tg_notifier_flush (env.notifier);
  assert_titles (&env, "");

  /* When the interval is over, the state as it is then. */
  env.now = T0 + TG_NOTIFIER_PROVIDER_INTERVAL_MS;
  tg_notifier_flush (env.notifier);
  assert_titles (&env, "OpenAI is back");
  tg_notifier_flush (env.notifier);
  assert_titles (&env, "");

  env_clear (&env);
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* The notifier's own timer sends what was held back, without a flush. */
static void
test_timer_sends_held_back (void)
{
  gboolean timed_out = FALSE;
  guint timeout_id;
  Env env;

  env_init (&env);
  env.real_clock = TRUE;
  env.now = 0;

  change (&env, "openai", TG_HEALTH_STATUS_HEALTHY, TG_HEALTH_STATUS_DOWN);
  assert_titles (&env, "OpenAI is down");

  /* Nearly ten minutes later: the recovery waits the last 200 ms. */
  env.now = TG_NOTIFIER_PROVIDER_INTERVAL_MS - 200;
  change (&env, "openai", TG_HEALTH_STATUS_DOWN, TG_HEALTH_STATUS_HEALTHY);
  assert_titles (&env, "");

  timeout_id = g_timeout_add_seconds (10, timeout_cb, &timed_out);
  while (env.sent->len == 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout_id);
  assert_titles (&env, "OpenAI is back");

  env_clear (&env);
}

static void
test_global_cap_and_summary (void)
{
  const char *ids[] = { "openai", "anthropic", "gemini", "mistral", "groq", "deepseek", "xai" };
  Sent *summary;
  Env env;

  env_init (&env);

  /* Seven outages in a minute: three are told, the rest wait. */
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      change (&env, ids[i], TG_HEALTH_STATUS_HEALTHY, TG_HEALTH_STATUS_DOWN);
      env.now += 1000;
    }
  assert_titles (&env, "OpenAI is down|Anthropic is down|Google Gemini is down");

  /* OpenAI recovers; its own interval and the cap both hold it back. */
  env.now = T0 + 1 * MIN_MS;
  change (&env, "openai", TG_HEALTH_STATUS_DOWN, TG_HEALTH_STATUS_HEALTHY);
  env.now = T0 + 5 * MIN_MS;
  tg_notifier_flush (env.notifier);
  assert_titles (&env, "");

  /* The window frees three places for five changes: one summary, in id
   * order, and OpenAI's stale "down" withdrawn. */
  env.now = T0 + 2000 + TG_NOTIFIER_GLOBAL_WINDOW_MS;
  tg_notifier_flush (env.notifier);
  g_assert_cmpuint (env.sent->len, ==, 2);
  g_assert_cmpstr (((Sent *) g_ptr_array_index (env.sent, 0))->id, ==, "health-openai");
  g_assert_null (((Sent *) g_ptr_array_index (env.sent, 0))->title);
  summary = g_ptr_array_index (env.sent, 1);
  assert_sent (summary, "health-summary", "5 providers changed status",
               "DeepSeek is down\nGroq is down\nMistral AI is down\nOpenAI is back\nxAI is down",
               "providers", G_NOTIFICATION_PRIORITY_NORMAL);
  g_ptr_array_set_size (env.sent, 0);
  tg_notifier_flush (env.notifier);
  assert_titles (&env, "");

  /* Those five were told: their recoveries are news, one each, within the cap. */
  env.now += TG_NOTIFIER_PROVIDER_INTERVAL_MS;
  change (&env, "groq", TG_HEALTH_STATUS_DOWN, TG_HEALTH_STATUS_HEALTHY);
  change (&env, "xai", TG_HEALTH_STATUS_DOWN, TG_HEALTH_STATUS_HEALTHY);
  assert_titles (&env, "Groq is back|xAI is back");

  env_clear (&env);
}

static void
test_disabled_sends_nothing (void)
{
  Env env;

  env_init (&env);
  g_assert_true (tg_notifier_get_enabled (env.notifier));
  tg_notifier_set_enabled (env.notifier, FALSE);
  g_assert_false (tg_notifier_get_enabled (env.notifier));

  change (&env, "openai", TG_HEALTH_STATUS_HEALTHY, TG_HEALTH_STATUS_DOWN);
  env.now += TG_NOTIFIER_PROVIDER_INTERVAL_MS;
  tg_notifier_flush (env.notifier);
  assert_titles (&env, "");

  /* Turned on during an outage: the outage is told. */
  g_object_set (env.notifier, "enabled", TRUE, NULL);
  assert_titles (&env, "OpenAI is down");

  env_clear (&env);
}

/* The monitor itself, fed failing requests until the circuit opens. */
static void
test_real_outage (void)
{
  Env env;
  guint i;

  env_init (&env);
  set_fallback_order (&env, "anthropic", "openai", NULL);

  for (i = 0; i < 100 && tg_health_monitor_get_status (env.health, "openai") != TG_HEALTH_STATUS_DOWN; i++)
    {
      env.now += 1000;
      tg_health_monitor_report (env.health, "openai", FALSE, 500, 503, "server");
    }
  g_assert_cmpint (tg_health_monitor_get_status (env.health, "openai"), ==, TG_HEALTH_STATUS_DOWN);

  g_assert_cmpuint (env.sent->len, ==, 1);
  assert_sent (g_ptr_array_index (env.sent, 0), "health-openai", "OpenAI is down",
               "Requests go to Anthropic instead.", "providers", G_NOTIFICATION_PRIORITY_NORMAL);

  env_clear (&env);
}

/* Budget */

static void
set_budget (Env      *env,
            gint64    budget_micros,
            gboolean  hard_limit)
{
  const guint thresholds[] = { 50, 80, 100 };
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_config_service_set_budget (env->config, budget_micros, TG_BUDGET_PERIOD_MONTHLY, &error));
  g_assert_no_error (error);
  g_assert_true (tg_config_service_set_alert_thresholds (env->config, thresholds, G_N_ELEMENTS (thresholds), &error));
  g_assert_no_error (error);
  g_assert_true (tg_config_service_set_hard_limit (env->config, hard_limit, &error));
  g_assert_no_error (error);
}

static void
spend (Env    *env,
       gint64  cost_micros)
{
  g_autoptr(TgUsageRecord) record = tg_test_make_usage (env->now, "openai", "gpt-5", "ok",
                                                         10, 10, 0, FALSE, cost_micros);
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_analytics_service_record (env->analytics, record, &error));
  g_assert_no_error (error);
}

static void
test_budget_thresholds (void)
{
  Env env;

  env_init (&env);
  set_budget (&env, 1000000, FALSE);

  spend (&env, 600000);
  g_assert_cmpuint (env.sent->len, ==, 1);
  assert_sent (g_ptr_array_index (env.sent, 0), "budget", "50 % of your monthly budget used",
               "$0.60 of $1.00 spent.", "usage", G_NOTIFICATION_PRIORITY_NORMAL);
  g_ptr_array_set_size (env.sent, 0);

  /* Budget alerts have no rate limit: the service fires each once. */
  spend (&env, 250000);
  g_assert_cmpuint (env.sent->len, ==, 1);
  assert_sent (g_ptr_array_index (env.sent, 0), "budget", "80 % of your monthly budget used",
               "$0.85 of $1.00 spent.", "usage", G_NOTIFICATION_PRIORITY_NORMAL);
  g_ptr_array_set_size (env.sent, 0);

  spend (&env, 10000);
  assert_titles (&env, "");

  /* 100 % and exceeded together: one notification, the exceeded one. */
  spend (&env, 200000);
  g_assert_cmpuint (env.sent->len, ==, 1);
  assert_sent (g_ptr_array_index (env.sent, 0), "budget", "Monthly budget exceeded",
               "$1.06 of $1.00 spent.", "usage", G_NOTIFICATION_PRIORITY_HIGH);
  g_ptr_array_set_size (env.sent, 0);

  /* A restart does not repeat them. */
  env_restart (&env);
  spend (&env, 100000);
  assert_titles (&env, "");

  env_clear (&env);
}

static void
test_budget_exceeded_with_hard_limit (void)
{
  Env env;

  env_init (&env);
  set_budget (&env, 2000000, TRUE);

  /* One request past everything: the exceeded notification alone says it. */
  spend (&env, 2500000);
  g_assert_cmpuint (env.sent->len, ==, 1);
  assert_sent (g_ptr_array_index (env.sent, 0), "budget", "Monthly budget exceeded",
               "$2.50 of $2.00 spent. Requests are refused until the budget resets.",
               "usage", G_NOTIFICATION_PRIORITY_HIGH);

  env_clear (&env);
}

/* A focused window tells budget alerts itself, as a toast: no notification
 * then, for either kind. Health notices are not shown in the window and
 * still go out. */
static void
test_budget_window_active (void)
{
  Env env;

  env_init (&env);
  set_budget (&env, 1000000, FALSE);
  g_assert_false (tg_notifier_get_window_active (env.notifier));
  tg_notifier_set_window_active (env.notifier, TRUE);
  g_assert_true (tg_notifier_get_window_active (env.notifier));

  spend (&env, 600000);
  spend (&env, 500000);
  assert_titles (&env, "");

  /* The window loses the focus: the next alert is a notification again. */
  set_budget (&env, 4000000, FALSE);
  tg_notifier_set_window_active (env.notifier, FALSE);
  spend (&env, 1000000);
  g_assert_cmpuint (env.sent->len, ==, 1);
  assert_sent (g_ptr_array_index (env.sent, 0), "budget", "50 % of your monthly budget used",
               "$2.10 of $4.00 spent.", "usage", G_NOTIFICATION_PRIORITY_NORMAL);

  env_clear (&env);
}

static void
test_budget_disabled (void)
{
  Env env;

  env_init (&env);
  set_budget (&env, 1000000, FALSE);
  tg_notifier_set_enabled (env.notifier, FALSE);

  spend (&env, 2000000);
  assert_titles (&env, "");

  env_clear (&env);
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/notifier/health/down-names-the-fallback", test_down_names_the_fallback);
  g_test_add_func ("/notifier/health/down-without-fallback", test_down_without_fallback);
  g_test_add_func ("/notifier/health/back-after-down", test_back_after_down);
  g_test_add_func ("/notifier/health/back-only-after-a-sent-down", test_back_only_after_a_sent_down);
  g_test_add_func ("/notifier/health/unknown-is-never-news", test_unknown_is_never_news);
  g_test_add_func ("/notifier/health/flapping-is-one-notification", test_flapping_is_one_notification);
  g_test_add_func ("/notifier/health/held-back-recovery-is-told-later", test_held_back_recovery_is_told_later);
  g_test_add_func ("/notifier/health/timer-sends-held-back", test_timer_sends_held_back);
  g_test_add_func ("/notifier/health/global-cap-and-summary", test_global_cap_and_summary);
  g_test_add_func ("/notifier/health/disabled-sends-nothing", test_disabled_sends_nothing);
  g_test_add_func ("/notifier/health/real-outage", test_real_outage);
  g_test_add_func ("/notifier/budget/thresholds", test_budget_thresholds);
  g_test_add_func ("/notifier/budget/exceeded-with-hard-limit", test_budget_exceeded_with_hard_limit);
  g_test_add_func ("/notifier/budget/disabled", test_budget_disabled);
  g_test_add_func ("/notifier/budget/window-active", test_budget_window_active);

  return g_test_run ();
}
