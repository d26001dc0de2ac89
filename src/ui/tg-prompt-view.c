/* tg-prompt-view.c: the Prompt page.
 *
 * A prompt goes through TgAiClient like every other request, so it is
 * metered, recorded and may fall back to another provider. The reply streams
 * into a read-only text view; under it, what it cost, in the command line's
 * wording. Refusals and failures stay on the page with a button that leads to
 * the fix; fallbacks and budget alerts are short notices (::toast). */

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "tg-format.h"
#include "tg-money.h"
#include "tg-prompt-view.h"
#include "tg-prompt-view-private.h"

struct _TgPromptView
{
  GtkWidget           parent_instance;

  TgAiClient         *client;
  TgConfigService    *config;
  TgAnalyticsService *analytics;
  TgCatalog          *catalog;

  /* The request under way; NULL when idle. */
  GCancellable       *cancellable;
  gboolean            got_first_delta;

  /* Template children */
  GtkTextView        *prompt_view;
  GtkLabel           *placeholder_label;
  GtkLabel           *model_label;
  GtkSpinner         *spinner;
  GtkWidget          *send_button;
  GtkWidget          *cancel_button;
  GtkWidget          *error_box;
  GtkLabel           *error_label;
  GtkButton          *error_button;
  GtkWidget          *reply_frame;
  GtkTextView        *reply_view;
  GtkLabel           *summary_label;
};

G_DEFINE_FINAL_TYPE (TgPromptView, tg_prompt_view, GTK_TYPE_WIDGET)

enum {
  TOAST,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* One send: the view is kept alive until the client answers, and the
 * cancellable tells whether the view still waits for this answer. */
typedef struct {
  TgPromptView *self;
  GCancellable *cancellable;
} Request;

static void
request_free (Request *request)
{
  g_object_unref (request->self);
  g_object_unref (request->cancellable);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

/* Names */

static const char *
provider_name (TgPromptView *self,
               const char   *provider_id)
{
  const TgCatalogProvider *provider = NULL;

  if (self->catalog != NULL && provider_id != NULL)
    provider = tg_catalog_get_provider (self->catalog, provider_id);
  return provider != NULL ? provider->name : provider_id;
}

static const char *
model_name (TgPromptView *self,
            const char   *provider_id,
            const char   *model_id)
{
  const TgModelCapabilities *model = NULL;

  if (self->catalog != NULL && provider_id != NULL && model_id != NULL)
    model = tg_catalog_get_model (self->catalog, provider_id, model_id);
  return model != NULL && model->display_name != NULL ? model->display_name : model_id;
}

/* State */

static char *
dup_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static gboolean
prompt_is_blank (TgPromptView *self)
{
  g_autofree char *text = dup_text (self->prompt_view);

  return *g_strstrip (text) == '\0';
}

static void
update_actions (TgPromptView *self)
{
  gboolean busy = self->cancellable != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prompt.send",
                                 !busy && self->client != NULL && !prompt_is_blank (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prompt.cancel", busy);
  /* Send and Cancel take turns in the same place. */
  gtk_widget_set_visible (self->send_button, !busy);
  gtk_widget_set_visible (self->cancel_button, busy);
}

static void
set_waiting (TgPromptView *self,
             gboolean      waiting)
{
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), waiting);
  gtk_spinner_set_spinning (self->spinner, waiting);
}

static void
prompt_changed_cb (TgPromptView  *self,
                   GtkTextBuffer *buffer)
{
  gtk_widget_set_visible (GTK_WIDGET (self->placeholder_label),
                          gtk_text_buffer_get_char_count (buffer) == 0);
  update_actions (self);
}

static void
update_model_label (TgPromptView *self)
{
  const TgPreferences *prefs;
  g_autofree char *text = NULL;

  if (self->config == NULL)
    {
      gtk_label_set_label (self->model_label, "");
      return;
    }

  prefs = tg_config_service_get_preferences (self->config);
  if (prefs->default_provider == NULL)
    text = g_strdup (_("The first provider with a key will answer"));
  else
    {
      const char *model_id = prefs->default_model;
      const TgCatalogProvider *provider = NULL;

      if (model_id == NULL && self->catalog != NULL)
        provider = tg_catalog_get_provider (self->catalog, prefs->default_provider);
      if (provider != NULL)
        model_id = provider->default_model;

      /* Translators: the provider and model that will answer, "OpenAI · GPT-4o" */
      text = g_strdup_printf (_("Asking %s · %s"),
                              provider_name (self, prefs->default_provider),
                              model_id != NULL ? model_name (self, prefs->default_provider, model_id) : _("its default model"));
    }
  gtk_label_set_label (self->model_label, text);
}

static void
config_changed_cb (TgPromptView    *self,
                   const char      *key,
                   TgConfigService *config)
{
  update_model_label (self);
}

/* Results */

/* The command line's summary line (tollgate ask), with display names. */
static void
show_summary (TgPromptView       *self,
              const TgAiResponse *response)
{
  g_autofree char *cost = tg_money_format (response->cost_micros);
  g_autofree char *first = tg_format_duration (response->latency_first_token_ms);
  g_autofree char *total = tg_format_duration (response->latency_total_ms);
  g_autofree char *tokens = tg_format_reply_tokens (response->usage.input_tokens, response->usage.cached_tokens,
                                                    response->usage.output_tokens, response->tokens_estimated);
  g_autofree char *text = NULL;

  text = g_strdup_printf ("%s · %s · %s · %s%s · %s %s · %s %s",
                          provider_name (self, response->provider_id),
                          model_name (self, response->provider_id, response->model_id),
                          tokens, response->tokens_estimated ? "~" : "", cost,
                          _("first token"), first, _("total"), total);
  gtk_label_set_label (self->summary_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->summary_label),
                               response->tokens_estimated
                               ? _("Estimated: the provider reported no token counts, so they were counted here, one token per four characters")
                               : NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->summary_label), TRUE);
}

