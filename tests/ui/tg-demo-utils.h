/* tg-demo-utils.h: what the screenshot programs (chart-demo, prompt-demo) share. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Iterates the main loop for @ms milliseconds. */
void tg_demo_settle   (guint       ms);

/* Renders @widget at its current size into the PNG file @path; says so on
 * stdout, or on stderr when it cannot be written. */
void tg_demo_save_png (GtkWidget  *widget,
                       const char *path);

G_END_DECLS
