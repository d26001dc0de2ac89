/* test-prompt-view.c: TgPromptView with real services on a test store, asking
 * the mock provider (run under tests/run-headless: Xvfb, a private session bus
 * and an unlocked gnome-keyring). Provider ids start with "prompt-": test
 * binaries share one keyring. */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tg-ai-client.h"
#include "tg-analytics-service.h"
#include "tg-catalog.h"
#include "tg-config-service.h"
#include "tg-db.h"
#include "tg-health-monitor.h"
#include "tg-mock-provider.h"
#include "tg-prompt-view.h"
#include "tg-prompt-view-private.h"
#include "tg-secret-store.h"
#include "tg-test-utils.h"
#include "tg-ui-test-utils.h"
#include "tg-usage-writer.h"

/* Generous: valgrind (docs/testing.md) slows everything down many times. */
#define WAIT_TIMEOUT_US (100 * G_USEC_PER_SEC)

typedef struct {
  char               *data_dir;
  TgMockProvider     *mock;
  TgDb               *db;
  TgCatalog          *catalog;
  TgSecretStore      *secrets;
  TgConfigService    *config;
  TgAnalyticsService *analytics;
  TgHealthMonitor    *health;
  TgAiClient         *client;
  GtkWindow          *window;
  TgPromptView       *view;
  GPtrArray          *toasts;   /* the ::toast titles, in order */
} Fixture;

