/* tg-cli.h: the command line of the tollgate binary (no GTK, no display needed). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit codes: 0 success, 1 the command failed (store, keyring), 2 bad arguments. */
#define TG_CLI_EXIT_OK      0
#define TG_CLI_EXIT_FAILURE 1
#define TG_CLI_EXIT_USAGE   2

/* TRUE when argv names a command-line action; FALSE when the window should open. */
gboolean tg_cli_handles (int    argc,
                         char **argv);

int      tg_cli_run     (int    argc,
                         char **argv);

G_END_DECLS
