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

static void
test_count_and_duration (void)
{
  g_autofree char *zero = tg_format_count (0);
  g_autofree char *big = tg_format_count (1234567);
  g_autofree char *none = tg_format_duration (-1);
  g_autofree char *ms = tg_format_duration (850);
  g_autofree char *s = tg_format_duration (1250);

  /* The tests run in the C locale: no thousands separator. */
  g_assert_cmpstr (zero, ==, "0");
  g_assert_cmpstr (big, ==, "1234567");
  g_assert_cmpstr (none, ==, "–");
  g_assert_cmpstr (ms, ==, "850 ms");
  g_assert_cmpstr (s, ==, "1.2 s");
}

static void
test_reply_tokens (void)
{
  g_autofree char *plain = tg_format_reply_tokens (12, 0, 8, FALSE);
  g_autofree char *cached = tg_format_reply_tokens (1200, 200, 340, FALSE);
  g_autofree char *estimated = tg_format_reply_tokens (3, 0, 10, TRUE);

  g_assert_cmpstr (plain, ==, "12 in / 8 out tokens");
  g_assert_cmpstr (cached, ==, "1200 in (200 cached) / 340 out tokens");
  g_assert_cmpstr (estimated, ==, "~3 in / ~10 out tokens");
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);
  g_test_add_func ("/format/token-count", test_token_count);
  g_test_add_func ("/format/count-and-duration", test_count_and_duration);
  g_test_add_func ("/format/reply-tokens", test_reply_tokens);
  return g_test_run ();
}
