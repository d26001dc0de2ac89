#include "tg-format.h"
#include "tg-test-utils.h"

static void
test_token_count (void)
{
  static const struct { gint64 tokens; const char *text; } cases[] = {
    { 0, "0" },
    { 999, "999" },
    { 1000, "1K" },
    { 8192, "8K" },
    { 16384, "16K" },
    { 128000, "128K" },
    { 131072, "131K" },
    { 200000, "200K" },
    { 999499, "999K" },
    { 999500, "1M" },
    { 1000000, "1M" },
    { 1048576, "1.05M" },
    { 1100000, "1.1M" },
    { 2000000, "2M" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = tg_format_token_count (cases[i].tokens);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);
  g_test_add_func ("/format/token-count", test_token_count);
  return g_test_run ();
}
