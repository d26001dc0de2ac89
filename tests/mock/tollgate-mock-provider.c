/* tollgate-mock-provider: serve the mock provider's default replies on
 * 127.0.0.1, to try Tollgate without paying a provider. */
#include "tg-mock-provider.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static gboolean
quit_on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(TgMockProvider) mock = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  int port = 0;
  const GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 (0: any free port)", "N" },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                "Serves the OpenAI, Anthropic, Gemini and Ollama wire formats on\n"
                                "127.0.0.1 with canned replies, until SIGINT or SIGTERM.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("tollgate-mock-provider: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (port < 0 || port > G_MAXUINT16)
    {
      g_printerr ("tollgate-mock-provider: --port must be between 0 and 65535\n");
      return EXIT_FAILURE;
    }

  /* Before the URLs go out, so whoever reads them may stop us at once. */
  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit_on_signal, loop);
  g_unix_signal_add (SIGTERM, quit_on_signal, loop);

  mock = tg_mock_provider_new ();
  if (!tg_mock_provider_start (mock, (guint) port, &error))
    {
      g_printerr ("tollgate-mock-provider: %s\n", error->message);
      return EXIT_FAILURE;
    }

  g_print ("tollgate-mock-provider listening on 127.0.0.1:%u\n", tg_mock_provider_get_port (mock));
  for (TgMockFormat format = 0; format < TG_MOCK_N_FORMATS; format++)
    {
      g_autofree char *url = tg_mock_provider_get_base_url (mock, format);

      g_print ("  %-10s %s\n", tg_mock_format_to_string (format), url);
    }
  /* Whoever reads our stdout through a pipe needs the URLs now. */
  fflush (stdout);

  g_main_loop_run (loop);

  tg_mock_provider_stop (mock);
  return EXIT_SUCCESS;
}
