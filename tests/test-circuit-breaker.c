/* test-circuit-breaker.c: TgCircuitBreaker, the pure state machine, with a
 * clock the test moves by hand. Every transition is checked one call before
 * its threshold (nothing happens) and at it (it happens). */

#include "tg-circuit-breaker.h"
#include "tg-test-utils.h"

#define T0 G_GINT64_CONSTANT (1000000000000)

static TgCircuitBreaker *
breaker_new (guint window_size,
             guint min_calls,
             guint rate,
             guint consecutive,
             guint base_ms,
             guint max_ms,
             guint probes)
{
  TgCircuitBreakerConfig config = { window_size, min_calls, rate, consecutive, base_ms, max_ms, probes };

  return tg_circuit_breaker_new (&config);
}

static void
fail_n (TgCircuitBreaker *breaker,
        guint             n,
        gint64            now)
{
  for (guint i = 0; i < n; i++)
    tg_circuit_breaker_record_failure (breaker, now);
}

static void
succeed_n (TgCircuitBreaker *breaker,
           guint             n,
           gint64            now)
{
  for (guint i = 0; i < n; i++)
    tg_circuit_breaker_record_success (breaker, now);
}

static void
test_state_strings (void)
{
  TgCircuitState state = TG_CIRCUIT_CLOSED;
  g_autofree char *dir = tg_test_make_data_dir ();

  g_assert_cmpstr (tg_circuit_state_to_string (TG_CIRCUIT_CLOSED), ==, "closed");
  g_assert_cmpstr (tg_circuit_state_to_string (TG_CIRCUIT_OPEN), ==, "open");
  g_assert_cmpstr (tg_circuit_state_to_string (TG_CIRCUIT_HALF_OPEN), ==, "half-open");
  g_assert_null (tg_circuit_state_to_string ((TgCircuitState) 7));

  g_assert_true (tg_circuit_state_from_string ("half-open", &state));
  g_assert_cmpint (state, ==, TG_CIRCUIT_HALF_OPEN);
  g_assert_true (tg_circuit_state_from_string ("open", &state));
  g_assert_cmpint (state, ==, TG_CIRCUIT_OPEN);
  g_assert_false (tg_circuit_state_from_string ("Open", &state));
  g_assert_false (tg_circuit_state_from_string ("", &state));
  g_assert_false (tg_circuit_state_from_string (NULL, &state));
  g_assert_cmpint (state, ==, TG_CIRCUIT_OPEN);
}

static void
test_defaults (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCircuitBreaker) breaker = tg_circuit_breaker_new (NULL);
  const TgCircuitBreakerConfig *config = tg_circuit_breaker_get_config (breaker);

  g_assert_cmpuint (config->window_size, ==, 20);
  g_assert_cmpuint (config->min_calls, ==, 5);
  g_assert_cmpuint (config->failure_rate_percent, ==, 50);
  g_assert_cmpuint (config->consecutive_failures, ==, 5);
  g_assert_cmpuint (config->open_base_ms, ==, 30000);
  g_assert_cmpuint (config->open_max_ms, ==, 600000);
  g_assert_cmpuint (config->half_open_probes, ==, 1);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0), ==, TG_CIRCUIT_CLOSED);
  g_assert_true (tg_circuit_breaker_try_acquire (breaker, T0));
  g_assert_cmpint (tg_circuit_breaker_get_open_until (breaker), ==, 0);
  g_assert_cmpuint (tg_circuit_breaker_get_trips (breaker), ==, 0);
}

static void
test_sanitized_config (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  /* Zeros and contradictions become the nearest settings that work. */
  g_autoptr(TgCircuitBreaker) breaker = breaker_new (0, 9, 250, 0, 0, 0, 0);
  const TgCircuitBreakerConfig *config = tg_circuit_breaker_get_config (breaker);

  g_assert_cmpuint (config->window_size, ==, 1);
  g_assert_cmpuint (config->min_calls, ==, 1);
  g_assert_cmpuint (config->failure_rate_percent, ==, 100);
  g_assert_cmpuint (config->open_base_ms, ==, 1);
  g_assert_cmpuint (config->open_max_ms, ==, 1);
  g_assert_cmpuint (config->half_open_probes, ==, 1);

  /* Still a working breaker: one failure fills the window at 100 %. */
  tg_circuit_breaker_record_failure (breaker, T0);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0), ==, TG_CIRCUIT_OPEN);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0 + 1), ==, TG_CIRCUIT_HALF_OPEN);
}

