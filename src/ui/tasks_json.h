/* stacktop tasks --json: schema stacktop.tasks/1. */
#ifndef STACKTOP_TASKS_JSON_H
#define STACKTOP_TASKS_JSON_H

#include "../task_graph.h"

#include <stdio.h>

struct json;

void tasks_json_write(FILE *out, const struct tasks_report *r);

/* key: the tasks of r whose loop runs in thread tid (loop_tid; 0: those of
 * loops not running now), each as tasks --json writes a task: what dump
 * --json --tasks puts under a thread. */
void tasks_json_loop(struct json *j, const char *key, const struct tasks_report *r, int tid);

#endif
