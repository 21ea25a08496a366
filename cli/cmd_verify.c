#include "config.h"
#include "cli.h"
const char usage_verify[] = "usage: vouch verify\n";
int
cmd_verify(int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_err("verify", "not built yet");
	return EX_SOFTWARE;
}