/* Two providers answering as OpenAI and Anthropic, and one that never gets a key. */
static void
write_catalog (Fixture *fixture)
{
  g_autofree char *openai = tg_mock_provider_get_base_url (fixture->mock, TG_MOCK_FORMAT_OPENAI);
  g_autofree char *anthropic = tg_mock_provider_get_base_url (fixture->mock, TG_MOCK_FORMAT_ANTHROPIC);
  g_autofree char *path = g_build_filename (fixture->data_dir, "catalog.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GString) json = g_string_new ("{\"format_version\":1,\"providers\":[");
  g_autoptr(GError) error = NULL;
  const struct { const char *id, *name, *wire, *base, *auth, *health, *model, *model_name; } providers[] = {
    { "prompt-openai", "Prompt OpenAI", "openai", openai, "bearer", "/models", "prompt-gpt", "Prompt GPT" },
    { "prompt-anthropic", "Prompt Anthropic", "anthropic", anthropic, "x-api-key", "/v1/models",
      "prompt-claude", "Prompt Claude" },
    { "prompt-nokey", "Prompt Keyless", "openai", openai, "bearer", "/models", "prompt-nokey-model", "Nokey" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
    g_string_append_printf (json,
      "%s{\"id\":\"%s\",\"name\":\"%s\",\"wire_format\":\"%s\",\"base_url\":\"%s\","
      "\"auth\":\"%s\",\"health_path\":\"%s\",\"docs_url\":\"https://example.com/docs\","
      "\"pricing_url\":\"https://example.com/pricing\",\"prices_as_of\":\"2026-11-01\","
      "\"local\":false,\"default_model\":\"%s\",\"models\":[{\"id\":\"%s\",\"name\":\"%s\","
      "\"context_window\":128000,\"max_output\":8192,"
      "\"price\":{\"input\":\"2.00\",\"output\":\"8.00\",\"cached_input\":\"0.50\"},"
      "\"capabilities\":[\"streaming\"]}]}",
      i ? "," : "", providers[i].id, providers[i].name, providers[i].wire, providers[i].base,
      providers[i].auth, providers[i].health, providers[i].model, providers[i].model, providers[i].model_name);
  g_string_append (json, "]}");

  g_assert_true (g_file_set_contents (path, json->str, -1, NULL));
  g_assert_true (tg_catalog_load_file (fixture->catalog, file, &error));
  g_assert_no_error (error);
  g_assert_true (tg_catalog_sync_to_db (fixture->catalog, fixture->db, &error));
  g_assert_no_error (error);
}

static void
toast_cb (TgPromptView *view,
          const char   *title,
          Fixture      *fixture)
{
  g_ptr_array_add (fixture->toasts, g_strdup (title));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  /* Two failures in a row open a circuit (the provider-down case). */
  static const TgCircuitBreakerConfig circuit = { 10, 5, 50, 2, 60000, 600000, 1 };
  g_autoptr(GError) error = NULL;
  gboolean deleted;

  fixture->data_dir = tg_test_make_data_dir ();
  fixture->mock = tg_mock_provider_new ();
  g_assert_true (tg_mock_provider_start (fixture->mock, 0, &error));
  g_assert_no_error (error);

  fixture->db = tg_db_open_default (&error);
  g_assert_no_error (error);
  fixture->catalog = tg_catalog_new ();
  write_catalog (fixture);

  fixture->secrets = tg_secret_store_new ();
  g_assert_true (tg_secret_store_store_sync (fixture->secrets, "prompt-openai", "sk-prompt-test-1", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tg_secret_store_store_sync (fixture->secrets, "prompt-anthropic", "sk-prompt-test-2", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tg_secret_store_delete_sync (fixture->secrets, "prompt-nokey", &deleted, NULL, &error));
  g_assert_no_error (error);

  fixture->config = tg_config_service_new (fixture->db, fixture->catalog);
  fixture->analytics = tg_analytics_service_new (fixture->db, fixture->catalog, fixture->config);
  fixture->health = tg_health_monitor_new (fixture->db, fixture->catalog, fixture->secrets);
  tg_health_monitor_set_circuit_config (fixture->health, &circuit);
  fixture->client = tg_ai_client_new (fixture->db, fixture->catalog, fixture->secrets);
  tg_ai_client_set_services (fixture->client, fixture->config, fixture->analytics, fixture->health);
  /* One attempt per provider: the retry policy is test-ai-client's business. */
  tg_ai_client_set_retry_policy (fixture->client, 1, 10, 40, 5000);

  g_assert_true (tg_config_service_set_default_provider (fixture->config, "prompt-openai", NULL, &error));
  g_assert_no_error (error);

  fixture->toasts = g_ptr_array_new_with_free_func (g_free);
  fixture->view = TG_PROMPT_VIEW (tg_prompt_view_new ());
  g_signal_connect (fixture->view, "toast", G_CALLBACK (toast_cb), fixture);
  tg_prompt_view_set_services (fixture->view, fixture->client, fixture->config,
                               fixture->analytics, fixture->catalog);

  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, 700, 600);
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->view));
  gtk_window_present (fixture->window);
  tg_ui_test_wait_until_mapped (GTK_WIDGET (fixture->view));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_clear_pointer (&fixture->window, gtk_window_destroy);
  /* The view may still hold a request's reference until the client answers it. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&fixture->toasts, g_ptr_array_unref);
  g_clear_object (&fixture->client);
  g_clear_object (&fixture->health);
  g_clear_object (&fixture->analytics);
  g_clear_object (&fixture->config);
  g_clear_object (&fixture->secrets);
  g_clear_object (&fixture->catalog);
  g_clear_object (&fixture->db);
  tg_mock_provider_stop (fixture->mock);
  g_clear_object (&fixture->mock);
  g_clear_pointer (&fixture->data_dir, g_free);
}

/* Helpers */

typedef gboolean (*Condition) (Fixture *fixture);

static void
wait_for (Fixture    *fixture,
          Condition   condition,
          const char *what)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_US;

  while (!condition (fixture))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gboolean
is_idle (Fixture *fixture)
{
  return !tg_prompt_view_is_busy (fixture->view);
}

static gboolean
has_reply_text (Fixture *fixture)
{
  g_autofree char *text = tg_prompt_view_dup_reply_text (fixture->view);

  return *text != '\0';
}

static void
set_prompt (Fixture    *fixture,
            const char *text)
{
  GtkTextView *prompt = tg_prompt_view_get_prompt_view (fixture->view);

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (prompt), text, -1);
}

static gboolean
send_enabled (Fixture *fixture)
{
  return gtk_widget_get_sensitive (tg_prompt_view_get_send_button (fixture->view));
}

static void
send_and_wait (Fixture *fixture)
{
  g_assert_true (send_enabled (fixture));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->view), "prompt.send", NULL));
  g_assert_true (tg_prompt_view_is_busy (fixture->view));
  wait_for (fixture, is_idle, "the reply");
  /* The answer's row, and the budget alerts that follow it, come after the
   * reply: once the writer thread is done, their completions are queued here. */
  tg_usage_writer_flush (tg_db_get_usage_writer (fixture->db));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static GPtrArray *
