/*
 * timeit: the bench's stopwatch (tests/bench/run.sh). Runs a command N
 * times and prints "MEDIAN_MS MAX_RSS_KIB FAILED_RUNS MEDIAN_CPU_MS": the
 * median wall time (monotonic clock, printed in ms), the largest peak RSS
 * of the children (wait4's ru_maxrss), and the median CPU time (user +
 * system: what a busy machine's run queue does not inflate).
 * /usr/bin/time counts in 10 ms steps, too coarse for commands that take
 * 2 ms.
 *
 *   timeit [-n RUNS] [-p 'SHELL COMMAND'] [-k] -- PROGRAM ARGS...
 *
 * -p runs a shell command before each run (not timed); the program's
 * stdout and stderr go to /dev/null. Exit status 1 when a run fails
 * (non-zero status or signal), unless -k (the peer, opkg-lede, exits
 * non-zero after resolving when the feed has no .ipk files).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 101

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(v[0]), by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One run: wall ms into *ms, CPU ms into *cpu, peak RSS (KiB) into
 * *rss; 0 when it exited 0. */
static int run_once(char **argv, double *ms, double *cpu, long *rss)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	*rss = ru.ru_maxrss;
	*cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	double ms[MAX_RUNS], cpu[MAX_RUNS];
	const char *pre = NULL;
	int runs = 7, keep_going = 0, failed = 0, opt;
	long rss_max = 0;

	while ((opt = getopt(argc, argv, "n:p:k")) != -1) {
		if (opt == 'n')
			runs = atoi(optarg);
		else if (opt == 'p')
			pre = optarg;
		else if (opt == 'k')
			keep_going = 1;
		else
			return 2;
	}
	if (optind >= argc || runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: timeit [-n RUNS] [-p CMD] [-k] -- "
				"PROGRAM ARGS...\n");
		return 2;
	}
	for (int i = 0; i < runs; i++) {
		long rss = 0;

		if (pre && system(pre) != 0) {
			fprintf(stderr, "timeit: '%s' failed\n", pre);
			return 1;
		}
		if (run_once(argv + optind, &ms[i], &cpu[i], &rss) != 0)
			failed++;
		if (rss > rss_max)
			rss_max = rss;
	}
	printf("%.2f %ld %d %.2f\n", median(ms, runs), rss_max, failed,
	       median(cpu, runs));
	return failed && !keep_going ? 1 : 0;
}
