/* bench-startup.c: the app's cold start to its first frame, and its memory,
 * with a big usage history in the store.
 *
 * Fills a new store with N usage rows (default 1 000 000; argv[2]) over the
 * 90 days before now, then starts the real `tollgate` binary (argv[1]) RUNS
 * times (default 5; argv[3]) with TOLLGATE_BENCH_STARTUP set: the app prints
 * its resident memory once its first window has painted its first frame, and
 * quits. The time is from the spawn to that line: process start, GTK and
 * libadwaita, the store, the services, the window. With BASELINE_BIN
 * (bench/startup-baseline.c, a bare libadwaita window) it measures that the
 * same way, so the figures say what is Tollgate's own. Needs a display (make
 * bench runs it under tests/run-headless).
 *
 * Each is measured three ways, because what GTK loads for drawing outweighs
 * the app: GTK's default renderer (GL); the Cairo renderer; and the Cairo
 * renderer with GL off altogether (GDK_DEBUG=gl-disable). On X11 GTK 4.8
 * opens GL when it opens the display, even for the Cairo renderer, and under
 * Xvfb that is Mesa's software rasteriser (llvmpipe, some 50 MiB of LLVM), so
 * only the last figure is free of the machine's graphics driver.
 *
 *   bench-startup TOLLGATE_BIN [ROWS [RUNS [BASELINE_BIN]]]
 */

#include <stdio.h>
#include <stdlib.h>

#include <gio/gio.h>

#include "tg-bench-data.h"

typedef struct {
  GMainLoop *loop;
  char      *line;
  gint64     at_us;
} LineWait;

static void
line_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LineWait *wait = user_data;

  wait->line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  wait->at_us = g_get_monotonic_time ();
  g_main_loop_quit (wait->loop);
}

/* One start: the milliseconds to the first frame, *@rss_kb what it held then. */
typedef struct {
  const char *label;
  const char *gsk_renderer;   /* NULL: GTK's choice */
  const char *gdk_debug;      /* NULL: unset */
} Config;

static const Config configs[] = {
  { "GL renderer (GTK's default)", NULL, NULL },
  { "Cairo renderer (GSK_RENDERER=cairo)", "cairo", NULL },
  { "Cairo renderer, GL off (GDK_DEBUG=gl-disable)", "cairo", "gl-disable" },
};

static void
set_or_unset (GSubprocessLauncher *launcher,
              const char          *variable,
              const char          *value)
{
  if (value != NULL)
    g_subprocess_launcher_setenv (launcher, variable, value, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, variable);
}

static double
start_once (const char   *bin,
            const char   *data_dir,
            const Config *config,
            long         *rss_kb)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  LineWait wait = { 0 };
  gint64 start_us;

  g_subprocess_launcher_setenv (launcher, "TOLLGATE_DATA_DIR", data_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "TOLLGATE_BENCH_STARTUP", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "TOLLGATE_NO_HEALTH_CHECKS", "1", TRUE);
  set_or_unset (launcher, "GSK_RENDERER", config->gsk_renderer);
  set_or_unset (launcher, "GDK_DEBUG", config->gdk_debug);

  start_us = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawn (launcher, &error, bin, NULL);
  if (process == NULL)
    g_error ("Cannot start %s: %s", bin, error->message);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  wait.loop = g_main_loop_new (NULL, FALSE);
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, line_read_cb, &wait);
  g_main_loop_run (wait.loop);
  g_main_loop_unref (wait.loop);

  if (wait.line == NULL || sscanf (wait.line, "first-frame rss-kb %ld", rss_kb) != 1)
    g_error ("%s did not report its first frame (got “%s”)", bin, wait.line ? wait.line : "nothing");
  g_free (wait.line);

  if (!g_subprocess_wait_check (process, NULL, &error))
    g_error ("%s failed: %s", bin, error->message);

  return (wait.at_us - start_us) / 1000.0;
}

