/* tg-window.c: the main window: a header bar over a stack of pages.
 *
 * Three pages, Prompt, Providers and Usage, with the view switcher in the
 * header bar, or at the bottom when the window is too narrow for it (the
 * libadwaita 1.2 pattern). Notices from the pages go to the toast overlay. If
 * the application could not open its store, the window shows why instead of
 * the pages.
 *
 * Only the Prompt page is built with the window; Providers and Usage are
 * built the first time they are shown. Built up front, those two took about
 * two thirds of the time to the first frame (bench/bench-startup). */

#include "config.h"

#include <glib/gi18n.h>

#include "tg-cost-dashboard.h"
#include "tg-preferences-window.h"
#include "tg-prompt-view.h"
#include "tg-provider-selector.h"
#include "tg-window.h"

struct _TgWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template children */
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar   *switcher_bar;
  AdwToastOverlay      *toast_overlay;
  AdwViewStack         *view_stack;
  AdwStatusPage        *error_page;
  TgPromptView         *prompt_view;
  AdwBin               *providers_bin;
  AdwBin               *usage_bin;

  /* NULL until their page is first shown */
  TgProviderSelector   *provider_selector;
  TgCostDashboard      *cost_dashboard;

  GtkWidget            *preferences;   /* weak: the open preferences window */
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

/* win.show-page: "prompt", "providers" or "usage". An entry of the window's
 * own action map rather than a class action, so that it is also in the
 * window's GActionGroup for the notifications and the tray. */
static void
tg_window_show_page_activated (GSimpleAction *action,
                               GVariant      *parameter,
                               gpointer       user_data)
{
  TgWindow *self = TG_WINDOW (user_data);
  const char *name = g_variant_get_string (parameter, NULL);

  if (adw_view_stack_get_child_by_name (self->view_stack, name) == NULL)
    {
      g_warning ("win.show-page: there is no page named “%s”", name);
      return;
    }
  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

/* The pages' notices ("toast" signals of the prompt view, the provider
 * selector and the dashboard). */
static void
page_toast_cb (TgWindow   *self,
               const char *title,
               GtkWidget  *page)
{
  /* A toast's title is markup; provider names are not. */
  g_autofree char *escaped = g_markup_escape_text (title, -1);

  tg_window_add_toast (self, adw_toast_new (escaped));
}

static GtkWidget *
new_provider_selector (TgWindow      *self,
                       TgApplication *app)
{
  TgProviderSelector *selector;

  selector = TG_PROVIDER_SELECTOR (tg_provider_selector_new (tg_application_get_catalog (app),
                                                             tg_application_get_secret_store (app)));
  tg_provider_selector_set_services (selector, tg_application_get_config (app), tg_application_get_health (app));
  self->provider_selector = selector;
  return GTK_WIDGET (selector);
}

static GtkWidget *
new_cost_dashboard (TgWindow      *self,
                    TgApplication *app)
{
  TgCostDashboard *dashboard = TG_COST_DASHBOARD (tg_cost_dashboard_new ());

  tg_cost_dashboard_set_services (dashboard, tg_application_get_analytics (app), tg_application_get_config (app),
                                  tg_application_get_catalog (app), tg_application_get_secret_store (app));
  self->cost_dashboard = dashboard;
  return GTK_WIDGET (dashboard);
}

/* Builds the visible page if it is one of the deferred ones and not built
 * yet. Needs the application's services, so waits for "application". */
static void
ensure_visible_page (TgWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  GtkWidget *visible = adw_view_stack_get_visible_child (self->view_stack);
  GtkWidget *page = NULL;

  if (!TG_IS_APPLICATION (app) || tg_application_get_startup_error (TG_APPLICATION (app)) != NULL)
    return;

  if (visible == GTK_WIDGET (self->providers_bin) && self->provider_selector == NULL)
    page = new_provider_selector (self, TG_APPLICATION (app));
  else if (visible == GTK_WIDGET (self->usage_bin) && self->cost_dashboard == NULL)
    page = new_cost_dashboard (self, TG_APPLICATION (app));
  if (page == NULL)
    return;

  g_signal_connect_object (page, "toast", G_CALLBACK (page_toast_cb), self, G_CONNECT_SWAPPED);
  adw_bin_set_child (ADW_BIN (visible), page);
}

static void
visible_page_changed_cb (TgWindow *self)
{
  ensure_visible_page (self);
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
      gtk_widget_set_visible (GTK_WIDGET (self->toast_overlay), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->error_page), TRUE);
      /* No pages to switch between. */
      adw_view_switcher_title_set_view_switcher_enabled (self->switcher_title, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->switcher_bar), FALSE);
      return;
    }

  tg_prompt_view_set_services (self->prompt_view,
                               tg_application_get_ai_client (TG_APPLICATION (app)),
                               tg_application_get_config (TG_APPLICATION (app)),
                               tg_application_get_analytics (TG_APPLICATION (app)),
                               tg_application_get_catalog (TG_APPLICATION (app)));
  ensure_visible_page (self);
}