static void
test_consecutive (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  /* Rate tripping off: only the run of failures counts. */
  g_autoptr(TgCircuitBreaker) breaker = breaker_new (10, 10, 0, 3, 1000, 8000, 1);

  /* Two failures, a success, two failures: never three in a row. */
  fail_n (breaker, 2, T0);
  succeed_n (breaker, 1, T0);
  fail_n (breaker, 2, T0);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0), ==, TG_CIRCUIT_CLOSED);
  g_assert_true (tg_circuit_breaker_try_acquire (breaker, T0));

  /* The third in a row trips it, exactly then. */
  tg_circuit_breaker_record_failure (breaker, T0 + 5);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0 + 5), ==, TG_CIRCUIT_OPEN);
  g_assert_cmpint (tg_circuit_breaker_get_open_until (breaker), ==, T0 + 5 + 1000);
  g_assert_cmpuint (tg_circuit_breaker_get_trips (breaker), ==, 1);
  g_assert_false (tg_circuit_breaker_try_acquire (breaker, T0 + 5));
}

static void
test_failure_rate (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  /* 50 % over a window of 10, at least 6 calls; consecutive off. */
  g_autoptr(TgCircuitBreaker) breaker = breaker_new (10, 6, 50, 0, 1000, 8000, 1);

  /* F S F S F: 3 of 5 failed (60 %), but fewer than min_calls outcomes. */
  for (guint i = 0; i < 5; i++)
    {
      if (i % 2 == 0)
        tg_circuit_breaker_record_failure (breaker, T0);
      else
        tg_circuit_breaker_record_success (breaker, T0);
    }
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0), ==, TG_CIRCUIT_CLOSED);

  /* The sixth outcome, a success: 3 of 6 = 50 %, the threshold, with
   * min_calls reached. The rate is judged after every outcome. */
  tg_circuit_breaker_record_success (breaker, T0);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0), ==, TG_CIRCUIT_OPEN);
}

static void
test_failure_rate_threshold_exact (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCircuitBreaker) breaker = breaker_new (10, 4, 50, 0, 1000, 8000, 1);

  /* S S S F: 25 %. S S S F F: 40 %. Then F: 3 of 6 = 50 %: open. */
  succeed_n (breaker, 3, T0);
  fail_n (breaker, 2, T0);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0), ==, TG_CIRCUIT_CLOSED);
  tg_circuit_breaker_record_failure (breaker, T0);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0), ==, TG_CIRCUIT_OPEN);
}

static void
test_window_slides (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  /* A window of 4 at 75 %: old failures leave it. */
  g_autoptr(TgCircuitBreaker) breaker = breaker_new (4, 4, 75, 0, 1000, 8000, 1);

  /* F F S S: 50 %. */
  fail_n (breaker, 2, T0);
  succeed_n (breaker, 2, T0);
  /* F: F S S F; F: S S F F; S: S F F S. Each 50 %. */
  tg_circuit_breaker_record_failure (breaker, T0);
  tg_circuit_breaker_record_failure (breaker, T0);
  tg_circuit_breaker_record_success (breaker, T0);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0), ==, TG_CIRCUIT_CLOSED);
  /* F: F F S F = 75 %. Without sliding it would be 5 of 8. */
  tg_circuit_breaker_record_failure (breaker, T0);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0), ==, TG_CIRCUIT_OPEN);
}

static void
test_default_trips_at_five (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCircuitBreaker) breaker = tg_circuit_breaker_new (NULL);

  /* With the defaults, five failures in a row trip it (both rules agree). */
  fail_n (breaker, 4, T0);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0), ==, TG_CIRCUIT_CLOSED);
  tg_circuit_breaker_record_failure (breaker, T0);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0), ==, TG_CIRCUIT_OPEN);
  g_assert_cmpint (tg_circuit_breaker_get_open_until (breaker), ==, T0 + 30000);
}