usage_rows (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows;

  /* An answer's row is written after the reply, on the writer thread. */
  tg_usage_writer_flush (tg_db_get_usage_writer (fixture->db));
  rows = tg_db_list_usage (fixture->db, 0, G_MAXINT64, 0, &error);
  g_assert_no_error (error);
  return rows;
}

static guint
completions (Fixture      *fixture,
             TgMockFormat  format)
{
  return tg_mock_provider_get_request_count (fixture->mock, format, TG_MOCK_ENDPOINT_COMPLETION);
}

static void
press_shortcut (Fixture    *fixture,
                const char *accelerator)
{
  GtkEventController *controller = NULL;
  GtkShortcut *shortcut = tg_ui_test_find_shortcut (GTK_WIDGET (fixture->view), accelerator, &controller);

  /* Capture: before the prompt's text view could take the key. */
  g_assert_cmpint (gtk_event_controller_get_propagation_phase (controller), ==, GTK_PHASE_CAPTURE);
  g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0,
                                               GTK_WIDGET (fixture->view), NULL));
}

/* Tests */

/* The reply streams in while the request runs, then the summary gives the
 * provider's exact counts and their cost, in the command line's wording. */
static void
test_send_streams (Fixture       *fixture,
                   gconstpointer  user_data)
{
  static const TgMockUsage usage = { .input = 1200, .output = 340, .cached = 200 };
  TgMockReply reply = { .text = "Write-ahead logging keeps readers and the writer apart.", .n_chunks = 5,
                        .chunk_delay_ms = 150, .usage = &usage };
  GtkLabel *summary = tg_prompt_view_get_summary_label (fixture->view);
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  g_assert_cmpstr (gtk_label_get_label (tg_prompt_view_get_model_label (fixture->view)), ==,
                   "Asking Prompt OpenAI · Prompt GPT");

  tg_mock_provider_enqueue (fixture->mock, TG_MOCK_FORMAT_OPENAI, &reply);
  set_prompt (fixture, "Explain WAL mode in one line.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->view), "prompt.send", NULL));

  /* While it runs: Cancel in Send's place, the text arriving piece by piece. */
  g_assert_true (tg_prompt_view_is_busy (fixture->view));
  g_assert_false (gtk_widget_get_visible (tg_prompt_view_get_send_button (fixture->view)));
  g_assert_true (gtk_widget_get_visible (tg_prompt_view_get_cancel_button (fixture->view)));
  wait_for (fixture, has_reply_text, "the first piece of the reply");
  g_assert_true (tg_prompt_view_is_busy (fixture->view));
  text = tg_prompt_view_dup_reply_text (fixture->view);
  g_assert_cmpstr (text, !=, reply.text);
  g_assert_true (g_str_has_prefix (reply.text, text));
  g_clear_pointer (&text, g_free);

  wait_for (fixture, is_idle, "the whole reply");
  text = tg_prompt_view_dup_reply_text (fixture->view);
  g_assert_cmpstr (text, ==, reply.text);
  g_assert_true (gtk_widget_get_visible (tg_prompt_view_get_send_button (fixture->view)));
  g_assert_false (gtk_widget_get_visible (tg_prompt_view_get_cancel_button (fixture->view)));
  g_assert_false (gtk_widget_get_visible (tg_prompt_view_get_error_box (fixture->view)));

  /* 1000 uncached × $2 + 200 cached × $0.50 + 340 out × $8 per 1M = $0.00482. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (summary)));
  g_assert_true (g_str_has_prefix (gtk_label_get_label (summary),
                                   "Prompt OpenAI · Prompt GPT · 1200 in (200 cached) / 340 out tokens · $0.00482 · first token "));
  g_assert_nonnull (strstr (gtk_label_get_label (summary), " · total "));
  g_assert_null (gtk_widget_get_tooltip_text (GTK_WIDGET (summary)));
  g_assert_cmpuint (fixture->toasts->len, ==, 0);

  rows = usage_rows (fixture);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (((TgUsageRecord *) g_ptr_array_index (rows, 0))->outcome, ==, "ok");
  g_assert_cmpint (((TgUsageRecord *) g_ptr_array_index (rows, 0))->cost_micros, ==, 4820);
}

/* A provider that reports no usage: the counts are estimates, marked "~",
 * and the tooltip says so. */
static void
test_estimated_tokens (Fixture       *fixture,
                       gconstpointer  user_data)
{
  TgMockReply reply = { .omit_usage = TRUE };
  GtkLabel *summary = tg_prompt_view_get_summary_label (fixture->view);
  const char *tooltip;

  tg_mock_provider_enqueue (fixture->mock, TG_MOCK_FORMAT_OPENAI, &reply);
  set_prompt (fixture, "Hello?");
  send_and_wait (fixture);

  g_assert_true (g_str_has_prefix (gtk_label_get_label (summary), "Prompt OpenAI · Prompt GPT · ~"));
  g_assert_nonnull (strstr (gtk_label_get_label (summary), " out tokens · ~$"));
  tooltip = gtk_widget_get_tooltip_text (GTK_WIDGET (summary));
  g_assert_nonnull (tooltip);
  g_assert_nonnull (strstr (tooltip, "Estimated"));
}

/* Ctrl+Enter sends; Escape stops a reply mid-stream, keeps what arrived and
 * the attempt is recorded as cancelled. */
static void
test_shortcuts_send_and_cancel (Fixture       *fixture,
                                gconstpointer  user_data)
{
  static const TgMockUsage usage = { .input = 500, .output = 40 };
  TgMockReply slow = { .text = "one two three four five six seven eight", .n_chunks = 8,
                       .chunk_delay_ms = 300, .usage = &usage };
  GtkLabel *summary = tg_prompt_view_get_summary_label (fixture->view);
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  TgUsageRecord *row;

  tg_mock_provider_enqueue (fixture->mock, TG_MOCK_FORMAT_OPENAI, &slow);
  set_prompt (fixture, "Count to eight.");

  /* Escape while idle does nothing. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->view), "prompt.cancel", NULL);
  g_assert_false (tg_prompt_view_is_busy (fixture->view));

  press_shortcut (fixture, "<Control>Return");
  g_assert_true (tg_prompt_view_is_busy (fixture->view));
  wait_for (fixture, has_reply_text, "the first piece of the reply");

  press_shortcut (fixture, "Escape");
  wait_for (fixture, is_idle, "the cancellation");

  text = tg_prompt_view_dup_reply_text (fixture->view);
  g_assert_cmpstr (text, !=, "");
  g_assert_cmpstr (text, !=, slow.text);
  g_assert_true (g_str_has_prefix (slow.text, text));
  g_assert_true (g_str_has_prefix (gtk_label_get_label (summary), "Cancelled."));
  g_assert_false (gtk_widget_get_visible (tg_prompt_view_get_error_box (fixture->view)));
  g_assert_true (send_enabled (fixture));

  rows = usage_rows (fixture);
  g_assert_cmpuint (rows->len, ==, 1);
  row = g_ptr_array_index (rows, 0);
  g_assert_cmpstr (row->outcome, ==, "cancelled");
  g_assert_cmpint (row->output_tokens, >, 0);
}

/* Another provider answered: the summary names it, the toast says who failed. */
static void
test_fallback_toast (Fixture       *fixture,
                     gconstpointer  user_data)
{
  const char * const order[] = { "prompt-anthropic", NULL };
  TgMockReply overloaded = { .status = 503 };
  g_autoptr(GError) error = NULL;
  GtkLabel *summary = tg_prompt_view_get_summary_label (fixture->view);
  g_autofree char *text = NULL;

  g_assert_true (tg_config_service_set_fallback_order (fixture->config, order, &error));
  g_assert_no_error (error);
  tg_mock_provider_set_default_reply (fixture->mock, TG_MOCK_FORMAT_OPENAI, &overloaded);

  set_prompt (fixture, "Anyone there?");
  send_and_wait (fixture);

  text = tg_prompt_view_dup_reply_text (fixture->view);
  g_assert_cmpstr (text, ==, TG_MOCK_DEFAULT_TEXT);
  g_assert_true (g_str_has_prefix (gtk_label_get_label (summary), "Prompt Anthropic · Prompt Claude · 12 in / 8 out tokens · "));
  g_assert_cmpuint (fixture->toasts->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->toasts, 0), ==,
                   "Prompt OpenAI did not answer; Prompt Anthropic answered instead.");
}

static void
assert_error_shown (Fixture    *fixture,
                    const char *button_label,
                    const char *action,
                    const char *target)
{
  GtkButton *button = tg_prompt_view_get_error_button (fixture->view);
  GVariant *value = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (button));

  g_assert_true (gtk_widget_get_visible (tg_prompt_view_get_error_box (fixture->view)));
  g_assert_cmpstr (gtk_label_get_label (tg_prompt_view_get_error_label (fixture->view)), !=, "");
  g_assert_cmpstr (gtk_button_get_label (button), ==, button_label);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, action);
  if (target == NULL)
    g_assert_null (value);
  else
    g_assert_cmpstr (g_variant_get_string (value, NULL), ==, target);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (tg_prompt_view_get_summary_label (fixture->view))));
  /* The prompt can be sent again at once. */
  g_assert_true (send_enabled (fixture));
}

