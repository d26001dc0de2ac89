/* test-provider-selector.c: TgProviderSelector against a real catalogue, store
 * and keyring (run under tests/run-headless: Xvfb, a private session bus and an
 * unlocked gnome-keyring). */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tg-catalog.h"
#include "tg-db.h"
#include "tg-provider-selector.h"
#include "tg-provider-selector-private.h"
#include "tg-secret-store.h"
#include "tg-test-utils.h"
#include "tg-ui-test-utils.h"

/* Three providers: a priced one with two models, one whose name would be bad
 * markup, and a local one with a free model. */
static const char fixture_json[] =
  "{\n"
  "  \"format_version\": 1,\n"
  "  \"providers\": [\n"
  "    {\n"
  "      \"id\": \"alpha\", \"name\": \"Alpha AI\", \"wire_format\": \"openai\",\n"
  "      \"base_url\": \"https://alpha.invalid/v1\", \"auth\": \"bearer\", \"health_path\": \"/models\",\n"
  "      \"docs_url\": \"https://alpha.invalid/docs\", \"pricing_url\": \"https://alpha.invalid/pricing\",\n"
  "      \"prices_as_of\": \"2025-01-15\", \"local\": false, \"default_model\": \"alpha-large\",\n"
  "      \"models\": [\n"
  "        { \"id\": \"alpha-large\", \"name\": \"Alpha Large\", \"context_window\": 1048576, \"max_output\": 16384,\n"
  "          \"price\": { \"input\": \"2.50\", \"output\": \"10.00\", \"cached_input\": \"1.25\" },\n"
  "          \"capabilities\": [\"streaming\", \"tools\", \"vision\", \"json\"] },\n"
  "        { \"id\": \"alpha-small\", \"name\": \"Alpha Small\", \"context_window\": 131072, \"max_output\": 8192,\n"
  "          \"price\": { \"input\": \"0.15\", \"output\": \"0.60\" },\n"
  "          \"capabilities\": [\"streaming\"] }\n"
  "      ]\n"
  "    },\n"
  "    {\n"
  "      \"id\": \"beta\", \"name\": \"Beta & <Co>\", \"wire_format\": \"anthropic\",\n"
  "      \"base_url\": \"https://beta.invalid\", \"auth\": \"x-api-key\", \"health_path\": \"/v1/models\",\n"
  "      \"docs_url\": \"https://beta.invalid/docs\", \"pricing_url\": \"https://beta.invalid/pricing\",\n"
  "      \"prices_as_of\": \"2025-02-01\", \"local\": false, \"default_model\": \"beta-one\",\n"
  "      \"models\": [\n"
  "        { \"id\": \"beta-one\", \"name\": \"Beta One\", \"context_window\": 200000, \"max_output\": 64000,\n"
  "          \"price\": { \"input\": \"3.00\", \"output\": \"15.00\", \"cached_input\": \"0.30\" },\n"
  "          \"capabilities\": [\"streaming\", \"tools\"] }\n"
  "      ]\n"
  "    },\n"
  "    {\n"
  "      \"id\": \"homebox\", \"name\": \"Home Box\", \"wire_format\": \"ollama\",\n"
  "      \"base_url\": \"http://localhost:11434\", \"auth\": \"none\", \"health_path\": \"/api/tags\",\n"
  "      \"docs_url\": \"https://homebox.invalid/docs\", \"pricing_url\": \"https://homebox.invalid/license\",\n"
  "      \"prices_as_of\": \"2025-03-01\", \"local\": true, \"default_model\": \"tiny\",\n"
  "      \"models\": [\n"
  "        { \"id\": \"tiny\", \"name\": \"Tiny 1B\", \"context_window\": 32768, \"max_output\": 32768,\n"
  "          \"price\": { \"input\": \"0\", \"output\": \"0\" },\n"
  "          \"capabilities\": [\"streaming\", \"json\"] }\n"
  "      ]\n"
  "    }\n"
  "  ]\n"
  "}\n";