static void
tg_window_dispose (GObject *object)
{
  TgWindow *self = TG_WINDOW (object);

  if (self->preferences != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->preferences), (gpointer *) &self->preferences);
      gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&self->preferences)));
    }

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

  /* The pages in the order the switcher shows them. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-page", "s", "prompt");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.show-page", "s", "providers");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.show-page", "s", "usage");

  g_type_ensure (TG_TYPE_PROMPT_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tollgate/Tollgate/ui/tg-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TgWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, prompt_view);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, providers_bin);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, usage_bin);
  gtk_widget_class_bind_template_callback (widget_class, page_toast_cb);
  gtk_widget_class_bind_template_callback (widget_class, visible_page_changed_cb);
}

static void
tg_window_init (TgWindow *self)
{
  static const GActionEntry actions[] = {
    { .name = "show-page", .activate = tg_window_show_page_activated, .parameter_type = "s" },
  };

  gtk_widget_init_template (GTK_WIDGET (self));
  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);

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

void
tg_window_add_toast (TgWindow *self,
                     AdwToast *toast)
{
  g_return_if_fail (TG_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Keys stored or removed in the preferences show on the Providers page once
 * they close. */
static gboolean
preferences_close_cb (GtkWindow *preferences,
                      TgWindow  *self)
{
  if (self->provider_selector != NULL)
    tg_provider_selector_refresh_keys (self->provider_selector);
  return FALSE;
}

/* One preferences window at a time, over this one. */
void
tg_window_show_preferences (TgWindow *self)
{
  GtkApplication *app;
  TgApplication *tg_app;

  g_return_if_fail (TG_IS_WINDOW (self));

  if (self->preferences != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->preferences));
      return;
    }

  app = gtk_window_get_application (GTK_WINDOW (self));
  if (!TG_IS_APPLICATION (app) || tg_application_get_startup_error (TG_APPLICATION (app)) != NULL)
    return;
  tg_app = TG_APPLICATION (app);

  self->preferences = tg_preferences_window_new (GTK_WINDOW (self),
                                                 tg_application_get_config (tg_app),
                                                 tg_application_get_catalog (tg_app),
                                                 tg_application_get_secret_store (tg_app),
                                                 tg_application_get_health (tg_app),
                                                 tg_application_get_db (tg_app));
  tg_preferences_window_set_session (TG_PREFERENCES_WINDOW (self->preferences),
                                     tg_application_get_settings (tg_app),
                                     tg_application_get_tray (tg_app));
  gtk_window_set_application (GTK_WINDOW (self->preferences), app);
  g_object_add_weak_pointer (G_OBJECT (self->preferences), (gpointer *) &self->preferences);
  g_signal_connect_object (self->preferences, "close-request", G_CALLBACK (preferences_close_cb), self, 0);
  gtk_window_present (GTK_WINDOW (self->preferences));
}
