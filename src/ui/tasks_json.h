/* stacktop tasks --json: schema stacktop.tasks/1. */
#ifndef STACKTOP_TASKS_JSON_H
#define STACKTOP_TASKS_JSON_H

#include "../task_graph.h"

#include <stdio.h>

void tasks_json_write(FILE *out, const struct tasks_report *r);

#endif