static const char *fixture_titles[] = { "Alpha AI", "Beta & <Co>", "Home Box" };

/* Only ever written to the keyring; it must never show up in the widget. */
#define TEST_KEY "sk-test-DO-NOT-SHOW-7f3a9c0e51"

static char *system_data_dirs;

typedef struct {
  char          *data_dir;
  TgDb          *db;
  TgCatalog     *catalog;
  TgSecretStore *secret_store;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;

  /* G_TEST_OPTION_ISOLATE_DIRS replaced XDG_DATA_DIRS too, which hides the
   * icon themes; the widgets should look up icons as they do for real. */
  g_setenv ("XDG_DATA_DIRS", system_data_dirs, TRUE);

  fixture->data_dir = tg_test_make_data_dir ();

  path = g_build_filename (fixture->data_dir, "fixture-catalog.json", NULL);
  g_assert_true (g_file_set_contents (path, fixture_json, -1, &error));
  g_assert_no_error (error);
  file = g_file_new_for_path (path);

  fixture->catalog = tg_catalog_new ();
  g_assert_true (tg_catalog_load_file (fixture->catalog, file, &error));
  g_assert_no_error (error);

  fixture->db = tg_db_open_default (&error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->db);
  g_assert_true (tg_catalog_sync_to_db (fixture->catalog, fixture->db, &error));
  g_assert_no_error (error);

  fixture->secret_store = tg_secret_store_new ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_clear_object (&fixture->secret_store);
  g_clear_object (&fixture->catalog);
  g_clear_object (&fixture->db);
  g_clear_pointer (&fixture->data_dir, g_free);
}

/* Helpers: the widget tree */

static GtkWidget *
find_row (GtkWidget  *root,
          GType       type,
          const char *title)
{
  g_autoptr(GPtrArray) rows = tg_ui_test_find_widgets (root, type);

  for (guint i = 0; i < rows->len; i++)
    {
      AdwPreferencesRow *row = g_ptr_array_index (rows, i);

      if (g_strcmp0 (adw_preferences_row_get_title (row), title) == 0)
        return GTK_WIDGET (row);
    }

  g_error ("no row titled “%s”", title);
  return NULL;
}

/* The provider rows in list order: model rows are action rows, so every
 * expander row is a provider. */
static GPtrArray *
find_provider_rows (GtkWidget *selector)
{
  g_autoptr(GPtrArray) all = tg_ui_test_find_widgets (selector, ADW_TYPE_EXPANDER_ROW);

  g_assert_cmpuint (all->len, >, 0);
  return g_steal_pointer (&all);
}

static GtkLabel *
find_label_with_class (GtkWidget  *root,
                       const char *css_class)
{
  g_autoptr(GPtrArray) labels = tg_ui_test_find_widgets (root, GTK_TYPE_LABEL);
  GtkLabel *found = NULL;

  for (guint i = 0; i < labels->len; i++)
    {
      GtkWidget *label = g_ptr_array_index (labels, i);

      if (gtk_widget_has_css_class (label, css_class))
        {
          g_assert_null (found);
          found = GTK_LABEL (label);
        }
    }

  return found;
}

/* The key status text a provider row shows, NULL when it shows none. */
static const char *
get_key_status (GtkWidget  *selector,
                const char *provider_title)
{
  GtkWidget *row = find_row (selector, ADW_TYPE_EXPANDER_ROW, provider_title);
  GtkLabel *label = find_label_with_class (row, "key-status-label");

  g_assert_nonnull (label);
  if (!gtk_widget_is_visible (GTK_WIDGET (label)))
    return NULL;
  return gtk_label_get_text (label);
}

