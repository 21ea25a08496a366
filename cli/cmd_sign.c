#include "config.h"
#include "cli.h"
const char usage_sign[] = "usage: vouch sign\n";
int
cmd_sign(int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_err("sign", "not built yet");
	return EX_SOFTWARE;
}
