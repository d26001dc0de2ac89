/* tg-test-utils.h: what every test binary shares. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* g_test_init() in a throwaway HOME and XDG folders (one set per test binary,
 * removed at exit), so nothing touches the real home folder. */
void  tg_test_init          (int    *argc,
                             char ***argv);

/* A fresh, empty data folder inside the test case's isolated XDG_DATA_HOME,
 * exported as TOLLGATE_DATA_DIR. Call at the start of each test case. */
char *tg_test_make_data_dir (void);

G_END_DECLS
