/* prompt-demo.c: the real application's window on the Prompt page after an
 * answer from the mock provider (standing in for OpenAI through a catalogue
 * override), in the light and dark styles, at 900 and 360 px, saved as PNGs
 * for docs/screenshots/. Not a test: run it by hand, e.g.
 *
 *   tests/run-headless build/tests/prompt-demo docs/screenshots
 *
 * (run-headless gives the display, a session bus and a throwaway keyring; the
 * dummy key goes there). */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "tg-application.h"
#include "tg-mock-provider.h"
#include "tg-prompt-view.h"
#include "tg-ui-test-utils.h"
#include "tg-window.h"

static const char answer[] =
  "WAL (write-ahead logging) mode appends every change to a separate log file "
  "instead of rewriting the database in place. Readers keep reading the last "
  "committed state while a single writer appends, so reads never wait for "
  "writes; a checkpoint later copies the log back into the main file.";

typedef struct {
  const char     *outdir;
  TgMockProvider *mock;
} Demo;

static GtkTextView *
find_prompt (GtkWidget *widget)
{
  /* The first text view is the prompt; the reply's comes after it. */
  if (GTK_IS_TEXT_VIEW (widget))
    return GTK_TEXT_VIEW (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkTextView *found = find_prompt (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
shoot (TgApplication *app,
       Demo          *demo,
       const char    *name,
       gboolean       dark,
       int            width,
       int            height)
{
  static const TgMockUsage usage = { .input = 1200, .output = 62, .cached = 1024 };
  TgMockReply reply = { .text = answer, .n_chunks = 6, .chunk_delay_ms = 40, .usage = &usage };
  TgWindow *window = tg_window_new (app);
  g_autofree char *file = g_strdup_printf ("%s-%s-%d.png", name, dark ? "dark" : "light", width);
  g_autofree char *path = g_build_filename (demo->outdir, file, NULL);
  GtkWidget *prompt_view;

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  tg_ui_test_settle (300);

  tg_mock_provider_enqueue (demo->mock, TG_MOCK_FORMAT_OPENAI, &reply);
  prompt_view = gtk_widget_get_ancestor (GTK_WIDGET (find_prompt (GTK_WIDGET (window))), TG_TYPE_PROMPT_VIEW);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (find_prompt (GTK_WIDGET (window))),
                            "Explain SQLite’s WAL mode in two sentences.", -1);
  gtk_widget_activate_action (prompt_view, "prompt.send", NULL);
  while (tg_prompt_view_is_busy (TG_PROMPT_VIEW (prompt_view)))
    g_main_context_iteration (NULL, TRUE);
  /* The text view lays out the last lines on the next frames. */
  tg_ui_test_settle (500);

  tg_ui_test_save_png (GTK_WIDGET (window), NULL, path);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The shortcuts window GtkApplication builds from gtk/help-overlay.ui. */
static void
shoot_shortcuts (TgApplication *app,
                 Demo          *demo)
{
  TgWindow *window = tg_window_new (app);
  g_autofree char *path = g_build_filename (demo->outdir, "shortcuts-light.png", NULL);
  GtkWindow *overlay;

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);
  gtk_window_present (GTK_WINDOW (window));
  tg_ui_test_settle (300);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL);
  overlay = GTK_WINDOW (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));
  tg_ui_test_settle (800);
  tg_ui_test_save_png (GTK_WIDGET (overlay), NULL, path);
  gtk_window_destroy (overlay);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
activate_cb (GApplication *app,
             Demo         *demo)
{
  GtkWindow *first = gtk_application_get_active_window (GTK_APPLICATION (app));

  /* The first-run choice of a default provider (OpenAI: it has a key). */
  tg_ui_test_settle (1000);
  gtk_window_destroy (first);

  shoot (TG_APPLICATION (app), demo, "prompt", FALSE, 900, 700);
  shoot (TG_APPLICATION (app), demo, "prompt", TRUE, 900, 700);
  shoot (TG_APPLICATION (app), demo, "prompt", FALSE, 360, 720);
  shoot (TG_APPLICATION (app), demo, "prompt", TRUE, 360, 720);

  /* Anthropic has no key: the inline error. */
  if (!tg_config_service_set_default_provider (tg_application_get_config (TG_APPLICATION (app)),
                                               "anthropic", NULL, NULL))
    g_error ("Cannot prefer Anthropic");
  shoot (TG_APPLICATION (app), demo, "prompt-error", FALSE, 900, 700);
  shoot (TG_APPLICATION (app), demo, "prompt-error", TRUE, 360, 720);
  shoot_shortcuts (TG_APPLICATION (app), demo);
  g_application_quit (app);
}

int
main (int   argc,
      char *argv[])
{
  Demo demo = { .outdir = argc > 1 ? argv[1] : "." };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tollgate-prompt-demo-XXXXXX", &error);
  g_autofree char *base = NULL;
  g_autofree char *overrides = NULL;
  g_autofree char *overrides_path = NULL;
  g_autoptr(TgApplication) app = NULL;
  g_autoptr(TgSecretStore) secrets = NULL;
  int status;

  g_assert_no_error (error);
  g_mkdir_with_parents (demo.outdir, 0755);
  g_setenv ("TOLLGATE_DATA_DIR", dir, TRUE);
  g_setenv ("TOLLGATE_NO_HEALTH_CHECKS", "1", TRUE);

  demo.mock = tg_mock_provider_new ();
  if (!tg_mock_provider_start (demo.mock, 0, &error))
    g_error ("%s", error->message);

  /* OpenAI, answered by the mock. */
  base = tg_mock_provider_get_base_url (demo.mock, TG_MOCK_FORMAT_OPENAI);
  overrides = g_strdup_printf ("{\"format_version\":1,\"providers\":[{\"id\":\"openai\",\"base_url\":\"%s\"}]}", base);
  overrides_path = g_build_filename (dir, "catalog-overrides.json", NULL);
  if (!g_file_set_contents (overrides_path, overrides, -1, &error))
    g_error ("%s", error->message);

  secrets = tg_secret_store_new ();
  if (!tg_secret_store_store_sync (secrets, "openai", "sk-demo-not-a-key", NULL, &error))
    g_error ("%s", error->message);

  app = tg_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (app, "activate", G_CALLBACK (activate_cb), &demo);
  status = g_application_run (G_APPLICATION (app), 0, NULL);

  tg_mock_provider_stop (demo.mock);
  g_object_unref (demo.mock);
  return status;
}
