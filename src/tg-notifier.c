/* tg-notifier.c: what is worth a desktop notification, and when.
 *
 * Health notifications follow state, not transitions: for each provider the
 * notifier remembers the status it last saw and what it last told the user
 * (nothing, "down" or "back"). Whenever the two disagree in a way worth
 * telling, it tells, unless a rate limit says wait; then it waits and tells
 * the state as it is when the wait is over. So flapping collapses into at
 * most one notification per provider per interval, and what the user last
 * read is never wrong for longer than that interval (docs/notifications.md). */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tg-money.h"
#include "tg-notifier.h"

typedef enum {
  TOLD_NOTHING,
  TOLD_DOWN,
  TOLD_BACK,
} Told;

typedef struct {
  char           *id;
  TgHealthStatus  status;        /* as last seen in ::status-changed */
  Told            told;
  gboolean        has_sent;
  gint64          last_sent_ms;
} ProviderState;

struct _TgNotifier
{
  GObject             parent_instance;

  GApplication       *application;
  TgCatalog          *catalog;
  TgConfigService    *config;
  TgHealthMonitor    *health;
  TgAnalyticsService *analytics;

  TgClockFunc         clock_func;
  gpointer            clock_data;
  TgNotifierSendFunc  send_func;
  gpointer            send_data;
  gboolean            enabled;
  /* The window is focused: it shows budget notices as toasts itself. */
  gboolean            window_active;

  GHashTable         *providers;   /* id -> ProviderState */
  GArray             *sent_ms;     /* gint64: health sends inside the global window */
  guint               flush_id;
};

enum {
  PROP_0,
  PROP_ENABLED,
  PROP_WINDOW_ACTIVE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (TgNotifier, tg_notifier, G_TYPE_OBJECT)

static void schedule_flush (TgNotifier *self, gint64 now);

static void
provider_state_free (ProviderState *state)
{
  g_free (state->id);
  g_free (state);
}

static gint64
now_ms (TgNotifier *self)
{
  return self->clock_func (self->clock_data);
}

static void
send_notice (TgNotifier     *self,
             const TgNotice *notice)
{
  g_autoptr(GNotification) notification = NULL;

  if (self->send_func != NULL)
    {
      self->send_func (notice, self->send_data);
      return;
    }
  if (self->application == NULL)
    return;

  if (notice->title == NULL)
    {
      g_application_withdraw_notification (self->application, notice->id);
      return;
    }

  notification = g_notification_new (notice->title);
  if (notice->body != NULL)
    g_notification_set_body (notification, notice->body);
  g_notification_set_priority (notification, notice->priority);
  g_notification_set_default_action_and_target (notification, notice->action, "s", notice->target);
  g_application_send_notification (self->application, notice->id, notification);
}

static const char *
provider_name (TgNotifier *self,
               const char *provider_id)
{
  const TgCatalogProvider *provider = tg_catalog_get_provider (self->catalog, provider_id);

  return provider != NULL && provider->name != NULL ? provider->name : provider_id;
}

static TgHealthStatus
status_of (TgNotifier *self,
           const char *provider_id)
{
  ProviderState *state = g_hash_table_lookup (self->providers, provider_id);

  return state != NULL ? state->status : tg_health_monitor_get_status (self->health, provider_id);
}

/* Where requests go while @provider_id is down: the first provider of the
 * fallback order that is not down itself (TgAiClient's choice). */
static const char *
find_fallback (TgNotifier *self,
               const char *provider_id)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (self->config);

  for (guint i = 0; prefs->fallback_order[i] != NULL; i++)
    {
      const char *candidate = prefs->fallback_order[i];

      if (!g_str_equal (candidate, provider_id) && status_of (self, candidate) != TG_HEALTH_STATUS_DOWN)
        return candidate;
    }
  return NULL;
}

/* What the user should be told about @state now. */
static Told
wanted (const ProviderState *state)
{
  if (state->status == TG_HEALTH_STATUS_DOWN)
    return state->told == TOLD_DOWN ? TOLD_NOTHING : TOLD_DOWN;
  /* "Back" only answers a "down" that was sent; UNKNOWN (no recent
   * results) says nothing either way. */
  if ((state->status == TG_HEALTH_STATUS_HEALTHY || state->status == TG_HEALTH_STATUS_DEGRADED) &&
      state->told == TOLD_DOWN)
    return TOLD_BACK;
  return TOLD_NOTHING;
}

static char *
health_title (TgNotifier          *self,
              const ProviderState *state,
              Told                 told)
{
  const char *name = provider_name (self, state->id);

  /* Translators: %s is a provider's name, e.g. "OpenAI". */
  return told == TOLD_DOWN ? g_strdup_printf (_("%s is down"), name) : g_strdup_printf (_("%s is back"), name);
}