/* Every string the tree shows or tells assistive technologies. */
static void
assert_text_absent (GtkWidget  *widget,
                    const char *needle)
{
  const char *tooltip = gtk_widget_get_tooltip_text (widget);

  if (GTK_IS_LABEL (widget))
    {
      g_assert_null (strstr (gtk_label_get_text (GTK_LABEL (widget)), needle));
      g_assert_null (strstr (gtk_label_get_label (GTK_LABEL (widget)), needle));
    }
  if (GTK_IS_EDITABLE (widget))
    g_assert_null (strstr (gtk_editable_get_text (GTK_EDITABLE (widget)), needle));
  if (ADW_IS_PREFERENCES_ROW (widget))
    g_assert_null (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), needle));
  if (tooltip != NULL)
    g_assert_null (strstr (tooltip, needle));

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    assert_text_absent (child, needle);
}

/* Helpers: the main loop */

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
set_flag (gboolean *flag)
{
  *flag = TRUE;
}

static void
wait_for_keys (GtkWidget *selector)
{
  gboolean refreshed = FALSE;
  gboolean timed_out = FALSE;
  gulong handler;
  guint timeout;

  handler = g_signal_connect_swapped (selector, "keys-refreshed", G_CALLBACK (set_flag), &refreshed);
  timeout = g_timeout_add_seconds (30, timeout_cb, &timed_out);

  while (!refreshed && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (timed_out);
  g_source_remove (timeout);
  g_signal_handler_disconnect (selector, handler);
}

static void
store_key_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
store_key (TgSecretStore *store,
           const char    *provider_id,
           const char    *key)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tg_secret_store_store_async (store, provider_id, key, NULL, store_key_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_true (tg_secret_store_store_finish (store, result, &error));
  g_assert_no_error (error);
}

/* Object data is freed in finalize, not in dispose (unlike weak pointers,
 * which g_object_run_dispose() already clears): it tells when an object is
 * really gone. */
static void
mark_finalized (gpointer data)
{
  *(gboolean *) data = TRUE;
}

static void
watch_finalize (gpointer  object,
                gboolean *finalized)
{
  *finalized = FALSE;
  g_object_set_data_full (G_OBJECT (object), "test-finalize-watch", finalized, mark_finalized);
}

/* Drops the last reference and checks that it was the last: no pending
 * keyring call or signal handler keeps the widget alive. */
static void
assert_finalizes (gpointer object)
{
  gboolean finalized;

  watch_finalize (object, &finalized);
  g_object_unref (object);
  g_assert_true (finalized);
}

static GtkWidget *
create_selector (Fixture *fixture)
{
  GtkWidget *selector = tg_provider_selector_new (fixture->catalog, fixture->secret_store);

  g_object_ref_sink (selector);
  return selector;
}

/* Tests: formatting */

static void
test_format_limits (void)
{
  TgModelCapabilities model = { 0 };
  g_autofree char *both = NULL;
  g_autofree char *million = NULL;
  g_autofree char *context_only = NULL;
  g_autofree char *none = NULL;

  model.context_window = 128000;
  model.max_output = 16384;
  both = tg_format_model_limits (&model);
  g_assert_cmpstr (both, ==, "128K context · 16K output");

  model.context_window = 1048576;
  model.max_output = 65536;
  million = tg_format_model_limits (&model);
  g_assert_cmpstr (million, ==, "1.05M context · 66K output");

  model.context_window = 200000;
  model.max_output = 0;
  context_only = tg_format_model_limits (&model);
  g_assert_cmpstr (context_only, ==, "200K context");

  model.context_window = 0;
  none = tg_format_model_limits (&model);
  g_assert_null (none);
}

static void
test_format_prices (void)
{
  TgModelCapabilities model = { 0 };
  g_autofree char *cached = NULL;
  g_autofree char *no_discount = NULL;
  g_autofree char *free_model = NULL;

  model.price_input_micros = 2500000;
  model.price_output_micros = 10000000;
  model.price_cached_input_micros = 1250000;
  cached = tg_format_model_prices (&model);
  g_assert_cmpstr (cached, ==, "$2.50 in · $10.00 out · $1.25 cached / 1M tokens");

  model.price_input_micros = 590000;
  model.price_output_micros = 790000;
  model.price_cached_input_micros = 590000;
  no_discount = tg_format_model_prices (&model);
  g_assert_cmpstr (no_discount, ==, "$0.59 in · $0.79 out / 1M tokens");

  model.price_input_micros = 0;
  model.price_output_micros = 0;
  model.price_cached_input_micros = 0;
  free_model = tg_format_model_prices (&model);
  g_assert_cmpstr (free_model, ==, "Free");
}

/* Tests: the widget */

static void
test_rows (Fixture       *fixture,
           gconstpointer  user_data)
{
  GtkWidget *selector = create_selector (fixture);
  g_autoptr(GPtrArray) provider_rows = find_provider_rows (selector);
  g_autoptr(GPtrArray) badges = NULL;
  g_auto(GStrv) lines = NULL;
  GtkWidget *provider_row;
  GtkWidget *model_row;
  GtkWidget *free_row;
  g_autofree char *badge_text = NULL;
  GString *joined = g_string_new (NULL);

  /* One row per provider, in catalogue order. */
  g_assert_cmpuint (provider_rows->len, ==, G_N_ELEMENTS (fixture_titles));
  for (guint i = 0; i < provider_rows->len; i++)
    g_assert_cmpstr (adw_preferences_row_get_title (g_ptr_array_index (provider_rows, i)), ==, fixture_titles[i]);

  provider_row = g_ptr_array_index (provider_rows, 0);
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (provider_row)), ==,
                   "OpenAI-compatible API · Prices as of January 15, 2025");
  g_assert_cmpstr (adw_expander_row_get_subtitle (g_ptr_array_index (provider_rows, 2)), ==,
                   "Local · Ollama API");

  /* A model row: id, limits and prices, one per line. */
  model_row = find_row (provider_row, ADW_TYPE_ACTION_ROW, "Alpha Large");
  lines = g_strsplit (adw_action_row_get_subtitle (ADW_ACTION_ROW (model_row)), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[0], ==, "alpha-large");
  g_assert_cmpstr (lines[1], ==, "1.05M context · 16K output");
  g_assert_cmpstr (lines[2], ==, "$2.50 in · $10.00 out · $1.25 cached / 1M tokens");

  /* Capability badges are text. */
  badges = tg_ui_test_find_widgets (model_row, GTK_TYPE_LABEL);
  for (guint i = 0; i < badges->len; i++)
    {
      GtkWidget *label = g_ptr_array_index (badges, i);

      if (gtk_widget_has_css_class (label, "capability-badge"))
        g_string_append_printf (joined, "%s%s", joined->len > 0 ? "," : "", gtk_label_get_text (GTK_LABEL (label)));
    }
  badge_text = g_string_free (joined, FALSE);
  g_assert_cmpstr (badge_text, ==, "Streaming,Tools,Vision,JSON");

  /* No cache discount: no cached price. */
  model_row = find_row (provider_row, ADW_TYPE_ACTION_ROW, "Alpha Small");
  g_assert_true (g_str_has_suffix (adw_action_row_get_subtitle (ADW_ACTION_ROW (model_row)),
                                   "\n$0.15 in · $0.60 out / 1M tokens"));

  /* A local model costs nothing. */
  free_row = find_row (g_ptr_array_index (provider_rows, 2), ADW_TYPE_ACTION_ROW, "Tiny 1B");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (free_row)), ==,
                   "tiny\n33K context · 33K output\nFree");

  wait_for_keys (selector);
  assert_finalizes (selector);
}