static void
test_open_then_half_open (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCircuitBreaker) breaker = breaker_new (10, 10, 0, 2, 1000, 8000, 2);

  fail_n (breaker, 2, T0);
  /* One millisecond before the wait is over: still open, nothing gets through. */
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0 + 999), ==, TG_CIRCUIT_OPEN);
  g_assert_false (tg_circuit_breaker_try_acquire (breaker, T0 + 999));
  /* Outcomes arriving while open change nothing. */
  succeed_n (breaker, 5, T0 + 500);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0 + 999), ==, TG_CIRCUIT_OPEN);

  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0 + 1000), ==, TG_CIRCUIT_HALF_OPEN);
  g_assert_cmpint (tg_circuit_breaker_get_open_until (breaker), ==, 0);

  /* Two probes, then no more until their outcomes arrive. */
  g_assert_true (tg_circuit_breaker_try_acquire (breaker, T0 + 1000));
  g_assert_true (tg_circuit_breaker_try_acquire (breaker, T0 + 1001));
  g_assert_false (tg_circuit_breaker_try_acquire (breaker, T0 + 1002));

  /* One success is not enough with two probes. */
  tg_circuit_breaker_record_success (breaker, T0 + 1100);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0 + 1100), ==, TG_CIRCUIT_HALF_OPEN);
  g_assert_false (tg_circuit_breaker_try_acquire (breaker, T0 + 1100));
  tg_circuit_breaker_record_success (breaker, T0 + 1200);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0 + 1200), ==, TG_CIRCUIT_CLOSED);
  g_assert_cmpuint (tg_circuit_breaker_get_trips (breaker), ==, 0);
  g_assert_true (tg_circuit_breaker_try_acquire (breaker, T0 + 1200));

  /* Closed with an empty window: one failure is not two in a row with the old ones. */
  tg_circuit_breaker_record_failure (breaker, T0 + 1300);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0 + 1300), ==, TG_CIRCUIT_CLOSED);
}

static void
test_growing_wait (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCircuitBreaker) breaker = breaker_new (10, 10, 0, 1, 1000, 5000, 1);
  gint64 now = T0;
  static const gint64 waits[] = { 1000, 2000, 4000, 5000, 5000, 5000 };

  /* Each failed probe re-opens for twice as long, capped at open_max_ms. */
  tg_circuit_breaker_record_failure (breaker, now);
  for (guint i = 0; i < G_N_ELEMENTS (waits); i++)
    {
      g_assert_cmpuint (tg_circuit_breaker_get_trips (breaker), ==, i + 1);
      g_assert_cmpint (tg_circuit_breaker_get_open_until (breaker), ==, now + waits[i]);
      g_assert_cmpint (tg_circuit_breaker_get_state (breaker, now + waits[i] - 1), ==, TG_CIRCUIT_OPEN);
      now += waits[i];
      g_assert_true (tg_circuit_breaker_try_acquire (breaker, now));
      tg_circuit_breaker_record_failure (breaker, now);
    }

  /* A recovery resets the count: the next trip waits the base again. */
  now += 5000;
  g_assert_true (tg_circuit_breaker_try_acquire (breaker, now));
  tg_circuit_breaker_record_success (breaker, now);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, now), ==, TG_CIRCUIT_CLOSED);
  g_assert_cmpuint (tg_circuit_breaker_get_trips (breaker), ==, 0);
  tg_circuit_breaker_record_failure (breaker, now);
  g_assert_cmpint (tg_circuit_breaker_get_open_until (breaker), ==, now + 1000);
}

static void
test_huge_wait_does_not_overflow (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCircuitBreaker) breaker = breaker_new (1, 1, 100, 1, G_MAXUINT / 2, G_MAXUINT, 1);
  gint64 now = T0;

  for (guint i = 0; i < 100; i++)
    {
      tg_circuit_breaker_record_failure (breaker, now);
      g_assert_cmpint (tg_circuit_breaker_get_open_until (breaker), >, now);
      g_assert_cmpint (tg_circuit_breaker_get_open_until (breaker), <=, now + G_MAXUINT);
      now = tg_circuit_breaker_get_open_until (breaker);
    }
  g_assert_cmpuint (tg_circuit_breaker_get_trips (breaker), ==, 100);
}

