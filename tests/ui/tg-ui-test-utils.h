/* tg-ui-test-utils.h: what the widget tests share. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* tg_test_init(), then GTK and libadwaita as the widget tests need them: any
 * warning or critical aborts, the test accessibility backend keeps the
 * accessible properties where gtk_test_accessible_check_property() reads
 * them, and number formats are the C locale's. */
void             tg_ui_test_init              (int          *argc,
                                               char       ***argv);

/* Iterates the main loop until @widget is mapped with a size (at most 10 s),
 * then until nothing is pending. */
void             tg_ui_test_wait_until_mapped (GtkWidget    *widget);

/* An ARGB32 surface of @width × @height, transparent, drawn on by @draw. */
typedef void   (*TgUiTestDrawFunc)            (gpointer      widget,
                                               cairo_t      *cr,
                                               int           width,
                                               int           height);
cairo_surface_t *tg_ui_test_render            (TgUiTestDrawFunc draw,
                                               gpointer      widget,
                                               int           width,
                                               int           height);

/* The premultiplied ARGB pixel at (@x, @y); asserts it is inside. */
guint32          tg_ui_test_pixel_at          (cairo_surface_t *surface,
                                               int           x,
                                               int           y);

/* Renders @widget as it is allocated, over @background (nullable: none),
 * into a PNG at @path; for the screenshot tools. FALSE if it cannot be
 * written. */
gboolean         tg_ui_test_save_png          (GtkWidget     *widget,
                                               const GdkRGBA *background,
                                               const char    *path);

G_END_DECLS