static void
test_key_status (Fixture       *fixture,
                 gconstpointer  user_data)
{
  GtkWidget *selector = create_selector (fixture);
  g_autoptr(GError) error = NULL;
  gboolean deleted = FALSE;

  wait_for_keys (selector);
  g_assert_cmpstr (get_key_status (selector, "Alpha AI"), ==, "No key");
  g_assert_cmpstr (get_key_status (selector, "Beta & <Co>"), ==, "No key");
  g_assert_cmpstr (get_key_status (selector, "Home Box"), ==, "No key needed");

  store_key (fixture->secret_store, "beta", TEST_KEY);

  /* Nothing changes until asked. */
  g_assert_cmpstr (get_key_status (selector, "Beta & <Co>"), ==, "No key");

  tg_provider_selector_refresh_keys (TG_PROVIDER_SELECTOR (selector));
  wait_for_keys (selector);
  g_assert_cmpstr (get_key_status (selector, "Alpha AI"), ==, "No key");
  g_assert_cmpstr (get_key_status (selector, "Beta & <Co>"), ==, "Key stored");
  g_assert_cmpstr (get_key_status (selector, "Home Box"), ==, "No key needed");

  /* The key itself never reaches the widget, expanded or not. */
  for (guint i = 0; i < G_N_ELEMENTS (fixture_titles); i++)
    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (find_row (selector, ADW_TYPE_EXPANDER_ROW, fixture_titles[i])), TRUE);
  assert_text_absent (selector, TEST_KEY);

  /* No keyring message while the keyring answers. */
  g_assert_false (gtk_widget_is_visible (GTK_WIDGET (find_label_with_class (selector, "warning"))));

  g_assert_true (tg_secret_store_delete_sync (fixture->secret_store, "beta", &deleted, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (deleted);

  /* Dropped while a refresh is under way: the call is cancelled, and its
   * answer releases the widget instead of updating it. */
  {
    gboolean finalized;
    gboolean timed_out = FALSE;
    guint timeout;

    tg_provider_selector_refresh_keys (TG_PROVIDER_SELECTOR (selector));
    watch_finalize (selector, &finalized);
    g_object_run_dispose (G_OBJECT (selector));
    g_object_unref (selector);

    timeout = g_timeout_add_seconds (30, timeout_cb, &timed_out);
    while (!finalized && !timed_out)
      g_main_context_iteration (NULL, TRUE);
    g_assert_true (finalized);
    g_source_remove (timeout);
  }
}

static void
test_empty (void)
{
  g_autofree char *data_dir = NULL;
  g_autoptr(TgCatalog) catalog = NULL;
  GtkWidget *selectors[2];

  g_setenv ("XDG_DATA_DIRS", system_data_dirs, TRUE);
  data_dir = tg_test_make_data_dir ();
  catalog = tg_catalog_new ();

  /* No catalogue at all, and one with no providers. */
  selectors[0] = g_object_ref_sink (tg_provider_selector_new (NULL, NULL));
  selectors[1] = g_object_ref_sink (tg_provider_selector_new (catalog, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (selectors); i++)
    {
      g_autoptr(GPtrArray) pages = tg_ui_test_find_widgets (selectors[i], ADW_TYPE_STATUS_PAGE);
      g_autoptr(GPtrArray) rows = tg_ui_test_find_widgets (selectors[i], ADW_TYPE_EXPANDER_ROW);
      AdwStatusPage *page;

      g_assert_cmpuint (pages->len, ==, 1);
      page = g_ptr_array_index (pages, 0);
      g_assert_true (gtk_widget_get_child_visible (GTK_WIDGET (page)));
      g_assert_cmpstr (adw_status_page_get_title (page), ==, "No Providers");
      g_assert_cmpuint (rows->len, ==, 0);

      assert_finalizes (selectors[i]);
    }
}

static void
test_narrow (Fixture       *fixture,
             gconstpointer  user_data)
{
  GtkWidget *selector = tg_provider_selector_new (fixture->catalog, fixture->secret_store);
  GtkWidget *window = gtk_window_new ();
  gboolean timed_out = FALSE;
  gboolean finalized;
  guint timeout;
  int minimum;

  gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
  gtk_window_set_child (GTK_WINDOW (window), selector);

  /* Everything expanded: the longest texts are in the model rows. */
  for (guint i = 0; i < G_N_ELEMENTS (fixture_titles); i++)
    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (find_row (selector, ADW_TYPE_EXPANDER_ROW, fixture_titles[i])), TRUE);
  wait_for_keys (selector);

  gtk_widget_measure (selector, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  g_assert_cmpint (minimum, <=, 360);

  /* A real layout at 360 px: any GTK warning on the way aborts the test, and
   * the window must not have grown to fit its content. */
  gtk_window_present (GTK_WINDOW (window));
  timeout = g_timeout_add_seconds (10, timeout_cb, &timed_out);
  while (gtk_widget_get_width (selector) == 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_cmpint (gtk_widget_get_width (window), ==, 360);
  g_assert_cmpint (gtk_widget_get_width (selector), ==, 360);

  watch_finalize (selector, &finalized);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (finalized);
}

/* Runs in a child process whose session bus address leads nowhere (see main()). */
static void
test_keyring_unavailable (Fixture       *fixture,
                          gconstpointer  user_data)
{
  if (g_test_subprocess ())
    {
      GtkWidget *selector = create_selector (fixture);
      GtkLabel *message;

      wait_for_keys (selector);
      g_assert_cmpstr (get_key_status (selector, "Alpha AI"), ==, "Keyring unavailable");
      g_assert_cmpstr (get_key_status (selector, "Beta & <Co>"), ==, "Keyring unavailable");
      /* A local provider needs no key, keyring or not. */
      g_assert_cmpstr (get_key_status (selector, "Home Box"), ==, "No key needed");

      message = find_label_with_class (selector, "warning");
      g_assert_nonnull (message);
      g_assert_true (gtk_widget_is_visible (GTK_WIDGET (message)));
      g_assert_true (gtk_label_get_wrap (message));
      g_assert_nonnull (strstr (gtk_label_get_text (message), "keyring is not available"));

      assert_finalizes (selector);
      return;
    }

  g_test_trap_subprocess (NULL, 0, 0);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  const char *data_dirs = g_getenv ("XDG_DATA_DIRS");

  /* Saved before the per-test isolation replaces it. */
  system_data_dirs = g_strdup (data_dirs != NULL && data_dirs[0] != '\0' ? data_dirs : "/usr/local/share:/usr/share");

  tg_test_init (&argc, &argv);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  /* The only child process is the keyring-less case: point it at a bus that
   * does not exist before anything (libadwaita's settings portal, libsecret)
   * connects to the session bus and caches the connection. */
  if (g_test_subprocess ())
    {
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/tollgate-test-bus", TRUE);
      /* GTK's accessibility bridge would warn that it has no bus. */
      g_setenv ("GTK_A11Y", "none", TRUE);
    }

  /* tg_test_init() isolated XDG_DATA_DIRS too, which hides the GSettings
   * schemas libadwaita looks up when it starts. */
  g_setenv ("XDG_DATA_DIRS", system_data_dirs, TRUE);

  /* Month names and number formats as asserted, whatever the caller's locale. */
  gtk_disable_setlocale ();
  gtk_init ();
  adw_init ();

  g_test_add_func ("/provider-selector/format/limits", test_format_limits);
  g_test_add_func ("/provider-selector/format/prices", test_format_prices);
  g_test_add ("/provider-selector/rows", Fixture, NULL, fixture_set_up, test_rows, fixture_tear_down);
  g_test_add ("/provider-selector/key-status", Fixture, NULL, fixture_set_up, test_key_status, fixture_tear_down);
  g_test_add_func ("/provider-selector/empty", test_empty);
  g_test_add ("/provider-selector/narrow", Fixture, NULL, fixture_set_up, test_narrow, fixture_tear_down);
  g_test_add ("/provider-selector/keyring-unavailable", Fixture, NULL, fixture_set_up, test_keyring_unavailable, fixture_tear_down);

  return g_test_run ();
}
