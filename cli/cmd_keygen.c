#include "config.h"
#include "cli.h"
const char usage_keygen[] = "usage: vouch keygen\n";
int
cmd_keygen(int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_err("keygen", "not built yet");
	return EX_SOFTWARE;
}
