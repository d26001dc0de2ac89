/* test-window.c: TgWindow inside a real TgApplication on a test store (run
 * under tests/run-headless). The application is registered, not run: that
 * calls startup(), which opens the store and starts the services, without a
 * main loop of its own. */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tg-application.h"
#include "tg-cost-dashboard.h"
#include "tg-preferences-window.h"
#include "tg-prompt-view.h"
#include "tg-provider-selector.h"
#include "tg-test-utils.h"
#include "tg-ui-test-utils.h"
#include "tg-window.h"

#define RESOURCE_BASE "/io/github/tollgate/Tollgate"

typedef struct _Fixture Fixture;
typedef void (*TestBody) (Fixture *fixture);

struct _Fixture {
  char          *data_dir;
  TgApplication *app;
  TgWindow      *window;
  TestBody       body;
};

/* Runs after the application's own activate(), which opens the window. */
static void
activate_cb (GApplication *app,
             Fixture      *fixture)
{
  fixture->window = TG_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (fixture->window);
  tg_ui_test_wait_until_mapped (GTK_WIDGET (fixture->window));

  fixture->body (fixture);

  g_clear_pointer ((GtkWindow **) &fixture->window, gtk_window_destroy);
  g_application_quit (app);
}

/* The application as it really runs (g_application_run() also takes it off
 * the bus again at the end, so each test can have one), with @body run once
 * its window is up. */
static void
run_app (Fixture  *fixture,
         TestBody  body)
{
  fixture->app = tg_application_new ();
  fixture->body = body;
  /* Several test binaries run at once; none may become "the" instance. */
  g_application_set_flags (G_APPLICATION (fixture->app), G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (fixture->app, "activate", G_CALLBACK (activate_cb), fixture);
  g_assert_cmpint (g_application_run (G_APPLICATION (fixture->app), 0, NULL), ==, 0);
}

/* TRUE in the child: each test runs its application in a process of its own
 * (GLib takes one application name per process). The parent checks the child
 * passed. */
static gboolean
is_test_child (void)
{
  if (g_test_subprocess ())
    return TRUE;

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  return FALSE;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  fixture->data_dir = tg_test_make_data_dir ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_clear_object (&fixture->app);
  g_clear_pointer (&fixture->data_dir, g_free);
}

/* Helpers */

static GtkWidget *
find_widget (GtkWidget *root,
             GType      type)
{
  g_autoptr(GPtrArray) found = tg_ui_test_find_widgets (root, type);

  g_assert_cmpuint (found->len, ==, 1);
  return g_ptr_array_index (found, 0);
}

static AdwViewStack *
get_stack (Fixture *fixture)
{
  return ADW_VIEW_STACK (find_widget (GTK_WIDGET (fixture->window), ADW_TYPE_VIEW_STACK));
}

static const char *
visible_page (Fixture *fixture)
{
  return adw_view_stack_get_visible_child_name (get_stack (fixture));
}

static gboolean
has_label_containing (GtkWidget  *root,
                      const char *text)
{
  g_autoptr(GPtrArray) labels = tg_ui_test_find_widgets (root, GTK_TYPE_LABEL);
  for (guint i = 0; i < labels->len; i++)
    if (strstr (gtk_label_get_label (g_ptr_array_index (labels, i)), text) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
accels_contain (GtkApplication *app,
                const char     *action,
                const char     *accel)
{
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (app, action);

  return g_strv_contains ((const char * const *) accels, accel);
}

/* Tests */

/* Prompt, Providers and Usage, in that order, each with the right child. */
static void
pages_body (Fixture *fixture)
{
  static const char *names[] = { "prompt", "providers", "usage" };
  static const char *titles[] = { "_Prompt", "P_roviders", "_Usage" };
  AdwViewStack *stack;
  g_autoptr(GtkSelectionModel) pages = NULL;
  GtkWidget *providers, *usage, *selector;

  stack = get_stack (fixture);
  pages = adw_view_stack_get_pages (stack);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pages)), ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(AdwViewStackPage) page = g_list_model_get_item (G_LIST_MODEL (pages), i);

      g_assert_cmpstr (adw_view_stack_page_get_name (page), ==, names[i]);
      g_assert_cmpstr (adw_view_stack_page_get_title (page), ==, titles[i]);
      g_assert_true (adw_view_stack_page_get_use_underline (page));
      g_assert_nonnull (adw_view_stack_page_get_icon_name (page));
    }
  g_assert_cmpstr (visible_page (fixture), ==, "prompt");

  g_assert_true (TG_IS_PROMPT_VIEW (adw_view_stack_get_child_by_name (stack, "prompt")));

  /* Providers and Usage are built when first shown, not at start-up. */
  providers = adw_view_stack_get_child_by_name (stack, "providers");
  usage = adw_view_stack_get_child_by_name (stack, "usage");
  g_assert_true (ADW_IS_BIN (providers));
  g_assert_null (adw_bin_get_child (ADW_BIN (providers)));
  g_assert_true (ADW_IS_BIN (usage));
  g_assert_null (adw_bin_get_child (ADW_BIN (usage)));

  /* Both switchers, the bar following the title's visibility. */
  find_widget (GTK_WIDGET (fixture->window), ADW_TYPE_VIEW_SWITCHER_TITLE);
  find_widget (GTK_WIDGET (fixture->window), ADW_TYPE_VIEW_SWITCHER_BAR);

  adw_view_stack_set_visible_child_name (stack, "providers");
  g_assert_true (TG_IS_PROVIDER_SELECTOR (adw_bin_get_child (ADW_BIN (providers))));
  g_assert_null (adw_bin_get_child (ADW_BIN (usage)));
  selector = adw_bin_get_child (ADW_BIN (providers));

  adw_view_stack_set_visible_child_name (stack, "usage");
  g_assert_true (TG_IS_COST_DASHBOARD (adw_bin_get_child (ADW_BIN (usage))));

  /* Built once: going back shows the same page. */
  adw_view_stack_set_visible_child_name (stack, "providers");
  g_assert_true (adw_bin_get_child (ADW_BIN (providers)) == selector);
  g_assert_false (gtk_widget_get_mapped (usage));

  /* Everything, every page built, fits in the window's minimum width. */
  {
    int minimum;

    gtk_widget_measure (gtk_window_get_child (GTK_WINDOW (fixture->window)), GTK_ORIENTATION_HORIZONTAL, -1,
                        &minimum, NULL, NULL, NULL);
    g_assert_cmpint (minimum, <=, 360);
  }
}

