/* greeter: the bundled example "upstream" project for Mailknight.
 * Prints a greeting read from a file, for the name given on the command line. */
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#ifndef GREETER_VERSION
#define GREETER_VERSION "unknown"
#endif

#define GREETING_FILE "/etc/greeter/greeting.txt"

static void load_greeting(char *out, size_t size)
{
	int fd = open(GREETING_FILE, O_RDONLY);
	ssize_t n = -1;

	if (fd >= 0) {
		n = read(fd, out, size - 1);
		close(fd);
	}
	if (n <= 0) {
		snprintf(out, size, "Hello");
		return;
	}
	out[n] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
}

int main(int argc, char **argv)
{
	char greeting[64];
	char name[32];
	const char *who = argc > 1 ? argv[1] : "world";

	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("greeter %s\n", GREETER_VERSION);
		return 0;
	}
	load_greeting(greeting, sizeof(greeting));
	strcpy(name, who);
	printf("%s, %s!\n", greeting, name);
	return 0;
}