static void
send_health (TgNotifier    *self,
             ProviderState *state,
             Told           told)
{
  g_autofree char *id = g_strdup_printf ("health-%s", state->id);
  g_autofree char *title = health_title (self, state, told);
  g_autofree char *body = NULL;

  if (told == TOLD_DOWN)
    {
      const char *fallback = find_fallback (self, state->id);

      /* Translators: %s is a provider's name, e.g. "Anthropic". */
      body = fallback != NULL ? g_strdup_printf (_("Requests go to %s instead."), provider_name (self, fallback))
                              : g_strdup (_("Tollgate will keep checking."));
    }
  else
    body = g_strdup (_("It answers requests again."));

  send_notice (self, &(TgNotice) {
    .id = id, .title = title, .body = body,
    .action = "app.show-page", .target = "providers",
    .priority = G_NOTIFICATION_PRIORITY_NORMAL,
  });
}

/* One notification for several providers, when telling each would break the
 * global cap. Each one's own notification is withdrawn: the summary is newer. */
static void
send_summary (TgNotifier *self,
              GPtrArray  *due)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree char *title = NULL;

  for (guint i = 0; i < due->len; i++)
    {
      ProviderState *state = g_ptr_array_index (due, i);
      g_autofree char *line = health_title (self, state, wanted (state));

      if (state->told != TOLD_NOTHING)
        {
          g_autofree char *id = g_strdup_printf ("health-%s", state->id);

          send_notice (self, &(TgNotice) { .id = id });
        }
      if (body->len > 0)
        g_string_append_c (body, '\n');
      g_string_append (body, line);
    }

  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u provider changed status",
                                        "%u providers changed status", due->len), due->len);
  send_notice (self, &(TgNotice) {
    .id = "health-summary", .title = title, .body = body->str,
    .action = "app.show-page", .target = "providers",
    .priority = G_NOTIFICATION_PRIORITY_NORMAL,
  });
}

static void
prune_sent (TgNotifier *self,
            gint64      now)
{
  guint n_old = 0;

  while (n_old < self->sent_ms->len &&
         g_array_index (self->sent_ms, gint64, n_old) + TG_NOTIFIER_GLOBAL_WINDOW_MS <= now)
    n_old++;
  g_array_remove_range (self->sent_ms, 0, n_old);
}

static gboolean
provider_is_due (const ProviderState *state,
                 gint64               now)
{
  return !state->has_sent || state->last_sent_ms + TG_NOTIFIER_PROVIDER_INTERVAL_MS <= now;
}

static int
compare_states (gconstpointer a,
                gconstpointer b)
{
  const ProviderState *sa = *(ProviderState * const *) a;
  const ProviderState *sb = *(ProviderState * const *) b;

  return g_strcmp0 (sa->id, sb->id);
}

/* Tells every provider whose state is worth telling and whose limits allow. */
static void
evaluate (TgNotifier *self)
{
  g_autoptr(GPtrArray) due = g_ptr_array_new ();
  GHashTableIter iter;
  ProviderState *state;
  gint64 now;
  guint room;

  if (!self->enabled)
    return;

  now = now_ms (self);
  prune_sent (self, now);

  g_hash_table_iter_init (&iter, self->providers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &state))
    if (wanted (state) != TOLD_NOTHING && provider_is_due (state, now))
      g_ptr_array_add (due, state);
  g_ptr_array_sort (due, compare_states);

  room = TG_NOTIFIER_GLOBAL_CAP - MIN (self->sent_ms->len, TG_NOTIFIER_GLOBAL_CAP);
  if (due->len > 0 && room > 0)
    {
      if (due->len <= room)
        for (guint i = 0; i < due->len; i++)
          {
            state = g_ptr_array_index (due, i);
            send_health (self, state, wanted (state));
            g_array_append_val (self->sent_ms, now);
          }
      else
        {
          send_summary (self, due);
          g_array_append_val (self->sent_ms, now);
        }

      for (guint i = 0; i < due->len; i++)
        {
          state = g_ptr_array_index (due, i);
          state->told = wanted (state);
          state->has_sent = TRUE;
          state->last_sent_ms = now;
        }
    }

  schedule_flush (self, now);
}

static gboolean
flush_cb (gpointer user_data)
{
  TgNotifier *self = user_data;

  self->flush_id = 0;
  tg_notifier_flush (self);
  return G_SOURCE_REMOVE;
}