/* win.show-page, Alt+1/2/3 and app.preferences switch pages. */
static void
show_page_body (Fixture *fixture)
{
  static const struct { const char *accel, *page; } keys[] = {
    { "<Alt>3", "usage" }, { "<Alt>2", "providers" }, { "<Alt>1", "prompt" },
  };
  GtkWidget *window = GTK_WIDGET (fixture->window);

  g_assert_true (gtk_widget_activate_action (window, "win.show-page", "s", "usage"));
  g_assert_cmpstr (visible_page (fixture), ==, "usage");
  g_assert_true (gtk_widget_activate_action (window, "win.show-page", "s", "providers"));
  g_assert_cmpstr (visible_page (fixture), ==, "providers");
  g_assert_true (gtk_widget_activate_action (window, "win.show-page", "s", "prompt"));
  g_assert_cmpstr (visible_page (fixture), ==, "prompt");
  /* Also in the window's action group, where notifications and the tray find it. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-page", g_variant_new_string ("usage"));
  g_assert_cmpstr (visible_page (fixture), ==, "usage");
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-page", g_variant_new_string ("prompt"));
  g_assert_cmpstr (visible_page (fixture), ==, "prompt");

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GtkShortcut *shortcut = tg_ui_test_find_shortcut (window, keys[i].accel, NULL);

      g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, window,
                                                   gtk_shortcut_get_arguments (shortcut)));
      g_assert_cmpstr (visible_page (fixture), ==, keys[i].page);
    }

  /* The application's app.show-page (notifications, the tray) reaches it. */
  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "show-page", g_variant_new_string ("usage"));
  g_assert_cmpstr (visible_page (fixture), ==, "usage");

  /* Preferences: one window, over this one, however often it is asked for. */
  g_assert_true (accels_contain (GTK_APPLICATION (fixture->app), "app.preferences", "<Control>comma"));
  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "preferences", NULL);
  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "preferences", NULL);
  {
    guint n_preferences = 0;
    GtkWindow *preferences = NULL;

    for (GList *l = gtk_application_get_windows (GTK_APPLICATION (fixture->app)); l != NULL; l = l->next)
      if (TG_IS_PREFERENCES_WINDOW (l->data))
        {
          n_preferences++;
          preferences = l->data;
        }
    g_assert_cmpuint (n_preferences, ==, 1);
    g_assert_true (gtk_window_get_transient_for (preferences) == GTK_WINDOW (fixture->window));
    gtk_window_close (preferences);
  }
  g_assert_cmpstr (visible_page (fixture), ==, "usage");
}