static int
compare_long (gconstpointer a,
              gconstpointer b)
{
  long x = *(const long *) a, y = *(const long *) b;

  return (x > y) - (x < y);
}

/* Median time and memory of @runs starts of @bin, after one uncounted. */
static void
measure (const char   *label,
         const char   *bin,
         const char   *data_dir,
         const Config *config,
         guint         runs,
         double       *median_ms,
         long         *median_kb)
{
  g_autofree double *ms = g_new0 (double, runs);
  g_autofree long *kb = g_new0 (long, runs);

  /* One start first, not counted: the store's first open after filling it
   * checkpoints the WAL, which is not what a user's start pays. */
  start_once (bin, data_dir, config, &kb[0]);
  for (guint i = 0; i < runs; i++)
    {
      ms[i] = start_once (bin, data_dir, config, &kb[i]);
      g_print ("%s run %u: first frame after %.1f ms, %ld KiB resident\n", label, i + 1, ms[i], kb[i]);
    }

  qsort (ms, runs, sizeof *ms, tg_bench_compare_double);
  qsort (kb, runs, sizeof *kb, compare_long);
  *median_ms = ms[runs / 2];
  *median_kb = kb[runs / 2];
}

int
main (int   argc,
      char *argv[])
{
  const char *bin = argc > 1 ? argv[1] : NULL;
  gint64 rows = argc > 2 ? g_ascii_strtoll (argv[2], NULL, 10) : 1000000;
  guint runs = argc > 3 ? (guint) g_ascii_strtoull (argv[3], NULL, 10) : 5;
  const char *baseline = argc > 4 ? argv[4] : NULL;
  double ms[G_N_ELEMENTS (configs)], base_ms[G_N_ELEMENTS (configs)];
  long kb[G_N_ELEMENTS (configs)], base_kb[G_N_ELEMENTS (configs)];
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261201);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  gint64 now_ms = g_get_real_time () / 1000;
  gint64 t0 = g_get_monotonic_time ();

  if (bin == NULL || rows < 0 || runs == 0)
    {
      g_printerr ("usage: bench-startup TOLLGATE_BIN [ROWS [RUNS [BASELINE_BIN]]]\n");
      return 2;
    }

  {
    g_autoptr(TgDb) db = tg_bench_open_temp_db (&dir, &error);

    if (db == NULL || tg_bench_fill_usage (db, rand, rows, now_ms - 90 * TG_BENCH_DAY_MS, now_ms, NULL, &error) < 0)
      g_error ("Cannot fill the store: %s", error->message);
  }
  g_print ("Tollgate start-up benchmark: %" G_GINT64_FORMAT " usage rows over 90 days (filled in %.1f s)\n",
           rows, (g_get_monotonic_time () - t0) / 1e6);

  for (guint c = 0; c < G_N_ELEMENTS (configs); c++)
    {
      g_print ("\n%s\n", configs[c].label);
      measure ("tollgate", bin, dir, &configs[c], runs, &ms[c], &kb[c]);
      if (baseline != NULL)
        measure ("baseline", baseline, dir, &configs[c], runs, &base_ms[c], &base_kb[c]);
    }

  g_print ("\nMedians of %u starts:\n\n", runs);
  g_print ("| renderer | Tollgate | bare libadwaita window | Tollgate's own share |\n");
  g_print ("| --- | --- | --- | --- |\n");
  for (guint c = 0; c < G_N_ELEMENTS (configs); c++)
    {
      g_print ("| %s | %.0f ms, %.1f MiB |", configs[c].label, ms[c], kb[c] / 1024.0);
      if (baseline != NULL)
        g_print (" %.0f ms, %.1f MiB | %+.0f ms, %+.1f MiB |\n", base_ms[c], base_kb[c] / 1024.0,
                 ms[c] - base_ms[c], (kb[c] - base_kb[c]) / 1024.0);
      else
        g_print (" – | – |\n");
    }

  tg_bench_remove_folder (dir);
  return 0;
}