/* No key for the preferred provider: nothing is sent, and the error leads to
 * the preferences. */
static void
test_no_key (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  g_assert_true (tg_config_service_set_default_provider (fixture->config, "prompt-nokey", NULL, &error));
  g_assert_no_error (error);
  /* The label follows the preferences. */
  g_assert_cmpstr (gtk_label_get_label (tg_prompt_view_get_model_label (fixture->view)), ==,
                   "Asking Prompt Keyless · Nokey");

  set_prompt (fixture, "Hello?");
  send_and_wait (fixture);

  assert_error_shown (fixture, "_Add a Key", "app.preferences", NULL);
  g_assert_nonnull (strstr (gtk_label_get_label (tg_prompt_view_get_error_label (fixture->view)), "Prompt Keyless"));
  g_assert_cmpuint (completions (fixture, TG_MOCK_FORMAT_OPENAI), ==, 0);
  rows = usage_rows (fixture);
  g_assert_cmpuint (rows->len, ==, 0);
}

/* Spending past the hard limit: budget alerts as toasts, then the next
 * prompt is refused with the spend and the limit, and a way to the budget. */
static void
test_budget_exhausted (Fixture       *fixture,
                       gconstpointer  user_data)
{
  static const guint thresholds[] = { 50, 80, 100 };
  g_autoptr(GError) error = NULL;
  GtkLabel *error_label = tg_prompt_view_get_error_label (fixture->view);

  /* $0.0001 a day; the mock's default reply costs $0.000088, two of them more. */
  g_assert_true (tg_config_service_set_budget (fixture->config, 100, TG_BUDGET_PERIOD_DAILY, &error));
  g_assert_no_error (error);
  g_assert_true (tg_config_service_set_alert_thresholds (fixture->config, thresholds, G_N_ELEMENTS (thresholds), &error));
  g_assert_no_error (error);
  g_assert_true (tg_config_service_set_hard_limit (fixture->config, TRUE, &error));
  g_assert_no_error (error);

  set_prompt (fixture, "First.");
  send_and_wait (fixture);
  g_assert_cmpuint (fixture->toasts->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fixture->toasts, 0), ==, "You have used 50 % of today’s budget");
  g_assert_cmpstr (g_ptr_array_index (fixture->toasts, 1), ==, "You have used 80 % of today’s budget");

  send_and_wait (fixture);
  g_assert_cmpuint (fixture->toasts->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (fixture->toasts, 2), ==, "You have used all of today’s budget");
  g_assert_cmpuint (completions (fixture, TG_MOCK_FORMAT_OPENAI), ==, 2);

  send_and_wait (fixture);
  assert_error_shown (fixture, "_Open Preferences", "app.preferences", NULL);
  g_assert_nonnull (strstr (gtk_label_get_label (error_label), "$0.0001"));
  g_assert_cmpuint (completions (fixture, TG_MOCK_FORMAT_OPENAI), ==, 2);
  /* A refusal clears the previous reply: it is not this prompt's. */
  g_assert_false (has_reply_text (fixture));
}