static void
show_page_unknown_body (Fixture *fixture)
{
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.show-page", "s", "nowhere");
}

/* An unknown page name is a programming error: logged, nothing changes. */
static void
test_show_page_unknown (Fixture       *fixture,
                        gconstpointer  user_data)
{
  if (g_test_subprocess ())
    {
      run_app (fixture, show_page_unknown_body);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*no page named ?nowhere?*");
}

/* Clicks the close button of every toast @overlay shows. */
static void
dismiss_toasts (GtkWidget *overlay)
{
  g_autoptr(GPtrArray) buttons = tg_ui_test_find_widgets (overlay, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_icon_name (buttons->pdata[i]), "window-close-symbolic") == 0)
      g_signal_emit_by_name (buttons->pdata[i], "clicked");
}

/* Runs the main loop until a label in @root contains @text, for at most 5 s. */
static gboolean
wait_for_label (GtkWidget  *root,
                const char *text)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!has_label_containing (root, text) && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  return has_label_containing (root, text);
}

/* The pages' notices become toasts, escaped: names are not markup. */
static void
toast_body (Fixture *fixture)
{
  static const char *later_pages[] = { "providers", "usage" };
  static const char *later_toasts[] = { "Could not save the provider", "Exported the usage" };
  GtkWidget *overlay;
  GtkWidget *prompt;

  overlay = find_widget (GTK_WIDGET (fixture->window), ADW_TYPE_TOAST_OVERLAY);
  prompt = adw_view_stack_get_child_by_name (get_stack (fixture), "prompt");

  g_assert_false (has_label_containing (overlay, "did not answer"));
  g_signal_emit_by_name (prompt, "toast", "Beta & <Co> did not answer; Alpha answered instead.");
  for (guint i = 0; i < 50 && !has_label_containing (overlay, "did not answer"); i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (has_label_containing (overlay, "Beta &amp; &lt;Co&gt; did not answer"));

  /* The pages built later are wired the same way. */
  for (guint i = 0; i < G_N_ELEMENTS (later_pages); i++)
    {
      GtkWidget *bin = adw_view_stack_get_child_by_name (get_stack (fixture), later_pages[i]);

      /* The overlay shows one toast at a time: close the one shown. */
      dismiss_toasts (overlay);
      gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.show-page", "s", later_pages[i]);
      g_assert_false (has_label_containing (overlay, later_toasts[i]));
      g_signal_emit_by_name (adw_bin_get_child (ADW_BIN (bin)), "toast", later_toasts[i]);
      g_assert_true (wait_for_label (overlay, later_toasts[i]));
    }
}

/* A store that does not open: the window says so instead of the pages, and
 * offers no page switcher. */
static void
startup_error_body (Fixture *fixture)
{
  GPtrArray *status_pages = tg_ui_test_find_widgets (GTK_WIDGET (fixture->window), ADW_TYPE_STATUS_PAGE);
  AdwStatusPage *error_page = NULL;
  AdwViewSwitcherTitle *title;

  g_assert_nonnull (tg_application_get_startup_error (fixture->app));

  for (guint i = 0; i < status_pages->len; i++)
    if (gtk_widget_get_mapped (g_ptr_array_index (status_pages, i)))
      {
        g_assert_null (error_page);
        error_page = g_ptr_array_index (status_pages, i);
      }
  g_ptr_array_unref (status_pages);

  g_assert_nonnull (error_page);
  g_assert_cmpstr (adw_status_page_get_title (error_page), ==, "Could Not Load Tollgate’s Data");
  g_assert_nonnull (adw_status_page_get_description (error_page));
  g_assert_nonnull (strstr (adw_status_page_get_description (error_page), "tollgate.db"));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (get_stack (fixture))));

  title = ADW_VIEW_SWITCHER_TITLE (find_widget (GTK_WIDGET (fixture->window), ADW_TYPE_VIEW_SWITCHER_TITLE));
  g_assert_false (adw_view_switcher_title_get_view_switcher_enabled (title));
  g_assert_false (gtk_widget_get_mapped (find_widget (GTK_WIDGET (fixture->window), ADW_TYPE_VIEW_SWITCHER_BAR)));
}

