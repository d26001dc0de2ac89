#include "tg-test-utils.h"

#include <glib/gstdio.h>
#include <stdlib.h>

static char *test_home;

static gboolean
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  return g_rmdir (path) == 0;
}

static void
remove_test_home (void)
{
  if (test_home != NULL)
    remove_tree (test_home);
  g_clear_pointer (&test_home, g_free);
}

void
tg_test_init (int    *argc,
              char ***argv)
{
  g_autoptr(GError) error = NULL;
  static const struct { const char *var, *sub; } dirs[] = {
    { "XDG_DATA_HOME", ".local/share" },
    { "XDG_CONFIG_HOME", ".config" },
    { "XDG_CACHE_HOME", ".cache" },
    { "XDG_STATE_HOME", ".local/state" },
  };

  /* A throwaway HOME and XDG folders for the whole test binary, removed at
   * exit, so nothing touches the real home folder even outside
   * tests/run-headless. (Not G_TEST_OPTION_ISOLATE_DIRS: GLib 2.74 leaks its
   * strings on every test case, which LeakSanitizer can only be told to
   * ignore with slow full unwinding, and it also hides the system's
   * XDG_DATA_DIRS that GTK needs.) Each test case gets its own data folder
   * from tg_test_make_data_dir(). */
  test_home = g_dir_make_tmp ("tollgate-test-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("HOME", test_home, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (test_home, dirs[i].sub, NULL);

      g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
      g_setenv (dirs[i].var, path, TRUE);
    }
  atexit (remove_test_home);

  /* The desktop proxy resolver reads GSettings schemas and a proxy has no
   * business with 127.0.0.1, where every test request goes. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  g_test_init (argc, argv, NULL);
}

char *
tg_test_make_data_dir (void)
{
  static guint serial;
  g_autofree char *name = g_strdup_printf ("tollgate-test-%u", ++serial);
  char *dir = g_build_filename (g_get_user_data_dir (), name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_setenv ("TOLLGATE_DATA_DIR", dir, TRUE);
  return dir;
}