/* The preferred provider's circuit is open and there is no fallback: the way
 * out is the Providers page. */
static void
test_provider_down (Fixture       *fixture,
                    gconstpointer  user_data)
{
  tg_health_monitor_report (fixture->health, "prompt-openai", FALSE, 100, 500, "server");
  tg_health_monitor_report (fixture->health, "prompt-openai", FALSE, 100, 500, "server");

  set_prompt (fixture, "Hello?");
  send_and_wait (fixture);

  assert_error_shown (fixture, "S_ee Providers", "win.show-page", "providers");
  g_assert_cmpuint (completions (fixture, TG_MOCK_FORMAT_OPENAI), ==, 0);
}

/* A failure of the provider itself: Try Again sends the same prompt again. */
static void
test_provider_error_try_again (Fixture       *fixture,
                               gconstpointer  user_data)
{
  TgMockReply bad_request = { .status = 400, .error_message = "The model is confused." };
  g_autofree char *text = NULL;

  tg_mock_provider_enqueue (fixture->mock, TG_MOCK_FORMAT_OPENAI, &bad_request);
  set_prompt (fixture, "Hello?");
  send_and_wait (fixture);

  assert_error_shown (fixture, "_Try Again", "prompt.send", NULL);
  g_assert_nonnull (strstr (gtk_label_get_label (tg_prompt_view_get_error_label (fixture->view)),
                            "The model is confused."));

  /* The button's action, as a click activates it. */
  g_signal_emit_by_name (tg_prompt_view_get_error_button (fixture->view), "clicked");
  g_assert_true (tg_prompt_view_is_busy (fixture->view));
  g_assert_false (gtk_widget_get_visible (tg_prompt_view_get_error_box (fixture->view)));
  wait_for (fixture, is_idle, "the second reply");
  text = tg_prompt_view_dup_reply_text (fixture->view);
  g_assert_cmpstr (text, ==, TG_MOCK_DEFAULT_TEXT);
  g_assert_cmpuint (completions (fixture, TG_MOCK_FORMAT_OPENAI), ==, 2);
}