static void
test_lost_probe (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCircuitBreaker) breaker = breaker_new (10, 10, 0, 1, 1000, 8000, 1);

  tg_circuit_breaker_record_failure (breaker, T0);
  g_assert_true (tg_circuit_breaker_try_acquire (breaker, T0 + 1000));
  g_assert_false (tg_circuit_breaker_try_acquire (breaker, T0 + 1999));
  /* The probe's outcome never came: after open_base_ms another may go. */
  g_assert_true (tg_circuit_breaker_try_acquire (breaker, T0 + 2000));
  g_assert_false (tg_circuit_breaker_try_acquire (breaker, T0 + 2001));
}

static void
test_unacquired_success_in_half_open (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCircuitBreaker) breaker = breaker_new (10, 10, 0, 1, 1000, 8000, 1);

  /* An active health check's success counts as a probe's. */
  tg_circuit_breaker_record_failure (breaker, T0);
  tg_circuit_breaker_record_success (breaker, T0 + 1000);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0 + 1000), ==, TG_CIRCUIT_CLOSED);
}

static void
test_restore (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCircuitBreaker) breaker = breaker_new (10, 10, 0, 2, 1000, 8000, 1);

  /* Some history that the restore must forget. */
  tg_circuit_breaker_record_failure (breaker, T0);

  tg_circuit_breaker_restore (breaker, TG_CIRCUIT_OPEN, T0 + 100);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0 + 1099), ==, TG_CIRCUIT_OPEN);
  g_assert_cmpint (tg_circuit_breaker_get_open_until (breaker), ==, T0 + 1100);
  g_assert_cmpuint (tg_circuit_breaker_get_trips (breaker), ==, 1);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0 + 1100), ==, TG_CIRCUIT_HALF_OPEN);
  /* A failed probe after a restore counts as the second trip. */
  tg_circuit_breaker_record_failure (breaker, T0 + 1100);
  g_assert_cmpint (tg_circuit_breaker_get_open_until (breaker), ==, T0 + 1100 + 2000);

  tg_circuit_breaker_restore (breaker, TG_CIRCUIT_HALF_OPEN, T0);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0), ==, TG_CIRCUIT_HALF_OPEN);
  g_assert_true (tg_circuit_breaker_try_acquire (breaker, T0));
  g_assert_false (tg_circuit_breaker_try_acquire (breaker, T0));
  tg_circuit_breaker_record_success (breaker, T0);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0), ==, TG_CIRCUIT_CLOSED);

  /* CLOSED: an empty window, so one failure does not complete an old run. */
  tg_circuit_breaker_record_failure (breaker, T0);
  tg_circuit_breaker_restore (breaker, TG_CIRCUIT_CLOSED, T0);
  tg_circuit_breaker_record_failure (breaker, T0);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0), ==, TG_CIRCUIT_CLOSED);
  g_assert_cmpuint (tg_circuit_breaker_get_trips (breaker), ==, 0);
  tg_circuit_breaker_record_failure (breaker, T0);
  g_assert_cmpint (tg_circuit_breaker_get_state (breaker, T0), ==, TG_CIRCUIT_OPEN);
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/circuit-breaker/state-strings", test_state_strings);
  g_test_add_func ("/circuit-breaker/defaults", test_defaults);
  g_test_add_func ("/circuit-breaker/sanitized-config", test_sanitized_config);
  g_test_add_func ("/circuit-breaker/consecutive", test_consecutive);
  g_test_add_func ("/circuit-breaker/failure-rate", test_failure_rate);
  g_test_add_func ("/circuit-breaker/failure-rate-exact", test_failure_rate_threshold_exact);
  g_test_add_func ("/circuit-breaker/window-slides", test_window_slides);
  g_test_add_func ("/circuit-breaker/default-trips-at-five", test_default_trips_at_five);
  g_test_add_func ("/circuit-breaker/open-then-half-open", test_open_then_half_open);
  g_test_add_func ("/circuit-breaker/growing-wait", test_growing_wait);
  g_test_add_func ("/circuit-breaker/huge-wait", test_huge_wait_does_not_overflow);
  g_test_add_func ("/circuit-breaker/lost-probe", test_lost_probe);
  g_test_add_func ("/circuit-breaker/unacquired-success", test_unacquired_success_in_half_open);
  g_test_add_func ("/circuit-breaker/restore", test_restore);

  return g_test_run ();
}
