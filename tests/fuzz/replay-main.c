/* replay-main.c: without libFuzzer, a target replays the files (or folders of
 * files) it is given, so the seed corpus runs in every `make test`. */

#include <stdio.h>

#include "tg-fuzz.h"

static guint
replay (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;
  guint count = 0;

  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          count += replay (child);
        }
      return count;
    }

  if (!g_file_get_contents (path, &contents, &length, &error))
    g_error ("%s", error->message);
  LLVMFuzzerTestOneInput ((const guint8 *) contents, length);
  return 1;
}

int
main (int   argc,
      char *argv[])
{
  guint count = 0;

  for (int i = 1; i < argc; i++)
    count += replay (argv[i]);

  if (count == 0)
    {
      fprintf (stderr, "no inputs replayed\n");
      return 1;
    }
  printf ("replayed %u inputs\n", count);
  return 0;
}