/* The keyboard focus never falls off: a clicked Send hands it to Cancel,
 * which hands it to the prompt when the reply is in; Ctrl+Enter in the
 * prompt leaves it there. */
static void
test_focus (Fixture       *fixture,
            gconstpointer  user_data)
{
  GtkWidget *prompt = GTK_WIDGET (tg_prompt_view_get_prompt_view (fixture->view));
  GtkWidget *send = tg_prompt_view_get_send_button (fixture->view);
  GtkWidget *cancel = tg_prompt_view_get_cancel_button (fixture->view);

  set_prompt (fixture, "Hello?");
  g_assert_true (gtk_widget_grab_focus (send));
  g_signal_emit_by_name (send, "clicked");
  g_assert_true (tg_prompt_view_is_busy (fixture->view));
  g_assert_true (gtk_widget_is_focus (cancel));
  wait_for (fixture, is_idle, "the reply");
  g_assert_true (gtk_widget_is_focus (prompt));

  press_shortcut (fixture, "<Control>Return");
  g_assert_true (tg_prompt_view_is_busy (fixture->view));
  g_assert_true (gtk_widget_is_focus (prompt));
  wait_for (fixture, is_idle, "the second reply");
  g_assert_true (gtk_widget_is_focus (prompt));
}

/* What assistive technologies are told: the two text areas are named, the
 * error is an alert, the spinner says what it waits for. */