/* A timer for the earliest moment something held back may be told. */
static void
schedule_flush (TgNotifier *self,
                gint64      now)
{
  GHashTableIter iter;
  ProviderState *state;
  gint64 global_ready = now;
  gint64 next = G_MAXINT64;

  g_clear_handle_id (&self->flush_id, g_source_remove);

  if (self->sent_ms->len >= TG_NOTIFIER_GLOBAL_CAP)
    global_ready = g_array_index (self->sent_ms, gint64, 0) + TG_NOTIFIER_GLOBAL_WINDOW_MS;

  g_hash_table_iter_init (&iter, self->providers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &state))
    if (wanted (state) != TOLD_NOTHING)
      {
        gint64 ready = state->has_sent ? state->last_sent_ms + TG_NOTIFIER_PROVIDER_INTERVAL_MS : now;

        next = MIN (next, MAX (ready, global_ready));
      }

  if (next != G_MAXINT64)
    self->flush_id = g_timeout_add ((guint) CLAMP (next - now, 0, G_MAXINT), flush_cb, self);
}

static void
status_changed_cb (TgHealthMonitor *health,
                   const char      *provider_id,
                   int              old_status,
                   int              new_status,
                   TgNotifier      *self)
{
  ProviderState *state = g_hash_table_lookup (self->providers, provider_id);

  if (state == NULL)
    {
      state = g_new0 (ProviderState, 1);
      state->id = g_strdup (provider_id);
      g_hash_table_insert (self->providers, state->id, state);
    }
  state->status = new_status;
  evaluate (self);
}

static char *
threshold_title (TgBudgetPeriod period,
                 guint          percent)
{
  switch (period)
    {
    case TG_BUDGET_PERIOD_DAILY:
      /* Translators: %u is a percentage; "%%" is the percent sign. */
      return g_strdup_printf (_("%u %% of your daily budget used"), percent);
    case TG_BUDGET_PERIOD_WEEKLY:
      /* Translators: %u is a percentage; "%%" is the percent sign. */
      return g_strdup_printf (_("%u %% of your weekly budget used"), percent);
    case TG_BUDGET_PERIOD_MONTHLY:
    default:
      /* Translators: %u is a percentage; "%%" is the percent sign. */
      return g_strdup_printf (_("%u %% of your monthly budget used"), percent);
    }
}

static const char *
exceeded_title (TgBudgetPeriod period)
{
  switch (period)
    {
    case TG_BUDGET_PERIOD_DAILY:
      return _("Daily budget exceeded");
    case TG_BUDGET_PERIOD_WEEKLY:
      return _("Weekly budget exceeded");
    case TG_BUDGET_PERIOD_MONTHLY:
    default:
      return _("Monthly budget exceeded");
    }
}

static void
send_budget (TgNotifier           *self,
             const char           *title,
             const TgBudgetStatus *status,
             gboolean              exceeded)
{
  g_autofree char *spent = NULL;
  g_autofree char *budget = NULL;
  g_autofree char *body = NULL;

  /* A focused window says it with a toast of its own. */
  if (!self->enabled || self->window_active)
    return;

  spent = tg_money_format_cents (status->spent_micros);
  budget = tg_money_format_cents (status->budget_micros);
  /* Translators: "$20.00 of $25.00 spent." */
  body = g_strdup_printf (_("%s of %s spent."), spent, budget);
  if (exceeded && status->hard_limit)
    {
      g_autofree char *more = g_strdup_printf ("%s %s", body, _("Requests are refused until the budget resets."));

      g_free (body);
      body = g_steal_pointer (&more);
    }

  /* One id: a newer budget notification replaces an older one. */
  send_notice (self, &(TgNotice) {
    .id = "budget", .title = title, .body = body,
    .action = "app.show-page", .target = "usage",
    .priority = exceeded ? G_NOTIFICATION_PRIORITY_HIGH : G_NOTIFICATION_PRIORITY_NORMAL,
  });
}

static void
threshold_crossed_cb (TgAnalyticsService *analytics,
                      guint               percent,
                      TgBudgetStatus     *status,
                      TgNotifier         *self)
{
  g_autofree char *title = NULL;

  /* ::budget-exceeded follows and says more than "100 % used". */
  if (status->exceeded)
    return;

  title = threshold_title (status->period, percent);
  send_budget (self, title, status, FALSE);
}

static void
budget_exceeded_cb (TgAnalyticsService *analytics,
                    TgBudgetStatus     *status,
                    TgNotifier         *self)
{
  send_budget (self, exceeded_title (status->period), status, TRUE);
}

static void
tg_notifier_dispose (GObject *object)
{
  TgNotifier *self = TG_NOTIFIER (object);

  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (self->health != NULL)
    g_signal_handlers_disconnect_by_data (self->health, self);
  if (self->analytics != NULL)
    g_signal_handlers_disconnect_by_data (self->analytics, self);
  g_clear_weak_pointer (&self->application);
  g_clear_object (&self->catalog);
  g_clear_object (&self->config);
  g_clear_object (&self->health);
  g_clear_object (&self->analytics);

  G_OBJECT_CLASS (tg_notifier_parent_class)->dispose (object);
}