static void
hide_error (TgPromptView *self)
{
  gtk_widget_set_visible (self->error_box, FALSE);
}

/* Each refusal or failure leads to what fixes it. The mnemonics stay clear
 * of the page titles' (P, R, U) and of Send's (S). */
static void
show_error (TgPromptView *self,
            const GError *error)
{
  const char *label;
  const char *action;
  const char *target = NULL;

  if (g_error_matches (error, TG_AI_CLIENT_ERROR, TG_AI_CLIENT_ERROR_NO_KEY) ||
      g_error_matches (error, TG_AI_CLIENT_ERROR, TG_AI_CLIENT_ERROR_NO_PROVIDER))
    {
      label = _("_Add a Key");
      action = "app.preferences";
    }
  else if (g_error_matches (error, TG_AI_CLIENT_ERROR, TG_AI_CLIENT_ERROR_PROVIDER_DOWN))
    {
      label = _("S_ee Providers");
      action = "win.show-page";
      target = "providers";
    }
  else if (g_error_matches (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_BUDGET_EXHAUSTED) ||
           g_error_matches (error, TG_AI_CLIENT_ERROR, TG_AI_CLIENT_ERROR_UNKNOWN_PROVIDER) ||
           g_error_matches (error, TG_AI_CLIENT_ERROR, TG_AI_CLIENT_ERROR_UNKNOWN_MODEL))
    {
      /* The budget, or a preferred provider or model the catalogue lost. */
      label = _("_Open Preferences");
      action = "app.preferences";
    }
  else
    {
      label = _("_Try Again");
      action = "prompt.send";
    }

  gtk_label_set_label (self->error_label, error->message);
  gtk_button_set_label (self->error_button, label);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->error_button), action);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->error_button),
                                          target != NULL ? g_variant_new_string (target) : NULL);
  gtk_widget_set_visible (self->error_box, TRUE);
}