static void
test_accessibility (Fixture       *fixture,
                    gconstpointer  user_data)
{
  GtkTextView *prompt = tg_prompt_view_get_prompt_view (fixture->view);
  g_autoptr(GPtrArray) views = tg_ui_test_find_widgets (GTK_WIDGET (fixture->view), GTK_TYPE_TEXT_VIEW);
  g_autoptr(GPtrArray) spinners = tg_ui_test_find_widgets (GTK_WIDGET (fixture->view), GTK_TYPE_SPINNER);

  g_assert_cmpuint (views->len, ==, 2);
  g_assert_true (g_ptr_array_index (views, 0) == prompt);
  gtk_test_accessible_assert_property (prompt, GTK_ACCESSIBLE_PROPERTY_LABEL, "Prompt");
  gtk_test_accessible_assert_property (prompt, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, "Press Ctrl+Enter to send");
  gtk_test_accessible_assert_property (g_ptr_array_index (views, 1), GTK_ACCESSIBLE_PROPERTY_LABEL, "Reply");
  g_assert_false (gtk_text_view_get_editable (g_ptr_array_index (views, 1)));
  gtk_test_accessible_assert_role (tg_prompt_view_get_error_box (fixture->view), GTK_ACCESSIBLE_ROLE_ALERT);
  g_assert_cmpuint (spinners->len, ==, 1);
  gtk_test_accessible_assert_property (g_ptr_array_index (spinners, 0), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Waiting for the reply");
}

/* Without a default provider the client takes the first one with a key. */
static void
test_model_label_without_default (Fixture       *fixture,
                                  gconstpointer  user_data)
{
  GtkLabel *model = tg_prompt_view_get_model_label (fixture->view);
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_config_service_set_default_provider (fixture->config, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (gtk_label_get_label (model), ==, "The first provider with a key will answer");

  g_assert_true (tg_config_service_set_default_provider (fixture->config, "prompt-anthropic", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (gtk_label_get_label (model), ==, "Asking Prompt Anthropic · Prompt Claude");
}

static gboolean
has_cancelled_row (Fixture *fixture)
{
  g_autoptr(GPtrArray) rows = usage_rows (fixture);

  return rows->len == 1 && g_str_equal (((TgUsageRecord *) g_ptr_array_index (rows, 0))->outcome, "cancelled");
}

/* The window closes while a reply streams: the request is cancelled (nobody
 * reads the rest) and recorded as such, and the view goes with the request. */
static void
test_destroyed_mid_request (Fixture       *fixture,
                            gconstpointer  user_data)
{
  TgMockReply slow = { .text = "one two three four five six seven eight", .n_chunks = 8,
                       .chunk_delay_ms = 300 };
  GWeakRef view_ref;

  tg_mock_provider_enqueue (fixture->mock, TG_MOCK_FORMAT_OPENAI, &slow);
  set_prompt (fixture, "Count to eight.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->view), "prompt.send", NULL));
  wait_for (fixture, has_reply_text, "the first piece of the reply");

  g_weak_ref_init (&view_ref, fixture->view);
  g_clear_pointer (&fixture->window, gtk_window_destroy);
  fixture->view = NULL;
  wait_for (fixture, has_cancelled_row, "the cancelled attempt's row");
  /* The request's reference was the last one. */
  for (guint i = 0; i < 100; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (g_weak_ref_get (&view_ref));
  g_weak_ref_clear (&view_ref);
}

/* Send needs something to send, and something to send it with. */
static void
test_send_needs_prompt (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_assert_false (send_enabled (fixture));
  set_prompt (fixture, "  \n\t ");
  g_assert_false (send_enabled (fixture));
  /* The action refuses too, not only the button. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->view), "prompt.send", NULL);
  g_assert_false (tg_prompt_view_is_busy (fixture->view));

  set_prompt (fixture, "Hi");
  g_assert_true (send_enabled (fixture));
  set_prompt (fixture, "");
  g_assert_false (send_enabled (fixture));

  /* Without a client nothing can be sent. */
  set_prompt (fixture, "Hi");
  tg_prompt_view_set_services (fixture->view, NULL, NULL, NULL, NULL);
  g_assert_false (send_enabled (fixture));
  g_assert_cmpstr (gtk_label_get_label (tg_prompt_view_get_model_label (fixture->view)), ==, "");
  g_assert_cmpuint (completions (fixture, TG_MOCK_FORMAT_OPENAI), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  tg_ui_test_init (&argc, &argv);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/prompt-view/send-streams", test_send_streams);
  ADD ("/prompt-view/estimated-tokens", test_estimated_tokens);
  ADD ("/prompt-view/shortcuts-send-and-cancel", test_shortcuts_send_and_cancel);
  ADD ("/prompt-view/fallback-toast", test_fallback_toast);
  ADD ("/prompt-view/no-key", test_no_key);
  ADD ("/prompt-view/budget-exhausted", test_budget_exhausted);
  ADD ("/prompt-view/provider-down", test_provider_down);
  ADD ("/prompt-view/provider-error-try-again", test_provider_error_try_again);
  ADD ("/prompt-view/send-needs-prompt", test_send_needs_prompt);
  ADD ("/prompt-view/focus", test_focus);
  ADD ("/prompt-view/accessibility", test_accessibility);
  ADD ("/prompt-view/model-label-without-default", test_model_label_without_default);
  ADD ("/prompt-view/destroyed-mid-request", test_destroyed_mid_request);
#undef ADD

  return g_test_run ();
}
