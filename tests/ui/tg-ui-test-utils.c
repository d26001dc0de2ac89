#include "tg-ui-test-utils.h"

#include <adwaita.h>

#include "tg-test-utils.h"

void
tg_ui_test_init (int    *argc,
                 char ***argv)
{
  const char *data_dirs = g_getenv ("XDG_DATA_DIRS");
  /* Saved before tg_test_init() replaces it: libadwaita looks up its
   * GSettings schemas there. */
  g_autofree char *system_data_dirs = g_strdup (data_dirs != NULL && data_dirs[0] != '\0'
                                                ? data_dirs : "/usr/local/share:/usr/share");

  tg_test_init (argc, argv);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  g_setenv ("GTK_A11Y", "test", TRUE);
  g_setenv ("XDG_DATA_DIRS", system_data_dirs, TRUE);
  gtk_disable_setlocale ();
  gtk_init ();
  adw_init ();
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
tg_ui_test_wait_until_mapped (GtkWidget *widget)
{
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add_seconds (10, timeout_cb, &timed_out);

  while ((gtk_widget_get_width (widget) == 0 || !gtk_widget_get_mapped (widget)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

cairo_surface_t *
tg_ui_test_render (TgUiTestDrawFunc draw,
                   gpointer         widget,
                   int              width,
                   int              height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (surface);

  draw (widget, cr, width, height);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

guint32
tg_ui_test_pixel_at (cairo_surface_t *surface,
                     int              x,
                     int              y)
{
  unsigned char *data = cairo_image_surface_get_data (surface);

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, cairo_image_surface_get_width (surface));
  g_assert_cmpint (y, <, cairo_image_surface_get_height (surface));
  return *(guint32 *) (data + y * cairo_image_surface_get_stride (surface) + x * 4);
}

gboolean
tg_ui_test_save_png (GtkWidget     *widget,
                     const GdkRGBA *background,
                     const char    *path)
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  if (background != NULL)
    gtk_snapshot_append_color (snapshot, background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_printerr ("Cannot write %s\n", path);
      return FALSE;
    }
  g_print ("%s (%d×%d)\n", path, width, height);
  return TRUE;
}
