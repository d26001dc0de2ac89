/* main.c: one binary for the window and the command line. */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "tg-application.h"
#include "tg-cli.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TgApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (tg_cli_handles (argc, argv))
    return tg_cli_run (argc, argv);

  app = tg_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