static void
emit_toast (TgPromptView *self,
            const char   *title)
{
  g_signal_emit (self, signals[TOAST], 0, title);
}

/* Sending */

static void
append_reply (TgPromptView *self,
              const char   *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->reply_view);
  GtkTextIter end;

  gtk_widget_set_visible (self->reply_frame, TRUE);
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert (buffer, &end, text, -1);
}

static void
delta_cb (const char *delta,
          gpointer    user_data)
{
  Request *request = user_data;
  TgPromptView *self = request->self;

  /* Cancelled, or the view is gone: what still arrives is not shown. */
  if (g_cancellable_is_cancelled (request->cancellable) || self->cancellable != request->cancellable)
    return;

  if (!self->got_first_delta)
    {
      self->got_first_delta = TRUE;
      set_waiting (self, FALSE);
    }
  append_reply (self, delta);
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  TgPromptView *self = request->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgAiResponse) response = NULL;
  gboolean cancel_had_focus;

  response = tg_ai_client_send_finish (TG_AI_CLIENT (source), result, &error);

  /* Disposed meanwhile: nothing to show it in. */
  if (self->cancellable != request->cancellable)
    return;

  /* Asked before Cancel is hidden, which moves the focus away. */
  cancel_had_focus = gtk_widget_is_focus (self->cancel_button);
  g_clear_object (&self->cancellable);
  set_waiting (self, FALSE);
  update_actions (self);

  if (response != NULL)
    {
      /* Without streaming the whole text comes at the end. */
      if (!self->got_first_delta && response->text != NULL)
        append_reply (self, response->text);
      show_summary (self, response);
      if (response->fallback_from != NULL)
        {
          g_autofree char *title = NULL;

          /* Translators: "OpenAI did not answer; Anthropic answered instead." */
          title = g_strdup_printf (_("%s did not answer; %s answered instead."),
                                   provider_name (self, response->fallback_from),
                                   provider_name (self, response->provider_id));
          emit_toast (self, title);
        }
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      gtk_label_set_label (self->summary_label,
                           _("Cancelled. The part of the reply that arrived is counted in Usage."));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->summary_label), NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->summary_label), TRUE);
    }
  else
    show_error (self, error);

  /* The keyboard goes where the next prompt is typed. */
  if (cancel_had_focus)
    gtk_widget_grab_focus (GTK_WIDGET (self->prompt_view));
}

static void
send_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TgPromptView *self = TG_PROMPT_VIEW (widget);
  TgAiRequest ai_request = TG_AI_REQUEST_INIT;
  g_autofree char *prompt = NULL;
  gboolean button_had_focus;
  Request *request;

  if (self->cancellable != NULL || self->client == NULL || prompt_is_blank (self))
    return;

  prompt = dup_text (self->prompt_view);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->reply_view), "", -1);
  gtk_widget_set_visible (self->reply_frame, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->summary_label), FALSE);

  self->cancellable = g_cancellable_new ();
  self->got_first_delta = FALSE;
  set_waiting (self, TRUE);
  /* A focused Send or Try Again is about to disappear: Cancel, in Send's
   * place, takes the focus. Ctrl+Enter in the prompt leaves it there. */
  button_had_focus = gtk_widget_is_focus (self->send_button) ||
                     gtk_widget_is_focus (GTK_WIDGET (self->error_button));
  update_actions (self);
  hide_error (self);
  if (button_had_focus)
    gtk_widget_grab_focus (self->cancel_button);

  request = g_new0 (Request, 1);
  request->self = g_object_ref (self);
  request->cancellable = g_object_ref (self->cancellable);

  ai_request.prompt = prompt;
  ai_request.source = TG_USAGE_SOURCE_APP;
  tg_ai_client_send_async (self->client, &ai_request, delta_cb, request,
                           self->cancellable, send_cb, request);
}

static void
cancel_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TgPromptView *self = TG_PROMPT_VIEW (widget);

  /* The client records what arrived so far as a cancelled attempt. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

/* Budget alerts */

