#include "config.h"
#include "cli.h"
const char usage_lint[] = "usage: vouch lint\n";
int
cmd_lint(int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_err("lint", "not built yet");
	return EX_SOFTWARE;
}