static void
tg_notifier_finalize (GObject *object)
{
  TgNotifier *self = TG_NOTIFIER (object);

  g_hash_table_unref (self->providers);
  g_array_unref (self->sent_ms);

  G_OBJECT_CLASS (tg_notifier_parent_class)->finalize (object);
}

static void
tg_notifier_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TgNotifier *self = TG_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;
    case PROP_WINDOW_ACTIVE:
      g_value_set_boolean (value, self->window_active);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_notifier_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  TgNotifier *self = TG_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      tg_notifier_set_enabled (self, g_value_get_boolean (value));
      break;
    case PROP_WINDOW_ACTIVE:
      tg_notifier_set_window_active (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_notifier_class_init (TgNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tg_notifier_dispose;
  object_class->finalize = tg_notifier_finalize;
  object_class->get_property = tg_notifier_get_property;
  object_class->set_property = tg_notifier_set_property;

  properties[PROP_ENABLED] =
    g_param_spec_boolean ("enabled", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WINDOW_ACTIVE] =
    g_param_spec_boolean ("window-active", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tg_notifier_init (TgNotifier *self)
{
  self->clock_func = tg_clock_real_ms;
  self->enabled = TRUE;
  self->providers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) provider_state_free);
  self->sent_ms = g_array_new (FALSE, FALSE, sizeof (gint64));
}

TgNotifier *
tg_notifier_new (GApplication       *application,
                 TgCatalog          *catalog,
                 TgConfigService    *config,
                 TgHealthMonitor    *health,
                 TgAnalyticsService *analytics)
{
  TgNotifier *self;

  g_return_val_if_fail (application == NULL || G_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (TG_IS_CATALOG (catalog), NULL);
  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (config), NULL);
  g_return_val_if_fail (TG_IS_HEALTH_MONITOR (health), NULL);
  g_return_val_if_fail (TG_IS_ANALYTICS_SERVICE (analytics), NULL);

  self = g_object_new (TG_TYPE_NOTIFIER, NULL);
  /* Weak: the application owns the notifier. */
  g_set_weak_pointer (&self->application, application);
  self->catalog = g_object_ref (catalog);
  self->config = g_object_ref (config);
  self->health = g_object_ref (health);
  self->analytics = g_object_ref (analytics);

  g_signal_connect (health, "status-changed", G_CALLBACK (status_changed_cb), self);
  g_signal_connect (analytics, "budget-threshold-crossed", G_CALLBACK (threshold_crossed_cb), self);
  g_signal_connect (analytics, "budget-exceeded", G_CALLBACK (budget_exceeded_cb), self);
  return self;
}

void
tg_notifier_set_clock (TgNotifier  *self,
                       TgClockFunc  func,
                       gpointer     user_data)
{
  g_return_if_fail (TG_IS_NOTIFIER (self));

  self->clock_func = func != NULL ? func : tg_clock_real_ms;
  self->clock_data = func != NULL ? user_data : NULL;
}

void
tg_notifier_set_send_func (TgNotifier         *self,
                           TgNotifierSendFunc  func,
                           gpointer            user_data)
{
  g_return_if_fail (TG_IS_NOTIFIER (self));

  self->send_func = func;
  self->send_data = user_data;
}

void
tg_notifier_set_enabled (TgNotifier *self,
                         gboolean    enabled)
{
  g_return_if_fail (TG_IS_NOTIFIER (self));

  enabled = !!enabled;
  if (self->enabled == enabled)
    return;
  self->enabled = enabled;
  if (enabled)
    evaluate (self);
  else
    g_clear_handle_id (&self->flush_id, g_source_remove);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
}

gboolean
tg_notifier_get_enabled (TgNotifier *self)
{
  g_return_val_if_fail (TG_IS_NOTIFIER (self), FALSE);
  return self->enabled;
}

void
tg_notifier_set_window_active (TgNotifier *self,
                               gboolean    window_active)
{
  g_return_if_fail (TG_IS_NOTIFIER (self));

  window_active = !!window_active;
  if (self->window_active == window_active)
    return;
  self->window_active = window_active;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WINDOW_ACTIVE]);
}

gboolean
tg_notifier_get_window_active (TgNotifier *self)
{
  g_return_val_if_fail (TG_IS_NOTIFIER (self), FALSE);
  return self->window_active;
}

void
tg_notifier_flush (TgNotifier *self)
{
  g_return_if_fail (TG_IS_NOTIFIER (self));
  evaluate (self);
}