static void
budget_threshold_crossed_cb (TgPromptView       *self,
                             guint               percent,
                             TgBudgetStatus     *status,
                             TgAnalyticsService *analytics)
{
  g_autofree char *title = NULL;

  /* Reaching the whole budget is ::budget-exceeded's notice. */
  if (percent >= 100)
    return;

  switch (status->period)
    {
    case TG_BUDGET_PERIOD_DAILY:
      title = g_strdup_printf (_("You have used %u %% of today’s budget"), percent);
      break;
    case TG_BUDGET_PERIOD_WEEKLY:
      title = g_strdup_printf (_("You have used %u %% of this week’s budget"), percent);
      break;
    case TG_BUDGET_PERIOD_MONTHLY:
    default:
      title = g_strdup_printf (_("You have used %u %% of this month’s budget"), percent);
      break;
    }
  emit_toast (self, title);
}

static void
budget_exceeded_cb (TgPromptView       *self,
                    TgBudgetStatus     *status,
                    TgAnalyticsService *analytics)
{
  const char *title;

  switch (status->period)
    {
    case TG_BUDGET_PERIOD_DAILY:
      title = _("You have used all of today’s budget");
      break;
    case TG_BUDGET_PERIOD_WEEKLY:
      title = _("You have used all of this week’s budget");
      break;
    case TG_BUDGET_PERIOD_MONTHLY:
    default:
      title = _("You have used all of this month’s budget");
      break;
    }
  emit_toast (self, title);
}

/* GtkWidget */

/* The window closed under a running request: nobody will read the rest of
 * the reply, so it is not paid for either. (The request keeps the view
 * alive until the client answers, so dispose would come too late.) */
static void
tg_prompt_view_unroot (GtkWidget *widget)
{
  TgPromptView *self = TG_PROMPT_VIEW (widget);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);

  GTK_WIDGET_CLASS (tg_prompt_view_parent_class)->unroot (widget);
}

/* GObject */

static void
disconnect_services (TgPromptView *self)
{
  if (self->config != NULL)
    g_signal_handlers_disconnect_by_data (self->config, self);
  if (self->analytics != NULL)
    g_signal_handlers_disconnect_by_data (self->analytics, self);
  g_clear_object (&self->client);
  g_clear_object (&self->config);
  g_clear_object (&self->analytics);
  g_clear_object (&self->catalog);
}