static void
test_startup_error (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autofree char *path = g_build_filename (fixture->data_dir, "tollgate.db", NULL);

  if (!g_test_subprocess ())
    {
      /* The application logs what went wrong, once, as a warning. */
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      g_test_trap_assert_stderr ("*is not a Tollgate database*");
      return;
    }
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
  g_assert_true (g_file_set_contents (path, "This is a shopping list, not a database.\n"
                                      "Eggs, milk, more eggs, and so on, until SQLite gives up.\n", -1, NULL));
  run_app (fixture, startup_error_body);
}

/* GtkApplication finds gtk/help-overlay.ui, gives it Ctrl+? and Ctrl+F1, and
 * the window lists every shortcut the application has. */
static void
shortcuts_window_body (Fixture *fixture)
{
  g_assert_true (accels_contain (GTK_APPLICATION (fixture->app), "win.show-help-overlay", "<Control>question"));
  g_assert_true (accels_contain (GTK_APPLICATION (fixture->app), "win.show-help-overlay", "<Control>F1"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (fixture->window), "show-help-overlay"));
  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (fixture->window))));
}

static void
test_shortcuts_window (Fixture       *fixture,
                       gconstpointer  user_data)
{
  static const char *expected[] = {
    "<Control>Return", "Escape", "<Alt>1", "<Alt>2", "<Alt>3",
    "<Control>comma", "<Control>question", "<Control>F1", "<Control>w", "<Control>q",
  };
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource (RESOURCE_BASE "/gtk/help-overlay.ui");
  GObject *overlay = gtk_builder_get_object (builder, "help_overlay");
  g_autoptr(GPtrArray) shortcuts = NULL;
  g_autoptr(GPtrArray) accels = g_ptr_array_new_with_free_func (g_free);

  if (!is_test_child ())
    return;
  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (overlay));
  shortcuts = tg_ui_test_find_widgets (GTK_WIDGET (overlay), GTK_TYPE_SHORTCUTS_SHORTCUT);
  for (guint i = 0; i < shortcuts->len; i++)
    {
      char *accel = NULL;
      char *title = NULL;

      g_auto(GStrv) alternatives = NULL;

      g_object_get (g_ptr_array_index (shortcuts, i), "accelerator", &accel, "title", &title, NULL);
      g_assert_cmpstr (title, !=, "");
      /* Alternatives are separated by spaces. */
      alternatives = g_strsplit (accel, " ", -1);
      for (guint j = 0; alternatives[j] != NULL; j++)
        g_ptr_array_add (accels, g_strdup (alternatives[j]));
      g_free (title);
      g_free (accel);
    }
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    if (!g_ptr_array_find_with_equal_func (accels, expected[i], g_str_equal, NULL))
      g_error ("the shortcuts window does not list %s", expected[i]);
  gtk_window_destroy (GTK_WINDOW (overlay));

  run_app (fixture, shortcuts_window_body);
}

static void
test_pages (Fixture       *fixture,
            gconstpointer  user_data)
{
  if (is_test_child ())
    run_app (fixture, pages_body);
}

static void
test_show_page (Fixture       *fixture,
                gconstpointer  user_data)
{
  if (is_test_child ())
    run_app (fixture, show_page_body);
}

static void
test_toast (Fixture       *fixture,
            gconstpointer  user_data)
{
  if (is_test_child ())
    run_app (fixture, toast_body);
}

int
main (int   argc,
      char *argv[])
{
  tg_ui_test_init (&argc, &argv);
  /* The application must not reach for real providers. */
  g_setenv ("TOLLGATE_NO_HEALTH_CHECKS", "1", TRUE);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/window/pages", test_pages);
  ADD ("/window/show-page", test_show_page);
  ADD ("/window/show-page-unknown", test_show_page_unknown);
  ADD ("/window/toast", test_toast);
  ADD ("/window/startup-error", test_startup_error);
  ADD ("/window/shortcuts-window", test_shortcuts_window);
#undef ADD

  return g_test_run ();
}
