/* tg-window.c: the main window: a header bar over a stack of pages.
 *
 * The stack has one page for now, Providers; Prompt and Usage join it later, and
 * a view switcher with them. If the application could not open its store, the
 * window shows why instead of the pages. */

#include "config.h"

#include <glib/gi18n.h>

#include "tg-provider-selector.h"
#include "tg-window.h"

struct _TgWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template children */
  AdwViewStack         *view_stack;
  AdwStatusPage        *error_page;
  TgProviderSelector   *provider_selector;
};

G_DEFINE_FINAL_TYPE (TgWindow, tg_window, ADW_TYPE_APPLICATION_WINDOW)

static void
tg_window_show_about (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", widget,
                        "modal", TRUE,
                        "application-name", _("Tollgate"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Tollgate developers"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "website", "https://github.com/tollgate/tollgate",
                        "issue-url", "https://github.com/tollgate/tollgate/issues",
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

/* "application" is not a construct property: it arrives after constructed(),
 * so the window picks up the application's objects when it is set. */
static void
tg_window_notify_application (TgWindow   *self,
                              GParamSpec *pspec,
                              gpointer    user_data)
{
  GtkApplication *app;
  const GError *error = NULL;

  app = gtk_window_get_application (GTK_WINDOW (self));
  /* It goes back to NULL when the window closes; keep what is shown. */
  if (!TG_IS_APPLICATION (app))
    return;

  error = tg_application_get_startup_error (TG_APPLICATION (app));
  if (error != NULL)
    {
      /* The status page reads its description as markup. */
      g_autofree char *escaped = g_markup_escape_text (error->message, -1);

      adw_status_page_set_description (self->error_page, escaped);
      gtk_widget_set_visible (GTK_WIDGET (self->view_stack), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->error_page), TRUE);
      return;
    }

  tg_provider_selector_set_catalog (self->provider_selector,
                                    tg_application_get_catalog (TG_APPLICATION (app)));
  tg_provider_selector_set_secret_store (self->provider_selector,
                                         tg_application_get_secret_store (TG_APPLICATION (app)));
}

static void
tg_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TG_TYPE_WINDOW);

  G_OBJECT_CLASS (tg_window_parent_class)->dispose (object);
}

static void
tg_window_class_init (TgWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_window_dispose;

  gtk_widget_class_install_action (widget_class, "win.about", NULL, tg_window_show_about);

  g_type_ensure (TG_TYPE_PROVIDER_SELECTOR);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tollgate/Tollgate/ui/tg-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TgWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, provider_selector);
}

static void
tg_window_init (TgWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (self, "notify::application",
                    G_CALLBACK (tg_window_notify_application), NULL);
}

TgWindow *
tg_window_new (TgApplication *app)
{
  g_return_val_if_fail (TG_IS_APPLICATION (app), NULL);

  return g_object_new (TG_TYPE_WINDOW,
                       "application", app,
                       NULL);
}