static void
tg_prompt_view_dispose (GObject *object)
{
  TgPromptView *self = TG_PROMPT_VIEW (object);
  GtkWidget *child;

  /* The request's callback sees it is no longer awaited. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  disconnect_services (self);

  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_PROMPT_VIEW);
  /* The template's top widget has no id, so dispose_template() leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (tg_prompt_view_parent_class)->dispose (object);
}

static void
tg_prompt_view_class_init (TgPromptViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_prompt_view_dispose;
  widget_class->unroot = tg_prompt_view_unroot;

  signals[TOAST] =
    g_signal_new ("toast", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "prompt.send", NULL, send_activated);
  gtk_widget_class_install_action (widget_class, "prompt.cancel", NULL, cancel_activated);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tollgate/Tollgate/ui/tg-prompt-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TgPromptView, prompt_view);
  gtk_widget_class_bind_template_child (widget_class, TgPromptView, placeholder_label);
  gtk_widget_class_bind_template_child (widget_class, TgPromptView, model_label);
  gtk_widget_class_bind_template_child (widget_class, TgPromptView, spinner);
  gtk_widget_class_bind_template_child (widget_class, TgPromptView, send_button);
  gtk_widget_class_bind_template_child (widget_class, TgPromptView, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TgPromptView, error_box);
  gtk_widget_class_bind_template_child (widget_class, TgPromptView, error_label);
  gtk_widget_class_bind_template_child (widget_class, TgPromptView, error_button);
  gtk_widget_class_bind_template_child (widget_class, TgPromptView, reply_frame);
  gtk_widget_class_bind_template_child (widget_class, TgPromptView, reply_view);
  gtk_widget_class_bind_template_child (widget_class, TgPromptView, summary_label);
}

static void
tg_prompt_view_init (TgPromptView *self)
{
  GtkEventController *shortcuts;
  GtkShortcutTrigger *send_trigger;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Capture phase: the prompt's text view would take Ctrl+Enter as a new line. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  send_trigger = gtk_alternative_trigger_new (gtk_keyval_trigger_new (GDK_KEY_Return, GDK_CONTROL_MASK),
                                              gtk_keyval_trigger_new (GDK_KEY_KP_Enter, GDK_CONTROL_MASK));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (send_trigger, gtk_named_action_new ("prompt.send")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_named_action_new ("prompt.cancel")));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  g_signal_connect_object (gtk_text_view_get_buffer (self->prompt_view), "changed",
                           G_CALLBACK (prompt_changed_cb), self, G_CONNECT_SWAPPED);
  update_actions (self);
}

GtkWidget *
tg_prompt_view_new (void)
{
  return g_object_new (TG_TYPE_PROMPT_VIEW, NULL);
}

void
tg_prompt_view_set_services (TgPromptView       *self,
                             TgAiClient         *client,
                             TgConfigService    *config,
                             TgAnalyticsService *analytics,
                             TgCatalog          *catalog)
{
  g_return_if_fail (TG_IS_PROMPT_VIEW (self));
  g_return_if_fail (client == NULL || TG_IS_AI_CLIENT (client));
  g_return_if_fail (config == NULL || TG_IS_CONFIG_SERVICE (config));
  g_return_if_fail (analytics == NULL || TG_IS_ANALYTICS_SERVICE (analytics));
  g_return_if_fail (catalog == NULL || TG_IS_CATALOG (catalog));

  disconnect_services (self);
  g_set_object (&self->client, client);
  g_set_object (&self->config, config);
  g_set_object (&self->analytics, analytics);
  g_set_object (&self->catalog, catalog);

  if (config != NULL)
    g_signal_connect_object (config, "changed", G_CALLBACK (config_changed_cb), self, G_CONNECT_SWAPPED);
  if (analytics != NULL)
    {
      g_signal_connect_object (analytics, "budget-threshold-crossed",
                               G_CALLBACK (budget_threshold_crossed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (analytics, "budget-exceeded",
                               G_CALLBACK (budget_exceeded_cb), self, G_CONNECT_SWAPPED);
    }

  update_model_label (self);
  update_actions (self);
}

gboolean
tg_prompt_view_is_busy (TgPromptView *self)
{
  g_return_val_if_fail (TG_IS_PROMPT_VIEW (self), FALSE);
  return self->cancellable != NULL;
}

/* Private: for the tests */

GtkTextView *
tg_prompt_view_get_prompt_view (TgPromptView *self)
{
  return self->prompt_view;
}

char *
tg_prompt_view_dup_reply_text (TgPromptView *self)
{
  return dup_text (self->reply_view);
}

GtkLabel *
tg_prompt_view_get_model_label (TgPromptView *self)
{
  return self->model_label;
}

GtkLabel *
tg_prompt_view_get_summary_label (TgPromptView *self)
{
  return self->summary_label;
}

GtkWidget *
tg_prompt_view_get_send_button (TgPromptView *self)
{
  return self->send_button;
}

GtkWidget *
tg_prompt_view_get_cancel_button (TgPromptView *self)
{
  return self->cancel_button;
}

GtkWidget *
tg_prompt_view_get_error_box (TgPromptView *self)
{
  return self->error_box;
}

GtkLabel *
tg_prompt_view_get_error_label (TgPromptView *self)
{
  return self->error_label;
}

GtkButton *
tg_prompt_view_get_error_button (TgPromptView *self)
{
  return self->error_button;
}
