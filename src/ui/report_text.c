#include "report_text.h"

#include "../syscall_names.h"
#include "dump_json.h"
#include "dump_text.h"
#include "text.h"

#include <math.h>
#include <string.h>
#include <time.h>

/* The widest command line we print; JSON carries all of it. */
#define REPORT_CMDLINE_COLUMNS 160

static void
report_text_header(FILE *out, const struct report *r)
{
	const struct system_row *s = &r->system;
	char when[64], up[32], a[16], b[16], c[16], d[16], e[16];
	struct tm tm;

	gmtime_r(&r->taken_at.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(out, "stacktop report %s, over %.2f s, up %s\n", when, r->interval_s,
	        text_uptime(up, sizeof(up), s->uptime_s));
	fprintf(out, "cpu: %s%% user, %s%% sys, %s%% nice, %s%% iowait, %s%% steal (%d CPUs)",
	        text_pct(a, sizeof(a), s->user_pct), text_pct(b, sizeof(b), s->sys_pct),
	        text_pct(c, sizeof(c), s->nice_pct), text_pct(d, sizeof(d), s->iowait_pct),
	        text_pct(e, sizeof(e), s->steal_pct), s->ncpus);
	if (isnan(s->load[0]))
		fprintf(out, "   load -\n");
	else
		fprintf(out, "   load %.2f %.2f %.2f\n", s->load[0], s->load[1], s->load[2]);
	fprintf(out, "mem: %s used of %s, %s available; swap %s used of %s\n",
	        text_kib(a, sizeof(a), s->mem_used_kib), text_kib(b, sizeof(b), s->mem_total_kib),
	        text_kib(c, sizeof(c), s->mem_available_kib),
	        text_kib(d, sizeof(d), s->swap_used_kib),
	        text_kib(e, sizeof(e), s->swap_total_kib));
	fprintf(out, "tasks: %zu process%s, %zu thread%s", s->processes,
	        s->processes == 1 ? "" : "es", s->threads, s->threads == 1 ? "" : "s");
	if (s->running >= 0)
		fprintf(out, "; %lld runnable on the machine", (long long)s->running);
	fputc('\n', out);
}

static void
report_text_process(FILE *out, const struct process_row *p)
{
	char cpu[16], usr[16], sys[16], rss[16], anon[16], file[16], shm[16], swap[16];

	fprintf(out, "\n%7s %-10s %5s %5s %5s %5s %7s %7s %7s %7s %7s %s\n", "PID", "USER", "%CPU",
	        "%USR", "%SYS", "THR", "RSS", "ANON", "FILE", "SHMEM", "SWAP", "COMMAND");
	fprintf(out, "%7d ", p->pid);
	if (p->user[0])
		text_field(out, p->user, strlen(p->user), 10, 1);
	else
		fprintf(out, "%-10lld", (long long)p->uid);
	fprintf(out, " %5s %5s %5s %5lld %7s %7s %7s %7s %7s ",
	        text_pct(cpu, sizeof(cpu), p->cpu_pct), text_pct(usr, sizeof(usr), p->user_pct),
	        text_pct(sys, sizeof(sys), p->sys_pct), (long long)p->thread_count,
	        text_kib(rss, sizeof(rss), p->mem.rss_kib),
	        text_kib(anon, sizeof(anon), p->mem.anon_kib),
	        text_kib(file, sizeof(file), p->mem.file_kib),
	        text_kib(shm, sizeof(shm), p->mem.shmem_kib),
	        text_kib(swap, sizeof(swap), p->mem.swap_kib));
	if (p->cmdline != NULL && p->cmdline_len > 0) {
		text_field(out, p->cmdline, p->cmdline_len, REPORT_CMDLINE_COLUMNS, 0);
	} else {
		/* Kernel threads have no command line; ps shows [comm]. */
		fputc('[', out);
		text_field(out, p->comm, strlen(p->comm), sizeof(p->comm), 0);
		fputc(']', out);
	}
	fputc('\n', out);
}

static void
report_text_thread(FILE *out, const struct thread_row *t)
{
	char cpu[16], usr[16], sys[16], delay[16], vcs[16], ics[16];

	fprintf(out, "  %7d ", t->tid);
	text_field(out, t->name, strlen(t->name), 16, 1);
	snprintf(vcs, sizeof(vcs), isnan(t->ctxsw_voluntary_per_s) ? "-" : "%.0f",
	         t->ctxsw_voluntary_per_s);
	snprintf(ics, sizeof(ics), isnan(t->ctxsw_involuntary_per_s) ? "-" : "%.0f",
	         t->ctxsw_involuntary_per_s);
	fprintf(out, " %c %5s %5s %5s %6s %7s %7s ", text_state(t->state),
	        text_pct(cpu, sizeof(cpu), t->cpu_pct), text_pct(usr, sizeof(usr), t->user_pct),
	        text_pct(sys, sizeof(sys), t->sys_pct),
	        text_pct(delay, sizeof(delay), t->run_delay_pct), vcs, ics);
	text_activity(out, t);
	fputc('\n', out);
}

/* report --stacks: the thread's frames under its row. */
static void
report_text_stack(FILE *out, const struct thread_stack *s)
{
	const char *why;

	if (s == NULL)
		return;
	if ((why = dump_json_thread_error(s->err)) != NULL) {
		fprintf(out, "%11s(no stack: %s)\n", "", why);
		return;
	}
	for (size_t f = 0; f < s->nframes; f++) {
		fprintf(out, "%11s", "");
		dump_text_frame(out, f, &s->frames[f]);
	}
	dump_text_cut(out, 11, s);
}

void
report_text_write(FILE *out, const struct report *r)
{
	report_text_header(out, r);
	for (size_t i = 0; i < r->nprocs; i++) {
		const struct process_row *p = &r->procs[i];

		report_text_process(out, p);
		if (p->python != NULL && p->python->unreadable[0])
			fprintf(out, "  (%s)\n", p->python->unreadable);
		fprintf(out, "  %7s %-16s %c %5s %5s %5s %6s %7s %7s %s\n", "TID", "NAME", 'S',
		        "%CPU", "%USR", "%SYS", "DELAY%", "VCSW/s", "ICSW/s", "SYSCALL (WCHAN)");
		for (size_t t = 0; t < p->nthreads; t++) {
			report_text_thread(out, &p->threads[t]);
			report_text_stack(out, p->threads[t].stack);
		}
		if ((int64_t)p->nthreads < p->thread_count)
			fprintf(out, "  (%lld more threads; -n to list more)\n",
			        (long long)(p->thread_count - (int64_t)p->nthreads));
	}
}
