/* test-headless-display.c: the display that tests/run-headless provides stays
 * usable while test programs come and go.
 *
 * The UI tests run two at a time, each opening the display and closing it
 * when done. An X server that resets when its last client leaves refuses
 * whoever connects during the reset ("cannot open display"), which failed
 * random UI tests. Here three processes open and close the display in a
 * loop, so that the client count keeps dropping to zero while others
 * connect; not one connection may fail. */

#include <stdlib.h>

#include <gio/gio.h>
/* Xlib, not GDK: GTK 4.8 keeps a closed display's connection open, so the
 * server would never see its last client leave. libX11 comes with GTK. */
#include <X11/Xlib.h>

#define N_CHILDREN 3
#define N_OPENS    150

static const char *self_path;

/* In a child: opens and closes the display N_OPENS times; exits with the
 * number of failures (at most 255, which is plenty to fail the test). */
static int
child_main (void)
{
  int failures = 0;

  for (int i = 0; i < N_OPENS; i++)
    {
      Display *display = XOpenDisplay (NULL);

      if (display == NULL)
        {
          failures++;
          continue;
        }
      XCloseDisplay (display);
    }
  return MIN (failures, 255);
}

static void
test_display_survives_clients_leaving (void)
{
  GSubprocess *children[N_CHILDREN];

  if (g_getenv ("RUN_HEADLESS") == NULL || g_getenv ("DISPLAY") == NULL)
    {
      g_test_skip ("Only meaningful under tests/run-headless on X11");
      return;
    }

  for (guint i = 0; i < N_CHILDREN; i++)
    {
      g_autoptr(GError) error = NULL;

      children[i] = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                                      self_path, "--child", NULL);
      g_assert_no_error (error);
    }

  for (guint i = 0; i < N_CHILDREN; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (g_subprocess_wait (children[i], NULL, &error));
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (children[i]));
      /* The failed connections of this child. */
      g_assert_cmpint (g_subprocess_get_exit_status (children[i]), ==, 0);
      g_object_unref (children[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  self_path = argv[0];
  if (argc == 2 && g_str_equal (argv[1], "--child"))
    return child_main ();

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/headless/display-survives-clients-leaving", test_display_survives_clients_leaving);
  return g_test_run ();
}
